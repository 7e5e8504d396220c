//! Dataset preparation recipes: which columns to drop, impute, clip, scale and one-hot encode,
//! and how to split the rows.
//!
//! A [`Recipe`] is stored as JSON with a dataset version. [`Recipe::fit`] learns every step's
//! parameters from the training rows of a [`Frame`] and returns a [`Fitted`] recipe. The tab,
//! the server's training jobs and prediction all apply that one value through this module, so
//! a row turns into the same `f32` features everywhere, down to the bit.

mod encode;
mod error;
mod fit;
mod fitted;
mod frame;
mod preview;
#[cfg(test)]
mod sample;
mod split;
mod stats;
mod target;
mod validate;

pub(crate) use split::deal_folds;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use encode::{CategoricalColumn, Fences, FittedColumn, FittedScale, NumericColumn};
pub use error::RecipeError;
pub use fitted::{Fitted, Matrix, Prepared, Subset};
pub use frame::{Column, ColumnData, ColumnRole, Frame, FrameError};
pub use preview::{ColumnEffect, ColumnStats, ColumnUsage, FeatureStats};
pub use split::Part;

/// The name of the one-hot bucket for categories the fitted recipe does not know.
///
/// A category spelled exactly like this in the data is treated as unknown too, so feature
/// names stay unique.
pub const UNKNOWN_CATEGORY: &str = "__unknown__";

/// How to turn a dataset version into model inputs: the spec a person edits in the UI.
///
/// Every field but `target` has a default, so `{"target": "label"}` is a complete recipe.
/// Unknown fields are rejected, so a misspelt setting fails loudly instead of being ignored.
///
/// # Example
///
/// ```
/// use lepton_ml::recipe::{ColumnRole, Frame, Recipe, RecipeError};
///
/// let names = ["age", "city", "churned"].map(String::from);
/// let roles = [ColumnRole::Numeric, ColumnRole::Categorical, ColumnRole::Categorical];
/// let rows = (0..20).map(|row| {
///     vec![
///         Some((20 + row).to_string()),
///         Some(["Oslo", "Rome"][row % 2].to_string()),
///         Some(["no", "yes"][row % 3 / 2].to_string()),
///     ]
/// });
/// let frame = Frame::from_rows(&names, &roles, rows)?;
///
/// let recipe = Recipe::from_json(r#"{"target": "churned", "scale": "min_max"}"#)?;
/// let fitted = recipe.fit(&frame)?;
///
/// assert_eq!(fitted.feature_names().len(), 4);
/// assert_eq!(fitted.feature_names()[3], "city=__unknown__");
/// let features = fitted.transform_row(&[
///     ("age".to_string(), Some("31".to_string())),
///     ("city".to_string(), Some("Lima".to_string())),
/// ])?;
/// assert_eq!(features[1..], [0.0, 0.0, 1.0]);
/// # Ok::<(), RecipeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The column to predict.
    pub target: String,
    /// What kind of prediction; absent (the default) infers it with [`Task::infer`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
    /// Columns left out of the features. Default none.
    #[serde(default)]
    pub drop: Vec<String>,
    /// How missing numbers are filled in. Default [`Impute::Mean`].
    #[serde(default)]
    pub impute_numeric: Impute,
    /// How missing categories are filled in. Default [`ImputeCategorical::MostFrequent`].
    #[serde(default)]
    pub impute_categorical: ImputeCategorical,
    /// How numeric columns are rescaled. Default [`Scale::Standard`].
    #[serde(default)]
    pub scale: Scale,
    /// How categorical columns become indicator features.
    #[serde(default)]
    pub one_hot: OneHot,
    /// Clips numbers to the Tukey fences `Q1 - k·IQR` and `Q3 + k·IQR` for this `k` (1.5 is
    /// usual). Default off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip_outliers: Option<f64>,
    /// Settings for single columns that replace the recipe-wide ones, keyed by column name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, ColumnOverride>,
    /// How rows are divided into training, validation and test sets.
    #[serde(default)]
    pub split: Split,
    /// Assigns the training rows to this many cross-validation folds. Default off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
}

/// The kind of prediction a recipe prepares for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Two classes.
    Binary,
    /// Three or more classes.
    Multiclass,
    /// A number.
    Regression,
}

/// How a numeric column's missing values are filled in.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impute {
    /// The mean of the training rows' values.
    #[default]
    Mean,
    /// The median of the training rows' values.
    Median,
    /// A fixed number.
    Constant(f64),
    /// No filling in: a missing value is an error when the recipe is applied.
    None,
}

