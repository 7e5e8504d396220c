//! The Lab's model file: one JSON document with the architecture, the weights, the data's
//! preparation and the metrics, so a download can be loaded back, shared, or uploaded.
//!
//! Weights are base64 of little-endian `f32`, which keeps every bit (a reloaded model predicts
//! exactly what the saved one did) and is a third of the size of decimal text. The format has
//! a name and a version so that a reader can refuse what it does not understand.

use serde::{Deserialize, Serialize};

use super::config::{DataSource, Task, TrainingConfig};
use super::evaluation::Evaluation;

/// The `format` field of every model file.
pub const MODEL_FORMAT: &str = "lepton-model";
/// The newest format version this code reads and the one it writes.
pub const MODEL_VERSION: u32 = 1;
/// Largest model file the Lab reads: far above any network it can configure.
pub const MODEL_FILE_MAX_BYTES: usize = 64 * 1024 * 1024;

/// A trained model as a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// Format version, at most [`MODEL_VERSION`].
    pub version: u32,
    /// What the model predicts.
    pub task: Task,
    /// Names of the input features, in order.
    pub features: Vec<String>,
    /// Names of the classes (empty for regression).
    pub classes: Vec<String>,
    /// The hyper-parameters it was trained with (they also give the architecture).
    pub training: TrainingConfig,
    /// Where its training rows came from.
    pub data: DataSource,
    /// The fitted preparation recipe applied to raw rows before the network, when the rows
    /// came from a dataset with a recipe (none for toy data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipe: Option<serde_json::Value>,
    /// Epochs trained.
    pub epochs_trained: usize,
    /// The backend it was trained on, in words.
    pub backend: String,
    /// Figures on the validation rows at the end of training.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluation>,
    /// Dense layers from input to output.
    pub layers: Vec<LayerWeights>,
    /// For a bagging ensemble, the layers of every member after the first (which is
    /// `layers`); the model predicts the mean of the members' outputs. Empty for one network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Vec<LayerWeights>>,
}

/// The parameters of one dense layer, `output = input · weights + biases`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerWeights {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// `inputs × outputs` values, row-major (`[input][output]`), base64 of little-endian f32.
    pub weights: String,
    /// `outputs` values, base64 of little-endian f32.
    pub biases: String,
}
