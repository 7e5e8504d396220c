//! The Lab's state inside the worker: the current run and model, and what each request and
//! each slice of training does to them.
//!
//! One [`Lab`] lives for the worker's life and is driven by the loop in the crate root, which
//! alone owns it, so nothing here is shared or borrowed across an `await`. A run trains in
//! slices of at most [`SLICE_MS`]; between slices the loop delivers the page's messages, so a
//! pause, a stop or a click on the plane is answered within one slice.

use lepton_ml::surface::{cells, lattice, plane_bounds};
use lepton_ml::{
    Dataset, DenseLayer, Device, Split, TrainError, Trainer, encode_layers, read_model_file,
};
use lepton_protocol::lab::{
    BackendInfo, DataSource, EpochSummary, Evaluation, LabConfig, LabEvent, LabRequest,
    MAX_FEATURES, MAX_ROWS, MODEL_FORMAT, MODEL_VERSION, ModelFile, PlanePoints, PreparedData,
    Progress, Task,
};
use web_sys::OffscreenCanvas;

use crate::backend::{Devices, cpu_info};
use crate::clock::now_ms;
use crate::heatmap::Renderer;

/// Longest stretch of training between two looks at the page's messages.
const SLICE_MS: f64 = 40.0;
/// Optimiser steps between two looks at the clock.
const STEPS_PER_CHECK: usize = 4;
/// Most training points sent to the page to draw over the heatmap.
const POINTS_MAX: usize = 1500;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Training,
    Paused,
    Done,
}

/// A model with its data: training, paused, or finished (then it answers predictions).
struct Run {
    config: LabConfig,
    names: Names,
    trainer: Trainer,
    /// `None` for a model loaded from a file: it has no data here.
    split: Option<Split>,
    backend: BackendInfo,
    phase: Phase,
    plane: Option<Plane>,
    /// The weights after the last finished epoch, kept while training on a GPU so a lost
    /// device costs at most one epoch.
    checkpoint: Option<(usize, Vec<DenseLayer>)>,
    /// The validation figures of the weights as they are now: set after each epoch and at
    /// a stop, carried by a loaded file; `None` while steps of an epoch are unscored.
    evaluation: Option<Evaluation>,
    clock: Throughput,
}

/// Time and work of a run, for its rates.
#[derive(Debug, Clone, Copy)]
struct Throughput {
    /// Milliseconds spent training and validating, pauses and drawing excluded.
    busy_ms: f64,
    /// Wall time when the run started.
    started_ms: f64,
    /// Busy milliseconds at the start of the epoch under way.
    epoch_busy_ms: f64,
    steps: usize,
    samples: usize,
}

impl Throughput {
    fn start() -> Self {
        Self {
            busy_ms: 0.0,
            started_ms: now_ms(),
            epoch_busy_ms: 0.0,
            steps: 0,
            samples: 0,
        }
    }
}

/// What a saved model says about its inputs and outputs.
#[derive(Debug, Clone)]
struct Names {
    features: Vec<String>,
    classes: Vec<String>,
    /// The fitted recipe of a stored dataset's rows.
    recipe: Option<serde_json::Value>,
}

/// The square a two-feature model's heatmap covers, and the target range for regression.
#[derive(Debug, Clone, Copy)]
struct Plane {
    bounds: [f32; 4],
    value_range: (f32, f32),
}

/// The worker's state.
#[derive(Default)]
pub(crate) struct Lab {
    devices: Devices,
    canvas: Option<OffscreenCanvas>,
    renderer: Option<Renderer>,
    run: Option<Run>,
}

impl Lab {
    /// Whether a run is training (the loop then keeps calling [`Self::train_slice`]).
    pub(crate) fn is_training(&self) -> bool {
        self.run
            .as_ref()
            .is_some_and(|run| run.phase == Phase::Training)
    }

    /// Keeps the canvas the page handed over; the heatmap is drawn on it from now on.
    pub(crate) fn attach_canvas(&mut self, canvas: OffscreenCanvas) {
        self.canvas = Some(canvas);
        self.renderer = None;
    }

    /// Destroys the WebGPU device, if there is one (the end-to-end test of the fallback).
    pub(crate) fn lose_device(&mut self) {
        if let Some(gpu) = self.devices.gpu() {
            gpu.destroy();
        }
    }

