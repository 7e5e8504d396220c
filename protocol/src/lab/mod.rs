//! The Lab: an experiment's settings, its results, its model file, and the messages between
//! the Lab page and its training worker.
//!
//! The page and the worker are separate wasm modules (burn lives only in the worker), so they
//! share these plain serde types instead of code. Both sides convert them to and from
//! JavaScript values with `serde-wasm-bindgen`; the `type` field tags each message.

use serde::{Deserialize, Serialize};

mod config;
mod data;
mod evaluation;
mod model_file;
mod query;
mod upload;

pub use config::{
    Activation, BackendChoice, ConfigError, DataSource, LabConfig, MAX_BATCH, MAX_EPOCHS,
    MAX_FEATURES, MAX_LAYERS, MAX_ROWS, MAX_WIDTH, MIN_ROWS, OptimizerKind, Task, ToySet,
    TrainingConfig,
};
pub use data::{PreparedData, PreparedRows};
pub use evaluation::{
    ClassMetrics, ClassificationReport, Evaluation, PrCurve, RegressionReport, RocCurve,
};
pub use model_file::{LayerWeights, MODEL_FILE_MAX_BYTES, MODEL_FORMAT, MODEL_VERSION, ModelFile};
pub use upload::StoredLabModel;

/// What the page asks the worker to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LabRequest {
    /// Build the data and a fresh model, then train (replacing any model the worker holds).
    Start {
        /// The experiment.
        config: LabConfig,
        /// The rows of a stored dataset, which the page fetched; `None` for toy data.
        #[serde(default)]
        data: Option<Box<PreparedData>>,
    },
    /// Hold training after the current step.
    Pause,
    /// Continue a paused run where it stopped.
    Resume,
    /// End the run after the current step; the model trained so far stays.
    Stop,
    /// Run the current model on rows of features.
    Predict {
        /// Row-major features, a whole number of rows.
        features: Vec<f32>,
    },
    /// Hand the current model over as a model file.
    Export,
    /// Replace the current model by one read from a file (only if it reads cleanly).
    Import {
        /// The file's text.
        text: String,
    },
}

/// Which device burn trains on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendInfo {
    /// `"webgpu"` or `"cpu"`.
    pub kind: String,
    /// The WebGPU adapter's name as the browser reports it; `None` on the CPU.
    pub adapter: Option<String>,
    /// Whether the adapter is a software fallback (SwiftShader, for one).
    pub fallback_adapter: bool,
    /// Why this backend was chosen (forced, no WebGPU, a lost device).
    pub reason: String,
}

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LabEvent {
    /// The wasm module is loaded and waiting for a request.
    Ready,
    /// The data is ready and training starts on this backend.
    Started {
        /// Where training runs.
        backend: BackendInfo,
        /// What the model predicts.
        task: Task,
        /// Training rows.
        train_rows: usize,
        /// Validation rows.
        validation_rows: usize,
        /// Features per row.
        feature_count: usize,
        /// For two-feature data, a sample of the training points to draw over the heatmap.
        points: Option<PlanePoints>,
    },
    /// A few steps finished: live throughput.
    Progress(Progress),
    /// One epoch finished.
    Epoch(EpochSummary),
    /// The heatmap on the canvas now shows the model after this epoch.
    Heatmap {
        /// The epoch drawn.
        epoch: usize,
        /// `"webgpu"` (the WGSL shader) or `"canvas2d"`.
        renderer: String,
    },
    /// The run is held after this many steps of the current epoch.
    Paused {
        /// The epoch in progress.
        epoch: usize,
    },
    /// The run continues.
    Resumed,
    /// Training moved to another backend mid-run; it continues from the last epoch.
    BackendChanged {
        /// The new backend, with the reason.
        backend: BackendInfo,
        /// The epoch training restarts after.
        resumed_after_epoch: usize,
    },
    /// The run ended: every epoch done, or stopped by the person.
    Finished {
        /// Epochs completed.
        epochs: usize,
        /// Whether the person stopped it early.
        stopped: bool,
        /// Wall time of the run in milliseconds.
        elapsed_ms: f64,
        /// Training rows processed per second over the whole run.
        samples_per_second: f64,
        /// Figures on the validation rows.
        evaluation: Evaluation,
    },
    /// Outputs of [`LabRequest::Predict`]: one per row for binary (probability of class 1)
    /// and regression, one per class per row for multi-class.
    Prediction {
        /// Row-major outputs.
        outputs: Vec<f32>,
        /// Outputs per row.
        width: usize,
    },
    /// The current model as a file, for [`LabRequest::Export`].
    Exported {
        /// The JSON text of a [`ModelFile`].
        text: String,
    },
    /// A model file was loaded; it replaced the current model.
    Imported {
        /// Its settings, so the page can show and reproduce them.
        config: LabConfig,
        /// What it predicts.
        task: Task,
        /// Features per row.
        feature_count: usize,
        /// Epochs it was trained for.
        epochs_trained: usize,
        /// Its figures as saved.
        evaluation: Option<Evaluation>,
    },
    /// A request failed or training stopped on an error; the message says why and what to do.
    Failed {
        /// A sentence for the person at the page.
        message: String,
    },
}

/// Points of a two-feature dataset and the square the heatmap covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanePoints {
    /// `(x, y)` pairs, row-major.
    pub coordinates: Vec<f32>,
    /// The class (or, for regression, the target value) of each point.
    pub targets: Vec<f32>,
    /// `[x_min, x_max, y_min, y_max]` of the plane drawn.
    pub bounds: [f32; 4],
}

/// Throughput while an epoch runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The epoch in progress, counted from 1.
    pub epoch: usize,
    /// Optimiser steps done in this epoch.
    pub step: usize,
    /// Steps per epoch.
    pub steps: usize,
    /// Optimiser steps per second since the run started (pauses excluded).
    pub steps_per_second: f64,
    /// Training rows per second since the run started (pauses excluded).
    pub samples_per_second: f64,
}

/// Figures of one finished epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochSummary {
    /// Counted from 1.
    pub epoch: usize,
    /// Of how many.
    pub epochs: usize,
    /// Mean training loss over the epoch's batches (penalties excluded).
    pub train_loss: f32,
    /// Loss on the validation rows.
    pub validation_loss: f32,
    /// Share of training rows classified correctly during the epoch; `None` for regression.
    pub train_accuracy: Option<f64>,
    /// Accuracy on the validation rows, 0 to 1; `None` for regression.
    pub validation_accuracy: Option<f64>,
    /// Milliseconds the epoch took, validation included.
    pub elapsed_ms: f64,
    /// Training rows per second in this epoch.
    pub samples_per_second: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_tagged_by_type() {
        let json = serde_json::to_value(LabRequest::Start {
            config: LabConfig::default(),
            data: None,
        })
        .unwrap();
        assert_eq!(json["type"], "start");
        assert_eq!(json["config"]["training"]["batch_size"], 32);
        assert_eq!(
            serde_json::to_value(LabRequest::Pause).unwrap()["type"],
            "pause"
        );
    }

    #[test]
    fn events_round_trip() {
        let event = LabEvent::Failed {
            message: "loss became NaN at epoch 3".to_owned(),
        };
        let json = serde_json::to_string(&event).unwrap();

        assert_eq!(
            json,
            r#"{"type":"failed","message":"loss became NaN at epoch 3"}"#
        );
        assert_eq!(serde_json::from_str::<LabEvent>(&json).unwrap(), event);
    }
}
