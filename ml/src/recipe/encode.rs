//! One input column's fitted parameters, and how they turn a cell into features.
//!
//! A numeric cell is imputed, clipped and scaled in `f64`, then rounded once to `f32`; a
//! categorical cell is imputed and becomes one indicator per known category plus the unknown
//! bucket. Whole frames and single prediction rows go through [`Encoder`], so a row gets the
//! same features either way.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::UNKNOWN_CATEGORY;
use super::error::RecipeError;
use super::frame::ColumnRole;

/// The fitted parameters of one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum FittedColumn {
    /// A numeric column: one feature.
    Numeric(NumericColumn),
    /// A categorical column: one feature per category, then the unknown bucket.
    Categorical(CategoricalColumn),
}

/// What a numeric column does with its values, learnt from the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumericColumn {
    /// The input column's name, and the feature's.
    pub name: String,
    /// The value a missing cell takes; `None` makes a missing cell an error.
    pub impute: Option<f64>,
    /// The bounds values are clipped to, if outliers are clipped.
    pub clip: Option<Fences>,
    /// The rescaling, if any.
    pub scale: Option<FittedScale>,
}

/// Tukey's fences: `Q1 - k·IQR` and `Q3 + k·IQR` of the training rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fences {
    /// Smaller values become this.
    pub low: f64,
    /// Larger values become this.
    pub high: f64,
}

/// A fitted rescaling of a numeric column, from its imputed and clipped training values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum FittedScale {
    /// `(x - mean) / std`; a constant column (`std` 0) is only centred.
    Standard {
        /// The mean.
        mean: f64,
        /// The population standard deviation.
        std: f64,
    },
    /// `(x - min) / (max - min)`; a constant column (`max == min`) is only shifted. Values
    /// outside the training range land outside [0, 1].
    MinMax {
        /// The smallest training value.
        min: f64,
        /// The largest training value.
        max: f64,
    },
}

/// What a categorical column does with its values, learnt from the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoricalColumn {
    /// The input column's name.
    pub name: String,
    /// The category a missing cell takes; `None` sends it to the unknown bucket.
    pub impute: Option<String>,
    /// The categories with a feature of their own, commonest first; the unknown bucket's
    /// feature follows them.
    pub categories: Vec<String>,
}

/// One cell as a fitted column reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    Numeric(Option<f64>),
    Categorical(Option<&'a str>),
}

impl FittedColumn {
    /// The input column's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Numeric(column) => &column.name,
            Self::Categorical(column) => &column.name,
        }
    }

    /// The role the input column must have.
    pub fn role(&self) -> ColumnRole {
        match self {
            Self::Numeric(_) => ColumnRole::Numeric,
            Self::Categorical(_) => ColumnRole::Categorical,
        }
    }

    /// How many features the column becomes.
    pub fn width(&self) -> usize {
        match self {
            Self::Numeric(_) => 1,
            Self::Categorical(column) => column.categories.len() + 1,
        }
    }

    /// The names of the features, in output order: the column's name for a number,
    /// `name=category` and `name=__unknown__` for categories.
    pub fn feature_names(&self) -> Vec<String> {
        match self {
            Self::Numeric(column) => vec![column.name.clone()],
            Self::Categorical(column) => column
                .categories
                .iter()
                .map(String::as_str)
                .chain([UNKNOWN_CATEGORY])
                .map(|category| format!("{}={category}", column.name))
                .collect(),
        }
    }
}

impl NumericColumn {
    /// Imputes and clips one value, before scaling; `None` when it stays missing.
    pub(crate) fn impute_and_clip(&self, value: Option<f64>) -> Option<f64> {
        let value = value.or(self.impute)?;

        // Comparisons, not `f64::clamp`: a stored recipe with crossed fences must not panic.
        Some(match self.clip {
            Some(Fences { low, .. }) if value < low => low,
            Some(Fences { high, .. }) if value > high => high,
            _ => value,
        })
    }

    /// The feature for one value.
    fn encode(&self, value: Option<f64>, row: Option<usize>) -> Result<f32, RecipeError> {
        let value = self
            .impute_and_clip(value)
            .ok_or_else(|| RecipeError::MissingValue {
                column: self.name.clone(),
                row,
            })?;

        let value = match self.scale {
            Some(scale) => scale.apply(value),
            None => value,
        };

        let feature = value as f32;
        if !feature.is_finite() {
            return Err(RecipeError::OutOfRange {
                feature: self.name.clone(),
                row,
            });
        }
        Ok(feature)
    }
}

impl FittedScale {
    /// Rescales one value.
    pub fn apply(self, value: f64) -> f64 {
        let (offset, spread) = match self {
            Self::Standard { mean, std } => (mean, std),
            Self::MinMax { min, max } => (min, max - min),
        };

        // Dividing by 1 leaves a constant column centred instead of turning it into NaN.
        let spread = if spread > 0.0 { spread } else { 1.0 };
        (value - offset) / spread
    }
}

/// Looks categories up and writes features for every fitted column of a recipe.
#[derive(Debug)]
pub(crate) struct Encoder<'a> {
    columns: &'a [FittedColumn],
    /// For each categorical column, the feature index of each category.
    lookups: Vec<HashMap<&'a str, usize>>,
}

