//! The card that queues a job: a dataset the viewer can read, the target and model name, the
//! architecture and hyper-parameters (the Lab's defaults), and early stopping.
//!
//! The page checks what it can (numbers that parse) and the server checks the rest, answering
//! with the reason, which the card shows under the form; a queued job opens its own page.

use lepton_protocol::dataset::DatasetVersion;
use lepton_protocol::job::{
    BalancedWeights, ClassWeights, EarlyStopping, Ensemble, Job, JobRequest,
};
use lepton_protocol::lab::{Activation, OptimizerKind, TrainingConfig};
use lepton_protocol::search::{MedianStopping, Parameter, Range, SearchSpec, Strategy};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::http::{self, ApiFailure};
use crate::pages::table::failure_view;

/// The form's fields as typed, before they are read as numbers.
#[derive(Debug, Clone, Copy)]
struct Fields {
    dataset: RwSignal<String>,
    target: RwSignal<String>,
    model: RwSignal<String>,
    hidden: RwSignal<String>,
    activation: RwSignal<String>,
    optimizer: RwSignal<String>,
    learning_rate: RwSignal<String>,
    batch: RwSignal<String>,
    epochs: RwSignal<String>,
    dropout: RwSignal<String>,
    l2: RwSignal<String>,
    seed: RwSignal<String>,
    patience: RwSignal<String>,
    strategy: RwSignal<String>,
    trials: RwSignal<String>,
    parallel: RwSignal<String>,
    lr_min: RwSignal<String>,
    lr_max: RwSignal<String>,
    widths: RwSignal<String>,
    median: RwSignal<bool>,
    members: RwSignal<String>,
    folds: RwSignal<String>,
    balanced: RwSignal<bool>,
}

impl Fields {
    fn new() -> Self {
        let defaults = TrainingConfig::default();
        let text = |value: String| RwSignal::new(value);
        Self {
            dataset: text(String::new()),
            target: text(String::new()),
            model: text(String::new()),
            hidden: text("64,64".to_owned()),
            activation: text("relu".to_owned()),
            optimizer: text("adam".to_owned()),
            learning_rate: text(defaults.learning_rate.to_string()),
            batch: text(defaults.batch_size.to_string()),
            epochs: text(defaults.epochs.to_string()),
            dropout: text("0".to_owned()),
            l2: text("0".to_owned()),
            seed: text(defaults.seed.to_string()),
            patience: text(String::new()),
            strategy: text("none".to_owned()),
            trials: text("8".to_owned()),
            parallel: text("2".to_owned()),
            lr_min: text("0.0001".to_owned()),
            lr_max: text("0.03".to_owned()),
            widths: text("16,64,128".to_owned()),
            median: RwSignal::new(true),
            members: text(String::new()),
            folds: text(String::new()),
            balanced: RwSignal::new(false),
        }
    }

