//! The profile of a dataset: what each column holds, how complete and how varied it is, and
//! what looks wrong with the data, computed in one streaming pass over an upload.
//!
//! The dataset engine (`lepton-data`) fills these, the server stores them as JSON next to the
//! file, and the dashboard draws them. Figures that a bounded pass can only estimate on a
//! large file carry a flag that says whether they are exact.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Everything the profiling pass found in one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DatasetProfile {
    /// Data rows, the header excluded.
    pub rows: u64,
    /// Bytes read, the header and any byte-order mark included.
    pub bytes: u64,
    /// One entry per column, in file order.
    pub columns: Vec<ColumnProfile>,
    /// Rows identical, cell for cell, to an earlier row.
    pub duplicate_rows: u64,
    /// False when the file had more distinct rows than the pass tracks exactly; then
    /// `duplicate_rows` is a lower bound.
    pub duplicates_exact: bool,
    /// Rows in the seeded random sample kept for target analysis.
    pub sample_rows: u64,
    /// What needs attention, most severe first, then by column.
    pub warnings: Vec<Warning>,
    /// The analysis of the chosen target column, if one was chosen.
    pub target: Option<TargetProfile>,
}

/// What a column holds, inferred from every non-missing cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Numbers, at least one of them with a fraction or an exponent.
    Numeric,
    /// Whole numbers only (an optional sign and digits).
    Integer,
    /// `true`/`false` or `yes`/`no`, in any letter case.
    Boolean,
    /// Text with few distinct values (at most 100, and at most half the non-missing cells).
    Categorical,
    /// Any other text, and columns with no values at all.
    Text,
    /// ISO 8601 dates (`2024-05-31`) or date-times (`2024-05-31T12:00:00Z`: a `T` or a space,
    /// then hours and minutes, optional seconds and fraction, optional `Z` or `±HH:MM`).
    Datetime,
}

/// The profile of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ColumnProfile {
    /// The column's name: from the header, from JSON keys, or `column_1`, `column_2`, … when
    /// a CSV file has no header.
    pub name: String,
    /// What the column holds.
    pub kind: ColumnKind,
    /// Cells with a value.
    pub count: u64,
    /// Cells without a value: empty or blank cells, `NA`, `N/A`, `n/a`, `null`, `NULL`,
    /// `Null`, `None`, and in JSON Lines `null` or an absent key.
    pub missing: u64,
    /// Distinct values among the non-missing cells, compared as written.
    pub distinct: u64,
    /// False when `distinct` is a HyperLogLog estimate (about 1.6 % standard error).
    pub distinct_exact: bool,
    /// Statistics of a numeric or integer column.
    pub numeric: Option<NumericSummary>,
    /// The earliest and latest value of a datetime column.
    pub datetime: Option<DatetimeRange>,
    /// The most frequent values of a boolean, categorical or text column, or of an integer
    /// column of at most 256 different values, most frequent first; at most 20. Values longer
    /// than 128 bytes are cut to 128.
    pub top_values: Vec<ValueCount>,
    /// False when the counts in `top_values` are lower bounds rather than exact counts.
    pub top_values_exact: bool,
    /// Every non-missing cell holds the same value.
    pub constant: bool,
    /// Every value is distinct in an integer or text column of 20 rows or more: an
    /// identifier, which a model would only memorise.
    pub id_like: bool,
}

/// Statistics of the numbers in a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NumericSummary {
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// The arithmetic mean.
    pub mean: f64,
    /// The sample standard deviation (divisor n − 1); 0 for a single value.
    pub std_dev: f64,
    /// Quantiles by linear interpolation between order statistics.
    pub quantiles: Quantiles,
    /// True when the quantiles use every value; false when they come from a uniform random
    /// sample of 4096 values.
    pub quantiles_exact: bool,
    /// The distribution of the values.
    pub histogram: Histogram,
    /// Values outside the fences below; estimated from the sample when the quantiles are.
    pub outliers: u64,
    /// Whether `outliers` counts every value.
    pub outliers_exact: bool,
    /// Values below `p25 − 1.5 × (p75 − p25)` are outliers (Tukey's rule).
    pub lower_fence: f64,
    /// Values above `p75 + 1.5 × (p75 − p25)` are outliers.
    pub upper_fence: f64,
}