/// How a categorical column's missing values are filled in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputeCategorical {
    /// The commonest category of the training rows; ties go to the first in byte order.
    #[default]
    MostFrequent,
    /// A fixed category, which counts like any other when the vocabulary is built.
    Constant(String),
    /// No filling in: a missing value lands in the unknown bucket.
    None,
}

/// How a numeric column is rescaled, with statistics of the training rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Subtract the mean, divide by the population standard deviation.
    #[default]
    Standard,
    /// Map the training minimum to 0 and the maximum to 1.
    MinMax,
    /// Keep the values as they are.
    None,
}

/// One-hot encoding of categorical columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OneHot {
    /// The commonest categories that get their own feature; rarer ones share the unknown
    /// bucket. Default `32`.
    pub max_categories: usize,
}

impl Default for OneHot {
    fn default() -> Self {
        Self { max_categories: 32 }
    }
}

/// Settings for one column that replace the recipe-wide ones; an absent field keeps those.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnOverride {
    /// Replaces [`Recipe::impute_numeric`]; numeric columns only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impute_numeric: Option<Impute>,
    /// Replaces [`Recipe::impute_categorical`]; categorical columns only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impute_categorical: Option<ImputeCategorical>,
    /// Replaces [`Recipe::scale`]; numeric columns only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Scale>,
    /// Replaces [`Recipe::clip_outliers`]; numeric columns only. In JSON a number sets the
    /// multiplier and `null` turns clipping off for this column.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "explicit_null"
    )]
    pub clip_outliers: Option<Option<f64>>,
    /// Replaces [`OneHot::max_categories`]; categorical columns only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_categories: Option<usize>,
}

/// The shares of rows for training, validation and test, and how they are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Split {
    /// Share of rows the model learns from. Default `0.7`.
    pub train: f64,
    /// Share of rows for tuning and early stopping. Default `0.15`.
    pub validation: f64,
    /// Share of rows held back for the final score. Default `0.15`.
    pub test: f64,
    /// Seeds the shuffles of the split and the folds. Default `42`.
    pub seed: u64,
    /// Keeps each class's share in every part. Applies to classification only; regression
    /// rows are drawn without strata. Default `true`.
    pub stratify: bool,
}

impl Default for Split {
    fn default() -> Self {
        Self {
            train: 0.7,
            validation: 0.15,
            test: 0.15,
            seed: 42,
            stratify: true,
        }
    }
}

/// The settings that apply to one column once its override is merged in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnSettings {
    pub(crate) impute_numeric: Impute,
    pub(crate) impute_categorical: ImputeCategorical,
    pub(crate) scale: Scale,
    pub(crate) clip_outliers: Option<f64>,
    pub(crate) max_categories: usize,
}

impl Recipe {
    /// A recipe with every default, predicting `target`.
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            task: None,
            drop: Vec::new(),
            impute_numeric: Impute::default(),
            impute_categorical: ImputeCategorical::default(),
            scale: Scale::default(),
            one_hot: OneHot::default(),
            clip_outliers: None,
            columns: BTreeMap::new(),
            split: Split::default(),
            folds: None,
        }
    }

    /// Reads a recipe from JSON.
    ///
    /// # Errors
    ///
    /// [`RecipeError::InvalidJson`] naming the unknown field, wrong type or syntax error.
    pub fn from_json(json: &str) -> Result<Self, RecipeError> {
        serde_json::from_str(json).map_err(RecipeError::from_json)
    }

    /// Writes the recipe as JSON.
    ///
    /// # Errors
    ///
    /// [`RecipeError::InvalidJson`] in theory only: every field serializes.
    pub fn to_json(&self) -> Result<String, RecipeError> {
        serde_json::to_string(self).map_err(RecipeError::from_json)
    }

    /// The settings for `column`, its override applied over the recipe-wide ones.
    pub(crate) fn settings_for(&self, column: &str) -> ColumnSettings {
        let base = ColumnSettings {
            impute_numeric: self.impute_numeric,
            impute_categorical: self.impute_categorical.clone(),
            scale: self.scale,
            clip_outliers: self.clip_outliers,
            max_categories: self.one_hot.max_categories,
        };
        let Some(local) = self.columns.get(column) else {
            return base;
        };

        ColumnSettings {
            impute_numeric: local.impute_numeric.unwrap_or(base.impute_numeric),
            impute_categorical: local
                .impute_categorical
                .clone()
                .unwrap_or(base.impute_categorical),
            scale: local.scale.unwrap_or(base.scale),
            clip_outliers: local.clip_outliers.unwrap_or(base.clip_outliers),
            max_categories: local.max_categories.unwrap_or(base.max_categories),
        }
    }
}

