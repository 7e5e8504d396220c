//! An exact histogram of a stream of numbers whose range is not known in advance.
//!
//! Bins have a width that is a power of two and edges at multiples of it. The histogram keeps
//! 64 such bins; a value beyond them first slides the window, and when the values no longer
//! fit in 64 bins the width doubles and neighbouring bins merge pairwise. Because every bin
//! of the wider grid is the union of two bins of the narrower one, no count is ever split or
//! guessed: each value is counted exactly once, in the bin that holds it. At the end the bins
//! are merged further until at most [`MAX_BINS`] remain.

use lepton_protocol::profile::HistogramBin;

/// Bins kept while streaming.
const WORKING_BINS: usize = 64;
/// Bins in a finished histogram.
pub(crate) const MAX_BINS: usize = 32;
/// The first value's magnitude starts out resolved into about 2^40 bins, finer than any
/// histogram needs; the width doubles from there as the range grows.
const INITIAL_RESOLUTION: i32 = 40;
/// `|value| / width` stays below 2^62 so that a bin index fits an `i64`.
const INDEX_LIMIT: f64 = 4_611_686_018_427_387_904.0;

/// A histogram of power-of-two-wide bins that widen as needed.
#[derive(Debug, Clone)]
pub(crate) struct Histogram {
    counts: [u64; WORKING_BINS],
    /// The index (value ÷ width, rounded down) of `counts[0]`. No value fits before the
    /// first, so that the first one takes the slow path that places the window.
    base: i64,
    /// The bin width is 2^exponent.
    exponent: i32,
    /// 1 ÷ width, exact since the width is a power of two.
    scale: f64,
    empty: bool,
}

impl Histogram {
    /// A histogram of no values.
    pub(crate) fn new() -> Self {
        Self {
            counts: [0; WORKING_BINS],
            base: i64::MAX,
            exponent: 0,
            scale: 1.0,
            empty: true,
        }
    }

    /// Counts a batch of finite numbers.
    pub(crate) fn extend(&mut self, batch: &[f64]) {
        for &value in batch {
            let scaled = value * self.scale;
            let offset = floor(scaled).wrapping_sub(self.base) as u64;
            if offset < WORKING_BINS as u64 && scaled.abs() < INDEX_LIMIT {
                self.counts[offset as usize] += 1;
            } else {
                self.place(value);
            }
        }
    }

    /// The non-empty range in at most [`MAX_BINS`] bins; with `whole` (an integer column)
    /// the bins are at least 1 wide, so that each holds whole numbers only once.
    pub(crate) fn bins(&self, whole: bool) -> Vec<HistogramBin> {
        let mut histogram = self.clone();
        let Some((mut low, mut high)) = histogram.occupied() else {
            return Vec::new();
        };
        while high - low >= MAX_BINS as i64 || (whole && histogram.exponent < 0) {
            histogram.widen();
            (low, high) = histogram.occupied().unwrap_or((low, high));
        }

        let width = power_of_two(histogram.exponent);
        (low..=high)
            .map(|index| HistogramBin {
                // Edges past ±f64::MAX (the top edge of a bin holding it) saturate.
                start: (index as f64 * width).clamp(-f64::MAX, f64::MAX),
                end: ((index + 1) as f64 * width).clamp(-f64::MAX, f64::MAX),
                count: histogram.counts[(index - histogram.base) as usize],
            })
            .collect()
    }

    /// Counts a value that falls outside the window: slides or widens it until it fits.
    #[cold]
    fn place(&mut self, value: f64) {
        if self.empty {
            self.start(value);
        }

        loop {
            let scaled = value * self.scale;
            if scaled.abs() < INDEX_LIMIT {
                let index = floor(scaled);
                let offset = index - self.base;
                if (0..WORKING_BINS as i64).contains(&offset) {
                    self.counts[offset as usize] += 1;
                    return;
                }
                let (low, high) = match self.occupied() {
                    Some((low, high)) => (low.min(index), high.max(index)),
                    None => (index, index),
                };
                if high - low < WORKING_BINS as i64 {
                    self.rebase(low);
                    continue;
                }
            }
            self.widen();
        }
    }

    /// The indices of the lowest and the highest bin that hold a value.
    fn occupied(&self) -> Option<(i64, i64)> {
        let first = self.counts.iter().position(|&count| count > 0)?;
        let last = self.counts.iter().rposition(|&count| count > 0)?;
        Some((self.base + first as i64, self.base + last as i64))
    }

    fn start(&mut self, value: f64) {
        let magnitude = if value == 0.0 {
            0
        } else {
            value.abs().log2().floor() as i32
        };
        self.exponent = (magnitude - INITIAL_RESOLUTION).clamp(-1000, 1000);
        self.scale = power_of_two(-self.exponent);
        self.base = floor(value * self.scale);
        self.empty = false;
    }

