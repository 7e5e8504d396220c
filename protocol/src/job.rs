//! Server training jobs as the REST API and the Training page see them: what a job asks for
//! ([`JobRequest`]), where it stands ([`Job`]) and what it reports while it runs
//! ([`JobEvent`]).
//!
//! A job trains one model on a stored dataset version prepared by the version's recipe: the
//! recipe's training part to learn from, its validation part for early stopping, and its test
//! part, touched once at the end, for the figures the registry keeps.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::lab::{ConfigError, Evaluation, LayerWeights, Task, TrainingConfig};
use crate::search::{Parameter, SearchSpec};

/// Stop when the validation loss has not improved by `min_delta` for `patience` epochs, and
/// keep the weights of the best epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping, 1 to 1000.
    pub patience: usize,
    /// Smallest drop of the validation loss that counts as an improvement, at least 0.
    #[serde(default)]
    pub min_delta: f64,
}

/// A bagging ensemble: members trained on bootstrap samples of the training rows, averaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Ensemble {
    /// Members, 2 to 25.
    pub members: usize,
}

/// How the classes of a classifier are weighted in its training loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(untagged)]
pub enum ClassWeights {
    /// `"balanced"`: `rows / (classes × rows of the class)`, as scikit-learn computes it.
    Named(BalancedWeights),
    /// One weight per class, class 0 first.
    Given(Vec<f64>),
}

/// The one named weighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BalancedWeights {
    /// Inversely proportional to class frequency.
    Balanced,
}

impl ClassWeights {
    /// The weights for training labels `labels` of `classes` classes.
    pub fn resolve(&self, labels: &[f32], classes: usize) -> Vec<f64> {
        match self {
            Self::Given(weights) => weights.clone(),
            Self::Named(BalancedWeights::Balanced) => {
                let mut counts = vec![0usize; classes];
                for &label in labels {
                    if let Some(count) = counts.get_mut(label as usize) {
                        *count += 1;
                    }
                }
                counts
                    .iter()
                    .map(|&count| labels.len() as f64 / (classes * count.max(1)) as f64)
                    .collect()
            }
        }
    }
}

/// A training job to queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JobRequest {
    /// The dataset version to train on; its saved recipe (or the default recipe for its
    /// target) prepares the rows and decides the split.
    pub dataset: String,
    /// The column to predict; default the saved recipe's target, or the dataset's target
    /// when it has no recipe. Naming another column refits the recipe for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The registry model the result becomes a version of; default the dataset's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Architecture and hyper-parameters, as in the Lab (`validation_fraction` does not
    /// apply: the recipe's split does).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub training: TrainingConfig,
    /// Early stopping on the validation loss; off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_stopping: Option<EarlyStopping>,
    /// Weights of the classes in the training loss: `"balanced"` (inversely proportional to
    /// their frequency in the training rows) or one number per class. Off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weights: Option<ClassWeights>,
    /// Bagging: train this many members on bootstrap samples and average them. Off when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ensemble: Option<Ensemble>,
    /// k-fold cross-validation on the training rows before the final model: 2 to 20 folds,
    /// each scored by a model trained on the others. Off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
    /// A hyper-parameter search: trials vary `training` over the space, the best by
    /// validation loss is evaluated on the test rows and registered. Off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchSpec>,
}