    /// Carries out one request from the page.
    pub(crate) async fn handle(&mut self, request: LabRequest, emit: &impl Fn(LabEvent)) {
        match request {
            LabRequest::Start { config, data } => self.start(config, data, emit).await,
            LabRequest::Pause => self.set_phase(Phase::Training, Phase::Paused, emit),
            LabRequest::Resume => self.set_phase(Phase::Paused, Phase::Training, emit),
            LabRequest::Stop => {
                if self
                    .run
                    .as_ref()
                    .is_some_and(|run| run.phase != Phase::Done)
                {
                    self.finish(true, emit).await;
                }
            }
            LabRequest::Predict { features } => self.predict(&features, emit).await,
            LabRequest::Export => self.export(emit).await,
            LabRequest::Import { text } => self.import(&text, emit).await,
        }
    }

    async fn start(
        &mut self,
        config: LabConfig,
        data: Option<Box<PreparedData>>,
        emit: &impl Fn(LabEvent),
    ) {
        if let Err(error) = config.validate() {
            return fail(emit, error.to_string());
        }
        let (split, names) = match split_of(&config, data) {
            Ok(prepared) => prepared,
            Err(message) => return fail(emit, message),
        };
        let (features, task) = (split.train.feature_count(), split.train.task());

        let (device, backend) = self.devices.select(config.backend).await;
        let trainer = match Trainer::new(config.training.clone(), features, task, &device) {
            Ok(trainer) => trainer,
            Err(error) => return fail(emit, error.to_string()),
        };

        let plane = plane_of(&split.train);
        emit(LabEvent::Started {
            backend: backend.clone(),
            task,
            train_rows: split.train.len(),
            validation_rows: split.validation.len(),
            feature_count: features,
            points: plane.map(|plane| points_of(&split.train, plane)),
        });

        self.run = Some(Run {
            config,
            names,
            trainer,
            split: Some(split),
            backend,
            phase: Phase::Training,
            plane,
            checkpoint: None,
            evaluation: None,
            clock: Throughput::start(),
        });
    }

    fn set_phase(&mut self, from: Phase, to: Phase, emit: &impl Fn(LabEvent)) {
        let Some(run) = self.run.as_mut().filter(|run| run.phase == from) else {
            return;
        };
        run.phase = to;
        emit(match to {
            Phase::Paused => LabEvent::Paused {
                epoch: run.trainer.epochs_done() + 1,
            },
            _ => LabEvent::Resumed,
        });
    }

    /// Trains for up to [`SLICE_MS`], finishing the epoch (and the run) when its steps are
    /// done.
    pub(crate) async fn train_slice(&mut self, emit: &impl Fn(LabEvent)) {
        if self.gpu_lost() {
            return self.fall_back(emit).await;
        }
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let Some(split) = run.split.as_ref() else {
            return;
        };

        let slice_started = now_ms();
        let before = run.trainer.steps_in_epoch();
        let mut epoch_done = false;
        while !epoch_done && now_ms() - slice_started < SLICE_MS {
            match run.trainer.step(&split.train, STEPS_PER_CHECK) {
                Ok(done) => epoch_done = done,
                Err(error) => return self.fail_run(emit, &error),
            }
        }

        let steps = run.trainer.steps_per_epoch(split.train.len());
        let done_steps = if epoch_done {
            steps
        } else {
            run.trainer.steps_in_epoch()
        };
        let new_steps = done_steps - before;
        run.clock.steps += new_steps;
        run.clock.samples += sample_count(
            split.train.len(),
            run.config.training.batch_size,
            before,
            done_steps,
        );
        run.clock.busy_ms += now_ms() - slice_started;

        emit(LabEvent::Progress(Progress {
            epoch: run.trainer.epochs_done() + 1,
            step: done_steps,
            steps,
            steps_per_second: per_second(run.clock.steps, run.clock.busy_ms),
            samples_per_second: per_second(run.clock.samples, run.clock.busy_ms),
        }));

        if epoch_done {
            self.end_epoch(emit).await;
        }
    }

    async fn end_epoch(&mut self, emit: &impl Fn(LabEvent)) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let Some(split) = run.split.as_ref() else {
            return;
        };

