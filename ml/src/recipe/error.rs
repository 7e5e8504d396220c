//! Why a recipe could not be read, checked, fitted or applied.
//!
//! Every message names the column or setting at fault and says what to change, because the
//! UI shows it to the person who wrote the recipe as it is.

use super::frame::{ColumnRole, FrameError};
use super::split::Part;

/// Why a recipe could not be read, checked, fitted or applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecipeError {
    /// The data itself could not be read into a frame.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The JSON of a recipe or fitted recipe is malformed, has an unknown field or a value of
    /// the wrong type; the message says which.
    #[error("the recipe JSON is not valid: {message}")]
    InvalidJson {
        /// What the JSON reader reported, with line and column.
        message: String,
    },
    /// A setting names a column the dataset does not have: fix the name or remove it.
    #[error("the dataset has no column `{column}`, which the recipe's `{setting}` names")]
    UnknownColumn {
        /// The name as written in the recipe.
        column: String,
        /// The setting that names it: `target`, `drop` or `columns`.
        setting: &'static str,
    },
    /// The target is in the drop list: a model cannot learn a column it never sees.
    #[error("the target `{column}` is in `drop`: remove it from the drop list")]
    TargetDropped {
        /// The target's name.
        column: String,
    },
    /// `columns` has settings for the target, which is never imputed, scaled or encoded.
    #[error("`columns.{column}` configures the target, which is never transformed: remove it")]
    TargetConfigured {
        /// The target's name.
        column: String,
    },
    /// A per-column setting does not fit the column's role (scaling a categorical column,
    /// say): remove the setting or change the column's role.
    #[error("`columns.{column}.{setting}` applies to {expected} columns, but `{column}` is {role}")]
    SettingRole {
        /// The column's name.
        column: String,
        /// The setting's name.
        setting: &'static str,
        /// The role the setting applies to.
        expected: ColumnRole,
        /// The column's role.
        role: ColumnRole,
    },
    /// Every column is dropped or is the target: keep at least one feature.
    #[error("no feature column is left once the target and the dropped columns are removed")]
    NoFeatures,
    /// A split fraction is negative or not a number.
    #[error("`split.{part}` is {value}: a fraction must be between 0 and 1")]
    BadFraction {
        /// The part whose fraction is wrong.
        part: Part,
        /// The fraction given.
        value: f64,
    },
    /// The split fractions do not add up to 1.
    #[error(
        "the split fractions {train} + {validation} + {test} add up to {}, not 1",
        readable_sum(&[*.train, *.validation, *.test])
    )]
    FractionSum {
        /// The training fraction.
        train: f64,
        /// The validation fraction.
        validation: f64,
        /// The test fraction.
        test: f64,
    },
    /// A part of the split with a positive fraction would get no rows.
    #[error(
        "`split.{part}` of {fraction} gives no rows of the {rows} with a target: raise it, or \
         set it to 0"
    )]
    EmptyPart {
        /// The part left empty.
        part: Part,
        /// Its fraction.
        fraction: f64,
        /// The rows with a target value that were split.
        rows: usize,
    },
    /// An outlier multiplier is negative or not a finite number.
    #[error("`{setting}` is {value}: the IQR multiplier must be a finite number of 0 or more")]
    BadClipMultiplier {
        /// Where the multiplier is set, as a JSON path.
        setting: String,
        /// The multiplier given.
        value: f64,
    },
    /// A constant to impute with is not a finite number.
    #[error("`{setting}` is {value}: impute with a finite number")]
    BadConstant {
        /// Where the constant is set, as a JSON path.
        setting: String,
        /// The constant given.
        value: f64,
    },
    /// `max_categories` is 0: every category would share the unknown bucket.
    #[error("`{setting}` is 0: keep at least one category")]
    NoCategories {
        /// Where the limit is set, as a JSON path.
        setting: String,
    },
    /// Fewer than two folds were asked for.
    #[error("`folds` is {folds}: cross-validation needs at least 2 folds")]
    TooFewFolds {
        /// The folds asked for.
        folds: usize,
    },
    /// More folds than training rows were asked for.
    #[error("`folds` is {folds} but the training split has only {rows} rows: ask for fewer")]
    TooManyFolds {
        /// The folds asked for.
        folds: usize,
        /// The rows of the training split.
        rows: usize,
    },
    /// Regression needs numbers, and the target holds categories.
    #[error(
        "regression needs a numeric target, but `{column}` is categorical: set the task to \
         binary or multiclass"
    )]
    TargetNotNumeric {
        /// The target's name.
        column: String,
    },
    /// The target has fewer than two classes, so there is nothing to tell apart.
    #[error("the target `{column}` has {classes} class(es): classification needs at least 2")]
    TooFewClasses {
        /// The target's name.
        column: String,
        /// The distinct values it holds.
        classes: usize,
    },
    /// The task is binary but the target has more than two classes.
    #[error(
        "the task is binary but the target `{column}` has {classes} classes: set the task to \
         multiclass"
    )]
    NotBinary {
        /// The target's name.
        column: String,
        /// The distinct values it holds.
        classes: usize,
    },
    /// Every row's target is missing.
    #[error("every row's target `{column}` is missing")]
    NoLabelledRows {
        /// The target's name.
        column: String,
    },
    /// A statistic needs observed values and the training rows have none.
    #[error("column `{column}` has no values in the training rows: drop it or impute a constant")]
    NoObservedValues {
        /// The column's name.
        column: String,
    },
    /// A fitted statistic overflowed `f64`, for values near 1e308.
    #[error("the statistics of column `{column}` overflow: its values are too large to use")]
    NonFiniteStatistic {
        /// The column's name.
        column: String,
    },
    /// The data lacks a column the fitted recipe reads.
    #[error("the data has no column `{column}`, which the fitted recipe needs")]
    MissingColumn {
        /// The column's name.
        column: String,
    },
    /// A column has a different role from the one the recipe was fitted on.
    #[error("column `{column}` is {found}, but the recipe was fitted on it as {expected}")]
    WrongRole {
        /// The column's name.
        column: String,
        /// The role at fitting time.
        expected: ColumnRole,
        /// The role now.
        found: ColumnRole,
    },
    /// A prediction row gives the same column twice.
    #[error("the row gives column `{column}` more than once")]
    RepeatedColumn {
        /// The column's name.
        column: String,
    },
    /// A value in a prediction row is not a number where the recipe expects one.
    #[error("column `{column}`: `{value}` is not a finite number")]
    NotANumber {
        /// The column's name.
        column: String,
        /// The value as given.
        value: String,
    },
    /// A value is missing and the recipe does not impute that column.
    #[error(
        "column `{column}` is missing{} and the recipe does not impute it: choose an imputation",
        at_row(.row)
    )]
    MissingValue {
        /// The column's name.
        column: String,
        /// The row, counted from zero, or `None` for a single prediction row.
        row: Option<usize>,
    },
    /// A feature does not fit in an `f32`.
    #[error("feature `{feature}`{} does not fit in an f32: scale the column", at_row(.row))]
    OutOfRange {
        /// The feature's name.
        feature: String,
        /// The row, counted from zero, or `None` for a single prediction row.
        row: Option<usize>,
    },
    /// A row asked for its target has none.
    #[error("data row {} has no target value", .row + 1)]
    MissingTarget {
        /// The row, counted from zero.
        row: usize,
    },
    /// A target value is a class the recipe was not fitted with.
    #[error("data row {}: the target `{label}` is not one of the fitted classes", .row + 1)]
    UnknownClass {
        /// The row, counted from zero.
        row: usize,
        /// The target value.
        label: String,
    },
    /// The data is not the dataset the recipe was fitted on, so its split does not apply.
    #[error(
        "the recipe was fitted on {expected} rows but this data has {found}: the split applies \
         only to the dataset it was fitted on"
    )]
    RowCountMismatch {
        /// The rows at fitting time.
        expected: usize,
        /// The rows now.
        found: usize,
    },
    /// A stored fitted recipe contradicts itself; fit the recipe again.
    #[error("the fitted recipe is inconsistent ({reason}): fit it again")]
    Inconsistent {
        /// What does not agree.
        reason: &'static str,
    },
}

impl RecipeError {
    pub(crate) fn from_json(error: serde_json::Error) -> Self {
        Self::InvalidJson {
            message: error.to_string(),
        }
    }
}

/// A sum as a person would write it: rounded to nine decimals, so 0.8 + 0.15 + 0.15 reads
/// 1.1 and not 1.1000000000000003.
fn readable_sum(values: &[f64]) -> f64 {
    let sum: f64 = values.iter().sum();
    (sum * 1e9).round() / 1e9
}

fn at_row(row: &Option<usize>) -> String {
    row.map(|row| format!(" in data row {}", row + 1))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_count_rows_from_one() {
        let error = RecipeError::MissingValue {
            column: "age".into(),
            row: Some(0),
        };
        assert_eq!(
            error.to_string(),
            "column `age` is missing in data row 1 and the recipe does not impute it: choose \
             an imputation"
        );

        let error = RecipeError::MissingValue {
            column: "age".into(),
            row: None,
        };
        assert!(error.to_string().starts_with("column `age` is missing and"));
    }
}
