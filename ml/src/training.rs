//! Mini-batch training of an [`Mlp`]: the loss of the task, L1/L2 penalties, and SGD with
//! momentum, Adam or AdamW.
//!
//! The loop is async because reading a value back from a WebGPU device is: the tab awaits
//! each epoch's figures, the server and the tests drive the same future with a blocking
//! executor. Losses and correct counts are summed on the device and read once per epoch, so a
//! GPU is not stalled after every batch. An epoch can also be run a few steps at a time
//! ([`Trainer::step`], then [`Trainer::finish_epoch`]), which is how the tab stays able to
//! pause, stop and answer predictions in the middle of one.

use burn::nn::loss::{
    BinaryCrossEntropyLoss, BinaryCrossEntropyLossConfig, CrossEntropyLoss, CrossEntropyLossConfig,
    MseLoss, Reduction,
};
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::prelude::*;

use lepton_protocol::lab::{ConfigError, Evaluation, OptimizerKind, Task};

pub use lepton_protocol::lab::TrainingConfig;

use crate::data::{Dataset, DatasetError, Split};
use crate::evaluation::evaluate;
use crate::model::{DenseLayer, Mlp, MlpConfig, ShapeError, output_activation};
use crate::rng::SplitMix64;

/// What one epoch achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    /// The epoch just finished, counted from 1.
    pub epoch: usize,
    /// Mean loss over the epoch's batches, penalties excluded.
    pub train_loss: f32,
    /// Share of training rows classified correctly during the epoch (each row scored by the
    /// weights of its own step); `None` for regression.
    pub train_accuracy: Option<f64>,
    /// Loss on the validation rows after the epoch.
    pub validation_loss: f32,
    /// Figures on the validation rows after the epoch.
    pub validation: Evaluation,
    /// Training rows seen in this epoch.
    pub samples: usize,
}

/// Why training could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A hyper-parameter is out of range; the message names it.
    #[error("invalid training configuration: {0}")]
    InvalidConfig(#[from] ConfigError),
    /// The data cannot be trained on as it is.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The data has a different width or task than the model.
    #[error("the model takes {expected} features for a {task} task; the data does not fit it")]
    DataMismatch {
        /// Features the model takes.
        expected: usize,
        /// The model's task, in words.
        task: &'static str,
    },
    /// Saved weights do not fit the architecture.
    #[error(transparent)]
    Shape(#[from] ShapeError),
    /// The loss left the real numbers, nearly always a learning rate that is too high.
    #[error("loss became {value} at epoch {epoch} — lower the learning rate")]
    Diverged {
        /// The epoch in which it happened, counted from 1.
        epoch: usize,
        /// `NaN` or an infinity.
        value: f32,
    },
    /// The device could not hand a result back (a lost GPU, for one).
    #[error("reading a result back from the device failed: {0}")]
    Readback(String),
}

/// The loss of the task, built once.
enum Objective {
    Binary(BinaryCrossEntropyLoss),
    Multiclass(CrossEntropyLoss),
    Regression(MseLoss),
}

/// An epoch under way: its batch order and the sums gathered on the device so far.
struct EpochRun {
    order: Vec<usize>,
    next_batch: usize,
    loss_sum: Tensor<1>,
    correct_sum: Tensor<1>,
    batches: usize,
}

/// Trains one model, an epoch (or a few steps) at a time.
pub struct Trainer {
    model: Mlp,
    optimizer: ModuleOptimizer,
    objective: Objective,
    config: TrainingConfig,
    task: Task,
    feature_count: usize,
    device: Device,
    rng: SplitMix64,
    epoch: usize,
    run: Option<EpochRun>,
}

/// The architecture `config` describes for `feature_count` inputs and `task`.
pub fn architecture(config: &TrainingConfig, feature_count: usize, task: Task) -> MlpConfig {
    MlpConfig::new(feature_count)
        .with_hidden(config.hidden.clone())
        .with_task(task)
        .with_activation(config.activation)
        .with_dropout(config.dropout)
}

fn optimizer(config: &TrainingConfig) -> ModuleOptimizer {
    match config.optimizer {
        OptimizerKind::Sgd => {
            // Classic heavy-ball momentum without dampening, PyTorch's default.
            let momentum = (config.momentum > 0.0).then(|| {
                MomentumConfig::new()
                    .with_momentum(config.momentum)
                    .with_dampening(0.0)
            });
            SgdConfig::new().with_momentum(momentum).init()
        }
        OptimizerKind::Adam => AdamConfig::new().init(),
        OptimizerKind::AdamW => AdamWConfig::new()
            .with_weight_decay(config.weight_decay as f32)
            .init(),
    }
}

/// Class weights need one weight per class of a classifier.
fn check_class_weights(config: &TrainingConfig, task: Task) -> Result<(), TrainError> {
    let classes = match task {
        Task::Binary => 2,
        Task::Multiclass { classes } => classes,
        Task::Regression => 0,
    };
    if config.class_weights.is_empty() || config.class_weights.len() == classes {
        return Ok(());
    }
    Err(TrainError::InvalidConfig(ConfigError {
        field: "class_weights",
        message: if classes == 0 {
            "a regression has no classes to weight".to_owned()
        } else {
            format!("give one weight per class: {classes}")
        },
    }))
}

fn task_name(task: Task) -> &'static str {
    match task {
        Task::Binary => "binary",
        Task::Multiclass { .. } => "multi-class",
        Task::Regression => "regression",
    }
}

