//! In-memory tabular datasets, and the toy sets the Lab starts from.
//!
//! A [`Dataset`] is a dense row-major matrix of `f32` features with one target per row and the
//! [`Task`] the targets are for: 0/1 labels (binary), class numbers (multi-class) or real
//! values (regression). It is checked once when built, so the trainer never meets ragged rows
//! or targets the task cannot take.

use lepton_protocol::lab::{Task, ToySet};

use crate::rng::SplitMix64;

/// Why a dataset or a split could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DatasetError {
    /// There are no rows: generate or upload some data first.
    #[error("the dataset has no rows")]
    Empty,
    /// The feature count is zero: every row needs at least one feature.
    #[error("a dataset needs at least one feature column")]
    NoFeatures,
    /// The flat feature buffer does not hold a whole number of rows of the stated width.
    #[error("{values} feature values do not make rows of {feature_count} features")]
    RaggedRows {
        /// How many values were given.
        values: usize,
        /// How many features each row should have.
        feature_count: usize,
    },
    /// The number of labels differs from the number of rows.
    #[error("{labels} labels for {rows} rows")]
    LabelCount {
        /// How many labels were given.
        labels: usize,
        /// How many rows the features make.
        rows: usize,
    },
    /// A binary label is neither 0 nor 1.
    #[error("label {value} in row {row} is not 0 or 1")]
    NonBinaryLabel {
        /// The row, counted from zero.
        row: usize,
        /// The offending value.
        value: f32,
    },
    /// A class number is not a whole number below the class count.
    #[error("target {value} in row {row} is not a class number below {classes}")]
    BadClass {
        /// The row, counted from zero.
        row: usize,
        /// The offending value.
        value: f32,
        /// How many classes the task has.
        classes: usize,
    },
    /// A regression target is NaN or infinite.
    #[error("the target of row {row} is not a finite number")]
    NonFiniteTarget {
        /// The row, counted from zero.
        row: usize,
    },
    /// A multi-class task needs at least three classes (two is binary).
    #[error("a multi-class task needs at least 3 classes, not {classes}")]
    TooFewClasses {
        /// The class count given.
        classes: usize,
    },
    /// A feature is NaN or infinite; impute or drop it before training.
    #[error("feature {column} of row {row} is not a finite number")]
    NonFiniteFeature {
        /// The row, counted from zero.
        row: usize,
        /// The column, counted from zero.
        column: usize,
    },
    /// The validation fraction must leave rows on both sides of the split.
    #[error("a validation fraction of {fraction} leaves one side of the split empty")]
    BadSplit {
        /// The requested fraction.
        fraction: f32,
    },
}

/// Dense features with one target per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    features: Vec<f32>,
    labels: Vec<f32>,
    feature_count: usize,
    task: Task,
}

/// A dataset divided into the rows a model learns from and the rows it is judged on.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Rows the optimiser sees.
    pub train: Dataset,
    /// Rows held out to measure generalisation after each epoch.
    pub validation: Dataset,
}

impl Dataset {
    /// Builds a binary classification dataset from row-major features and one 0/1 label per
    /// row.
    ///
    /// # Errors
    ///
    /// Any [`DatasetError`] other than `BadSplit` when the input is not a well-formed binary
    /// classification table.
    pub fn new(
        features: Vec<f32>,
        labels: Vec<f32>,
        feature_count: usize,
    ) -> Result<Self, DatasetError> {
        Self::for_task(features, labels, feature_count, Task::Binary)
    }