impl<'a> Encoder<'a> {
    pub(crate) fn new(columns: &'a [FittedColumn]) -> Self {
        let lookups = columns
            .iter()
            .map(|column| match column {
                FittedColumn::Numeric(_) => HashMap::new(),
                FittedColumn::Categorical(column) => column
                    .categories
                    .iter()
                    .enumerate()
                    .map(|(index, category)| (category.as_str(), index))
                    .collect(),
            })
            .collect();

        Self { columns, lookups }
    }

    /// Appends the features of one row; `cell(i)` reads the row's cell for fitted column `i`.
    ///
    /// # Errors
    ///
    /// [`RecipeError::MissingValue`] or [`RecipeError::OutOfRange`]; a cell of the wrong
    /// kind is reported as [`RecipeError::WrongRole`], though callers resolve roles first.
    pub(crate) fn encode_row<'c>(
        &self,
        mut cell: impl FnMut(usize) -> Cell<'c>,
        row: Option<usize>,
        features: &mut Vec<f32>,
    ) -> Result<(), RecipeError> {
        for (index, (column, lookup)) in self.columns.iter().zip(&self.lookups).enumerate() {
            match (column, cell(index)) {
                (FittedColumn::Numeric(column), Cell::Numeric(value)) => {
                    features.push(column.encode(value, row)?);
                }
                (FittedColumn::Categorical(column), Cell::Categorical(value)) => {
                    let value = value.or(column.impute.as_deref());
                    let hot = value
                        .and_then(|value| lookup.get(value).copied())
                        .unwrap_or(column.categories.len());

                    let start = features.len();
                    features.resize(start + column.categories.len() + 1, 0.0);
                    features[start + hot] = 1.0;
                }
                (column, Cell::Numeric(_) | Cell::Categorical(_)) => {
                    let found = match column.role() {
                        ColumnRole::Numeric => ColumnRole::Categorical,
                        ColumnRole::Categorical => ColumnRole::Numeric,
                    };
                    return Err(RecipeError::WrongRole {
                        column: column.name().to_owned(),
                        expected: column.role(),
                        found,
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(impute: Option<f64>, clip: Option<Fences>, scale: Option<FittedScale>) -> Vec<f32> {
        let columns = [FittedColumn::Numeric(NumericColumn {
            name: "x".into(),
            impute,
            clip,
            scale,
        })];
        let encoder = Encoder::new(&columns);

        [Some(-10.0), Some(2.0), None, Some(30.0)]
            .into_iter()
            .map(|value| {
                let mut features = Vec::new();
                encoder
                    .encode_row(|_| Cell::Numeric(value), None, &mut features)
                    .unwrap();
                features[0]
            })
            .collect()
    }

    #[test]
    fn imputes_clips_then_scales() {
        let fences = Fences {
            low: 0.0,
            high: 10.0,
        };
        let scale = FittedScale::Standard {
            mean: 4.0,
            std: 2.0,
        };

        assert_eq!(
            numeric(Some(6.0), Some(fences), Some(scale)),
            vec![-2.0, -1.0, 1.0, 3.0]
        );
    }

    #[test]
    fn min_max_maps_the_training_range_to_the_unit_interval() {
        let scale = FittedScale::MinMax {
            min: 2.0,
            max: 12.0,
        };

        assert_eq!(
            numeric(Some(7.0), None, Some(scale)),
            vec![-1.2, 0.0, 0.5, 2.8]
        );
    }

    #[test]
    fn a_constant_column_is_centred_not_divided_by_zero() {
        let scale = FittedScale::Standard {
            mean: 2.0,
            std: 0.0,
        };

        assert_eq!(
            numeric(Some(2.0), None, Some(scale)),
            vec![-12.0, 0.0, 0.0, 28.0]
        );
    }

    #[test]
    fn a_missing_value_without_imputation_names_its_column() {
        let columns = [FittedColumn::Numeric(NumericColumn {
            name: "age".into(),
            impute: None,
            clip: None,
            scale: None,
        })];

        let error = Encoder::new(&columns)
            .encode_row(|_| Cell::Numeric(None), Some(4), &mut Vec::new())
            .unwrap_err();

        assert_eq!(
            error,
            RecipeError::MissingValue {
                column: "age".into(),
                row: Some(4)
            }
        );
    }

    #[test]
    fn unknown_and_missing_categories_light_the_unknown_bucket() {
        let columns = [FittedColumn::Categorical(CategoricalColumn {
            name: "weather".into(),
            impute: None,
            categories: vec!["sun".into(), "rain".into()],
        })];
        let encoder = Encoder::new(&columns);
        let encode = |value: Option<&str>| {
            let mut features = Vec::new();
            encoder
                .encode_row(|_| Cell::Categorical(value), None, &mut features)
                .unwrap();
            features
        };

        assert_eq!(encode(Some("rain")), vec![0.0, 1.0, 0.0]);
        assert_eq!(encode(Some("snow")), vec![0.0, 0.0, 1.0]);
        assert_eq!(encode(None), vec![0.0, 0.0, 1.0]);
        assert_eq!(
            columns[0].feature_names(),
            vec!["weather=sun", "weather=rain", "weather=__unknown__"]
        );
    }
}