    /// The request the fields describe, or which field does not read as a number.
    fn request(&self) -> Result<JobRequest, String> {
        let optional = |signal: RwSignal<String>| {
            let text = signal.get_untracked().trim().to_owned();
            (!text.is_empty()).then_some(text)
        };

        let dataset = self.dataset.get_untracked();
        if dataset.is_empty() {
            return Err("choose a dataset".to_owned());
        }
        let hidden = self
            .hidden
            .get_untracked()
            .split(',')
            .map(str::trim)
            .filter(|width| !width.is_empty())
            .map(|width| number::<usize>("hidden layers", width.to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        let activation = match self.activation.get_untracked().as_str() {
            "tanh" => Activation::Tanh,
            "sigmoid" => Activation::Sigmoid,
            "gelu" => Activation::Gelu,
            _ => Activation::Relu,
        };
        let optimizer = match self.optimizer.get_untracked().as_str() {
            "sgd" => OptimizerKind::Sgd,
            "adamw" => OptimizerKind::AdamW,
            _ => OptimizerKind::Adam,
        };
        let training = TrainingConfig {
            hidden,
            activation,
            optimizer,
            learning_rate: number("learning rate", self.learning_rate.get_untracked())?,
            batch_size: number("batch size", self.batch.get_untracked())?,
            epochs: number("epochs", self.epochs.get_untracked())?,
            dropout: number("dropout", self.dropout.get_untracked())?,
            l2: number("L2", self.l2.get_untracked())?,
            seed: number("seed", self.seed.get_untracked())?,
            ..TrainingConfig::default()
        };
        let early_stopping = match optional(self.patience) {
            Some(patience) => Some(EarlyStopping {
                patience: number("patience", patience)?,
                min_delta: 0.0,
            }),
            None => None,
        };
        Ok(JobRequest {
            dataset,
            target: optional(self.target),
            model: optional(self.model),
            training,
            early_stopping,
            search: self.search()?,
            ensemble: match optional(self.members) {
                Some(members) => Some(Ensemble {
                    members: number("ensemble members", members)?,
                }),
                None => None,
            },
            folds: match optional(self.folds) {
                Some(folds) => Some(number("folds", folds)?),
                None => None,
            },
            class_weights: self
                .balanced
                .get_untracked()
                .then_some(ClassWeights::Named(BalancedWeights::Balanced)),
        })
    }

    /// The search the search fields describe; `None` for a single run.
    fn search(&self) -> Result<Option<SearchSpec>, String> {
        let strategy = match self.strategy.get_untracked().as_str() {
            "grid" => Strategy::Grid,
            "random" => Strategy::Random,
            "bayesian" => Strategy::Bayesian,
            _ => return Ok(None),
        };
        let widths = self
            .widths
            .get_untracked()
            .split(',')
            .map(str::trim)
            .filter(|width| !width.is_empty())
            .map(|width| number::<f64>("widths", width.to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut space = vec![Range {
            parameter: Parameter::LearningRate,
            values: Vec::new(),
            min: Some(number("lowest learning rate", self.lr_min.get_untracked())?),
            max: Some(number(
                "highest learning rate",
                self.lr_max.get_untracked(),
            )?),
            log: true,
            grid_points: Some(3),
        }];
        if !widths.is_empty() {
            space.push(Range {
                parameter: Parameter::Width,
                values: widths,
                min: None,
                max: None,
                log: false,
                grid_points: None,
            });
        }
        Ok(Some(SearchSpec {
            strategy,
            space,
            trials: number("trials", self.trials.get_untracked())?,
            parallel: number("trials at once", self.parallel.get_untracked())?,
            median_stopping: self.median.get_untracked().then_some(MedianStopping {
                grace_epochs: 3,
                min_trials: 3,
            }),
        }))
    }
}

/// `text` read as a number, or a sentence naming `field`.
fn number<T: std::str::FromStr>(field: &str, text: String) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{field}: '{}' is not a number", text.trim()))
}

/// The card that queues a job.
#[component]
pub(crate) fn JobForm() -> impl IntoView {
    let navigate = use_navigate();
    let datasets = LocalResource::new(|| http::get::<Vec<DatasetVersion>>("/api/v1/datasets"));
    let fields = Fields::new();
    let (failure, set_failure) = signal(None::<ApiFailure>);
    let (sending, set_sending) = signal(false);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = match fields.request() {
            Ok(request) => request,
            Err(message) => {
                set_failure.set(Some(ApiFailure { status: 0, message }));
                return;
            }
        };
        set_failure.set(None);
        set_sending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let answer = http::send_json::<_, Job>("POST", "/api/v1/jobs", &request).await;
            set_sending.set(false);
            match answer {
                Ok(job) => navigate(&format!("/training/{}", job.id), Default::default()),
                Err(error) => set_failure.set(Some(error)),
            }
        });
    };

    let options = move || {
        datasets.get().map(|result| match result {
            Ok(list) => list
                .into_iter()
                .map(|dataset| {
                    let label = format!("{} v{}", dataset.name, dataset.version);
                    view! { <option value=dataset.id>{label}</option> }
                })
                .collect_view()
                .into_any(),
            Err(_) => ().into_any(),
        })
    };

