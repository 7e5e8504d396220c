//! The Lab's settings: data, model, optimiser and backend, bound to the page's [`LabConfig`].
//!
//! A field that does not parse keeps the previous value and says so; a value that parses but
//! is out of range is reported by [`LabConfig::validate`] under the form, and Start stays
//! disabled until it is fixed.

use std::str::FromStr;

use lepton_protocol::dataset::DatasetVersion;
use lepton_protocol::lab::{
    Activation, BackendChoice, DataSource, LabConfig, OptimizerKind, ToySet, TrainingConfig,
};
use leptos::prelude::*;

use super::state::LabState;
use crate::http;
use crate::viewer::use_viewer;

/// The `data` select's value for a stored dataset version.
const DATASET_PREFIX: &str = "dataset:";

/// The settings form.
#[component]
pub(crate) fn Controls(state: LabState) -> impl IntoView {
    let config = state.config;
    let (field_error, set_field_error) = signal(None::<String>);

    // Signed-in people may also train on any dataset version they can read.
    let signed_in = use_viewer().is_some();
    let datasets = LocalResource::new(move || async move {
        if signed_in {
            http::get::<Vec<DatasetVersion>>("/api/v1/datasets")
                .await
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    });
    let chosen_dataset = move || {
        config.with(|config| match &config.data {
            DataSource::Dataset { id } => Some(id.clone()),
            DataSource::Toy { .. } => None,
        })
    };
    let is_toy = move || chosen_dataset().is_none();

    let training = move |apply: fn(&mut TrainingConfig, f64)| {
        move |value: f64| config.update(|config| apply(&mut config.training, value))
    };
    let toy = move |apply: fn(&mut ToySet, &mut usize, &mut f32, f64)| {
        move |value: f64| {
            config.update(|config| {
                if let DataSource::Toy {
                    set,
                    samples,
                    noise,
                } = &mut config.data
                {
                    apply(set, samples, noise, value);
                }
            });
        }
    };
    let read = move |pick: fn(&LabConfig) -> String| move || config.with(pick);
    let choose = move |value: String| {
        let data = match value.strip_prefix(DATASET_PREFIX) {
            Some(id) => DataSource::Dataset { id: id.to_owned() },
            None => {
                let Some(set) = ToySet::parse(&value) else {
                    return;
                };
                match config.with_untracked(|config| config.data.clone()) {
                    DataSource::Toy { samples, noise, .. } => DataSource::Toy {
                        set,
                        samples,
                        noise,
                    },
                    DataSource::Dataset { .. } => {
                        let (_, samples, noise) = DataSource::DEFAULT_TOY;
                        DataSource::Toy {
                            set,
                            samples,
                            noise,
                        }
                    }
                }
            }
        };
        config.update(|config| config.data = data);
    };
    let toy_value = move |pick: fn(usize, f32) -> String| {
        move || {
            config.with(|config| match &config.data {
                DataSource::Toy { samples, noise, .. } => pick(*samples, *noise),
                DataSource::Dataset { .. } => String::new(),
            })
        }
    };

    let data = view! {
            <div class="control-group">
                <h3>"Data"</h3>
                <label>
                    "Data set"
                    <select name="data" on:change=move |event| choose(event_target_value(&event))>
                        {ToySet::ALL
                            .into_iter()
                            .map(|set| {
                                let selected = move || {
                                    config.with(|config| {
                                        matches!(
                                            &config.data,
                                            DataSource::Toy { set: s, .. } if *s == set
                                        )
                                    })
                                };
                                view! {
                                    <option value=set.as_str() selected=selected>
                                        {set.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                        <Suspense>
                            {move || {
                                datasets
                                    .get()
                                    .filter(|list| !list.is_empty())
                                    .map(|list| dataset_options(list, chosen_dataset))
                            }}
                        </Suspense>
                    </select>
                </label>
                <Show
                    when=is_toy
                    fallback=|| {
                        view! {
                            <p class="hint">
                                "The dataset's saved recipe prepares and splits its rows."
                            </p>
                        }
                    }
                >
                    <NumberField
                        label="Points"
                        name="samples"
                        step="100"
                        value=toy_value(|samples, _| samples.to_string())
                        on_value=toy(|_, samples, _, v| *samples = v as usize)
                        on_error=set_field_error
                    />
                    <NumberField
                        label="Noise"
                        name="noise"
                        step="0.05"
                        value=toy_value(|_, noise| noise.to_string())
                        on_value=toy(|_, _, noise, v| *noise = v as f32)
                        on_error=set_field_error
                    />
                </Show>
            </div>
    }
    .into_any();
    let model = view! {
            <div class="control-group">
                <h3>"Model"</h3>
                <label>
                    "Hidden layers"
                    <input
                        name="hidden"
                        inputmode="numeric"
                        prop:value=read(|c| {
                            let widths: Vec<String> =
                                c.training.hidden.iter().map(usize::to_string).collect();
                            widths.join(",")
                        })
                        on:change=move |event| {
                            match parse_widths(&event_target_value(&event)) {
                                Ok(hidden) => {
                                    set_field_error.set(None);
                                    config.update(|config| config.training.hidden = hidden);
                                }
                                Err(message) => set_field_error.set(Some(message)),
                            }
                        }
                    />
                    <span class="hint">"Widths, input side first, for example 64,64"</span>
                </label>
                <ChoiceField
                    label="Activation"
                    name="activation"
                    choices=Activation::ALL.iter().map(|a| (a.as_str(), a.as_str())).collect()
                    current=read(|c| c.training.activation.as_str().to_owned())
                    on_choice=move |name: String| {
                        if let Some(activation) = Activation::parse(&name) {
                            config.update(|config| config.training.activation = activation);
                        }
                    }
                />
                <NumberField
                    label="Dropout"
                    name="dropout"
                    step="0.05"
                    value=read(|c| c.training.dropout.to_string())
                    on_value=training(|t, v| t.dropout = v)
                    on_error=set_field_error
                />
                <NumberField
                    label="L1"
                    name="l1"
                    step="0.0001"
                    value=read(|c| c.training.l1.to_string())
                    on_value=training(|t, v| t.l1 = v)
                    on_error=set_field_error
                />
                <NumberField
                    label="L2"
                    name="l2"
                    step="0.0001"
                    value=read(|c| c.training.l2.to_string())
                    on_value=training(|t, v| t.l2 = v)
                    on_error=set_field_error
                />
            </div>
    }
    .into_any();
    let optimiser = view! {
            <div class="control-group">
                <h3>"Training"</h3>
                <ChoiceField
                    label="Optimizer"
                    name="optimizer"
                    choices=OptimizerKind::ALL
                        .iter()
                        .map(|o| (o.as_str(), optimizer_label(*o)))
                        .collect()
                    current=read(|c| c.training.optimizer.as_str().to_owned())
                    on_choice=move |name: String| {
                        if let Some(optimizer) = OptimizerKind::parse(&name) {
                            config.update(|config| config.training.optimizer = optimizer);
                        }
                    }
                />
                <NumberField
                    label="Learning rate"
                    name="lr"
                    step="0.0001"
                    value=read(|c| c.training.learning_rate.to_string())
                    on_value=training(|t, v| t.learning_rate = v)
                    on_error=set_field_error
                />
                <Show when=move || config.with(|c| c.training.optimizer == OptimizerKind::Sgd)>
                    <NumberField
                        label="Momentum"
                        name="momentum"
                        step="0.05"
                        value=read(|c| c.training.momentum.to_string())
                        on_value=training(|t, v| t.momentum = v)
                        on_error=set_field_error
                    />
                </Show>
                <Show when=move || config.with(|c| c.training.optimizer == OptimizerKind::AdamW)>
                    <NumberField
                        label="Weight decay"
                        name="weight_decay"
                        step="0.001"
                        value=read(|c| c.training.weight_decay.to_string())
                        on_value=training(|t, v| t.weight_decay = v)
                        on_error=set_field_error
                    />
                </Show>
                <NumberField
                    label="Batch size"
                    name="batch"
                    step="1"
                    value=read(|c| c.training.batch_size.to_string())
                    on_value=training(|t, v| t.batch_size = v as usize)
                    on_error=set_field_error
                />
                <NumberField
                    label="Epochs"
                    name="epochs"
                    step="1"
                    value=read(|c| c.training.epochs.to_string())
                    on_value=training(|t, v| t.epochs = v as usize)
                    on_error=set_field_error
                />
                <NumberField
                    label="Validation share"
                    name="validation"
                    step="0.05"
                    value=read(|c| c.training.validation_fraction.to_string())
                    on_value=training(|t, v| t.validation_fraction = v as f32)
                    on_error=set_field_error
                />
                <NumberField
                    label="Seed"
                    name="seed"
                    step="1"
                    value=read(|c| c.training.seed.to_string())
                    on_value=training(|t, v| t.seed = v as u64)
                    on_error=set_field_error
                />
                <ChoiceField
                    label="Backend"
                    name="backend"
                    choices=vec![("auto", "WebGPU if available"), ("cpu", "CPU only")]
                    current=read(|c| c.backend.as_str().to_owned())
                    on_choice=move |name: String| {
                        if let Some(backend) = BackendChoice::parse(&name) {
                            config.update(|config| config.backend = backend);
                        }
                    }
                />
            </div>
    }
    .into_any();

    view! {
        <fieldset class="lab-controls" disabled=move || state.is_busy()>
            <legend>"Settings"</legend>
            {data}
            {model}
            {optimiser}
        </fieldset>
        <p class="form-error" role="alert" data-testid="lab-config-error">
            {move || {
                field_error
                    .get()
                    .or_else(|| {
                        config.with(|config| config.validate().err().map(|e| e.to_string()))
                    })
            }}
        </p>
    }
}

/// The stored datasets as options of the data select.
fn dataset_options(
    list: Vec<DatasetVersion>,
    chosen: impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <optgroup label="Stored datasets">
            {list
                .into_iter()
                .map(|dataset| {
                    let id = dataset.id.clone();
                    let selected = move || chosen().as_deref() == Some(id.as_str());
                    view! {
                        <option value=format!("{DATASET_PREFIX}{}", dataset.id) selected=selected>
                            {format!(
                                "{} v{} ({} rows)",
                                dataset.name,
                                dataset.version,
                                dataset.rows,
                            )}
                        </option>
                    }
                })
                .collect_view()}
        </optgroup>
    }
}

/// A labelled number input; a value that does not parse is reported through `on_error`.
#[component]
fn NumberField(
    label: &'static str,
    name: &'static str,
    step: &'static str,
    value: impl Fn() -> String + Send + Sync + 'static,
    on_value: impl Fn(f64) + Send + Sync + 'static,
    on_error: WriteSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input
                type="number"
                name=name
                step=step
                prop:value=value
                on:change=move |event| {
                    match f64::from_str(event_target_value(&event).trim()) {
                        Ok(number) if number.is_finite() => {
                            on_error.set(None);
                            on_value(number);
                        }
                        _ => on_error.set(Some(format!("{label}: enter a number"))),
                    }
                }
            />
        </label>
    }
}

/// A labelled select.
#[component]
fn ChoiceField(
    label: &'static str,
    name: &'static str,
    choices: Vec<(&'static str, &'static str)>,
    current: impl Fn() -> String + Copy + Send + Sync + 'static,
    on_choice: impl Fn(String) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <select name=name on:change=move |event| on_choice(event_target_value(&event))>
                {choices
                    .into_iter()
                    .map(|(value, text)| {
                        view! {
                            <option value=value selected=move || current() == value>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

fn optimizer_label(optimizer: OptimizerKind) -> &'static str {
    match optimizer {
        OptimizerKind::Sgd => "SGD with momentum",
        OptimizerKind::Adam => "Adam",
        OptimizerKind::AdamW => "AdamW",
    }
}

/// Parses "64,64" (spaces allowed; empty means no hidden layer).
fn parse_widths(text: &str) -> Result<Vec<usize>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|width| {
            width
                .trim()
                .parse::<usize>()
                .map_err(|_| format!("Hidden layers: `{}` is not a whole number", width.trim()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_parse_with_spaces_and_report_the_bad_one() {
        assert_eq!(parse_widths(" 64, 32 ,8"), Ok(vec![64, 32, 8]));
        assert_eq!(parse_widths(""), Ok(vec![]));
        assert_eq!(
            parse_widths("64,x"),
            Err("Hidden layers: `x` is not a whole number".to_owned())
        );
    }
}