        let started = now_ms();
        let report = match run.trainer.finish_epoch(&split.validation).await {
            Ok(report) => report,
            Err(TrainError::Readback(_)) if run.backend.kind == "webgpu" => {
                return self.fall_back(emit).await;
            }
            Err(error) => return self.fail_run(emit, &error),
        };
        run.clock.busy_ms += now_ms() - started;

        let epoch_ms = run.clock.busy_ms - run.clock.epoch_busy_ms;
        run.clock.epoch_busy_ms = run.clock.busy_ms;
        emit(LabEvent::Epoch(EpochSummary {
            epoch: report.epoch,
            epochs: run.config.training.epochs,
            train_loss: report.train_loss,
            validation_loss: report.validation_loss,
            train_accuracy: report.train_accuracy,
            validation_accuracy: report.validation.accuracy(),
            elapsed_ms: epoch_ms,
            samples_per_second: per_second(report.samples, epoch_ms),
        }));
        run.evaluation = Some(report.validation);

        if run.backend.kind == "webgpu"
            && let Ok(layers) = run.trainer.layers().await
        {
            run.checkpoint = Some((report.epoch, layers));
        }

        self.draw_heatmap(emit).await;
        let finished = self
            .run
            .as_ref()
            .is_some_and(|run| run.trainer.epochs_done() >= run.config.training.epochs);
        if finished {
            self.finish(false, emit).await;
        }
    }

    async fn finish(&mut self, stopped: bool, emit: &impl Fn(LabEvent)) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        run.phase = Phase::Done;

        let Some(split) = run.split.as_ref() else {
            return;
        };
        // The last epoch's figures describe the model unless a stop left an epoch half done.
        let evaluation = match run.evaluation.clone() {
            Some(evaluation) if run.trainer.steps_in_epoch() == 0 => evaluation,
            _ => match run.trainer.evaluate(&split.validation).await {
                Ok((_, evaluation)) => evaluation,
                Err(error) => return self.fail_run(emit, &error),
            },
        };
        run.evaluation = Some(evaluation.clone());

        emit(LabEvent::Finished {
            epochs: run.trainer.epochs_done(),
            stopped,
            elapsed_ms: now_ms() - run.clock.started_ms,
            samples_per_second: per_second(run.clock.samples, run.clock.busy_ms),
            evaluation,
        });
    }

    fn gpu_lost(&self) -> bool {
        let on_gpu = self
            .run
            .as_ref()
            .is_some_and(|run| run.backend.kind == "webgpu");
        on_gpu && self.devices.gpu().is_none()
    }

    /// Moves a run from a lost WebGPU device to the CPU, from the last finished epoch (or
    /// from the seeded start when no epoch finished yet: the weights are drawn on the host,
    /// so the start is the same).
    async fn fall_back(&mut self, emit: &impl Fn(LabEvent)) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let Some(split) = run.split.as_ref() else {
            return;
        };

        let device = Device::flex();
        let (features, task) = (split.train.feature_count(), split.train.task());
        let config = run.config.training.clone();
        let resumed = match run.checkpoint.take() {
            Some((epoch, layers)) => {
                Trainer::resume(config, features, task, &layers, epoch, &device)
            }
            None => Trainer::new(config, features, task, &device),
        };
        let trainer = match resumed {
            Ok(trainer) => trainer,
            Err(error) => return self.fail_run(emit, &error),
        };

        run.trainer = trainer;
        run.evaluation = None;
        run.backend = cpu_info("the WebGPU device was lost; training continues on the CPU");
        run.clock.epoch_busy_ms = run.clock.busy_ms;
        emit(LabEvent::BackendChanged {
            backend: run.backend.clone(),
            resumed_after_epoch: run.trainer.epochs_done(),
        });

        // A renderer on the lost device is replaced by one that colours on the host.
        if self.renderer.as_ref().is_some_and(Renderer::uses_gpu) {
            self.renderer = None;
        }
    }

    fn fail_run(&mut self, emit: &impl Fn(LabEvent), error: &TrainError) {
        // A diverged or broken model is of no use: it is dropped, so predictions and exports
        // ask for a new run instead of returning garbage.
        self.run = None;
        fail(emit, error.to_string());
    }

    async fn draw_heatmap(&mut self, emit: &impl Fn(LabEvent)) {
        let Some(run) = self.run.as_ref() else {
            return;
        };
        let Some(plane) = run.plane else {
            return;
        };

        if self.renderer.is_none() {
            let Some(canvas) = self.canvas.clone() else {
                return;
            };
            self.devices.ensure_gpu().await;
            match Renderer::new(&canvas, self.devices.gpu()) {
                Ok(renderer) => self.renderer = Some(renderer),
                Err(error) => return warn(&error.to_string()),
            }
        }

        let Ok(outputs) = run.trainer.predict(&lattice(plane.bounds)).await else {
            return;
        };
        let cells = cells(&outputs, run.trainer.task(), plane.value_range);
        let Some(renderer) = self.renderer.as_mut() else {
            return;
        };
        match renderer.draw(&cells).await {
            Ok(()) => emit(LabEvent::Heatmap {
                epoch: run.trainer.epochs_done(),
                renderer: renderer.name().to_owned(),
            }),
            Err(error) => warn(&error.to_string()),
        }
    }

    async fn predict(&self, features: &[f32], emit: &impl Fn(LabEvent)) {
        let Some(run) = self.run.as_ref() else {
            return fail(emit, "train or load a model first".to_owned());
        };

        match run.trainer.predict(features).await {
            Ok(outputs) => emit(LabEvent::Prediction {
                outputs,
                width: run.trainer.task().outputs(),
            }),
            Err(error) => fail(emit, error.to_string()),
        }
    }

    async fn export(&self, emit: &impl Fn(LabEvent)) {
        let Some(run) = self.run.as_ref() else {
            return fail(emit, "train or load a model first".to_owned());
        };
        let layers = match run.trainer.layers().await {
            Ok(layers) => layers,
            Err(error) => return fail(emit, error.to_string()),
        };

        let task = run.trainer.task();
        let file = ModelFile {
            format: MODEL_FORMAT.to_owned(),
            version: MODEL_VERSION,
            task,
            features: run.names.features.clone(),
            classes: run.names.classes.clone(),
            training: run.config.training.clone(),
            data: run.config.data.clone(),
            recipe: run.names.recipe.clone(),
            epochs_trained: run.trainer.epochs_done(),
            backend: describe(&run.backend),
            evaluation: run.evaluation.clone(),
            layers: encode_layers(&layers),
            members: Vec::new(),
        };
        match serde_json::to_string(&file) {
            Ok(text) => emit(LabEvent::Exported { text }),
            Err(error) => fail(emit, format!("the model could not be written: {error}")),
        }
    }

    async fn import(&mut self, text: &str, emit: &impl Fn(LabEvent)) {
        let refused = |reason: String| {
            format!("the model file could not be loaded: {reason}. The current model is unchanged.")
        };
        let (file, layers) = match read_model_file(text) {
            Ok(read) => read,
            Err(error) => return fail(emit, refused(error.to_string())),
        };
        if !file.members.is_empty() {
            let members = file.members.len() + 1;
            let reason = format!(
                "it is a bagging ensemble of {members} networks, and the Lab runs one network"
            );
            return fail(emit, refused(reason));
        }

        // A loaded model answers predictions on the CPU: it is small and needs no GPU setup.
        let feature_count = file.features.len();
        let trainer = match Trainer::resume(
            file.training.clone(),
            feature_count,
            file.task,
            &layers,
            file.epochs_trained,
            &Device::flex(),
        ) {
            Ok(trainer) => trainer,
            Err(error) => return fail(emit, refused(error.to_string())),
        };

        let config = LabConfig {
            data: file.data.clone(),
            training: file.training.clone(),
            backend: self
                .run
                .as_ref()
                .map_or_else(Default::default, |run| run.config.backend),
        };
        // A toy set is regenerated from its seed to place the plane; a stored dataset's rows
        // are not in the file, so its model answers typed rows only.
        let plane = match &file.data {
            DataSource::Toy {
                set,
                samples,
                noise,
            } if feature_count == 2 => {
                plane_of(&Dataset::toy(*set, *samples, *noise, file.training.seed))
            }
            _ => None,
        };
        self.run = Some(Run {
            config: config.clone(),
            names: Names {
                features: file.features.clone(),
                classes: file.classes.clone(),
                recipe: file.recipe.clone(),
            },
            trainer,
            split: None,
            backend: cpu_info("a loaded model runs on the CPU"),
            phase: Phase::Done,
            plane,
            checkpoint: None,
            evaluation: file.evaluation.clone(),
            clock: Throughput::start(),
        });

        emit(LabEvent::Imported {
            config,
            task: file.task,
            feature_count,
            epochs_trained: file.epochs_trained,
            evaluation: file.evaluation,
        });
        self.draw_heatmap(emit).await;
    }
}