impl Trainer {
    /// A fresh model for rows of `feature_count` features, its weights drawn from the seed on
    /// the host, on `device` (gradients are turned on here, so pass a plain device).
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidConfig`] when a hyper-parameter is out of range.
    pub fn new(
        config: TrainingConfig,
        feature_count: usize,
        task: Task,
        device: &Device,
    ) -> Result<Self, TrainError> {
        config.validate()?;
        check_class_weights(&config, task)?;

        let device = device.clone().autodiff();
        let model = architecture(&config, feature_count, task).init_seeded(config.seed, &device);
        Ok(Self::assemble(
            config,
            feature_count,
            task,
            model,
            0,
            device,
        ))
    }

    /// A trainer that continues after `epoch` completed epochs from saved `layers` (a
    /// checkpoint, or the last epoch on a device that was lost). The optimiser's moments start
    /// afresh: they are not part of a checkpoint.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidConfig`] or [`TrainError::Shape`] when the layers do not fit.
    pub fn resume(
        config: TrainingConfig,
        feature_count: usize,
        task: Task,
        layers: &[DenseLayer],
        epoch: usize,
        device: &Device,
    ) -> Result<Self, TrainError> {
        config.validate()?;
        check_class_weights(&config, task)?;

        let device = device.clone().autodiff();
        let model = architecture(&config, feature_count, task).from_layers(layers, &device)?;
        Ok(Self::assemble(
            config,
            feature_count,
            task,
            model,
            epoch,
            device,
        ))
    }

    fn assemble(
        config: TrainingConfig,
        feature_count: usize,
        task: Task,
        model: Mlp,
        epoch: usize,
        device: Device,
    ) -> Self {
        // Dropout masks come from the device's generator; the batch order from our own, which
        // skips ahead by the epochs already done so a resumed run shuffles as the original.
        device.seed(config.seed ^ epoch as u64);
        let mut rng = SplitMix64::new(config.seed ^ 0x5EED);
        for _ in 0..epoch {
            rng.next_u64();
        }

        let objective = match task {
            Task::Binary => Objective::Binary(
                BinaryCrossEntropyLossConfig::new()
                    .with_logits(true)
                    .init(&device),
            ),
            Task::Multiclass { .. } => {
                Objective::Multiclass(CrossEntropyLossConfig::new().init(&device))
            }
            Task::Regression => Objective::Regression(MseLoss::new()),
        };

        Self {
            model,
            optimizer: optimizer(&config),
            objective,
            config,
            task,
            feature_count,
            device,
            rng,
            epoch,
            run: None,
        }
    }

    /// The configuration this trainer runs with.
    pub fn config(&self) -> &TrainingConfig {
        &self.config
    }

    /// What the model predicts.
    pub fn task(&self) -> Task {
        self.task
    }

    /// Features per input row.
    pub fn feature_count(&self) -> usize {
        self.feature_count
    }

    /// Epochs completed so far.
    pub fn epochs_done(&self) -> usize {
        self.epoch
    }

    /// The model as trained so far.
    pub fn model(&self) -> &Mlp {
        &self.model
    }

    /// Optimiser steps in one epoch over `rows` training rows.
    pub fn steps_per_epoch(&self, rows: usize) -> usize {
        rows.div_ceil(self.config.batch_size)
    }

    /// Optimiser steps taken in the epoch under way (0 between epochs).
    pub fn steps_in_epoch(&self) -> usize {
        self.run.as_ref().map_or(0, |run| run.next_batch)
    }

    /// Runs up to `steps` optimiser steps of the current epoch over `train`, starting a new
    /// epoch (with a fresh shuffle) when none is under way. Returns whether the epoch's
    /// batches are all done, after which [`Self::finish_epoch`] scores it.
    ///
    /// # Errors
    ///
    /// [`TrainError::DataMismatch`] when `train` does not fit the model.
    pub fn step(&mut self, train: &Dataset, steps: usize) -> Result<bool, TrainError> {
        self.check_fits(train)?;

        let mut run = match self.run.take() {
            Some(run) => run,
            None => self.start_epoch(train.len()),
        };
        let batch_size = self.config.batch_size;
        let batch_count = run.order.len().div_ceil(batch_size);

        let end = (run.next_batch + steps).min(batch_count);
        for batch in run.next_batch..end {
            let start = batch * batch_size;
            let rows = &run.order[start..(start + batch_size).min(run.order.len())];
            let (loss, correct) = self.train_batch(train, rows);

            run.loss_sum = run.loss_sum + loss;
            run.correct_sum = run.correct_sum + correct;
            run.batches += 1;
        }
        run.next_batch = end;

        let done = end == batch_count;
        self.run = Some(run);
        Ok(done)
    }

    fn start_epoch(&mut self, rows: usize) -> EpochRun {
        let mut order: Vec<usize> = (0..rows).collect();
        self.rng.shuffle(&mut order);

        EpochRun {
            order,
            next_batch: 0,
            loss_sum: Tensor::zeros([1], &self.device),
            correct_sum: Tensor::zeros([1], &self.device),
            batches: 0,
        }
    }

    /// One optimiser step; returns the batch's loss (penalties excluded) and its count of
    /// correctly classified rows, both detached and still on the device.
    fn train_batch(&mut self, train: &Dataset, rows: &[usize]) -> (Tensor<1>, Tensor<1>) {
        let (features, labels) = train.gather(rows);
        let inputs = features_tensor(&features, self.feature_count, &self.device);

        let outputs = self.model.forward(inputs);
        let (loss, correct) = if self.config.class_weights.is_empty() {
            self.loss(outputs, &labels, &self.device)
        } else {
            self.weighted_loss(outputs, &labels)
        };
        let objective = loss.clone().detach();

        let loss = self.with_penalties(loss);
        let gradients = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self
            .optimizer
            .step(self.config.learning_rate, self.model.clone(), gradients);

        (objective, correct)
    }

    fn with_penalties(&self, loss: Tensor<1>) -> Tensor<1> {
        let mut loss = loss;
        if self.config.l1 > 0.0 {
            for weights in self.model.weight_matrices() {
                loss = loss + weights.abs().sum() * self.config.l1;
            }
        }
        if self.config.l2 > 0.0 {
            for weights in self.model.weight_matrices() {
                loss = loss + weights.powi_scalar(2).sum() * self.config.l2;
            }
        }
        loss
    }

    /// The task's loss of raw `outputs` against `labels`, and how many rows were classified
    /// correctly (0 for regression), detached.
    ///
    /// # Shapes
    ///
    /// - outputs: `[rows, task outputs]`
    /// - both results: `[1]`
    fn loss(&self, outputs: Tensor<2>, labels: &[f32], device: &Device) -> (Tensor<1>, Tensor<1>) {
        let rows = labels.len();
        match &self.objective {
            Objective::Binary(loss) => {
                let targets = int_tensor(labels, device).reshape([rows, 1]);
                let predicted = outputs.clone().detach().greater_equal_elem(0.0);
                let correct = predicted.equal(targets.clone().equal_elem(1));
                (loss.forward(outputs, targets), correct.float().sum())
            }
            Objective::Multiclass(loss) => {
                let targets = int_tensor(labels, device);
                let predicted = outputs.clone().detach().argmax(1).reshape([rows]);
                let correct = predicted.equal(targets.clone());
                (loss.forward(outputs, targets), correct.float().sum())
            }
            Objective::Regression(loss) => {
                let targets =
                    Tensor::<2>::from_data(TensorData::new(labels.to_vec(), [rows, 1]), device);
                let loss = loss.forward(outputs, targets, Reduction::Mean);
                (loss, Tensor::zeros([1], device))
            }
        }
    }

    /// The classifier's loss with each row weighted by its class's weight (the training loss
    /// under `class_weights`): `Σ wᵢ ℓᵢ / Σ wᵢ`, with the cross-entropy `ℓᵢ` of the row's
    /// logits. Scores and validation losses stay unweighted.
    ///
    /// # Shapes
    ///
    /// - outputs: `[rows, task outputs]`
    /// - both results: `[1]`
    fn weighted_loss(&self, outputs: Tensor<2>, labels: &[f32]) -> (Tensor<1>, Tensor<1>) {
        let device = &self.device;
        let rows = labels.len();
        let weights: Vec<f32> = labels
            .iter()
            .map(|&label| {
                let weight = self.config.class_weights.get(label as usize).copied();
                weight.unwrap_or(1.0) as f32
            })
            .collect();
        let total: f32 = weights.iter().sum();
        let weights = Tensor::<1>::from_data(TensorData::new(weights, [rows]), device);

        let (per_row, correct) = match self.task {
            Task::Binary => {
                let targets =
                    Tensor::<2>::from_data(TensorData::new(labels.to_vec(), [rows, 1]), device);
                let predicted = outputs.clone().detach().greater_equal_elem(0.0);
                let correct = predicted
                    .equal(targets.clone().equal_elem(1.0))
                    .float()
                    .sum();
                // softplus(z) - y z, written so that exp never overflows.
                let loss = outputs.clone().clamp_min(0.0) - outputs.clone() * targets
                    + (outputs.abs().neg().exp() + 1.0).log();
                (loss.reshape([rows]), correct)
            }
            _ => {
                let targets = int_tensor(labels, device);
                let predicted = outputs.clone().detach().argmax(1).reshape([rows]);
                let correct = predicted.equal(targets.clone()).float().sum();
                let loss = burn::tensor::activation::log_softmax(outputs, 1)
                    .gather(1, targets.reshape([rows, 1]))
                    .neg();
                (loss.reshape([rows]), correct)
            }
        };
        (
            (per_row * weights).sum() / total.max(f32::MIN_POSITIVE),
            correct,
        )
    }

    /// Reads the epoch's sums back, checks them, and scores `validation`.
    ///
    /// # Errors
    ///
    /// [`TrainError::Diverged`] when a loss is not finite, [`TrainError::Readback`] when the
    /// device fails.
    pub async fn finish_epoch(&mut self, validation: &Dataset) -> Result<EpochReport, TrainError> {
        let Some(run) = self.run.take() else {
            return Err(TrainError::Readback("no epoch is under way".to_owned()));
        };
        self.epoch += 1;

        let batches = run.batches.max(1) as f32;
        let train_loss = read_scalar(run.loss_sum).await? / batches;
        self.check_finite(train_loss)?;
        let correct = read_scalar(run.correct_sum).await?;
        let samples = run.order.len();

        let (validation_loss, evaluation) = self.evaluate(validation).await?;
        self.check_finite(validation_loss)?;

        Ok(EpochReport {
            epoch: self.epoch,
            train_loss,
            train_accuracy: self
                .task
                .is_classification()
                .then(|| f64::from(correct) / samples.max(1) as f64),
            validation_loss,
            validation: evaluation,
            samples,
        })
    }

    /// Runs one whole pass over `split.train` in shuffled mini-batches, then scores
    /// `split.validation`.
    ///
    /// # Errors
    ///
    /// As [`Self::step`] and [`Self::finish_epoch`].
    pub async fn train_epoch(&mut self, split: &Split) -> Result<EpochReport, TrainError> {
        self.step(&split.train, usize::MAX)?;
        self.finish_epoch(&split.validation).await
    }

    /// Loss and figures of the current model on `dataset`, without touching the weights.
    ///
    /// # Errors
    ///
    /// [`TrainError::DataMismatch`] when the data does not fit, [`TrainError::Readback`] when
    /// the device fails.
    pub async fn evaluate(&self, dataset: &Dataset) -> Result<(f32, Evaluation), TrainError> {
        self.check_fits(dataset)?;

        // The rows are uploaded on every call (once per epoch in training); cheap for data a
        // tab trains on, to be kept on the device when validation sets grow.
        let device = self.device.clone().inner();
        let model = self.model.valid();
        let inputs = features_tensor(dataset.features(), self.feature_count, &device);
        let raw = model.forward(inputs);

        let (loss, _) = self.loss(raw.clone(), dataset.labels(), &device);
        let loss = read_scalar(loss).await?;
        let outputs = read_vec(output_activation(raw, self.task)).await?;

        Ok((loss, evaluate(&outputs, dataset.labels(), self.task)))
    }

    /// The model's predictions for row-major `features`: `task.outputs()` values per row.
    ///
    /// # Errors
    ///
    /// [`TrainError::DataMismatch`] when the values do not make whole rows,
    /// [`TrainError::Readback`] when the device fails.
    pub async fn predict(&self, features: &[f32]) -> Result<Vec<f32>, TrainError> {
        if features.is_empty() || !features.len().is_multiple_of(self.feature_count) {
            return Err(TrainError::DataMismatch {
                expected: self.feature_count,
                task: task_name(self.task),
            });
        }

        let device = self.device.clone().inner();
        let inputs = features_tensor(features, self.feature_count, &device);
        read_vec(self.model.valid().predict(inputs, self.task)).await
    }

    /// The weights and biases of every layer, read back to the host.
    ///
    /// # Errors
    ///
    /// [`TrainError::Readback`] when the device fails.
    pub async fn layers(&self) -> Result<Vec<DenseLayer>, TrainError> {
        let mut layers = Vec::new();
        for (weights, biases) in self.model.valid().parameter_tensors() {
            let [inputs, outputs] = weights.dims();
            layers.push(DenseLayer {
                inputs,
                outputs,
                weights: read_vec(weights).await?,
                biases: read_vec(biases).await?,
            });
        }
        Ok(layers)
    }

    fn check_fits(&self, dataset: &Dataset) -> Result<(), TrainError> {
        if dataset.feature_count() == self.feature_count && dataset.task() == self.task {
            Ok(())
        } else {
            Err(TrainError::DataMismatch {
                expected: self.feature_count,
                task: task_name(self.task),
            })
        }
    }

    fn check_finite(&self, value: f32) -> Result<(), TrainError> {
        if value.is_finite() {
            Ok(())
        } else {
            Err(TrainError::Diverged {
                epoch: self.epoch,
                value,
            })
        }
    }
}

