//! A uniform random sample of a column's numbers, from which quantiles and outliers are read.
//!
//! The first `CAPACITY` values fill the reservoir; after that value number `n` replaces a
//! random slot with probability `CAPACITY / n` (Vitter's Algorithm R, "Random sampling with
//! a reservoir", ACM TOMS 11(1), 1985). Rather than drawing a random number per value, the
//! reservoir draws how many values to skip until the next replacement (Li's Algorithm L,
//! "Reservoir-sampling algorithms of time complexity O(n(1 + log(N/n)))", ACM TOMS 20(4),
//! 1994), so a value that is not kept costs one comparison. While a column has at most
//! `CAPACITY` numbers the reservoir holds all of them and the quantiles are exact.

use crate::hash::SplitMix64;

/// Numbers kept per column.
pub(crate) const CAPACITY: usize = 4096;

/// A seeded reservoir of numbers.
#[derive(Debug, Clone)]
pub(crate) struct Reservoir {
    values: Vec<f64>,
    seen: u64,
    /// The number (counted from 1) of the next value to keep, once the reservoir is full.
    next: u64,
    /// Algorithm L's W: the largest of `CAPACITY` uniform keys so far, in distribution.
    largest_key: f64,
    random: SplitMix64,
}

impl Reservoir {
    /// An empty reservoir whose choices are fixed by `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            values: Vec::new(),
            seen: 0,
            next: u64::MAX,
            largest_key: 0.0,
            random: SplitMix64::new(seed),
        }
    }

    /// Offers a batch of numbers.
    pub(crate) fn extend(&mut self, mut batch: &[f64]) {
        if self.values.len() < CAPACITY {
            let room = (CAPACITY - self.values.len()).min(batch.len());
            self.values.extend_from_slice(&batch[..room]);
            self.seen += room as u64;
            batch = &batch[room..];
            if self.values.len() == CAPACITY && room > 0 {
                self.largest_key = (self.uniform().ln() / CAPACITY as f64).exp();
                self.schedule();
            }
        }

        // Jump from one kept value to the next; the values in between cost nothing.
        while !batch.is_empty() {
            let skip = self.next - self.seen - 1;
            if skip >= batch.len() as u64 {
                self.seen += batch.len() as u64;
                return;
            }
            let kept = skip as usize;
            self.seen += skip + 1;
            let slot = self.random.below(CAPACITY as u64) as usize;
            self.values[slot] = batch[kept];
            self.largest_key *= (self.uniform().ln() / CAPACITY as f64).exp();
            self.schedule();
            batch = &batch[kept + 1..];
        }
    }

    /// Draws how many values to pass over before the next one kept.
    fn schedule(&mut self) {
        let skip = (self.uniform().ln() / (1.0 - self.largest_key).ln()).floor();
        // A key that rounds to 1 makes the logarithm −∞ and the skip 0; a huge skip
        // saturates, which only means no more replacements.
        let skip = if skip.is_finite() && skip >= 0.0 {
            skip as u64
        } else {
            0
        };
        self.next = self.seen.saturating_add(skip).saturating_add(1);
    }

    /// A uniform number in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.random.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Whether the reservoir holds every number offered.
    pub(crate) fn is_exact(&self) -> bool {
        self.seen as usize <= CAPACITY
    }

    /// The kept numbers, sorted.
    pub(crate) fn sorted(&self) -> Vec<f64> {
        let mut values = self.values.clone();
        values.sort_unstable_by(f64::total_cmp);
        values
    }
}

/// The `p`-quantile (0 ≤ p ≤ 1) of sorted numbers by linear interpolation between the order
/// statistics at `p × (n − 1)` (Hyndman and Fan's definition 7, numpy's default).
pub(crate) fn quantile(sorted: &[f64], p: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return 0.0;
    };
    let position = p * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let weight = position - below as f64;
    let (low, high) = (sorted[below], sorted[above.min(last)]);
    if weight == 0.0 {
        return low;
    }
    let gap = high - low;
    if gap.is_finite() {
        low + gap * weight
    } else {
        // Only near ±f64::MAX does the gap overflow; this form cannot.
        low * (1.0 - weight) + high * weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&sorted, 0.0), 1.0);
        assert_eq!(quantile(&sorted, 0.25), 2.0);
        assert_eq!(quantile(&sorted, 0.5), 3.0);
        // Position 0.95 × 4 = 3.8: 4 + 0.8 × (10 − 4).
        assert!((quantile(&sorted, 0.95) - 8.8).abs() < 1e-12);
        assert_eq!(quantile(&sorted, 1.0), 10.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn a_small_column_is_kept_whole() {
        let mut reservoir = Reservoir::new(1);
        let values: Vec<f64> = (0..CAPACITY).rev().map(|value| value as f64).collect();
        reservoir.extend(&values);
        assert!(reservoir.is_exact());
        assert_eq!(reservoir.sorted().len(), CAPACITY);
        assert_eq!(reservoir.sorted()[0], 0.0);
    }

    #[test]
    fn a_large_column_is_sampled_uniformly() {
        let mut reservoir = Reservoir::new(2);
        let total = 100 * CAPACITY;
        let values: Vec<f64> = (0..total).map(|value| value as f64).collect();
        for batch in values.chunks(300) {
            reservoir.extend(batch);
        }

        assert!(!reservoir.is_exact());
        let sorted = reservoir.sorted();
        assert_eq!(sorted.len(), CAPACITY);
        // The sample median of a uniform sample of 4096 lies within 3 % of the true one
        // with overwhelming probability (its standard error is under 0.8 %).
        let median = quantile(&sorted, 0.5) / total as f64;
        assert!((median - 0.5).abs() < 0.03, "median at {median}");

        // Early and late values are kept in proportion: a tenth of the sample from the first
        // tenth of the stream, and as much from the last.
        let share = |range: std::ops::Range<f64>| {
            sorted.iter().filter(|value| range.contains(value)).count() as f64 / CAPACITY as f64
        };
        let tenth = total as f64 / 10.0;
        assert!((share(0.0..tenth) - 0.1).abs() < 0.02);
        assert!((share(9.0 * tenth..10.0 * tenth) - 0.1).abs() < 0.02);
    }
}