/// The rows of a run: a toy set generated and split here, or a stored dataset's rows as the
/// page fetched them (already split by its recipe).
fn split_of(config: &LabConfig, data: Option<Box<PreparedData>>) -> Result<(Split, Names), String> {
    match (&config.data, data.map(|data| *data)) {
        (
            DataSource::Toy {
                set,
                samples,
                noise,
            },
            _,
        ) => {
            let seed = config.training.seed;
            let dataset = Dataset::toy(*set, *samples, *noise, seed);
            let split = dataset
                .split(config.training.validation_fraction, seed)
                .map_err(|error| error.to_string())?;
            let names = Names {
                features: feature_names(dataset.feature_count()),
                classes: class_names(dataset.task()),
                recipe: None,
            };
            Ok((split, names))
        }
        (DataSource::Dataset { .. }, Some(data)) => {
            if data.rows() > MAX_ROWS || data.features.len() > MAX_FEATURES {
                return Err(format!(
                    "{} rows × {} features is more than a tab trains on ({MAX_ROWS} × \
                     {MAX_FEATURES}): train it on the server from the Training page",
                    data.rows(),
                    data.features.len()
                ));
            }
            let width = data.features.len();
            let part = |rows: lepton_protocol::lab::PreparedRows| {
                Dataset::for_task(rows.features, rows.targets, width, data.task)
                    .map_err(|error| format!("the dataset's rows cannot be trained on: {error}"))
            };
            let split = Split {
                train: part(data.train)?,
                validation: part(data.validation)?,
            };
            let names = Names {
                features: data.features,
                classes: data.classes,
                recipe: Some(data.recipe),
            };
            Ok((split, names))
        }
        (DataSource::Dataset { .. }, None) => {
            Err("the page sent no rows for the chosen dataset".to_owned())
        }
    }
}