    /// Builds a dataset for `task` from row-major features and one target per row.
    ///
    /// # Errors
    ///
    /// Any [`DatasetError`] other than `BadSplit` when the input is not a well-formed table
    /// for the task.
    pub fn for_task(
        features: Vec<f32>,
        labels: Vec<f32>,
        feature_count: usize,
        task: Task,
    ) -> Result<Self, DatasetError> {
        if feature_count == 0 {
            return Err(DatasetError::NoFeatures);
        }
        if !features.len().is_multiple_of(feature_count) {
            return Err(DatasetError::RaggedRows {
                values: features.len(),
                feature_count,
            });
        }

        let rows = features.len() / feature_count;
        if rows == 0 {
            return Err(DatasetError::Empty);
        }
        if labels.len() != rows {
            return Err(DatasetError::LabelCount {
                labels: labels.len(),
                rows,
            });
        }

        check_targets(&labels, task)?;
        if let Some(index) = features.iter().position(|value| !value.is_finite()) {
            let (row, column) = (index / feature_count, index % feature_count);
            return Err(DatasetError::NonFiniteFeature { row, column });
        }

        Ok(Self {
            features,
            labels,
            feature_count,
            task,
        })
    }

    /// Generates one of the Lab's toy sets.
    pub fn toy(set: ToySet, samples: usize, noise: f32, seed: u64) -> Self {
        match set {
            ToySet::Moons => Self::two_moons(samples, noise, seed),
            ToySet::Circles => Self::circles(samples, noise, seed),
            ToySet::Xor => Self::xor(samples, noise, seed),
            ToySet::Spirals => Self::spirals(samples, noise, seed),
            ToySet::Blobs => Self::blobs(samples, noise, seed),
            ToySet::ThreeBlobs => Self::three_blobs(samples, noise, seed),
            ToySet::Waves => Self::waves(samples, noise, seed),
        }
    }

    /// Two interleaving half circles (the "two moons"), shuffled.
    ///
    /// Half the rows lie on the upper moon with label 0, half on the lower one with label 1;
    /// each point gets Gaussian noise of standard deviation `noise` on both axes. The shape
    /// follows the common definition used by scikit-learn's `make_moons`.
    pub fn two_moons(samples: usize, noise: f32, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut rows: Vec<([f32; 2], f32)> = Vec::with_capacity(samples);

        for index in 0..samples {
            let upper = index % 2 == 0;
            let t = std::f32::consts::PI * rng.next_f32();

            let (x, y, label) = if upper {
                (t.cos(), t.sin(), 0.0)
            } else {
                (1.0 - t.cos(), 0.5 - t.sin(), 1.0)
            };

            let x = x + noise * rng.next_gaussian();
            let y = y + noise * rng.next_gaussian();
            rows.push(([x, y], label));
        }

        Self::from_points(rows, &mut rng)
    }

    /// Two concentric circles: the outer one labelled 0, the inner one (half the radius) 1.
    pub fn circles(samples: usize, noise: f32, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut rows: Vec<([f32; 2], f32)> = Vec::with_capacity(samples);

        for index in 0..samples {
            let inner = index % 2 == 1;
            let angle = std::f32::consts::TAU * rng.next_f32();
            let radius = if inner { 0.5 } else { 1.0 };

            let x = radius * angle.cos() + noise * rng.next_gaussian();
            let y = radius * angle.sin() + noise * rng.next_gaussian();
            rows.push(([x, y], if inner { 1.0 } else { 0.0 }));
        }

        Self::from_points(rows, &mut rng)
    }

    /// The XOR pattern: points uniform in the square [-1, 1]², labelled 1 where x and y have
    /// different signs, with Gaussian noise added after labelling.
    pub fn xor(samples: usize, noise: f32, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut rows: Vec<([f32; 2], f32)> = Vec::with_capacity(samples);

        for _ in 0..samples {
            let x = 2.0 * rng.next_f32() - 1.0;
            let y = 2.0 * rng.next_f32() - 1.0;
            let label = if (x > 0.0) == (y > 0.0) { 0.0 } else { 1.0 };

            let x = x + noise * rng.next_gaussian();
            let y = y + noise * rng.next_gaussian();
            rows.push(([x, y], label));
        }

        Self::from_points(rows, &mut rng)
    }