    view! {
        <section class="card" aria-labelledby="new-job-heading">
            <h2 id="new-job-heading">"New training job"</h2>
            <form class="form job-form" on:submit=submit>
                <label>
                    "Dataset"
                    <select name="dataset" required bind:value=fields.dataset>
                        <option value="">"Choose a dataset…"</option>
                        <Suspense fallback=|| ()>{options}</Suspense>
                    </select>
                </label>
                <label>
                    "Target column (default: the recipe's or the dataset's)"
                    <input type="text" name="target" bind:value=fields.target />
                </label>
                <label>
                    "Model name in the registry (default: the dataset's name)"
                    <input type="text" name="model" maxlength="100" bind:value=fields.model />
                </label>
                <label>
                    "Hidden layers (widths, comma-separated)"
                    <input type="text" name="hidden" bind:value=fields.hidden />
                </label>
                <label>
                    "Activation"
                    <select name="activation" bind:value=fields.activation>
                        <option value="relu">"ReLU"</option>
                        <option value="tanh">"tanh"</option>
                        <option value="sigmoid">"sigmoid"</option>
                        <option value="gelu">"GELU"</option>
                    </select>
                </label>
                <label>
                    "Optimizer"
                    <select name="optimizer" bind:value=fields.optimizer>
                        <option value="adam">"Adam"</option>
                        <option value="adamw">"AdamW"</option>
                        <option value="sgd">"SGD with momentum"</option>
                    </select>
                </label>
                <label>
                    "Learning rate"
                    <input type="text" inputmode="decimal" name="lr" bind:value=fields.learning_rate />
                </label>
                <label>
                    "Batch size"
                    <input type="text" inputmode="numeric" name="batch" bind:value=fields.batch />
                </label>
                <label>
                    "Epochs"
                    <input type="text" inputmode="numeric" name="epochs" bind:value=fields.epochs />
                </label>
                <label>
                    "Dropout"
                    <input type="text" inputmode="decimal" name="dropout" bind:value=fields.dropout />
                </label>
                <label>
                    "L2 penalty"
                    <input type="text" inputmode="decimal" name="l2" bind:value=fields.l2 />
                </label>
                <label>
                    "Seed"
                    <input type="text" inputmode="numeric" name="seed" bind:value=fields.seed />
                </label>
                <label>
                    "Early stopping patience in epochs (empty: off)"
                    <input type="text" inputmode="numeric" name="patience" bind:value=fields.patience />
                </label>
                <label>
                    "Bagging: ensemble members (empty: one network)"
                    <input type="text" inputmode="numeric" name="members" bind:value=fields.members />
                </label>
                <label>
                    "Cross-validation folds (empty: none)"
                    <input type="text" inputmode="numeric" name="folds" bind:value=fields.folds />
                </label>
                <label class="checkbox">
                    <input type="checkbox" name="balanced" bind:checked=fields.balanced />
                    "Balance the classes (weights inversely proportional to their frequency)"
                </label>
                <fieldset class="search-fields">
                    <legend>"Hyper-parameter search"</legend>
                    <label>
                        "Search"
                        <select name="strategy" bind:value=fields.strategy>
                            <option value="none">"none: one run with the settings above"</option>
                            <option value="grid">"grid"</option>
                            <option value="random">"random"</option>
                            <option value="bayesian">"Bayesian (TPE)"</option>
                        </select>
                    </label>
                    <label>
                        "Trials"
                        <input type="text" inputmode="numeric" name="trials" bind:value=fields.trials />
                    </label>
                    <label>
                        "Trials at once"
                        <input type="text" inputmode="numeric" name="parallel" bind:value=fields.parallel />
                    </label>
                    <label>
                        "Lowest learning rate (log scale)"
                        <input type="text" inputmode="decimal" name="lr_min" bind:value=fields.lr_min />
                    </label>
                    <label>
                        "Highest learning rate"
                        <input type="text" inputmode="decimal" name="lr_max" bind:value=fields.lr_max />
                    </label>
                    <label>
                        "Hidden widths to try (comma-separated; empty: keep)"
                        <input type="text" name="widths" bind:value=fields.widths />
                    </label>
                    <label class="checkbox">
                        <input type="checkbox" name="median" bind:checked=fields.median />
                        "Stop trials worse than the median early"
                    </label>
                </fieldset>
                <div class="actions">
                    <button type="submit" disabled=move || sending.get()>"Queue job"</button>
                </div>
            </form>
            {move || failure_view(failure.get())}
        </section>
    }
}
