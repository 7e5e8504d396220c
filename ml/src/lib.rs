//! Model code shared by the browser tab and the server.
//!
//! Everything here is plain burn: no HTTP, no DOM, no Leptos. The Lab's Web Worker and the
//! server's training jobs call the same [`Trainer`], so a model trained in either place behaves
//! the same way. Settings and results are the plain types of `lepton_protocol::lab`, which
//! the dashboard reads without carrying burn.

pub mod accelerator;
pub mod data;
pub mod ensemble;
pub mod evaluation;
pub mod folds;
pub mod model;
pub mod model_file;
pub mod recipe;
pub mod record;
pub mod rng;
pub mod search;
pub mod surface;
pub mod training;

pub use data::{Dataset, DatasetError, Split};
pub use evaluation::evaluate;
pub use model::{DenseLayer, Mlp, MlpConfig, ShapeError};
pub use model_file::{ModelFileError, decode_layers, encode_layers, read_model_file};
pub use training::{EpochReport, TrainError, Trainer, TrainingConfig, architecture};

/// The runtime-selected burn device every entry point hands to [`Trainer::new`].
pub use burn::tensor::Device;

/// burn's WebGPU runtime and the wgpu it is built on, for the tab's own drawing.
#[cfg(feature = "webgpu")]
pub use burn::tensor::wgpu as webgpu;
