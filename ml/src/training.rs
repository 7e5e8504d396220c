//! Mini-batch training of an [`Mlp`] with Adam and binary cross-entropy.
//!
//! The loop is async because reading a value back from a WebGPU device is: the tab awaits
//! each epoch's figures, the server and the tests drive the same future with a blocking
//! executor. Losses are summed on the device and read once per epoch, so a GPU is not stalled
//! after every batch.

use burn::nn::loss::{BinaryCrossEntropyLoss, BinaryCrossEntropyLossConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;

use crate::data::{Dataset, DatasetError, Split};
use crate::metrics::BinaryMetrics;
use crate::model::{Mlp, MlpConfig};
use crate::rng::SplitMix64;

/// Hyper-parameters of a training run.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingConfig {
    /// Hidden layer widths. Default `[64, 64]`.
    pub hidden: Vec<usize>,
    /// Adam's step size. Default `0.001`.
    pub learning_rate: f64,
    /// Rows per optimiser step. Default `32`.
    pub batch_size: usize,
    /// Passes over the training rows. Default `10`.
    pub epochs: usize,
    /// Share of rows held out for validation. Default `0.2`.
    pub validation_fraction: f32,
    /// Seeds weight initialisation, the split and the batch order. Default `42`.
    pub seed: u64,
}

/// What one epoch achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    /// The epoch just finished, counted from 1.
    pub epoch: usize,
    /// Mean binary cross-entropy over the epoch's batches.
    pub train_loss: f32,
    /// Binary cross-entropy on the validation rows after the epoch.
    pub validation_loss: f32,
    /// Accuracy, precision, recall and F1 on the validation rows after the epoch.
    pub validation: BinaryMetrics,
    /// Training rows seen in this epoch.
    pub samples: usize,
}

/// Why training could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The hyper-parameters are out of range; the message names the field.
    #[error("invalid training configuration: {0}")]
    InvalidConfig(&'static str),
    /// The data cannot be trained on as it is.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The loss left the real numbers, nearly always a learning rate that is too high.
    #[error("loss became {value} at epoch {epoch}: lower the learning rate")]
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

/// Trains one model, an epoch at a time.
pub struct Trainer {
    model: Mlp,
    optimizer: ModuleOptimizer,
    loss: BinaryCrossEntropyLoss,
    config: TrainingConfig,
    device: Device,
    rng: SplitMix64,
    epoch: usize,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        Self {
            hidden: vec![64, 64],
            learning_rate: 1e-3,
            batch_size: 32,
            epochs: 10,
            validation_fraction: 0.2,
            seed: 42,
        }
    }
}