    /// Two interleaved spiral arms, each turning one and a half times around the origin; the
    /// second arm (label 1) is the first turned by half a circle.
    pub fn spirals(samples: usize, noise: f32, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut rows: Vec<([f32; 2], f32)> = Vec::with_capacity(samples);

        for index in 0..samples {
            let second = index % 2 == 1;
            let t = rng.next_f32();
            let angle =
                3.0 * std::f32::consts::PI * t + if second { std::f32::consts::PI } else { 0.0 };
            let radius = 0.1 + 0.9 * t;

            let x = radius * angle.cos() + noise * rng.next_gaussian();
            let y = radius * angle.sin() + noise * rng.next_gaussian();
            rows.push(([x, y], if second { 1.0 } else { 0.0 }));
        }

        Self::from_points(rows, &mut rng)
    }

    /// Two Gaussian blobs of standard deviation `0.2 + noise`, centred at (-0.5, -0.5)
    /// (label 0) and (0.5, 0.5) (label 1).
    pub fn blobs(samples: usize, noise: f32, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut rows: Vec<([f32; 2], f32)> = Vec::with_capacity(samples);
        let spread = 0.2 + noise;

        for index in 0..samples {
            let (centre, label) = if index % 2 == 0 {
                (-0.5, 0.0)
            } else {
                (0.5, 1.0)
            };
            let x = centre + spread * rng.next_gaussian();
            let y = centre + spread * rng.next_gaussian();
            rows.push(([x, y], label));
        }

        Self::from_points(rows, &mut rng)
    }

    /// Three Gaussian blobs of standard deviation `0.2 + noise` at the corners of a triangle,
    /// labelled 0, 1 and 2 (a multi-class set).
    pub fn three_blobs(samples: usize, noise: f32, seed: u64) -> Self {
        const CENTRES: [(f32, f32); 3] = [(-0.6, -0.4), (0.6, -0.4), (0.0, 0.6)];
        let mut rng = SplitMix64::new(seed);
        let mut rows: Vec<([f32; 2], f32)> = Vec::with_capacity(samples);
        let spread = 0.2 + noise;

        for index in 0..samples {
            let class = index % CENTRES.len();
            let (cx, cy) = CENTRES[class];
            let x = cx + spread * rng.next_gaussian();
            let y = cy + spread * rng.next_gaussian();
            rows.push(([x, y], class as f32));
        }

        let mut data = Self::from_points(rows, &mut rng);
        data.task = Task::Multiclass { classes: 3 };
        data
    }

    /// Points uniform in [-1, 1]² with the target `sin(πx) · cos(πy)` plus Gaussian noise of
    /// standard deviation `noise` (a regression set).
    pub fn waves(samples: usize, noise: f32, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut rows: Vec<([f32; 2], f32)> = Vec::with_capacity(samples);

        for _ in 0..samples {
            let x = 2.0 * rng.next_f32() - 1.0;
            let y = 2.0 * rng.next_f32() - 1.0;
            let pi = std::f32::consts::PI;
            let target = (pi * x).sin() * (pi * y).cos() + noise * rng.next_gaussian();
            rows.push(([x, y], target));
        }

        let mut data = Self::from_points(rows, &mut rng);
        data.task = Task::Regression;
        data
    }

    fn from_points(mut rows: Vec<([f32; 2], f32)>, rng: &mut SplitMix64) -> Self {
        rng.shuffle(&mut rows);

        let features = rows.iter().flat_map(|(point, _)| *point).collect();
        let labels = rows.iter().map(|(_, label)| *label).collect();
        Self {
            features,
            labels,
            feature_count: 2,
            task: Task::Binary,
        }
    }

    /// What the targets are for.
    pub fn task(&self) -> Task {
        self.task
    }

    /// How many rows the dataset holds.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the dataset has no rows; a built dataset never is.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// How many features each row has.
    pub fn feature_count(&self) -> usize {
        self.feature_count
    }

