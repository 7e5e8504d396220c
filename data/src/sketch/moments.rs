//! Count, mean, variance, minimum and maximum of a stream of numbers in one pass.
//!
//! Welford's update (B. P. Welford, "Note on a method for calculating corrected sums of
//! squares and products", Technometrics 4(3), 1962) keeps the variance accurate where a sum of
//! squares would cancel catastrophically. The numbers arrive in batches, and a batch is folded
//! in with the pairwise form of the same update (Chan, Golub and LeVeque, "Algorithms for
//! computing the sample variance", The American Statistician 37(3), 1983): the batch's own
//! mean and squared deviations, then one combination step. For a batch of one that step is
//! Welford's update exactly; for larger batches it is as stable and leaves the division out of
//! the per-number work.

/// Independent accumulators per batch, so that the sums do not wait on each other.
const LANES: usize = 4;

/// Running moments of the numbers seen so far.
#[derive(Debug, Clone)]
pub(crate) struct Moments {
    count: u64,
    mean: f64,
    squared_deviations: f64,
    min: f64,
    max: f64,
}

impl Moments {
    /// Moments of no numbers.
    pub(crate) fn new() -> Self {
        Self {
            count: 0,
            mean: 0.0,
            squared_deviations: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds a batch of finite numbers.
    pub(crate) fn extend(&mut self, batch: &[f64]) {
        if batch.is_empty() {
            return;
        }

        let (lanes, rest) = batch.as_chunks::<LANES>();
        let mut sums = [0.0; LANES];
        let mut mins = [f64::INFINITY; LANES];
        let mut maxs = [f64::NEG_INFINITY; LANES];
        for lane in lanes {
            for (index, &value) in lane.iter().enumerate() {
                sums[index] += value;
                mins[index] = mins[index].min(value);
                maxs[index] = maxs[index].max(value);
            }
        }
        let mut sum: f64 = sums.iter().sum();
        for &value in rest {
            sum += value;
            self.min = self.min.min(value);
            self.max = self.max.max(value);
        }
        self.min = mins.iter().fold(self.min, |min, &value| min.min(value));
        self.max = maxs.iter().fold(self.max, |max, &value| max.max(value));

        let added = batch.len() as f64;
        let batch_mean = sum / added;
        let mut deviations = [0.0; LANES];
        for lane in lanes {
            for (index, &value) in lane.iter().enumerate() {
                deviations[index] += (value - batch_mean) * (value - batch_mean);
            }
        }
        let batch_squares = deviations.iter().sum::<f64>()
            + rest
                .iter()
                .map(|value| (value - batch_mean) * (value - batch_mean))
                .sum::<f64>();

        let before = self.count as f64;
        self.count += batch.len() as u64;
        let total = self.count as f64;
        let delta = batch_mean - self.mean;
        self.mean += delta * (added / total);
        self.squared_deviations += batch_squares + delta * delta * (before * added / total);
    }

    /// Numbers seen.
    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// The mean; 0 before the first number.
    pub(crate) fn mean(&self) -> f64 {
        self.mean
    }

    /// The sample standard deviation (divisor n − 1); 0 for fewer than two numbers.
    pub(crate) fn std_dev(&self) -> f64 {
        if self.count < 2 {
            return 0.0;
        }
        (self.squared_deviations / (self.count - 1) as f64).sqrt()
    }

    /// The smallest number; +∞ before the first.
    pub(crate) fn min(&self) -> f64 {
        self.min
    }

    /// The largest number; −∞ before the first.
    pub(crate) fn max(&self) -> f64 {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_hand_computed_values() {
        let mut moments = Moments::new();
        moments.extend(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);

        assert_eq!(moments.count(), 8);
        assert_eq!(moments.mean(), 5.0);
        // Squared deviations sum to 32; 32 / 7 is the sample variance.
        assert!((moments.std_dev() - (32.0f64 / 7.0).sqrt()).abs() < 1e-15);
        assert_eq!((moments.min(), moments.max()), (2.0, 9.0));
    }

    #[test]
    fn batches_of_any_size_combine_to_the_same_moments() {
        let values: Vec<f64> = (0..1000)
            .map(|value| f64::from(value % 97) * 1.5 - 20.0)
            .collect();
        let mut whole = Moments::new();
        whole.extend(&values);

        for size in [1, 3, 4, 7, 256] {
            let mut batched = Moments::new();
            for batch in values.chunks(size) {
                batched.extend(batch);
            }
            assert_eq!(batched.count(), whole.count());
            assert!(
                (batched.mean() - whole.mean()).abs() < 1e-12,
                "batches of {size}"
            );
            assert!(
                (batched.std_dev() - whole.std_dev()).abs() < 1e-12,
                "batches of {size}"
            );
            assert_eq!((batched.min(), batched.max()), (-20.0, 124.0));
        }
    }

    #[test]
    fn variance_survives_a_large_offset() {
        let mut moments = Moments::new();
        for value in [1e9 + 4.0, 1e9 + 7.0, 1e9 + 13.0, 1e9 + 16.0] {
            moments.extend(&[value]);
        }
        assert!((moments.std_dev() - 30.0f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn one_value_has_no_spread() {
        let mut moments = Moments::new();
        moments.extend(&[3.5]);
        assert_eq!((moments.mean(), moments.std_dev()), (3.5, 0.0));
    }
}