/// Training rows covered by batches `from..to` of an epoch over `rows` rows.
fn sample_count(rows: usize, batch_size: usize, from: usize, to: usize) -> usize {
    (to * batch_size).min(rows) - (from * batch_size).min(rows)
}

fn per_second(count: usize, milliseconds: f64) -> f64 {
    if milliseconds > 0.0 {
        count as f64 * 1000.0 / milliseconds
    } else {
        0.0
    }
}

fn plane_of(dataset: &Dataset) -> Option<Plane> {
    if dataset.feature_count() != 2 {
        return None;
    }

    let targets = dataset.labels();
    let low = targets.iter().copied().fold(f32::INFINITY, f32::min);
    let high = targets.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    Some(Plane {
        bounds: plane_bounds(dataset.features()),
        value_range: (low, high),
    })
}

fn points_of(train: &Dataset, plane: Plane) -> PlanePoints {
    let rows = train.len().min(POINTS_MAX);
    PlanePoints {
        coordinates: train.features()[..rows * 2].to_vec(),
        targets: train.labels()[..rows].to_vec(),
        bounds: plane.bounds,
    }
}

fn feature_names(count: usize) -> Vec<String> {
    match count {
        2 => vec!["x".to_owned(), "y".to_owned()],
        _ => (1..=count)
            .map(|index| format!("feature_{index}"))
            .collect(),
    }
}

fn class_names(task: Task) -> Vec<String> {
    match task {
        Task::Binary => vec!["0".to_owned(), "1".to_owned()],
        Task::Multiclass { classes } => (0..classes).map(|class| class.to_string()).collect(),
        Task::Regression => Vec::new(),
    }
}

fn describe(backend: &BackendInfo) -> String {
    match &backend.adapter {
        Some(adapter) => format!("WebGPU ({adapter})"),
        None => "CPU (burn flex, wasm)".to_owned(),
    }
}

fn fail(emit: &impl Fn(LabEvent), message: String) {
    emit(LabEvent::Failed { message });
}

fn warn(message: &str) {
    web_sys::console::warn_1(&wasm_bindgen::JsValue::from_str(message));
}
