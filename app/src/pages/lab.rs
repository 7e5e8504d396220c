//! The Lab page: train the default model on two moons in a Web Worker and watch the losses.
//!
//! Controls for data, architecture and backend, the decision boundary and the evaluation
//! charts arrive with the Lab's own feature; this page proves the worker path end to end.

use lepton_protocol::{EpochSummary, TrainRequest};
#[cfg(feature = "hydrate")]
use lepton_protocol::{LabEvent, LabRequest};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::lab::polyline_points;

/// Where a run stands, as the page shows it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    not(feature = "hydrate"),
    expect(dead_code, reason = "only the browser moves a run past Idle")
)]
enum RunState {
    Idle,
    Loading,
    Training { backend: String },
    Finished { seconds: f64 },
    Failed(String),
}

const CHART_WIDTH: f32 = 480.0;
const CHART_HEIGHT: f32 = 160.0;

/// The Lab page.
#[component]
pub(crate) fn Lab() -> impl IntoView {
    let (epochs, set_epochs) = signal(Vec::<EpochSummary>::new());
    let (state, set_state) = signal(RunState::Idle);
    let request = TrainRequest::default();

    // Effects run only in the browser, so the button stays disabled in the server's HTML
    // until the wasm that handles its click has loaded.
    let (interactive, set_interactive) = signal(false);
    Effect::new(move |_| set_interactive.set(true));
    let busy = move || {
        !interactive.get() || matches!(state.get(), RunState::Loading | RunState::Training { .. })
    };
    let start = start_training(request.clone(), set_epochs, set_state);

    view! {
        <Title text="Lab" />
        <h1>"Lab"</h1>
        <p class="lead">
            "Train a model right here in your browser tab. The work runs in a background worker, "
            "so this page stays responsive."
        </p>
        <section class="card" aria-labelledby="run-heading">
            <h2 id="run-heading">"Two moons, default model"</h2>
            <p>
                {describe(&request)}
            </p>
            <button type="button" class="primary" on:click=start disabled=busy>
                "Train"
            </button>
            <p class="status" role="status" data-testid="lab-status">
                {move || status_text(&state.get())}
            </p>
        </section>
        <section class="card" aria-labelledby="loss-heading">
            <h2 id="loss-heading">"Loss"</h2>
            <LossChart epochs />
            <div class="table-scroll">
                <table class="epochs" data-testid="epochs">
                    <thead>
                        <tr>
                            <th scope="col">"Epoch"</th>
                            <th scope="col">"Training loss"</th>
                            <th scope="col">"Validation loss"</th>
                            <th scope="col">"Validation accuracy"</th>
                            <th scope="col">"Time"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || epochs.get() key=|epoch| epoch.epoch let:epoch>
                            <tr>
                                <td>{format!("{} / {}", epoch.epoch, epoch.epochs)}</td>
                                <td class="train-loss">{format!("{:.4}", epoch.train_loss)}</td>
                                <td class="validation-loss">
                                    {format!("{:.4}", epoch.validation_loss)}
                                </td>
                                <td>{format!("{:.1} %", epoch.validation_accuracy * 100.0)}</td>
                                <td>{format!("{:.0} ms", epoch.elapsed_ms)}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Training and validation loss per epoch as two SVG lines.
#[component]
fn LossChart(epochs: ReadSignal<Vec<EpochSummary>>) -> impl IntoView {
    let series = move |pick: fn(&EpochSummary) -> f32| {
        let epochs = epochs.get();
        let values: Vec<f32> = epochs.iter().map(pick).collect();
        let max = epochs
            .iter()
            .flat_map(|epoch| [epoch.train_loss, epoch.validation_loss])
            .fold(0.0f32, f32::max);
        polyline_points(&values, max, CHART_WIDTH, CHART_HEIGHT)
    };

    view! {
        <svg
            class="chart"
            viewBox=format!("-8 -8 {} {}", CHART_WIDTH + 16.0, CHART_HEIGHT + 16.0)
            role="img"
            aria-label="Training and validation loss by epoch"
        >
            <polyline class="series-train" points=move || series(|epoch| epoch.train_loss) />
            <polyline
                class="series-validation"
                points=move || series(|epoch| epoch.validation_loss)
            />
        </svg>
        <p class="legend">
            <span class="swatch series-train"></span>
            "training "
            <span class="swatch series-validation"></span>
            "validation"
        </p>
    }
}

/// The run's settings in one sentence.
fn describe(request: &TrainRequest) -> String {
    format!(
        "{} points with noise {}, a 64-64-1 network, Adam at learning rate 0.001, batch 32, \
         {} epochs, 20 % held out for validation.",
        request.samples, request.noise, request.epochs,
    )
}

fn status_text(state: &RunState) -> String {
    match state {
        RunState::Idle => "Ready: press Train.".to_owned(),
        RunState::Loading => "Loading the trainer…".to_owned(),
        RunState::Training { backend } => format!("Training on {backend}…"),
        RunState::Finished { seconds } => format!("Finished in {seconds:.1} s."),
        RunState::Failed(message) => format!("Training stopped: {message}"),
    }
}

/// The click handler: starts a worker in the browser; on the server there is nothing to do.
fn start_training(
    request: TrainRequest,
    set_epochs: WriteSignal<Vec<EpochSummary>>,
    set_state: WriteSignal<RunState>,
) -> impl Fn(leptos::ev::MouseEvent) + 'static {
    #[cfg(feature = "hydrate")]
    {
        let worker = StoredValue::new_local(None::<crate::lab::TrainingWorker>);
        on_cleanup(move || worker.with_value(|worker| worker.iter().for_each(|w| w.terminate())));

        move |_| {
            worker.with_value(|worker| worker.iter().for_each(|w| w.terminate()));
            set_epochs.set(Vec::new());
            set_state.set(RunState::Loading);

            let on_event = move |event: LabEvent| apply_event(event, set_epochs, set_state);
            match crate::lab::spawn(&LabRequest::Train(request.clone()), on_event) {
                Ok(started) => worker.set_value(Some(started)),
                Err(error) => set_state.set(RunState::Failed(error.to_string())),
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (request, set_epochs, set_state);
        |_| {}
    }
}

#[cfg(feature = "hydrate")]
fn apply_event(
    event: LabEvent,
    set_epochs: WriteSignal<Vec<EpochSummary>>,
    set_state: WriteSignal<RunState>,
) {
    match event {
        LabEvent::Ready => {}
        LabEvent::Started { backend, .. } => set_state.set(RunState::Training { backend }),
        LabEvent::Epoch(summary) => set_epochs.update(|epochs| epochs.push(summary)),
        LabEvent::Finished { elapsed_ms } => {
            set_state.set(RunState::Finished {
                seconds: elapsed_ms / 1000.0,
            });
        }
        LabEvent::Failed { message } => set_state.set(RunState::Failed(message)),
    }
}
