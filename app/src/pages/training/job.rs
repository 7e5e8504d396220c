//! One job's page: status, a progress bar with time left and samples/s, live loss and score
//! curves, the job's log, cancel, and once it succeeded the test figures and a link to the
//! registered model version.
//!
//! Progress arrives as server-sent events from `/api/v1/jobs/{id}/events` (the browser's
//! `EventSource`, which reconnects by itself and resumes after the last event id), so an open
//! page costs the server one connection and no polling by the browser.

use lepton_protocol::job::{EpochProgress, Job, JobEvent, JobLogEntry, JobResult, JobStatus};
use lepton_protocol::lab::{EpochSummary, Task};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::StatusBadge;
use super::trials::TrialsView;
use crate::format;
use crate::http::{self, ApiFailure};
use crate::pages::lab::charts::{EpochChart, EvaluationView};
use crate::pages::table::{failure_view, loaded};

/// What the stream has told the page so far.
#[derive(Debug, Clone, Copy)]
struct Live {
    epochs: RwSignal<Vec<EpochSummary>>,
    last: RwSignal<Option<EpochProgress>>,
    log: RwSignal<Vec<JobLogEntry>>,
    status: RwSignal<Option<JobStatus>>,
}

impl Live {
    fn new() -> Self {
        Self {
            epochs: RwSignal::new(Vec::new()),
            last: RwSignal::new(None),
            log: RwSignal::new(Vec::new()),
            status: RwSignal::new(None),
        }
    }

    /// Takes one entry of the job's log.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code, reason = "browser only"))]
    fn apply(&self, entry: JobLogEntry, task: Task) {
        match &entry.event {
            JobEvent::Epoch(progress) => {
                self.epochs
                    .update(|epochs| epochs.push(summary(progress, task)));
                self.last.set(Some(progress.clone()));
            }
            JobEvent::Status { status, .. } => self.status.set(Some(*status)),
            JobEvent::Log { .. } => {}
        }
        self.log.update(|log| log.push(entry));
    }
}

/// An epoch as the Lab's charts draw it: the score is accuracy for classifiers.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code, reason = "browser only"))]
fn summary(progress: &EpochProgress, task: Task) -> EpochSummary {
    EpochSummary {
        epoch: progress.epoch,
        epochs: progress.epochs,
        train_loss: progress.train_loss,
        validation_loss: progress.validation_loss,
        train_accuracy: None,
        validation_accuracy: task
            .is_classification()
            .then_some(progress.validation_score),
        elapsed_ms: progress.seconds * 1000.0,
        samples_per_second: progress.samples_per_second,
    }
}

/// The page of one job.
#[component]
pub(crate) fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|params| params.get("id").unwrap_or_default());
    let (reload, set_reload) = signal(0_u32);
    let job = LocalResource::new(move || {
        reload.track();
        let id = id();
        async move { http::get::<Job>(&format!("/api/v1/jobs/{id}")).await }
    });
    let live = Live::new();

    // The stream opens once the job is known (its task decides how epochs are drawn) and
    // reloads the job when it reaches a final status, for the result.
    let opened = StoredValue::new(false);
    Effect::new(move |_| {
        let Some(Ok(job)) = job.get() else {
            return;
        };
        if opened.get_value() {
            return;
        }
        opened.set_value(true);
        stream::open(&job.id, job.task, live, move || {
            set_reload.update(|count| *count += 1);
        });
    });

    view! {
        <Title text="Training job" />
        <Suspense fallback=|| view! { <p>"Loading the job…"</p> }>
            {loaded(job, move |job: Job| view! { <JobView job=job live=live /> })}
        </Suspense>
    }
}

