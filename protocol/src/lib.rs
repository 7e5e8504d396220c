//! Types that cross a boundary between Lepton's parts: the REST API bodies ([`account`],
//! [`dataset`]) and the messages between the Lab page and its training worker (this module's
//! root).
//!
//! The page and the worker are separate wasm modules (burn lives only in the worker), so they
//! share these plain serde types instead of code. Both sides convert them to and from
//! JavaScript values with `serde-wasm-bindgen`; the `type` field tags each message.

use serde::{Deserialize, Serialize};

pub mod account;
pub mod dataset;
pub mod profile;

/// What the page asks the worker to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LabRequest {
    /// Train the default model on a generated two-moons set.
    Train(TrainRequest),
}

/// A seeded training run on generated data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRequest {
    /// Rows of two-moons data to generate.
    pub samples: usize,
    /// Standard deviation of the noise added to each point.
    pub noise: f32,
    /// Passes over the training rows.
    pub epochs: usize,
    /// Seeds the data, the split, the weights and the batch order.
    pub seed: u64,
}

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LabEvent {
    /// The wasm module is loaded and waiting for a request.
    Ready,
    /// Training started on this backend.
    Started {
        /// The device burn runs on, in words (for example "CPU (burn flex)").
        backend: String,
        /// Training rows.
        train_rows: usize,
        /// Validation rows.
        validation_rows: usize,
    },
    /// One epoch finished.
    Epoch(EpochSummary),
    /// Every epoch finished.
    Finished {
        /// Wall time of the whole run in milliseconds.
        elapsed_ms: f64,
    },
    /// Training stopped early; the message says why and what to do.
    Failed {
        /// A sentence for the person at the page.
        message: String,
    },
}

/// Figures of one finished epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochSummary {
    /// Counted from 1.
    pub epoch: usize,
    /// Of how many.
    pub epochs: usize,
    /// Mean training loss over the epoch.
    pub train_loss: f32,
    /// Loss on the validation rows.
    pub validation_loss: f32,
    /// Accuracy on the validation rows, 0 to 1.
    pub validation_accuracy: f64,
    /// Milliseconds the epoch took, validation included.
    pub elapsed_ms: f64,
}

impl Default for TrainRequest {
    fn default() -> Self {
        Self {
            samples: 1000,
            noise: 0.1,
            epochs: 10,
            seed: 42,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_tagged_by_type() {
        let json = serde_json::to_value(LabRequest::Train(TrainRequest::default())).unwrap();
        assert_eq!(json["type"], "train");
        assert_eq!(json["samples"], 1000);
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
