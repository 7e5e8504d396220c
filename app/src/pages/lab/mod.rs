//! The Lab page: configure an experiment, train it in a Web Worker with burn (WebGPU or the
//! CPU), watch the curves and the decision boundary, read the evaluation, query the model,
//! and save or load it as a file.
//!
//! The experiment lives in the URL (`/lab?data=spirals&hidden=32,32&seed=7`), so a link
//! reproduces a seeded run. The page only draws: the worker trains and renders the heatmap
//! onto a canvas it was handed, so the page stays responsive while it works.

mod actions;
pub(crate) mod charts;
mod controls;
mod plane;
mod state;

use lepton_protocol::lab::{BackendInfo, LabConfig, LabRequest};
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use actions::Actions;
use charts::{EpochChart, EvaluationView};
use controls::Controls;
use plane::Plane;
use state::{ExportFor, LabState, RunState};

use crate::viewer::use_viewer;
use lepton_protocol::account::Role;

/// The registry version a `model=NAME:VERSION` query names.
fn registry_model(query: &str) -> Option<(String, u32)> {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("model="))
        .and_then(|value| {
            let value = percent_decode(value);
            let (name, version) = value.rsplit_once(':')?;
            Some((name.to_owned(), version.parse().ok()?))
        })
}

/// `%XX` escapes and `+` decoded; invalid escapes are kept as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| {
            bytes
                .get(at)
                .and_then(|byte| char::from(*byte).to_digit(16))
                .and_then(|digit| u8::try_from(digit).ok())
        };
        match (bytes[index], hex(index + 1), hex(index + 2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push(high * 16 + low);
                index += 3;
            }
            (b'+', _, _) => {
                decoded.push(b' ');
                index += 1;
            }
            (byte, _, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// The Lab page.
#[component]
pub(crate) fn Lab() -> impl IntoView {
    let search = use_location().search.get_untracked();
    let (config, link_error) = match LabConfig::from_query(&search) {
        Ok(config) => (config, None),
        Err(error) => (
            LabConfig::default(),
            Some(format!(
                "The link's settings were not used ({error}); showing the defaults."
            )),
        ),
    };
    let state = LabState::new(config);
    state.notice.set(link_error);

    let canvas = NodeRef::<Canvas>::new();
    let actions = Actions::new(state, canvas);

    // Effects run only in the browser, so the buttons stay disabled in the server's HTML
    // until the wasm that handles their clicks has loaded.
    let (interactive, set_interactive) = signal(false);
    Effect::new(move |_| set_interactive.set(true));
    // `?model=NAME:VERSION` loads a registry version, as *Load model* loads a file.
    let registry_model = registry_model(&search);
    Effect::new(move |_| {
        if let Some((name, version)) = registry_model.clone() {
            actions.import_registry(&name, version);
        }
    });
    let upload_name = RwSignal::new("lab-model".to_owned());
    Effect::new(move |_| {
        if let Some(text) = state.exported.get() {
            state.exported.set(None);
            match state.export_for.get_untracked() {
                ExportFor::Download => actions.download(&text),
                ExportFor::Upload => actions.upload(text, &upload_name.get_untracked()),
            }
        }
    });
    let can_upload = use_viewer().is_some_and(|viewer| viewer.role >= Role::Editor);

    let ready = move || interactive.get();
    let can_start = move || {
        ready() && !state.is_busy() && state.config.with(|config| config.validate().is_ok())
    };
    let on_point = Callback::new(move |features: Vec<f32>| {
        actions.send(&LabRequest::Predict { features });
    });

    // Each section's view type is erased: the page's whole type is otherwise too deep for the
    // compiler's default recursion limit.
    let setup = view! {
        <section class="card lab-setup" aria-labelledby="setup-heading">
            <h2 id="setup-heading">"Experiment"</h2>
            <Controls state />
            <div class="actions lab-buttons">
                <button
                    type="button"
                    class="primary"
                    on:click=move |_| actions.start()
                    disabled=move || !can_start()
                >
                    "Start"
                </button>
                <button
                    type="button"
                    on:click=move |_| actions.send(&LabRequest::Pause)
                    disabled=move || !ready() || state.run.get() != RunState::Training
                >
                    "Pause"
                </button>
                <button
                    type="button"
                    on:click=move |_| actions.send(&LabRequest::Resume)
                    disabled=move || !ready() || !matches!(state.run.get(), RunState::Paused { .. })
                >
                    "Resume"
                </button>
                <button
                    type="button"
                    on:click=move |_| actions.send(&LabRequest::Stop)
                    disabled=move || {
                        !ready()
                            || !matches!(
                                state.run.get(),
                                RunState::Training | RunState::Paused { .. }
                            )
                    }
                >
                    "Stop"
                </button>
                <button type="button" on:click=move |_| actions.reset() disabled=move || !ready()>
                    "Reset"
                </button>
            </div>
            <p class="status" role="status" data-testid="lab-status">
                {move || status_text(&state)}
            </p>
            <p class="backend" data-testid="lab-backend">
                {move || state.backend.get().map(|backend| backend_text(&backend))}
            </p>
            <p class="lab-notice" data-testid="lab-notice">{move || state.notice.get()}</p>
            <p
                class="throughput"
                data-testid="lab-throughput"
                data-samples-per-second=move || {
                    state.throughput.get().map(|rate| format!("{rate:.1}")).unwrap_or_default()
                }
                data-backend=move || {
                    state.backend.get().map(|backend| backend.kind).unwrap_or_default()
                }
            >
                {move || throughput_text(&state)}
            </p>
        </section>
    }
    .into_any();
    let pictures = view! {
        <div class="lab-grid">
            <section class="card" aria-labelledby="boundary-heading">
                <h2 id="boundary-heading">"Decision boundary"</h2>
                <Show
                    when=move || state.feature_count.get() == 2
                    fallback=|| view! { <p class="hint">"Shown for two-feature data."</p> }
                >
                    <Plane state canvas on_point />
                </Show>
                <p class="hint">"Click the plane to ask the model about that point."</p>
            </section>
            <section class="card" aria-labelledby="curves-heading">
                <h2 id="curves-heading">"Training curves"</h2>
                <EpochChart
                    epochs=state.epochs
                    kind="loss"
                    pick=|epoch| (Some(epoch.train_loss), Some(epoch.validation_loss))
                    fixed_max=None
                />
                <Show when=move || state.task.get().is_classification()>
                    <EpochChart
                        epochs=state.epochs
                        kind="accuracy"
                        pick=|epoch| {
                            (
                                epoch.train_accuracy.map(|a| a as f32),
                                epoch.validation_accuracy.map(|a| a as f32),
                            )
                        }
                        fixed_max=Some(1.0)
                    />
                </Show>
            </section>
        </div>
    }
    .into_any();
    let results = view! {
        <section class="card" aria-labelledby="epochs-heading">
            <h2 id="epochs-heading">"Epochs"</h2>
            <EpochTable state />
        </section>
        <section class="card" aria-labelledby="evaluation-heading">
            <h2 id="evaluation-heading">"Evaluation on the validation rows"</h2>
            {move || match state.evaluation.get() {
                Some(evaluation) => view! { <EvaluationView evaluation /> }.into_any(),
                None => {
                    view! { <p class="hint">"Appears when training finishes."</p> }.into_any()
                }
            }}
        </section>
        <section class="card" aria-labelledby="model-heading">
            <h2 id="model-heading">"Use the model"</h2>
            <PredictForm state actions />
            <div class="actions">
                <button
                    type="button"
                    on:click=move |_| {
                        state.export_for.set(ExportFor::Download);
                        actions.send(&LabRequest::Export);
                    }
                    disabled=move || !ready() || !state.has_model.get() || state.is_busy()
                >
                    "Download model"
                </button>
                <label class="file-button">
                    "Load model"
                    <input
                        type="file"
                        name="model-file"
                        accept=".json,application/json"
                        disabled=move || !ready() || state.is_busy()
                        on:change=move |event| actions.import(&event)
                    />
                </label>
            </div>
            <p class="hint">
                "A model file holds the architecture, the weights, the settings and the \
                 metrics; loading one replaces the current model only if it reads cleanly."
            </p>
            {can_upload.then(|| view! {
                <div class="actions upload-model">
                    <label>
                        "Name on the server"
                        <input name="model-name" bind:value=upload_name />
                    </label>
                    <button
                        type="button"
                        on:click=move |_| {
                            state.export_for.set(ExportFor::Upload);
                            actions.send(&LabRequest::Export);
                        }
                        disabled=move || !ready() || !state.has_model.get() || state.is_busy()
                    >
                        "Save to server"
                    </button>
                </div>
                <p class="upload-result" data-testid="lab-upload" aria-live="polite">
                    {move || state.upload_result.get()}
                </p>
            })}
        </section>
    }
    .into_any();

    view! {
        <Title text="Lab" />
        <h1>"Lab"</h1>
        <p class="lead">
            "Train a model right here in your browser tab, on WebGPU when your browser has it. \
             The work runs in a background worker, so this page stays responsive."
        </p>
        {setup}
        {pictures}
        {results}
    }
}

/// One row per finished epoch.
#[component]
fn EpochTable(state: LabState) -> impl IntoView {
    let percent = |value: Option<f64>| {
        value.map_or_else(|| "–".to_owned(), |value| format!("{:.1} %", value * 100.0))
    };
    view! {
        <div class="table-scroll">
            <table class="epochs" data-testid="epochs">
                <thead>
                    <tr>
                        <th scope="col">"Epoch"</th>
                        <th scope="col">"Training loss"</th>
                        <th scope="col">"Validation loss"</th>
                        <th scope="col">"Training accuracy"</th>
                        <th scope="col">"Validation accuracy"</th>
                        <th scope="col">"Samples/s"</th>
                        <th scope="col">"Time"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || state.epochs.get() key=|epoch| epoch.epoch let:epoch>
                        <tr>
                            <td>{format!("{} / {}", epoch.epoch, epoch.epochs)}</td>
                            <td class="train-loss">{format!("{:.4}", epoch.train_loss)}</td>
                            <td class="validation-loss">
                                {format!("{:.4}", epoch.validation_loss)}
                            </td>
                            <td>{percent(epoch.train_accuracy)}</td>
                            <td class="validation-accuracy">
                                {percent(epoch.validation_accuracy)}
                            </td>
                            <td>{format!("{:.0}", epoch.samples_per_second)}</td>
                            <td>{format!("{:.0} ms", epoch.elapsed_ms)}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// A feature row typed in, and the model's answer.
#[component]
fn PredictForm(state: LabState, actions: Actions) -> impl IntoView {
    let row = RwSignal::new("0.5, 0.25".to_owned());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match parse_row(&row.get_untracked(), state.feature_count.get_untracked()) {
            Ok(features) => actions.send(&LabRequest::Predict { features }),
            Err(message) => state.prediction.set(Some(message)),
        }
    };

    view! {
        <form class="predict" on:submit=submit>
            <label>
                "Feature row"
                <input name="features" bind:value=row />
            </label>
            <button type="submit" disabled=move || !state.has_model.get()>
                "Predict"
            </button>
        </form>
        <p
            class="prediction"
            data-testid="lab-prediction"
            data-answers=move || state.predictions.get().to_string()
            aria-live="polite"
        >
            {move || state.prediction.get()}
        </p>
    }
}

/// Parses a comma-separated row of `width` numbers.
fn parse_row(text: &str, width: usize) -> Result<Vec<f32>, String> {
    let values: Vec<f32> = text
        .split(',')
        .map(|value| value.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .map_err(|_| "Enter numbers separated by commas.".to_owned())?;
    if values.len() != width {
        return Err(format!(
            "This model takes {width} features; you entered {}.",
            values.len()
        ));
    }
    if !values.iter().all(|value| value.is_finite()) {
        return Err("Every feature must be a finite number.".to_owned());
    }
    Ok(values)
}

fn status_text(state: &LabState) -> String {
    match state.run.get() {
        RunState::Idle => "Ready: press Start.".to_owned(),
        RunState::Loading => "Loading the trainer…".to_owned(),
        RunState::Training => {
            let epochs = state.config.with(|config| config.training.epochs);
            let epoch = state
                .progress
                .with(|progress| progress.as_ref().map_or(1, |p| p.epoch));
            format!("Training: epoch {} of {epochs}…", epoch.min(epochs))
        }
        RunState::Paused { epoch } => format!("Paused in epoch {epoch}. Press Resume to go on."),
        RunState::Finished {
            epochs,
            stopped: false,
            seconds,
        } => format!("Finished {epochs} epochs in {seconds:.1} s."),
        RunState::Finished { epochs, .. } => format!("Stopped after {epochs} epochs."),
        RunState::Loaded { epochs } => {
            format!("Loaded a model trained for {epochs} epochs.")
        }
        RunState::Failed(message) => format!("Training stopped: {message}"),
    }
}

fn backend_text(backend: &BackendInfo) -> String {
    match &backend.adapter {
        Some(adapter) => {
            let software = if backend.fallback_adapter {
                " (a software adapter: fine for checking, slow)"
            } else {
                ""
            };
            format!("Backend: WebGPU on {adapter}{software}.")
        }
        None => format!("Backend: CPU (burn in wasm), because {}.", backend.reason),
    }
}

fn throughput_text(state: &LabState) -> Option<String> {
    if let Some(rate) = state.throughput.get() {
        return Some(format!(
            "{} training samples per second over the run.",
            grouped(rate)
        ));
    }
    state.progress.get().map(|progress| {
        format!(
            "{} samples/s · {:.0} steps/s",
            grouped(progress.samples_per_second),
            progress.steps_per_second
        )
    })
}

/// A rate rounded to a whole number with thin spaces between thousands.
fn grouped(rate: f64) -> String {
    let digits = format!("{:.0}", rate.max(0.0));
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_parse_and_explain_mistakes() {
        assert_eq!(parse_row("0.5, -1", 2), Ok(vec![0.5, -1.0]));
        assert_eq!(
            parse_row("1,2,3", 2),
            Err("This model takes 2 features; you entered 3.".to_owned())
        );
        assert!(parse_row("a,b", 2).is_err());
    }

    #[test]
    fn rates_are_grouped_by_thousands() {
        assert_eq!(grouped(1234567.4), "1\u{2009}234\u{2009}567");
        assert_eq!(grouped(999.0), "999");
    }
}