#[component]
fn JobView(job: Job, live: Live) -> impl IntoView {
    let (failure, set_failure) = signal(None::<ApiFailure>);
    let epochs = job.request.training.epochs;
    let status = move || live.status.get().unwrap_or(job.status);
    let task = job.task;
    let id = job.id.clone();
    let search = job.request.search.clone();
    let trials_total = search.as_ref().map_or(0, |search| search.trials);

    let cancel = move |_| {
        let id = id.clone();
        spawn_local(async move {
            let path = format!("/api/v1/jobs/{id}/cancel");
            if let Err(error) = http::send_empty::<Job>("POST", &path).await {
                set_failure.set(Some(error));
            }
        });
    };
    let progress = move || {
        if trials_total > 0 {
            return view! {
                <div class="job-progress" role="status">
                    <p class="progress-text" data-testid="job-progress">
                        {format!("{} of at most {trials_total} trials ended", job.epochs_done)}
                    </p>
                </div>
            }
            .into_any();
        }
        let last = live.last.get().or_else(|| job.progress.clone());
        let done = last.as_ref().map_or(job.epochs_done, |last| last.epoch);
        let text = match &last {
            Some(last) if !status().is_final() => format!(
                "epoch {done} of {epochs} · {} samples/s · about {} left",
                format::count(last.samples_per_second as u64),
                format::duration(last.seconds_left)
            ),
            _ => format!("epoch {done} of {epochs}"),
        };
        view! {
            <div class="job-progress" role="status">
                <progress max=epochs.to_string() value=done.to_string()></progress>
                <p class="progress-text" data-testid="job-progress">{text}</p>
            </div>
        }
        .into_any()
    };
    let curves = search.is_none().then(|| {
        view! {
            <section class="card charts" aria-label="Curves">
                <EpochChart
                    epochs=live.epochs
                    kind="loss"
                    pick=|epoch| (Some(epoch.train_loss), Some(epoch.validation_loss))
                    fixed_max=None
                />
                {task.is_classification().then(|| view! {
                    <EpochChart
                        epochs=live.epochs
                        kind="accuracy"
                        pick=|epoch| (None, epoch.validation_accuracy.map(|value| value as f32))
                        fixed_max=Some(1.0)
                    />
                })}
            </section>
        }
    });
    let trials = search.map(|search| {
        let changes = Signal::derive(move || live.log.with(Vec::len));
        view! { <TrialsView id=job.id.clone() search=search changes=changes /> }
    });

    view! {
        <h1>{format!("Training {}", job.dataset_label)}</h1>
        <section class="card">
            <p>
                {move || view! { <StatusBadge status=status() /> }}
                " "
                {format!(
                    "{} · queued by {} at {} · {}",
                    task_name(task),
                    job.owner,
                    format::minute(&job.created_at),
                    job.device.clone().unwrap_or_else(|| "no device yet".to_owned()),
                )}
            </p>
            {progress}
            {job.error.clone().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            <div class="actions">
                <button
                    type="button"
                    class="secondary"
                    on:click=cancel
                    disabled=move || status().is_final()
                >
                    "Cancel job"
                </button>
            </div>
            {move || failure_view(failure.get())}
        </section>
        {curves}
        {trials}
        {job.result.clone().map(result_view)}
        <section class="card" aria-labelledby="log-heading">
            <h2 id="log-heading">"Log"</h2>
            <ol class="job-log" data-testid="job-log">
                {move || live.log.get().into_iter().map(log_line).collect_view()}
            </ol>
        </section>
    }
}

fn task_name(task: Task) -> String {
    match task {
        Task::Binary => "binary classification".to_owned(),
        Task::Multiclass { classes } => format!("{classes}-class classification"),
        Task::Regression => "regression".to_owned(),
    }
}

fn result_view(result: JobResult) -> impl IntoView {
    let winner = result
        .best_trial
        .map(|index| format!(" · trial {index} won the search"))
        .unwrap_or_default();
    let stopping = if result.stopped_early {
        format!("early stopping kept epoch {}", result.best_epoch)
    } else {
        format!("trained {} epochs", result.best_epoch)
    };
    view! {
        <section class="card" aria-labelledby="result-heading" data-testid="job-result">
            <h2 id="result-heading">"Test figures"</h2>
            <p>
                "Registered as "
                <a href=format!("/models/{}", http::encode_component(&result.model))>
                    {format!("{} version {}", result.model, result.version)}
                </a>
                {format!(
                    "{winner} · {stopping} · {} of training",
                    format::duration(result.training_seconds)
                )}
            </p>
            <p class="hint">"Computed once, on rows that neither training nor early stopping saw."</p>
            {result.cross_validation.clone().map(|folds| view! {
                <p data-testid="cross-validation">
                    {format!(
                        "{}-fold cross-validation on the training rows: {} ± {} ({})",
                        folds.scores.len(),
                        format::number(folds.mean, 4),
                        format::number(folds.std_dev, 4),
                        folds
                            .scores
                            .iter()
                            .map(|score| format::number(*score, 3))
                            .collect::<Vec<_>>()
                            .join(", "),
                    )}
                </p>
            })}
            <EvaluationView evaluation=result.test />
        </section>
    }
}

fn log_line(entry: JobLogEntry) -> impl IntoView {
    let text = match entry.event {
        JobEvent::Status { status, message } => format!("{}: {message}", status.as_str()),
        JobEvent::Log { message } => message,
        JobEvent::Epoch(progress) => format!(
            "epoch {}: training loss {}, validation loss {}, score {}",
            progress.epoch,
            format::number(f64::from(progress.train_loss), 4),
            format::number(f64::from(progress.validation_loss), 4),
            format::number(progress.validation_score, 3),
        ),
    };
    view! {
        <li>
            <time>{entry.at.get(11..19).unwrap_or_default().to_owned()}</time>
            " "
            {text}
        </li>
    }
}

/// The browser's `EventSource` on a job's events.
mod stream {
    use lepton_protocol::lab::Task;

    use super::Live;

    /// Opens the stream; `finished` runs once when the job reaches a final status.
    #[cfg(feature = "hydrate")]
    pub(super) fn open(id: &str, task: Task, live: Live, finished: impl Fn() + 'static) {
        use lepton_protocol::job::JobLogEntry;
        use leptos::prelude::{StoredValue, WithValue, on_cleanup};
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(source) = web_sys::EventSource::new(&format!("/api/v1/jobs/{id}/events")) else {
            return;
        };
        let handle = source.clone();
        let on_event =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                let Ok(entry) = serde_json::from_str::<JobLogEntry>(&text) else {
                    return;
                };
                let ended = matches!(
                    &entry.event,
                    lepton_protocol::job::JobEvent::Status { status, .. } if status.is_final()
                );
                live.apply(entry, task);
                if ended {
                    handle.close();
                    finished();
                }
            });
        for name in ["status", "log", "epoch"] {
            let _ =
                source.add_event_listener_with_callback(name, on_event.as_ref().unchecked_ref());
        }
        // The listener lives as long as the page: the stream closes itself at the end.
        on_event.forget();
        let slot = StoredValue::new_local(source);
        on_cleanup(move || {
            let _ = slot.try_with_value(web_sys::EventSource::close);
        });
    }

    /// Server rendering opens nothing.
    #[cfg(not(feature = "hydrate"))]
    pub(super) fn open(_id: &str, _task: Task, _live: Live, _finished: impl Fn() + 'static) {}
}
