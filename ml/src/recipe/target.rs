//! The target column as a model sees it: a class index for classification, a number for
//! regression.
//!
//! Class labels are strings in both kinds of column, so a numeric 0/1 target and a yes/no
//! target are handled alike. Numeric labels are sorted as numbers (2 before 10), categorical
//! ones in byte order, and a label's index in that order is its class.

use std::borrow::Cow;
use std::collections::HashMap;

use super::Task;
use super::error::RecipeError;
use super::frame::ColumnData;

/// Maps a target cell to what a model is trained on.
#[derive(Debug)]
pub(crate) struct TargetEncoder<'a> {
    task: Task,
    name: &'a str,
    classes: HashMap<&'a str, usize>,
}

impl<'a> TargetEncoder<'a> {
    pub(crate) fn new(task: Task, name: &'a str, labels: &'a [String]) -> Self {
        let classes = labels
            .iter()
            .enumerate()
            .map(|(index, label)| (label.as_str(), index))
            .collect();

        Self {
            task,
            name,
            classes,
        }
    }

    /// The class index as `f32`, or the regression value.
    ///
    /// # Errors
    ///
    /// [`RecipeError::MissingTarget`], [`RecipeError::UnknownClass`], or
    /// [`RecipeError::OutOfRange`] for a regression value beyond `f32`.
    pub(crate) fn encode(&self, data: &ColumnData, row: usize) -> Result<f32, RecipeError> {
        if !self.task.is_classification() {
            let value = match data {
                ColumnData::Numeric(values) => values.get(row).copied().flatten(),
                ColumnData::Categorical(_) => None,
            };
            let value = value.ok_or(RecipeError::MissingTarget { row })?;

            let target = value as f32;
            if !target.is_finite() {
                return Err(RecipeError::OutOfRange {
                    feature: self.name.to_owned(),
                    row: Some(row),
                });
            }
            return Ok(target);
        }

        let label = label_of(data, row).ok_or(RecipeError::MissingTarget { row })?;
        let class = self
            .classes
            .get(label.as_ref())
            .ok_or_else(|| RecipeError::UnknownClass {
                row,
                label: label.clone().into_owned(),
            })?;

        // Class indices are far below 2^24, so every one is exact in f32.
        Ok(*class as f32)
    }

    /// The class index of every row, `None` where the target is missing; every row counts as
    /// class 0 for regression.
    pub(crate) fn strata(&self, data: &ColumnData) -> Vec<Option<usize>> {
        (0..data.len())
            .map(|row| {
                let label = label_of(data, row)?;
                if self.task.is_classification() {
                    self.classes.get(label.as_ref()).copied()
                } else {
                    Some(0)
                }
            })
            .collect()
    }
}

/// The class label of one cell; `None` when it is missing.
pub(crate) fn label_of(data: &ColumnData, row: usize) -> Option<Cow<'_, str>> {
    match data {
        ColumnData::Numeric(values) => values
            .get(row)
            .copied()
            .flatten()
            .map(|value| Cow::Owned(number_label(value))),
        ColumnData::Categorical(values) => values
            .get(row)
            .and_then(Option::as_deref)
            .map(Cow::Borrowed),
    }
}

/// The distinct labels of a column in class order.
pub(crate) fn distinct_labels(data: &ColumnData) -> Vec<String> {
    match data {
        ColumnData::Numeric(values) => {
            let mut numbers: Vec<f64> = values.iter().flatten().map(|value| value + 0.0).collect();
            numbers.sort_by(f64::total_cmp);
            numbers.dedup();
            numbers.into_iter().map(number_label).collect()
        }
        ColumnData::Categorical(values) => {
            let mut labels: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
            labels.sort_unstable();
            labels.dedup();
            labels.into_iter().map(str::to_owned).collect()
        }
    }
}

/// Spells a number as a label: Rust's shortest round-trip form, the same on every platform,
/// with -0 folded into 0 (adding +0 turns -0 into +0 and leaves every other value alone).
fn number_label(value: f64) -> String {
    let value = value + 0.0;
    format!("{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_labels_sort_as_numbers() {
        let data = ColumnData::Numeric(vec![Some(10.0), Some(2.0), None, Some(-0.0), Some(0.0)]);

        assert_eq!(distinct_labels(&data), vec!["0", "2", "10"]);
    }

    #[test]
    fn categorical_labels_sort_in_byte_order() {
        let data = ColumnData::Categorical(vec![
            Some("stay".into()),
            Some("churn".into()),
            None,
            Some("stay".into()),
        ]);

        assert_eq!(distinct_labels(&data), vec!["churn", "stay"]);
    }

    #[test]
    fn encodes_classes_by_their_sorted_index() {
        let data = ColumnData::Categorical(vec![Some("stay".into()), Some("churn".into()), None]);
        let labels = distinct_labels(&data);
        let encoder = TargetEncoder::new(Task::Binary, "label", &labels);

        assert_eq!(encoder.encode(&data, 0), Ok(1.0));
        assert_eq!(encoder.encode(&data, 1), Ok(0.0));
        assert_eq!(
            encoder.encode(&data, 2),
            Err(RecipeError::MissingTarget { row: 2 })
        );
        assert_eq!(encoder.strata(&data), vec![Some(1), Some(0), None]);
    }

    #[test]
    fn regression_targets_pass_through() {
        let data = ColumnData::Numeric(vec![Some(2.5), Some(1e300)]);
        let encoder = TargetEncoder::new(Task::Regression, "price", &[]);

        assert_eq!(encoder.encode(&data, 0), Ok(2.5));
        assert!(matches!(
            encoder.encode(&data, 1),
            Err(RecipeError::OutOfRange { row: Some(1), .. })
        ));
        assert_eq!(encoder.strata(&data), vec![Some(0), Some(0)]);
    }
}