impl JobRequest {
    /// Checks every setting that does not need the data.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first setting out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.training.validate()?;
        if let Some(search) = &self.search {
            search.validate(&self.training)?;
        }
        if let Some(ensemble) = self.ensemble {
            if !(2..=25).contains(&ensemble.members) {
                return Err(ConfigError {
                    field: "ensemble.members",
                    message: "bag 2 to 25 members".to_owned(),
                });
            }
            if self.search.is_some() {
                return Err(ConfigError {
                    field: "ensemble",
                    message: "search first, then bag the winning settings in a job of its own"
                        .to_owned(),
                });
            }
        }
        if let Some(ClassWeights::Given(weights)) = &self.class_weights {
            let mut training = self.training.clone();
            training.class_weights.clone_from(weights);
            training.validate()?;
        }
        if let Some(folds) = self.folds {
            if !(2..=20).contains(&folds) {
                return Err(ConfigError {
                    field: "folds",
                    message: "cross-validate with 2 to 20 folds".to_owned(),
                });
            }
            if self.search.is_some() {
                return Err(ConfigError {
                    field: "folds",
                    message: "a search selects on the validation rows; cross-validate a \
                              single run"
                        .to_owned(),
                });
            }
        }
        if let Some(stopping) = self.early_stopping {
            if !(1..=1000).contains(&stopping.patience) {
                return Err(ConfigError {
                    field: "early_stopping.patience",
                    message: "wait 1 to 1000 epochs for an improvement".to_owned(),
                });
            }
            if !(stopping.min_delta.is_finite() && stopping.min_delta >= 0.0) {
                return Err(ConfigError {
                    field: "early_stopping.min_delta",
                    message: "the smallest improvement must be a number of at least 0".to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for a worker.
    Queued,
    /// A worker holds its lease and trains it.
    Running,
    /// A search waiting for its running trials.
    Waiting,
    /// Trained, evaluated and registered.
    Succeeded,
    /// Stopped by an error; [`Job::error`] says which.
    Failed,
    /// Cancelled by a person before it finished.
    Cancelled,
}

impl JobStatus {
    /// The name the database and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Running,
            Self::Waiting,
            Self::Succeeded,
            Self::Failed,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }

    /// Whether the job will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Trains one model, evaluates it on the test rows and registers it.
    Train,
    /// Runs trials over a hyper-parameter space and registers the best.
    Search,
    /// One trial of a search: trains and reports its validation loss.
    Trial,
}

impl JobKind {
    /// The name the database and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Search => "search",
            Self::Trial => "trial",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Train, Self::Search, Self::Trial]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// What a finished trial reached, as its search reads it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialOutcome {
    /// The lowest validation loss of any epoch kept.
    pub best_loss: f64,
    /// Validation accuracy or R² with the kept weights.
    pub score: f64,
    /// Epochs trained.
    pub epochs: usize,
    /// The epoch whose weights were kept.
    pub kept_epoch: usize,
    /// Whether the median stopping rule ended it.
    pub pruned: bool,
    /// The kept weights, which the search evaluates and registers if this trial wins.
    pub layers: Vec<LayerWeights>,
}

/// One varied setting of a trial and its value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TrialParam {
    /// The setting.
    pub parameter: Parameter,
    /// Its value in this trial.
    pub value: f64,
}

/// One trial of a search, as its results table shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TrialSummary {
    /// Position in the search, from 0.
    pub index: u32,
    /// The trial's job id.
    pub job: String,
    /// Where it stands.
    pub status: JobStatus,
    /// The value of each varied setting.
    pub params: Vec<TrialParam>,
    /// Its best validation loss, once finished.
    pub best_loss: Option<f64>,
    /// Validation accuracy or R², once finished.
    pub score: Option<f64>,
    /// Epochs it trained.
    pub epochs: usize,
    /// Whether the median stopping rule ended it early.
    pub pruned: bool,
    /// Why it failed.
    pub error: Option<String>,
}

/// What one finished epoch of a job achieved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EpochProgress {
    /// The epoch just finished, counted from 1.
    pub epoch: usize,
    /// Epochs the job runs at most.
    pub epochs: usize,
    /// Mean training loss of the epoch.
    pub train_loss: f32,
    /// Loss on the validation rows after the epoch.
    pub validation_loss: f32,
    /// Validation accuracy (classifiers) or R² (regressors).
    pub validation_score: f64,
    /// Training rows per second over the epoch, validation included.
    pub samples_per_second: f64,
    /// Seconds the epoch took.
    pub seconds: f64,
    /// Estimated seconds until the last epoch, at the pace so far.
    pub seconds_left: f64,
}

/// One entry of a job's log, as `/jobs/{id}/events` streams it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobEvent {
    /// The job changed status; `message` says why when it failed or was cancelled.
    Status {
        /// The new status.
        status: JobStatus,
        /// A sentence for people.
        message: String,
    },
    /// A line of the job's log.
    Log {
        /// A sentence for people.
        message: String,
    },
    /// An epoch finished.
    Epoch(EpochProgress),
}

