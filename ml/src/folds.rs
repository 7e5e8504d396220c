//! k-fold cross-validation of a prepared dataset: every row in one of k folds, stratified by
//! class for classifiers, and the training / held-out pair of each fold.

use crate::data::{Dataset, DatasetError};
use crate::recipe::deal_folds;
use crate::rng::SplitMix64;

/// The fold of each row of `dataset`, seeded: classes are spread evenly over the folds, and
/// the folds' sizes differ by at most one.
pub fn assign(dataset: &Dataset, folds: usize, seed: u64) -> Vec<usize> {
    let task = dataset.task();
    let (strata, count): (Vec<Option<usize>>, usize) = if task.is_classification() {
        let classes = task.outputs().max(2);
        let strata = dataset
            .labels()
            .iter()
            .map(|&label| Some(label as usize))
            .collect();
        (strata, classes)
    } else {
        (vec![Some(0); dataset.len()], 1)
    };
    deal_folds(&strata, count, folds, &mut SplitMix64::new(seed ^ 0xF01D))
}

/// The rows outside fold `fold` (to learn from) and the rows in it (to score).
///
/// # Errors
///
/// [`DatasetError::Empty`] when either side has no rows.
pub fn split(
    dataset: &Dataset,
    assignment: &[usize],
    fold: usize,
) -> Result<(Dataset, Dataset), DatasetError> {
    let (held, learn): (Vec<usize>, Vec<usize>) =
        (0..dataset.len()).partition(|&row| assignment.get(row) == Some(&fold));
    let part = |rows: &[usize]| {
        let (features, labels) = dataset.gather(rows);
        Dataset::for_task(features, labels, dataset.feature_count(), dataset.task())
    };
    Ok((part(&learn)?, part(&held)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_even_and_stratified() {
        let dataset = Dataset::two_moons(103, 0.1, 1);
        let assignment = assign(&dataset, 5, 9);
        assert_eq!(assignment, assign(&dataset, 5, 9));
        for fold in 0..5 {
            let (learn, held) = split(&dataset, &assignment, fold).unwrap();
            assert_eq!(learn.len() + held.len(), 103);
            assert!((20..=21).contains(&held.len()), "{}", held.len());
            let positives = held.labels().iter().filter(|&&label| label == 1.0).count();
            assert!((9..=12).contains(&positives), "fold {fold}: {positives}");
        }
    }
}
