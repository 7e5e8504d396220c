//! Bagging (Breiman, "Bagging Predictors", 1996): members trained on bootstrap samples of the
//! training rows, predicting the mean of their outputs, which for classifiers averages the
//! class probabilities. Averaging members that overfit their own samples differently lowers
//! the variance a single network has on noisy data.

use crate::data::{Dataset, DatasetError};
use crate::rng::SplitMix64;

/// The seed of member `member` of an ensemble seeded with `seed`: its bootstrap sample, its
/// initial weights and its batch order all follow from it.
pub fn member_seed(seed: u64, member: usize) -> u64 {
    seed ^ (member as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

/// `rows` row indices drawn uniformly with replacement from `0..rows`.
pub fn bootstrap(rows: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed);
    (0..rows).map(|_| rng.next_index(rows)).collect()
}

/// A bootstrap sample of `dataset` for the member seeded with `seed`.
///
/// # Errors
///
/// [`DatasetError`] when `dataset` is empty.
pub fn resample(dataset: &Dataset, seed: u64) -> Result<Dataset, DatasetError> {
    let rows = bootstrap(dataset.len(), seed);
    let (features, labels) = dataset.gather(&rows);
    Dataset::for_task(features, labels, dataset.feature_count(), dataset.task())
}

/// The element-wise mean of the members' outputs (each of the same length).
pub fn average(outputs: &[Vec<f32>]) -> Vec<f32> {
    let Some(first) = outputs.first() else {
        return Vec::new();
    };
    let mut sum = vec![0.0f32; first.len()];
    for member in outputs {
        for (total, value) in sum.iter_mut().zip(member) {
            *total += value;
        }
    }
    let count = outputs.len() as f32;
    sum.into_iter().map(|total| total / count).collect()
}

#[cfg(test)]
mod tests {
    use lepton_protocol::lab::{Evaluation, Task, TrainingConfig};

    use super::*;
    use crate::data::Split;
    use crate::evaluation::evaluate;
    use crate::{Device, Trainer};

    fn log_loss(outputs: &[f32], test: &Dataset) -> f64 {
        match evaluate(outputs, test.labels(), Task::Binary) {
            Evaluation::Classification(report) => report.log_loss,
            Evaluation::Regression(_) => f64::NAN,
        }
    }

    fn trained_outputs(config: &TrainingConfig, split: &Split, test: &Dataset) -> Vec<f32> {
        let mut trainer = Trainer::new(config.clone(), 2, Task::Binary, &Device::flex()).unwrap();
        for _ in 0..config.epochs {
            pollster::block_on(trainer.train_epoch(split)).unwrap();
        }
        pollster::block_on(trainer.predict(test.features())).unwrap()
    }

    #[test]
    fn bootstrap_samples_draw_with_replacement_and_replay() {
        let rows = bootstrap(1000, 5);
        assert_eq!(rows, bootstrap(1000, 5));
        assert!(rows.iter().all(|&row| row < 1000));
        let mut distinct = rows.clone();
        distinct.sort_unstable();
        distinct.dedup();
        // About 1 - 1/e of the rows appear in a bootstrap sample.
        assert!((580..=680).contains(&distinct.len()), "{}", distinct.len());
        assert_ne!(member_seed(1, 0), member_seed(1, 1));
        assert_eq!(average(&[vec![0.2, 1.0], vec![0.4, 0.0]]), [0.3f32, 0.5]);
    }

    #[test]
    fn bagging_beats_a_single_model_on_a_noisy_set() {
        let split = Dataset::two_moons(150, 0.3, 11).split(0.2, 11).unwrap();
        let test = Dataset::two_moons(2000, 0.3, 99);
        // Wide, long and fast enough to overfit 120 noisy points: the variance bagging removes.
        let config = TrainingConfig {
            hidden: vec![128, 128],
            epochs: 150,
            learning_rate: 0.005,
            ..TrainingConfig::default()
        };

        let single = log_loss(&trained_outputs(&config, &split, &test), &test);
        let members: Vec<Vec<f32>> = (0..10)
            .map(|member| {
                let seed = member_seed(config.seed, member);
                let bag = Split {
                    train: resample(&split.train, seed).unwrap(),
                    validation: split.validation.clone(),
                };
                let config = TrainingConfig {
                    seed,
                    ..config.clone()
                };
                trained_outputs(&config, &bag, &test)
            })
            .collect();
        let bagged = log_loss(&average(&members), &test);
        // Averaging members that overfit different samples tempers the single network's
        // overconfident mistakes: a clearly lower log loss on fresh points.
        assert!(
            bagged < 0.9 * single,
            "bagging {bagged:.4} vs single {single:.4}"
        );
    }
}
