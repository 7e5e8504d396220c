//! Model code shared by the browser tab and the server.
//!
//! Everything here is plain burn: no HTTP, no DOM, no Leptos. The Lab's Web Worker and the
//! server's training jobs call the same [`Trainer`], so a model trained in either place behaves
//! the same way.

pub mod data;
pub mod metrics;
pub mod model;
pub mod recipe;
pub mod rng;
pub mod training;

pub use data::{Dataset, DatasetError, Split};
pub use metrics::{BinaryMetrics, ConfusionMatrix};
pub use model::{Mlp, MlpConfig};
pub use training::{EpochReport, TrainError, Trainer, TrainingConfig};

/// The runtime-selected burn device every entry point hands to [`Trainer::new`].
pub use burn::tensor::Device;
