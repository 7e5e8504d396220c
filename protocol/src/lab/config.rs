//! What a Lab experiment is made of: the data, the model, its training and the backend.
//!
//! The page builds a [`LabConfig`] from its controls and from the URL (so a link reproduces a
//! seeded experiment), checks it with [`LabConfig::validate`] before anything starts, and the
//! worker and the server's training code read the same [`TrainingConfig`].

use serde::{Deserialize, Serialize};

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// Two classes, one sigmoid output, binary cross-entropy.
    Binary,
    /// `classes` classes (at least 3), softmax outputs, cross-entropy.
    Multiclass {
        /// How many classes, numbered from 0.
        classes: usize,
    },
    /// One real number, mean squared error.
    Regression,
}

/// The non-linearity between hidden layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// max(0, x).
    Relu,
    /// The hyperbolic tangent.
    Tanh,
    /// The logistic function.
    Sigmoid,
    /// The Gaussian error linear unit (exact, with erf).
    Gelu,
}

/// The optimiser's algorithm; its extra settings live in [`TrainingConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Stochastic gradient descent with [`TrainingConfig::momentum`].
    Sgd,
    /// Adam (Kingma and Ba, 2015).
    Adam,
    /// Adam with decoupled weight decay [`TrainingConfig::weight_decay`] (Loshchilov and
    /// Hutter, 2019).
    AdamW,
}

/// Where the tab trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
    /// WebGPU when the browser offers an adapter, burn's CPU backend otherwise.
    #[default]
    Auto,
    /// burn's CPU backend even where WebGPU exists.
    Cpu,
}

/// A generated two-dimensional toy set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToySet {
    /// Two interleaving half circles (binary).
    Moons,
    /// Two concentric circles (binary).
    Circles,
    /// The four quadrants of XOR (binary).
    Xor,
    /// Two interleaved spirals (binary).
    Spirals,
    /// Two Gaussian blobs (binary).
    Blobs,
    /// Three Gaussian blobs (multi-class).
    ThreeBlobs,
    /// A smooth wave surface over the plane (regression).
    Waves,
}

/// The rows a run trains on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum DataSource {
    /// Generated in the worker from a seed.
    Toy {
        /// Which set.
        set: ToySet,
        /// How many points.
        samples: usize,
        /// Standard deviation of the Gaussian noise added to each point.
        noise: f32,
    },
    /// A stored dataset version, prepared by its recipe on the server; its split is the
    /// recipe's (the validation share setting does not apply).
    Dataset {
        /// The version's id.
        id: String,
    },
}

/// Hyper-parameters of one training run, shared by the tab and the server. A field left out
/// of JSON takes its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingConfig {
    /// Width of each hidden layer, input side first. Default `[64, 64]`.
    pub hidden: Vec<usize>,
    /// Non-linearity after each hidden layer. Default ReLU.
    pub activation: Activation,
    /// Probability of zeroing a hidden unit during training, in `[0, 0.9]`. Default 0.
    pub dropout: f64,
    /// Weight of the L1 penalty on the weights (not the biases). Default 0.
    pub l1: f64,
    /// Weight of the L2 penalty on the weights (not the biases). Default 0.
    pub l2: f64,
    /// Default Adam.
    pub optimizer: OptimizerKind,
    /// SGD's momentum, in `[0, 1)`. Default 0.9.
    pub momentum: f64,
    /// AdamW's decoupled weight decay. Default 0.01.
    pub weight_decay: f64,
    /// Step size. Default 0.001.
    pub learning_rate: f64,
    /// Rows per optimiser step. Default 32.
    pub batch_size: usize,
    /// Passes over the training rows. Default 10.
    pub epochs: usize,
    /// Share of rows held out for validation. Default 0.2.
    pub validation_fraction: f32,
    /// Seeds the data, the split, the weights, dropout and the batch order. Default 42.
    pub seed: u64,
    /// One weight per class, class 0 first, multiplying each row's training loss (for
    /// imbalanced classes); empty (the default) weighs every row alike.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub class_weights: Vec<f64>,
}

/// A whole Lab experiment: what the URL carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabConfig {
    /// The rows.
    pub data: DataSource,
    /// How to train.
    pub training: TrainingConfig,
    /// Where to train.
    pub backend: BackendChoice,
}

/// A setting out of range: the field and a sentence the person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    /// The setting's name as the URL spells it.
    pub field: &'static str,
    /// What is allowed.
    pub message: String,
}