    /// All features, row-major.
    pub fn features(&self) -> &[f32] {
        &self.features
    }

    /// One target per row: a 0/1 label, a class number or a value, as the task says.
    pub fn labels(&self) -> &[f32] {
        &self.labels
    }

    /// The features and labels of the given rows, in that order, as flat buffers.
    pub fn gather(&self, rows: &[usize]) -> (Vec<f32>, Vec<f32>) {
        let mut features = Vec::with_capacity(rows.len() * self.feature_count);
        let mut labels = Vec::with_capacity(rows.len());

        for &row in rows {
            let start = row * self.feature_count;
            features.extend_from_slice(&self.features[start..start + self.feature_count]);
            labels.push(self.labels[row]);
        }

        (features, labels)
    }

    /// Splits the rows at random into training and validation sets.
    ///
    /// # Errors
    ///
    /// [`DatasetError::BadSplit`] when the fraction is outside (0, 1) or would leave either
    /// side without rows.
    pub fn split(&self, validation_fraction: f32, seed: u64) -> Result<Split, DatasetError> {
        let bad = DatasetError::BadSplit {
            fraction: validation_fraction,
        };
        if validation_fraction.is_nan() || validation_fraction <= 0.0 || validation_fraction >= 1.0
        {
            return Err(bad);
        }

        let validation_rows = (self.len() as f32 * validation_fraction).round() as usize;
        if validation_rows == 0 || validation_rows >= self.len() {
            return Err(bad);
        }

        let mut order: Vec<usize> = (0..self.len()).collect();
        SplitMix64::new(seed).shuffle(&mut order);
        let (validation_order, train_order) = order.split_at(validation_rows);

        Ok(Split {
            train: self.subset(train_order),
            validation: self.subset(validation_order),
        })
    }

    fn subset(&self, rows: &[usize]) -> Self {
        let (features, labels) = self.gather(rows);
        Self {
            features,
            labels,
            feature_count: self.feature_count,
            task: self.task,
        }
    }
}