impl TrainingConfig {
    /// Checks every field's range.
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidConfig`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), TrainError> {
        if self.hidden.contains(&0) {
            return Err(TrainError::InvalidConfig(
                "hidden layers need at least one unit",
            ));
        }
        if !self.learning_rate.is_finite() || self.learning_rate <= 0.0 {
            return Err(TrainError::InvalidConfig(
                "the learning rate must be positive",
            ));
        }
        if self.batch_size == 0 {
            return Err(TrainError::InvalidConfig(
                "the batch size must be at least 1",
            ));
        }
        if self.epochs == 0 {
            return Err(TrainError::InvalidConfig("train for at least one epoch"));
        }
        Ok(())
    }
}

impl Trainer {
    /// A fresh model for rows of `feature_count` features, on `device` (gradients are turned
    /// on here, so pass a plain device).
    ///
    /// # Errors
    ///
    /// [`TrainError::InvalidConfig`] when a hyper-parameter is out of range.
    pub fn new(
        config: TrainingConfig,
        feature_count: usize,
        device: &Device,
    ) -> Result<Self, TrainError> {
        config.validate()?;

        let device = device.clone().autodiff();
        device.seed(config.seed);
        let model = MlpConfig::new(feature_count)
            .with_hidden(config.hidden.clone())
            .init(&device);

        Ok(Self {
            model,
            optimizer: AdamConfig::new().init(),
            loss: BinaryCrossEntropyLossConfig::new()
                .with_logits(true)
                .init(&device),
            rng: SplitMix64::new(config.seed ^ 0x5EED),
            config,
            device,
            epoch: 0,
        })
    }

    /// The configuration this trainer runs with.
    pub fn config(&self) -> &TrainingConfig {
        &self.config
    }

    /// The model as trained so far.
    pub fn model(&self) -> &Mlp {
        &self.model
    }

    /// Runs one pass over `split.train` in shuffled mini-batches, then scores `split.validation`.
    ///
    /// # Errors
    ///
    /// [`TrainError::Diverged`] when a loss is not finite (the model is left as it was before
    /// the epoch's last readback), [`TrainError::Readback`] when the device fails.
    pub async fn train_epoch(&mut self, split: &Split) -> Result<EpochReport, TrainError> {
        self.epoch += 1;
        let train = &split.train;

        let mut order: Vec<usize> = (0..train.len()).collect();
        self.rng.shuffle(&mut order);

        let mut loss_sum = Tensor::<1>::zeros([1], &self.device);
        let mut batches = 0usize;
        for rows in order.chunks(self.config.batch_size) {
            let (inputs, targets) = self.batch(train, rows);

            let loss = self.loss.forward(self.model.forward(inputs), targets);
            loss_sum = loss_sum + loss.clone().detach();

            let gradients = GradientsParams::from_grads(loss.backward(), &self.model);
            self.model =
                self.optimizer
                    .step(self.config.learning_rate, self.model.clone(), gradients);
            batches += 1;
        }

        let train_loss = read_scalar(loss_sum).await? / batches as f32;
        self.check_finite(train_loss)?;

        let (validation_loss, validation) = self.evaluate(&split.validation).await?;
        self.check_finite(validation_loss)?;

        Ok(EpochReport {
            epoch: self.epoch,
            train_loss,
            validation_loss,
            validation,
            samples: train.len(),
        })
    }

    /// Loss and metrics of the current model on `dataset`, without touching the weights.
    ///
    /// # Errors
    ///
    /// [`TrainError::Readback`] when the device fails.
    pub async fn evaluate(&self, dataset: &Dataset) -> Result<(f32, BinaryMetrics), TrainError> {
        // The rows are uploaded on every call (once per epoch in training); cheap for the
        // toy sets, to be cached on the device when validation sets grow.
        let model = self.model.valid();
        let device = self.device.clone().inner();

        let inputs = features_tensor(dataset.features(), dataset.feature_count(), &device);
        let logits = model.forward(inputs);
        let targets = labels_tensor(dataset.labels(), &device);
        let loss = self.loss.forward(logits.clone(), targets);

        let loss = read_scalar(loss).await?;
        let probabilities = read_vec(burn::tensor::activation::sigmoid(logits)).await?;
        Ok((
            loss,
            BinaryMetrics::from_probabilities(&probabilities, dataset.labels()),
        ))
    }

    /// Probability of class 1 for each row of `dataset`.
    ///
    /// # Errors
    ///
    /// [`TrainError::Readback`] when the device fails.
    pub async fn predict(&self, dataset: &Dataset) -> Result<Vec<f32>, TrainError> {
        let device = self.device.clone().inner();
        let inputs = features_tensor(dataset.features(), dataset.feature_count(), &device);

        read_vec(self.model.valid().probabilities(inputs)).await
    }

    /// Copies the rows of one batch to the device. Gathering on the host keeps the loop
    /// portable across backends; it costs an upload per batch, which matters only once
    /// datasets outgrow the toy sets and should then move to an on-device `select`.
    fn batch(&self, dataset: &Dataset, rows: &[usize]) -> (Tensor<2>, Tensor<2, Int>) {
        let (features, labels) = dataset.gather(rows);

        let inputs = features_tensor(&features, dataset.feature_count(), &self.device);
        let targets = labels_tensor(&labels, &self.device);
        (inputs, targets)
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
/// - output: `[rows, 1]`
fn labels_tensor(labels: &[f32], device: &Device) -> Tensor<2, Int> {
    let labels: Vec<i64> = labels.iter().map(|&label| label as i64).collect();
    let rows = labels.len();
    Tensor::from_data(TensorData::new(labels, [rows, 1]), device)
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

    fn train_to_end(trainer: &mut Trainer, split: &Split) -> Vec<EpochReport> {
        (0..trainer.config().epochs)
            .map(|_| pollster::block_on(trainer.train_epoch(split)).unwrap())
            .collect()
    }

    #[test]
    fn one_step_lowers_the_loss_on_separable_data() {
        // Two well-separated blobs: label = (x > 0).
        let features: Vec<f32> = (0..256)
            .flat_map(|i| {
                let x = if i % 2 == 0 {
                    1.0 + (i % 7) as f32 * 0.1
                } else {
                    -1.0 - (i % 5) as f32 * 0.1
                };
                [x, (i % 3) as f32 * 0.1]
            })
            .collect();
        let labels: Vec<f32> = (0..256)
            .map(|i| if i % 2 == 0 { 1.0 } else { 0.0 })
            .collect();
        let split = Dataset::new(features, labels, 2)
            .unwrap()
            .split(0.25, 1)
            .unwrap();

        // A batch as large as the training split makes the epoch exactly one optimiser step.
        let config = TrainingConfig {
            epochs: 1,
            learning_rate: 1e-2,
            batch_size: split.train.len(),
            ..TrainingConfig::default()
        };
        let mut trainer = Trainer::new(config, 2, &Device::flex()).unwrap();

        let (before, _) = pollster::block_on(trainer.evaluate(&split.validation)).unwrap();
        let report = pollster::block_on(trainer.train_epoch(&split)).unwrap();

        assert!(
            report.validation_loss < before,
            "{} !< {before}",
            report.validation_loss
        );
    }

    #[test]
    fn default_model_reaches_95_percent_on_two_moons() {
        let split = Dataset::two_moons(2000, 0.1, 7).split(0.2, 7).unwrap();
        let mut trainer = Trainer::new(TrainingConfig::default(), 2, &Device::flex()).unwrap();

        let reports = train_to_end(&mut trainer, &split);

        let last = reports.last().unwrap();
        assert_eq!(reports.len(), 10);
        assert!(
            last.validation.accuracy >= 0.95,
            "accuracy {}",
            last.validation.accuracy
        );
        assert!(last.train_loss < reports[0].train_loss);
    }

    #[test]
    fn a_huge_learning_rate_is_reported_as_divergence() {
        let split = Dataset::two_moons(400, 0.1, 3).split(0.2, 3).unwrap();
        let config = TrainingConfig {
            learning_rate: 1e12,
            epochs: 5,
            ..TrainingConfig::default()
        };
        let mut trainer = Trainer::new(config, 2, &Device::flex()).unwrap();

        let outcome =
            (0..5).try_for_each(|_| pollster::block_on(trainer.train_epoch(&split)).map(drop));

        assert!(
            matches!(outcome, Err(TrainError::Diverged { .. })),
            "{outcome:?}"
        );
    }

    #[test]
    fn rejects_out_of_range_hyper_parameters() {
        let config = TrainingConfig {
            batch_size: 0,
            ..TrainingConfig::default()
        };
        assert!(matches!(
            Trainer::new(config, 2, &Device::flex()),
            Err(TrainError::InvalidConfig(_))
        ));
    }
}