/// Most hidden layers a network may have.
pub const MAX_LAYERS: usize = 8;
/// Widest hidden layer.
pub const MAX_WIDTH: usize = 1024;
/// Most epochs of one run.
pub const MAX_EPOCHS: usize = 1000;
/// Largest batch.
pub const MAX_BATCH: usize = 8192;
/// Most rows a tab trains on; beyond it the page offers server training.
pub const MAX_ROWS: usize = 100_000;
/// Most features per row a tab trains on.
pub const MAX_FEATURES: usize = 100;
/// Fewest rows worth splitting.
pub const MIN_ROWS: usize = 10;

impl Default for TrainingConfig {
    fn default() -> Self {
        Self {
            hidden: vec![64, 64],
            activation: Activation::Relu,
            dropout: 0.0,
            l1: 0.0,
            l2: 0.0,
            optimizer: OptimizerKind::Adam,
            momentum: 0.9,
            weight_decay: 0.01,
            learning_rate: 1e-3,
            batch_size: 32,
            epochs: 10,
            validation_fraction: 0.2,
            seed: 42,
            class_weights: Vec::new(),
        }
    }
}

impl DataSource {
    /// The toy set, size and noise a new experiment starts with.
    pub const DEFAULT_TOY: (ToySet, usize, f32) = (ToySet::Moons, 1000, 0.1);
}

impl Default for LabConfig {
    fn default() -> Self {
        let (set, samples, noise) = DataSource::DEFAULT_TOY;
        Self {
            data: DataSource::Toy {
                set,
                samples,
                noise,
            },
            training: TrainingConfig::default(),
            backend: BackendChoice::Auto,
        }
    }
}

fn out_of_range(field: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        field,
        message: message.into(),
    }
}

fn check(ok: bool, field: &'static str, message: &str) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(out_of_range(field, message))
    }
}

impl TrainingConfig {
    /// Checks every field's range.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check(
            self.hidden.len() <= MAX_LAYERS,
            "hidden",
            &format!("at most {MAX_LAYERS} hidden layers"),
        )?;
        check(
            self.hidden
                .iter()
                .all(|&width| (1..=MAX_WIDTH).contains(&width)),
            "hidden",
            &format!("each hidden layer needs 1 to {MAX_WIDTH} units"),
        )?;
        check(
            (0.0..=0.9).contains(&self.dropout),
            "dropout",
            "between 0 and 0.9",
        )?;
        check((0.0..=1.0).contains(&self.l1), "l1", "between 0 and 1")?;
        check((0.0..=1.0).contains(&self.l2), "l2", "between 0 and 1")?;
        check(
            (0.0..1.0).contains(&self.momentum),
            "momentum",
            "at least 0 and below 1",
        )?;
        check(
            (0.0..=1.0).contains(&self.weight_decay),
            "weight_decay",
            "between 0 and 1",
        )?;
        check(
            self.learning_rate.is_finite() && self.learning_rate > 0.0,
            "lr",
            "the learning rate must be a positive number",
        )?;
        check(
            (1..=MAX_BATCH).contains(&self.batch_size),
            "batch",
            &format!("the batch size must be 1 to {MAX_BATCH}"),
        )?;
        check(
            (1..=MAX_EPOCHS).contains(&self.epochs),
            "epochs",
            &format!("train for 1 to {MAX_EPOCHS} epochs"),
        )?;
        check(
            (0.05..=0.5).contains(&self.validation_fraction),
            "validation",
            "hold out between 0.05 and 0.5 of the rows",
        )?;
        check(
            self.class_weights.len() != 1
                && self
                    .class_weights
                    .iter()
                    .all(|weight| weight.is_finite() && *weight > 0.0 && *weight <= 1000.0),
            "class_weights",
            "one weight above 0 and at most 1000 per class",
        )
    }
}

impl LabConfig {
    /// Checks the data source and the hyper-parameters.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first setting out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match &self.data {
            DataSource::Toy { samples, noise, .. } => {
                check(
                    (MIN_ROWS..=MAX_ROWS).contains(samples),
                    "samples",
                    &format!(
                        "choose {MIN_ROWS} to {MAX_ROWS} points; larger data trains on the \
                         server (Training page)"
                    ),
                )?;
                check(
                    noise.is_finite() && (0.0..=2.0).contains(noise),
                    "noise",
                    "between 0 and 2",
                )?;
            }
            DataSource::Dataset { id } => check(
                !id.is_empty()
                    && id.len() <= 64
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "data",
                "not a dataset id",
            )?,
        }
        self.training.validate()
    }

    /// The task the data source implies; a stored dataset's is known once it is fetched.
    pub fn task(&self) -> Option<Task> {
        match &self.data {
            DataSource::Toy { set, .. } => Some(set.task()),
            DataSource::Dataset { .. } => None,
        }
    }
}