fn check_targets(labels: &[f32], task: Task) -> Result<(), DatasetError> {
    match task {
        Task::Binary => match labels
            .iter()
            .enumerate()
            .find(|(_, label)| **label != 0.0 && **label != 1.0)
        {
            Some((row, &value)) => Err(DatasetError::NonBinaryLabel { row, value }),
            None => Ok(()),
        },
        Task::Multiclass { classes } => {
            if classes < 3 {
                return Err(DatasetError::TooFewClasses { classes });
            }
            let bad = labels.iter().enumerate().find(|(_, label)| {
                label.fract() != 0.0 || **label < 0.0 || **label >= classes as f32
            });
            match bad {
                Some((row, &value)) => Err(DatasetError::BadClass {
                    row,
                    value,
                    classes,
                }),
                None => Ok(()),
            }
        }
        Task::Regression => match labels.iter().position(|label| !label.is_finite()) {
            Some(row) => Err(DatasetError::NonFiniteTarget { row }),
            None => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_moons_are_balanced_and_reproducible() {
        let a = Dataset::two_moons(200, 0.1, 5);
        let b = Dataset::two_moons(200, 0.1, 5);

        assert_eq!(a, b);
        assert_eq!(a.len(), 200);
        assert_eq!(
            a.labels().iter().filter(|label| **label == 1.0).count(),
            100
        );
    }

    #[test]
    fn every_toy_set_is_balanced_and_reproducible() {
        type Generator = fn(usize, f32, u64) -> Dataset;
        let generators: [(&str, Generator); 5] = [
            ("two moons", Dataset::two_moons),
            ("circles", Dataset::circles),
            ("xor", Dataset::xor),
            ("spirals", Dataset::spirals),
            ("blobs", Dataset::blobs),
        ];
        for (name, generate) in generators {
            let data = generate(400, 0.05, 9);
            assert_eq!(data, generate(400, 0.05, 9), "{name}");
            assert_ne!(data, generate(400, 0.05, 10), "{name}");
            let ones = data.labels().iter().filter(|label| **label == 1.0).count();
            assert!((150..=250).contains(&ones), "{name}: {ones} ones of 400");
        }
    }

    #[test]
    fn xor_labels_follow_the_quadrants_without_noise() {
        let data = Dataset::xor(100, 0.0, 3);
        for (point, label) in data.features().chunks(2).zip(data.labels()) {
            let expected = if (point[0] > 0.0) == (point[1] > 0.0) {
                0.0
            } else {
                1.0
            };
            assert_eq!(*label, expected);
        }
    }

    #[test]
    fn rejects_ragged_rows() {
        let error = Dataset::new(vec![1.0, 2.0, 3.0], vec![0.0], 2).unwrap_err();
        assert_eq!(
            error,
            DatasetError::RaggedRows {
                values: 3,
                feature_count: 2
            }
        );
    }

    #[test]
    fn rejects_non_binary_labels() {
        let error = Dataset::new(vec![1.0, 2.0], vec![2.0, 0.0], 1).unwrap_err();
        assert_eq!(error, DatasetError::NonBinaryLabel { row: 0, value: 2.0 });
    }

    #[test]
    fn multi_class_and_regression_sets_carry_their_task() {
        let blobs = Dataset::three_blobs(300, 0.0, 4);
        assert_eq!(blobs.task(), Task::Multiclass { classes: 3 });
        for class in 0..3 {
            let count = blobs
                .labels()
                .iter()
                .filter(|l| **l == class as f32)
                .count();
            assert_eq!(count, 100);
        }

        let waves = Dataset::waves(50, 0.0, 4);
        assert_eq!(waves.task(), Task::Regression);
        for (point, target) in waves.features().chunks(2).zip(waves.labels()) {
            let pi = std::f32::consts::PI;
            assert!(((pi * point[0]).sin() * (pi * point[1]).cos() - target).abs() < 1e-6);
        }
        assert_eq!(waves.split(0.2, 1).unwrap().train.task(), Task::Regression);
    }

    #[test]
    fn rejects_targets_the_task_cannot_take() {
        let task = Task::Multiclass { classes: 3 };
        assert_eq!(
            Dataset::for_task(vec![0.0, 1.0], vec![1.5, 3.0], 1, task).unwrap_err(),
            DatasetError::BadClass {
                row: 0,
                value: 1.5,
                classes: 3
            }
        );
        assert_eq!(
            Dataset::for_task(vec![0.0], vec![f32::INFINITY], 1, Task::Regression).unwrap_err(),
            DatasetError::NonFiniteTarget { row: 0 }
        );
    }

    #[test]
    fn rejects_non_finite_features() {
        let error = Dataset::new(vec![1.0, f32::NAN], vec![1.0, 0.0], 1).unwrap_err();
        assert_eq!(error, DatasetError::NonFiniteFeature { row: 1, column: 0 });
    }

    #[test]
    fn split_keeps_every_row_once() {
        let dataset = Dataset::two_moons(100, 0.0, 1);
        let split = dataset.split(0.2, 9).unwrap();

        assert_eq!(split.validation.len(), 20);
        assert_eq!(split.train.len(), 80);

        let mut all: Vec<u32> = split
            .train
            .features()
            .iter()
            .chain(split.validation.features())
            .map(|value| value.to_bits())
            .collect();
        let mut original: Vec<u32> = dataset.features().iter().map(|v| v.to_bits()).collect();
        all.sort_unstable();
        original.sort_unstable();
        assert_eq!(all, original);
    }

    #[test]
    fn split_rejects_fractions_that_empty_a_side() {
        let dataset = Dataset::two_moons(10, 0.0, 1);

        assert!(dataset.split(0.0, 1).is_err());
        assert!(dataset.split(1.0, 1).is_err());
        assert!(dataset.split(0.01, 1).is_err());
    }
}