/// Seven quantiles of a numeric column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Quantiles {
    /// The minimum.
    pub p0: f64,
    /// The 5th percentile.
    pub p5: f64,
    /// The first quartile.
    pub p25: f64,
    /// The median.
    pub p50: f64,
    /// The third quartile.
    pub p75: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The maximum.
    pub p100: f64,
}

/// Counts of values in adjacent bins of equal width.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Histogram {
    /// From the lowest bin to the highest; at most 32.
    pub bins: Vec<HistogramBin>,
    /// True when every value was counted (the engine's histogram always is).
    pub exact: bool,
}

/// One bin of a histogram: the values `v` with `start <= v < end`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HistogramBin {
    /// The lower edge, included.
    pub start: f64,
    /// The upper edge, excluded.
    pub end: f64,
    /// Values in the bin.
    pub count: u64,
}

/// The range of a datetime column, in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DatetimeRange {
    /// The earliest value: `YYYY-MM-DD` when the column holds dates only, else RFC 3339.
    pub min: String,
    /// The latest value, in the same form.
    pub max: String,
}

/// A value and how often it occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ValueCount {
    /// The value as written (at most 128 bytes).
    pub value: String,
    /// Cells holding it.
    pub count: u64,
}

/// How much a warning matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Likely to hurt a model.
    Medium,
    /// Fix it before training.
    High,
}

/// Something in the data that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Warning {
    /// How much it matters.
    pub severity: Severity,
    /// Stable, machine-readable: `missing_values`, `constant_column`, `id_like_column`,
    /// `duplicate_rows`, `imbalanced_target` or `target_leakage`.
    pub code: String,
    /// The column concerned; none for the whole dataset.
    pub column: Option<String>,
    /// A sentence a person can act on.
    pub message: String,
}

/// What kind of prediction the target asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TargetTask {
    /// Predict one of a few classes.
    Classification,
    /// Predict a number.
    Regression,
}

/// The analysis of the column a model is to predict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TargetProfile {
    /// The target column.
    pub column: String,
    /// Classification or regression.
    pub task: TargetTask,
    /// For classification: each class and its rows, most frequent first.
    pub classes: Vec<ValueCount>,
    /// True when `classes` counts every row; false when it counts the row sample.
    pub classes_exact: bool,
    /// Rows of the majority class per row of the minority class; none for regression.
    pub imbalance_ratio: Option<f64>,
    /// Rows without a target value, which training cannot use.
    pub missing: u64,
    /// Sample rows the leakage check ran on.
    pub sample_rows: u64,
    /// Features that alone predict the target almost perfectly, strongest first.
    pub leakage: Vec<Leakage>,
}

/// A feature that gives the target away.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Leakage {
    /// The feature column.
    pub column: String,
    /// How it was found.
    pub method: LeakageMethod,
    /// Accuracy on the sample for the two classification methods, absolute correlation for
    /// regression; 0 to 1.
    pub score: f64,
}

/// The single-feature predictor a leakage check used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeakageMethod {
    /// One threshold on a numeric feature (a decision stump).
    Threshold,
    /// The majority class of each value of a feature, each row left out of its own count.
    ValueMajority,
    /// Pearson correlation of a numeric feature with a numeric target.
    Correlation,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_rank_high_above_low() {
        assert!(Severity::High > Severity::Medium && Severity::Medium > Severity::Low);
        assert_eq!(serde_json::to_string(&Severity::High).unwrap(), r#""high""#);
    }

    #[test]
    fn kinds_and_methods_serialize_in_snake_case() {
        let json = serde_json::to_string(&(ColumnKind::Datetime, LeakageMethod::ValueMajority));
        assert_eq!(json.unwrap(), r#"["datetime","value_majority"]"#);
    }
}