impl ToySet {
    /// Every set, in the order the page lists them.
    pub const ALL: [Self; 7] = [
        Self::Moons,
        Self::Circles,
        Self::Xor,
        Self::Spirals,
        Self::Blobs,
        Self::ThreeBlobs,
        Self::Waves,
    ];

    /// The name used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Moons => "moons",
            Self::Circles => "circles",
            Self::Xor => "xor",
            Self::Spirals => "spirals",
            Self::Blobs => "blobs",
            Self::ThreeBlobs => "three-blobs",
            Self::Waves => "waves",
        }
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Self::Moons => "Two moons",
            Self::Circles => "Circles",
            Self::Xor => "XOR",
            Self::Spirals => "Spirals",
            Self::Blobs => "Two blobs",
            Self::ThreeBlobs => "Three blobs (3 classes)",
            Self::Waves => "Waves (regression)",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|set| set.as_str() == name)
    }

    /// What a model of this set predicts.
    pub fn task(self) -> Task {
        match self {
            Self::ThreeBlobs => Task::Multiclass { classes: 3 },
            Self::Waves => Task::Regression,
            _ => Task::Binary,
        }
    }
}

impl Activation {
    /// Every activation, in the order the page lists them.
    pub const ALL: [Self; 4] = [Self::Relu, Self::Tanh, Self::Sigmoid, Self::Gelu];

    /// The name used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relu => "relu",
            Self::Tanh => "tanh",
            Self::Sigmoid => "sigmoid",
            Self::Gelu => "gelu",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|value| value.as_str() == name)
    }
}

impl OptimizerKind {
    /// Every optimiser, in the order the page lists them.
    pub const ALL: [Self; 3] = [Self::Sgd, Self::Adam, Self::AdamW];

    /// The name used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sgd => "sgd",
            Self::Adam => "adam",
            Self::AdamW => "adamw",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|value| value.as_str() == name)
    }
}

impl BackendChoice {
    /// The name used in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Auto, Self::Cpu]
            .into_iter()
            .find(|value| value.as_str() == name)
    }
}

impl Task {
    /// Output units of a network for this task.
    pub fn outputs(self) -> usize {
        match self {
            Self::Binary | Self::Regression => 1,
            Self::Multiclass { classes } => classes,
        }
    }

    /// Whether the task predicts classes (accuracy applies).
    pub fn is_classification(self) -> bool {
        !matches!(self, Self::Regression)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_experiment_is_valid_and_is_the_classic_model() {
        let config = LabConfig::default();
        config.validate().unwrap();

        assert_eq!(config.training.hidden, vec![64, 64]);
        assert_eq!(config.training.optimizer, OptimizerKind::Adam);
        assert_eq!(config.training.learning_rate, 1e-3);
        assert_eq!(config.training.batch_size, 32);
        assert_eq!(config.training.epochs, 10);
        assert_eq!(config.task(), Some(Task::Binary));
    }

    #[test]
    fn rejects_out_of_range_settings_by_name() {
        let invalid = [
            (
                TrainingConfig {
                    learning_rate: 0.0,
                    ..TrainingConfig::default()
                },
                "lr",
            ),
            (
                TrainingConfig {
                    batch_size: 0,
                    ..TrainingConfig::default()
                },
                "batch",
            ),
            (
                TrainingConfig {
                    hidden: vec![64; 1_000_000],
                    ..TrainingConfig::default()
                },
                "hidden",
            ),
            (
                TrainingConfig {
                    dropout: 1.0,
                    ..TrainingConfig::default()
                },
                "dropout",
            ),
            (
                TrainingConfig {
                    learning_rate: f64::NAN,
                    ..TrainingConfig::default()
                },
                "lr",
            ),
        ];
        for (config, field) in invalid {
            assert_eq!(config.validate().unwrap_err().field, field);
        }
    }

    #[test]
    fn too_many_points_offer_server_training() {
        let config = LabConfig {
            data: DataSource::Toy {
                set: ToySet::Moons,
                samples: MAX_ROWS + 1,
                noise: 0.1,
            },
            ..LabConfig::default()
        };
        let error = config.validate().unwrap_err();

        assert_eq!(error.field, "samples");
        assert!(error.message.contains("server"), "{error}");
    }
}