impl JobEvent {
    /// The SSE event name: `status`, `log` or `epoch`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Status { .. } => "status",
            Self::Log { .. } => "log",
            Self::Epoch(_) => "epoch",
        }
    }
}

/// A job's event with its position in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JobLogEntry {
    /// Position in the job's log, from 1; the SSE event id.
    pub seq: u64,
    /// RFC 3339, UTC.
    pub at: String,
    /// What happened.
    pub event: JobEvent,
}

/// Scores of k-fold cross-validation: accuracy (classifiers) or R² (regressors) per fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CrossValidation {
    /// One score per fold.
    pub scores: Vec<f64>,
    /// Their mean.
    pub mean: f64,
    /// Their standard deviation (population).
    pub std_dev: f64,
}

impl CrossValidation {
    /// The summary of `scores`.
    pub fn of(scores: &[f64]) -> Self {
        let count = scores.len().max(1) as f64;
        let mean = scores.iter().sum::<f64>() / count;
        let variance = scores
            .iter()
            .map(|score| (score - mean).powi(2))
            .sum::<f64>()
            / count;
        Self {
            scores: scores.to_vec(),
            mean,
            std_dev: variance.sqrt(),
        }
    }
}

/// What a finished job produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JobResult {
    /// Figures on the test part, which nothing in training saw.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub test: Evaluation,
    /// Figures on the validation part with the kept weights.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub validation: Evaluation,
    /// k-fold cross-validation scores, when the job asked for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_validation: Option<CrossValidation>,
    /// The epoch whose weights were kept (the last, or the best with early stopping).
    pub best_epoch: usize,
    /// For a search: the winning trial's index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_trial: Option<u32>,
    /// Whether early stopping ended training before the last epoch.
    pub stopped_early: bool,
    /// Seconds spent training and evaluating, over every attempt.
    pub training_seconds: f64,
    /// The registry model the result became a version of.
    pub model: String,
    /// The version number in that model.
    pub version: u32,
}

/// A training job as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Job {
    /// Identifies it in `/api/v1/jobs/{id}`.
    pub id: String,
    /// Who queued it.
    pub owner: String,
    /// Train, search, or a search's trial.
    pub kind: JobKind,
    /// A trial's search.
    pub parent: Option<String>,
    /// What it was asked to do.
    pub request: JobRequest,
    /// The dataset's name and version, for people ("deliveries v3").
    pub dataset_label: String,
    /// What the model predicts.
    pub task: Task,
    /// Where it stands.
    pub status: JobStatus,
    /// Whether a person asked to cancel it while it runs.
    pub cancel_requested: bool,
    /// Epochs finished and kept in its checkpoint; for a search, trials finished.
    pub epochs_done: usize,
    /// Times a worker has taken it up (more than 1 after a crash).
    pub attempts: u32,
    /// The device it trains on, in words, once a worker has it.
    pub device: Option<String>,
    /// The last finished epoch.
    pub progress: Option<EpochProgress>,
    /// What it produced, once it succeeded.
    pub result: Option<JobResult>,
    /// Why it failed or was cancelled.
    pub error: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When a worker first took it up.
    pub started_at: Option<String>,
    /// When it reached a final status.
    pub finished_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Waiting,
            JobStatus::Succeeded,
            JobStatus::Failed,
            JobStatus::Cancelled,
        ] {
            assert_eq!(JobStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(JobStatus::parse("paused"), None);
    }

    #[test]
    fn a_request_needs_only_the_dataset() {
        let request: JobRequest = serde_json::from_str(r#"{"dataset": "v1"}"#).unwrap();
        assert_eq!(request.training, TrainingConfig::default());
        assert_eq!(request.validate(), Ok(()));
    }

    #[test]
    fn out_of_range_settings_name_their_field() {
        let mut request: JobRequest = serde_json::from_str(r#"{"dataset": "v1"}"#).unwrap();
        request.early_stopping = Some(EarlyStopping {
            patience: 0,
            min_delta: 0.0,
        });
        assert_eq!(
            request.validate().unwrap_err().field,
            "early_stopping.patience"
        );

        request.early_stopping = None;
        request.training.learning_rate = 0.0;
        assert_eq!(request.validate().unwrap_err().field, "lr");
    }
}