impl Task {
    /// Guesses the task from the target column's values, ignoring missing ones.
    ///
    /// A categorical column with at most two distinct values is binary and with more is
    /// multiclass. A numeric column with exactly two distinct values (0/1, yes/no) is binary;
    /// any other numeric column is regression, since integer codes and counts look alike: set
    /// [`Recipe::task`] to `multiclass` for coded classes.
    pub fn infer(column: &Column) -> Self {
        let classes = target::distinct_labels(&column.data).len();

        match (&column.data, classes) {
            (ColumnData::Categorical(_), 0..=2) => Self::Binary,
            (ColumnData::Categorical(_), _) => Self::Multiclass,
            (ColumnData::Numeric(_), 2) => Self::Binary,
            (ColumnData::Numeric(_), _) => Self::Regression,
        }
    }

    /// Whether the target is a class rather than a number.
    pub fn is_classification(self) -> bool {
        matches!(self, Self::Binary | Self::Multiclass)
    }
}

/// Serde glue that tells an absent field (keep the recipe-wide setting) from an explicit
/// `null` (turn the step off for this column).
mod explicit_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Option<f64>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<f64>>, D::Error> {
        Option::<f64>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_alone_is_a_complete_recipe() {
        let recipe = Recipe::from_json(r#"{"target": "label"}"#).unwrap();

        assert_eq!(recipe, Recipe::new("label"));
        assert_eq!(recipe.split.train, 0.7);
        assert_eq!(recipe.one_hot.max_categories, 32);
        assert!(recipe.split.stratify);
    }

    #[test]
    fn rejects_misspelt_settings() {
        let error = Recipe::from_json(r#"{"target": "label", "scael": "none"}"#).unwrap_err();

        let RecipeError::InvalidJson { message } = error else {
            panic!("expected invalid JSON, got {error:?}");
        };
        assert!(message.contains("scael"), "{message}");
    }

    #[test]
    fn reads_every_setting_from_json() {
        let json = r#"{
            "target": "label",
            "task": "multiclass",
            "drop": ["id"],
            "impute_numeric": {"constant": -1.0},
            "impute_categorical": {"constant": "none"},
            "scale": "min_max",
            "one_hot": {"max_categories": 4},
            "clip_outliers": 1.5,
            "columns": {
                "income": {"impute_numeric": "median", "clip_outliers": null},
                "city": {"max_categories": 2}
            },
            "split": {"train": 0.8, "validation": 0.1, "test": 0.1, "seed": 7},
            "folds": 5
        }"#;

        let recipe = Recipe::from_json(json).unwrap();

        assert_eq!(recipe.task, Some(Task::Multiclass));
        assert_eq!(recipe.impute_numeric, Impute::Constant(-1.0));
        assert_eq!(
            recipe.impute_categorical,
            ImputeCategorical::Constant("none".into())
        );
        assert_eq!(recipe.columns["income"].clip_outliers, Some(None));
        assert_eq!(recipe.columns["city"].clip_outliers, None);
        assert!(recipe.split.stratify);
        assert_eq!(recipe.folds, Some(5));
        assert_eq!(
            Recipe::from_json(&recipe.to_json().unwrap()).unwrap(),
            recipe
        );
    }

    #[test]
    fn overrides_replace_only_the_settings_they_name() {
        let mut recipe = Recipe::new("label");
        recipe.clip_outliers = Some(1.5);
        recipe.columns.insert(
            "income".into(),
            ColumnOverride {
                scale: Some(Scale::MinMax),
                clip_outliers: Some(None),
                ..ColumnOverride::default()
            },
        );

        let income = recipe.settings_for("income");
        let age = recipe.settings_for("age");

        assert_eq!(income.scale, Scale::MinMax);
        assert_eq!(income.clip_outliers, None);
        assert_eq!(income.impute_numeric, Impute::Mean);
        assert_eq!(age.scale, Scale::Standard);
        assert_eq!(age.clip_outliers, Some(1.5));
    }

    #[test]
    fn infers_the_task_from_the_target_values() {
        let words = |values: &[&str]| {
            Column::categorical("y", values.iter().map(|v| Some(v.to_string())).collect())
        };
        let numbers =
            |values: &[f64]| Column::numeric("y", values.iter().copied().map(Some).collect());

        assert_eq!(Task::infer(&words(&["a", "b", "a"])), Task::Binary);
        assert_eq!(Task::infer(&words(&["a", "b", "c"])), Task::Multiclass);
        assert_eq!(Task::infer(&numbers(&[0.0, 1.0, 1.0])), Task::Binary);
        assert_eq!(Task::infer(&numbers(&[0.0, 1.0, 2.0])), Task::Regression);
    }
}