    /// Moves the window to start at bin `base`; every non-empty bin must fit after it.
    fn rebase(&mut self, base: i64) {
        let mut counts = [0; WORKING_BINS];
        for (offset, &count) in self.counts.iter().enumerate() {
            if count > 0 {
                counts[(self.base + offset as i64 - base) as usize] = count;
            }
        }
        self.counts = counts;
        self.base = base;
    }

    /// Doubles the width, merging bins `2k` and `2k + 1` into bin `k`.
    fn widen(&mut self) {
        let low = self.occupied().map_or(self.base, |(low, _)| low);
        let base = low >> 1;
        let mut counts = [0; WORKING_BINS];
        for (offset, &count) in self.counts.iter().enumerate() {
            if count > 0 {
                // An arithmetic shift halves and rounds down, negative indices included.
                counts[(((self.base + offset as i64) >> 1) - base) as usize] += count;
            }
        }

        self.counts = counts;
        self.base = base;
        self.exponent += 1;
        self.scale *= 0.5;
    }
}

/// ⌊value⌋ for |value| < 2^62, without the library call `f64::floor` becomes on x86-64
/// without SSE 4.1.
#[inline(always)]
fn floor(value: f64) -> i64 {
    let truncated = value as i64;
    truncated - i64::from((truncated as f64) > value)
}

/// 2^exponent, built from its bits so that it is exact (−1022 ≤ exponent ≤ 1023).
fn power_of_two(exponent: i32) -> f64 {
    f64::from_bits(((1023 + i64::from(exponent)) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram_of(values: &[f64]) -> Histogram {
        let mut histogram = Histogram::new();
        histogram.extend(values);
        histogram
    }

    fn total(bins: &[HistogramBin]) -> u64 {
        bins.iter().map(|bin| bin.count).sum()
    }

    #[test]
    fn small_integers_get_one_bin_each() {
        let bins = histogram_of(&[1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 5.0]).bins(true);

        let counts: Vec<(f64, f64, u64)> = bins
            .iter()
            .map(|bin| (bin.start, bin.end, bin.count))
            .collect();
        assert_eq!(
            counts,
            [
                (1.0, 2.0, 1),
                (2.0, 3.0, 2),
                (3.0, 4.0, 3),
                (4.0, 5.0, 0),
                (5.0, 6.0, 1)
            ]
        );
    }

    #[test]
    fn a_wide_range_is_counted_exactly_in_at_most_32_bins() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        let bins = histogram_of(&values).bins(true);

        assert!(
            bins.len() <= MAX_BINS && bins.len() >= MAX_BINS / 2,
            "{} bins",
            bins.len()
        );
        assert_eq!(total(&bins), 1000);
        let width = bins[0].end - bins[0].start;
        assert_eq!(width, 32.0);
        // Bins are [0, 32), [32, 64), …: each holds 32 of the integers 0..1000.
        assert!(bins[..bins.len() - 1].iter().all(|bin| bin.count == 32));
        assert_eq!(bins.last().map(|bin| bin.count), Some(1000 - 31 * 32));
    }

    #[test]
    fn every_value_lands_in_the_bin_that_contains_it() {
        let values = [-1e6, -3.25, -0.5, 0.0, 0.1, 2.0, 7.75, 1234.5, 9e5];
        let bins = histogram_of(&values).bins(false);

        assert_eq!(total(&bins), values.len() as u64);
        for value in values {
            let holding = bins
                .iter()
                .filter(|bin| bin.start <= value && value < bin.end)
                .count();
            assert_eq!(holding, 1, "{value}");
            let bin = bins
                .iter()
                .find(|bin| bin.start <= value && value < bin.end);
            assert!(bin.is_some_and(|bin| bin.count > 0));
        }
    }

    #[test]
    fn one_repeated_value_is_one_bin() {
        let bins = histogram_of(&[4.5; 10]).bins(false);
        assert_eq!(bins.len(), 1);
        assert_eq!(bins[0].count, 10);
        assert!(bins[0].start <= 4.5 && 4.5 < bins[0].end);
    }

    #[test]
    fn extreme_magnitudes_do_not_overflow() {
        let values = [f64::MAX, -f64::MAX, 1e-300, 0.0];
        let bins = histogram_of(&values).bins(false);
        assert_eq!(total(&bins), 4);
        assert!(bins.len() <= MAX_BINS);
        assert!(
            bins.iter()
                .all(|bin| bin.start.is_finite() && bin.end.is_finite())
        );
    }
}
