//! The summary statistics a recipe fits and previews, in plain `f64` arithmetic.
//!
//! Sums run in row order, quantiles interpolate with integer arithmetic, and comparisons
//! replace `f64::min`/`max` (whose choice between -0 and +0 the platforms may make
//! differently), so the same values give the same bits on wasm32 and x86_64. Only `+ - × ÷`
//! and `sqrt` are used: IEEE 754 rounds each of them correctly everywhere.

use std::collections::BTreeMap;

/// Count, mean, population standard deviation and range of some values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    pub(crate) count: usize,
    pub(crate) mean: f64,
    pub(crate) std: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

/// The arithmetic mean; `None` without values.
pub(crate) fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }

    let sum: f64 = values.iter().sum();
    Some(sum / values.len() as f64)
}

/// The population standard deviation (divided by `n`, as scikit-learn's `StandardScaler`
/// does), from two passes for accuracy.
pub(crate) fn std(values: &[f64], mean: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }

    let squares: f64 = values
        .iter()
        .map(|value| (value - mean) * (value - mean))
        .sum();
    (squares / values.len() as f64).sqrt()
}

/// The smallest and the largest value; `None` without values.
pub(crate) fn range(values: &[f64]) -> Option<(f64, f64)> {
    let (&first, rest) = values.split_first()?;

    let mut low = first;
    let mut high = first;
    for &value in rest {
        if value < low {
            low = value;
        }
        if value > high {
            high = value;
        }
    }
    Some((low, high))
}

/// Count, mean, standard deviation and range; `None` without values.
pub(crate) fn summarize(values: &[f64]) -> Option<Summary> {
    let mean = mean(values)?;
    let (min, max) = range(values)?;

    Some(Summary {
        count: values.len(),
        mean,
        std: std(values, mean),
        min,
        max,
    })
}

/// The median: the middle value, or the mean of the two middle ones; `None` without values.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    quantile(&sorted(values), 2, 1)
}

/// The first and third quartiles; `None` without values.
pub(crate) fn quartiles(values: &[f64]) -> Option<(f64, f64)> {
    let sorted = sorted(values);
    Some((quantile(&sorted, 4, 1)?, quantile(&sorted, 4, 3)?))
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// The `numerator / denominator` quantile of sorted values, interpolated linearly between
/// closest ranks (Hyndman and Fan's definition 7, the default of NumPy and R).
///
/// The rank `(n - 1) · p` is split into whole and fractional parts with integers, so no
/// rounding happens before the one interpolation step.
fn quantile(sorted: &[f64], denominator: usize, numerator: usize) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = last * numerator;
    let (index, remainder) = (rank / denominator, rank % denominator);

    let low = sorted[index];
    if remainder == 0 {
        return Some(low);
    }

    let high = sorted[index + 1];
    let weight = remainder as f64 / denominator as f64;
    Some(low + weight * (high - low))
}

/// How often each category occurs, commonest first, ties in byte order of the category.
pub(crate) fn ranked<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<(&'a str, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }

    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    // The sort is stable and the map iterates in byte order, so equal counts keep that order.
    ranked.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_population_std_match_hand_computation() {
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];

        let summary = summarize(&values).unwrap();

        assert_eq!(summary.mean, 5.0);
        assert_eq!(summary.std, 2.0);
        assert_eq!((summary.min, summary.max), (2.0, 9.0));
        assert_eq!(summarize(&[]), None);
    }

    #[test]
    fn median_takes_the_middle_or_the_mean_of_two() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 10.0]), Some(3.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn quartiles_interpolate_between_ranks() {
        // Ranks (n - 1)·p = 2.25 and 6.75 over 1..=10: NumPy gives 3.25 and 7.75.
        let values: Vec<f64> = (1..=10).rev().map(f64::from).collect();

        assert_eq!(quartiles(&values), Some((3.25, 7.75)));
        assert_eq!(quartiles(&[4.0]), Some((4.0, 4.0)));
    }

    #[test]
    fn ranking_breaks_ties_in_byte_order() {
        let ranked = ranked(["b", "a", "c", "b", "a", "d"]);

        assert_eq!(ranked, vec![("a", 2), ("b", 2), ("c", 1), ("d", 1)]);
    }
}
