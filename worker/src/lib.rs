//! The in-tab trainer: a wasm module loaded into the Lab page's Web Worker.
//!
//! It owns burn, so the dashboard's own bundle never carries it, and it trains off the main
//! thread, so the page stays responsive. The page sends a [`LabRequest`]; the worker answers
//! with a stream of [`LabEvent`]s through the callback the worker's script passes in.
//!
//! This first version trains on burn's CPU device; WebGPU arrives with the Lab's controls.

use lepton_ml::{Dataset, DatasetError, TrainError, Trainer, TrainingConfig};
use lepton_protocol::{EpochSummary, LabEvent, LabRequest, TrainRequest};
use wasm_bindgen::prelude::*;

/// Largest generated dataset the worker accepts: enough for the demo, small enough for a tab.
const MAX_SAMPLES: usize = 100_000;

/// Why a request could not be carried out; the message is shown on the Lab page as it is.
#[derive(Debug, thiserror::Error)]
enum WorkerError {
    /// The page sent something this worker version does not know.
    #[error("the worker did not understand the request: {0}")]
    Request(#[from] serde_wasm_bindgen::Error),
    /// The requested dataset size is outside what a tab should train on.
    #[error("choose between 10 and {MAX_SAMPLES} samples")]
    SampleCount,
    /// The generated data could not be split.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// Training could not start or stopped (a divergent loss, a failed device).
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The page no longer takes events; nobody is left to tell.
    #[error("the page stopped listening")]
    PageGone,
}

/// Installs the panic hook so a Rust panic reaches the browser console with its message.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Handles one request from the page, reporting progress through `emit`.
///
/// `emit` receives each event as a plain JavaScript object. Failures are reported as a
/// `failed` event too, so the page has one place to look.
///
/// # Errors
///
/// Only when an event cannot be handed to `emit` (the worker is shutting down).
#[wasm_bindgen]
pub async fn handle(request: JsValue, emit: js_sys::Function) -> Result<(), JsValue> {
    let emit = |event: LabEvent| -> Result<(), JsValue> {
        let value = serde_wasm_bindgen::to_value(&event)?;
        emit.call1(&JsValue::NULL, &value).map(drop)
    };

    let outcome = match serde_wasm_bindgen::from_value::<LabRequest>(request) {
        Ok(LabRequest::Train(request)) => train(request, &emit).await,
        Err(error) => Err(WorkerError::from(error)),
    };

    match outcome {
        Ok(()) => Ok(()),
        Err(error) => emit(LabEvent::Failed {
            message: error.to_string(),
        }),
    }
}

async fn train(
    request: TrainRequest,
    emit: &impl Fn(LabEvent) -> Result<(), JsValue>,
) -> Result<(), WorkerError> {
    if request.samples < 10 || request.samples > MAX_SAMPLES {
        return Err(WorkerError::SampleCount);
    }

    let config = TrainingConfig {
        epochs: request.epochs,
        seed: request.seed,
        ..TrainingConfig::default()
    };
    let dataset = Dataset::two_moons(request.samples, request.noise, request.seed);
    let split = dataset.split(config.validation_fraction, request.seed)?;

    let device = lepton_ml::Device::flex();
    let mut trainer = Trainer::new(config, dataset.feature_count(), &device)?;
    let report = |event| emit(event).map_err(|_| WorkerError::PageGone);

    report(LabEvent::Started {
        backend: "CPU (burn flex, wasm)".to_owned(),
        train_rows: split.train.len(),
        validation_rows: split.validation.len(),
    })?;

    let started = now_ms();
    let epochs = trainer.config().epochs;
    for _ in 0..epochs {
        let epoch_started = now_ms();
        let epoch = trainer.train_epoch(&split).await?;

        report(LabEvent::Epoch(EpochSummary {
            epoch: epoch.epoch,
            epochs,
            train_loss: epoch.train_loss,
            validation_loss: epoch.validation_loss,
            validation_accuracy: epoch.validation.accuracy,
            elapsed_ms: now_ms() - epoch_started,
        }))?;
    }

    report(LabEvent::Finished {
        elapsed_ms: now_ms() - started,
    })
}

/// Milliseconds from the worker's time origin; 0 outside a worker (native unit tests).
fn now_ms() -> f64 {
    js_sys::global()
        .dyn_into::<web_sys::WorkerGlobalScope>()
        .ok()
        .and_then(|scope| scope.performance())
        .map_or(0.0, |performance| performance.now())
}