/// # Shapes
///
/// - output: `[rows, feature_count]`
fn features_tensor(features: &[f32], feature_count: usize, device: &Device) -> Tensor<2> {
    let rows = features.len() / feature_count;
    Tensor::from_data(
        TensorData::new(features.to_vec(), [rows, feature_count]),
        device,
    )
}

/// # Shapes
///
/// - output: `[rows]`
fn int_tensor(labels: &[f32], device: &Device) -> Tensor<1, Int> {
    let labels: Vec<i64> = labels.iter().map(|&label| label as i64).collect();
    let rows = labels.len();
    Tensor::from_data(TensorData::new(labels, [rows]), device)
}

async fn read_scalar<const D: usize>(tensor: Tensor<D>) -> Result<f32, TrainError> {
    let values = read_vec(tensor).await?;
    values
        .first()
        .copied()
        .ok_or_else(|| TrainError::Readback("an empty tensor".to_owned()))
}

async fn read_vec<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, TrainError> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|error| TrainError::Readback(format!("{error:?}")))?;
    data.try_into_vec_as::<f32>()
        .map_err(|error| TrainError::Readback(format!("{error:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lepton_protocol::lab::Activation;

    fn block<T>(future: impl Future<Output = T>) -> T {
        pollster::block_on(future)
    }

    fn train_to_end(trainer: &mut Trainer, split: &Split) -> Vec<EpochReport> {
        (0..trainer.config().epochs)
            .map(|_| block(trainer.train_epoch(split)).unwrap())
            .collect()
    }

    fn accuracy(report: &EpochReport) -> f64 {
        report.validation.accuracy().unwrap()
    }

    #[test]
    fn one_step_lowers_the_loss_on_separable_data() {
        let split = Dataset::blobs(256, 0.0, 1).split(0.25, 1).unwrap();

        // A batch as large as the training split makes the epoch exactly one optimiser step.
        let config = TrainingConfig {
            epochs: 1,
            learning_rate: 1e-2,
            batch_size: split.train.len(),
            ..TrainingConfig::default()
        };
        let mut trainer = Trainer::new(config, 2, Task::Binary, &Device::flex()).unwrap();

        let (before, _) = block(trainer.evaluate(&split.validation)).unwrap();
        let report = block(trainer.train_epoch(&split)).unwrap();

        assert!(
            report.validation_loss < before,
            "{} !< {before}",
            report.validation_loss
        );
    }

    #[test]
    fn default_model_reaches_95_percent_on_two_moons() {
        let split = Dataset::two_moons(2000, 0.1, 7).split(0.2, 7).unwrap();
        let mut trainer =
            Trainer::new(TrainingConfig::default(), 2, Task::Binary, &Device::flex()).unwrap();

        let reports = train_to_end(&mut trainer, &split);

        let last = reports.last().unwrap();
        assert_eq!(reports.len(), 10);
        assert!(accuracy(last) >= 0.95, "accuracy {}", accuracy(last));
        assert!(last.train_loss < reports[0].train_loss);
        assert!(last.train_accuracy.unwrap() > 0.9);
    }

    #[test]
    fn every_optimiser_and_activation_learns_two_moons() {
        let split = Dataset::two_moons(800, 0.1, 3).split(0.2, 3).unwrap();
        let settings = [
            (OptimizerKind::Sgd, 0.05, Activation::Tanh),
            (OptimizerKind::Adam, 0.005, Activation::Gelu),
            (OptimizerKind::AdamW, 0.005, Activation::Sigmoid),
        ];
        for (optimizer, learning_rate, activation) in settings {
            let config = TrainingConfig {
                optimizer,
                learning_rate,
                activation,
                epochs: 30,
                dropout: 0.05,
                l2: 1e-5,
                ..TrainingConfig::default()
            };
            let mut trainer = Trainer::new(config, 2, Task::Binary, &Device::flex()).unwrap();
            let last = train_to_end(&mut trainer, &split).pop().unwrap();

            assert!(accuracy(&last) > 0.85, "{optimizer:?}: {}", accuracy(&last));
        }
    }

    #[test]
    fn multi_class_and_regression_train() {
        let device = Device::flex();
        let blobs = Dataset::three_blobs(900, 0.0, 5).split(0.2, 5).unwrap();
        let task = Task::Multiclass { classes: 3 };
        let config = TrainingConfig {
            epochs: 15,
            ..TrainingConfig::default()
        };
        let mut trainer = Trainer::new(config.clone(), 2, task, &device).unwrap();
        let last = train_to_end(&mut trainer, &blobs).pop().unwrap();
        assert!(accuracy(&last) > 0.9, "{}", accuracy(&last));

        let waves = Dataset::waves(2000, 0.0, 5).split(0.2, 5).unwrap();
        let config = TrainingConfig {
            epochs: 40,
            learning_rate: 5e-3,
            ..config
        };
        let mut trainer = Trainer::new(config, 2, Task::Regression, &device).unwrap();
        let reports = train_to_end(&mut trainer, &waves);
        let Evaluation::Regression(last) = &reports.last().unwrap().validation else {
            panic!("regression figures expected");
        };
        assert!(last.r2 > 0.8, "R² {}", last.r2);
        assert!(reports.last().unwrap().train_accuracy.is_none());
    }

    #[test]
    fn stepping_an_epoch_in_pieces_equals_one_pass() {
        let split = Dataset::two_moons(400, 0.1, 2).split(0.2, 2).unwrap();
        let device = Device::flex();
        let mut whole = Trainer::new(TrainingConfig::default(), 2, Task::Binary, &device).unwrap();
        let mut pieces = Trainer::new(TrainingConfig::default(), 2, Task::Binary, &device).unwrap();

        let expected = block(whole.train_epoch(&split)).unwrap();
        while !pieces.step(&split.train, 3).unwrap() {}
        let report = block(pieces.finish_epoch(&split.validation)).unwrap();

        assert_eq!(report, expected);
    }

    #[test]
    fn a_resumed_trainer_predicts_what_the_original_did() {
        let split = Dataset::circles(300, 0.05, 4).split(0.2, 4).unwrap();
        let device = Device::flex();
        let mut trainer =
            Trainer::new(TrainingConfig::default(), 2, Task::Binary, &device).unwrap();
        block(trainer.train_epoch(&split)).unwrap();

        let layers = block(trainer.layers()).unwrap();
        let resumed = Trainer::resume(
            TrainingConfig::default(),
            2,
            Task::Binary,
            &layers,
            1,
            &device,
        )
        .unwrap();

        let features = split.validation.features();
        assert_eq!(
            block(resumed.predict(features)).unwrap(),
            block(trainer.predict(features)).unwrap()
        );
        assert_eq!(resumed.epochs_done(), 1);
    }

    #[test]
    fn a_huge_learning_rate_is_reported_as_divergence() {
        let split = Dataset::two_moons(400, 0.1, 3).split(0.2, 3).unwrap();
        let config = TrainingConfig {
            learning_rate: 1e12,
            optimizer: OptimizerKind::Sgd,
            epochs: 5,
            ..TrainingConfig::default()
        };
        let mut trainer = Trainer::new(config, 2, Task::Binary, &Device::flex()).unwrap();

        let outcome = (0..5).try_for_each(|_| block(trainer.train_epoch(&split)).map(drop));

        let Err(error) = outcome else {
            panic!("training should diverge");
        };
        assert!(matches!(error, TrainError::Diverged { .. }), "{error:?}");
        assert!(
            error.to_string().contains("— lower the learning rate"),
            "{error}"
        );
    }

    #[test]
    fn rejects_out_of_range_hyper_parameters() {
        let config = TrainingConfig {
            batch_size: 0,
            ..TrainingConfig::default()
        };
        assert!(matches!(
            Trainer::new(config, 2, Task::Binary, &Device::flex()),
            Err(TrainError::InvalidConfig(_))
        ));
    }

    #[test]
    fn rejects_data_of_another_width() {
        let mut trainer =
            Trainer::new(TrainingConfig::default(), 3, Task::Binary, &Device::flex()).unwrap();
        let data = Dataset::two_moons(50, 0.1, 1);

        assert!(matches!(
            trainer.step(&data, 1),
            Err(TrainError::DataMismatch { expected: 3, .. })
        ));
    }
}
