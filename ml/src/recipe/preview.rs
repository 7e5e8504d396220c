//! Before-and-after statistics of a fitted recipe, for the UI's preview of its effect.
//!
//! Both sides are measured on the training rows, the rows every parameter was fitted on, so
//! a standardised column shows a mean of 0 and a deviation of 1 after, and the preview
//! reveals nothing about the held-out rows.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::RecipeError;
use super::fitted::{Fitted, Matrix};
use super::frame::{Column, ColumnData, ColumnRole, Frame};
use super::split::Part;
use super::stats;

/// What the recipe does to one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnEffect {
    /// The input column's name.
    pub column: String,
    /// Whether it holds numbers or categories.
    pub role: ColumnRole,
    /// Whether it becomes features, is the target or is left out.
    pub usage: ColumnUsage,
    /// The column as it is, on the training rows.
    pub before: ColumnStats,
    /// The features it becomes, on the training rows; empty unless it is a feature.
    pub after: Vec<FeatureStats>,
}

/// The part an input column plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnUsage {
    /// It becomes one or more features.
    Feature,
    /// It is predicted.
    Target,
    /// It is dropped, or was not in the recipe's data.
    Dropped,
}

/// Statistics of an input column's values; the numeric ones are `None` for categories or
/// when every value is missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    /// Values present.
    pub count: usize,
    /// Values missing.
    pub missing: usize,
    /// Distinct values, for a categorical column.
    pub distinct: Option<usize>,
    /// The mean.
    pub mean: Option<f64>,
    /// The population standard deviation.
    pub std: Option<f64>,
    /// The smallest value.
    pub min: Option<f64>,
    /// The largest value.
    pub max: Option<f64>,
}

/// Statistics of one output feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureStats {
    /// The feature's name.
    pub feature: String,
    /// The mean; for an indicator, the share of rows in its category.
    pub mean: f64,
    /// The population standard deviation.
    pub std: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Fitted {
    /// Measures every column of `frame` before and after the recipe, on the training rows.
    ///
    /// `frame` must be the dataset the recipe was fitted on. Columns come in the frame's order.
    ///
    /// # Errors
    ///
    /// [`RecipeError::RowCountMismatch`] for a frame of another length, and the errors of
    /// [`Fitted::transform`].
    pub fn preview(&self, frame: &Frame) -> Result<Vec<ColumnEffect>, RecipeError> {
        self.check_rows(frame)?;

        let rows = self.rows(Part::Train);
        let after = feature_stats(&self.transform_rows(frame, &rows)?);

        let mut offset = 0;
        let mut spans = HashMap::new();
        for fitted in self.columns() {
            spans.insert(fitted.name(), offset..offset + fitted.width());
            offset += fitted.width();
        }

        let effects = frame
            .columns()
            .iter()
            .map(|column| {
                let span = spans.get(column.name.as_str());
                let usage = match span {
                    Some(_) => ColumnUsage::Feature,
                    None if column.name == self.recipe().target => ColumnUsage::Target,
                    None => ColumnUsage::Dropped,
                };
                let after = span
                    .and_then(|span| after.get(span.clone()))
                    .map(<[FeatureStats]>::to_vec)
                    .unwrap_or_default();

                ColumnEffect {
                    column: column.name.clone(),
                    role: column.role(),
                    usage,
                    before: column_stats(column, &rows),
                    after,
                }
            })
            .collect();
        Ok(effects)
    }
}

/// Statistics of one input column over `rows`.
fn column_stats(column: &Column, rows: &[usize]) -> ColumnStats {
    match &column.data {
        ColumnData::Numeric(values) => {
            let present: Vec<f64> = rows.iter().filter_map(|&row| values[row]).collect();
            let summary = stats::summarize(&present);
            ColumnStats {
                count: present.len(),
                missing: rows.len() - present.len(),
                distinct: None,
                mean: summary.map(|summary| summary.mean),
                std: summary.map(|summary| summary.std),
                min: summary.map(|summary| summary.min),
                max: summary.map(|summary| summary.max),
            }
        }
        ColumnData::Categorical(values) => {
            let present = rows.iter().filter_map(|&row| values[row].as_deref());
            let ranked = stats::ranked(present);
            let count = ranked.iter().map(|(_, count)| count).sum();
            ColumnStats {
                count,
                missing: rows.len() - count,
                distinct: Some(ranked.len()),
                mean: None,
                std: None,
                min: None,
                max: None,
            }
        }
    }
}

/// Statistics of each feature of a matrix.
fn feature_stats(features: &Matrix) -> Vec<FeatureStats> {
    (0..features.cols)
        .map(|col| {
            let values: Vec<f64> = (0..features.rows)
                .filter_map(|row| features.values.get(row * features.cols + col))
                .map(|value| f64::from(*value))
                .collect();
            let summary = stats::summarize(&values);

            FeatureStats {
                feature: features.feature_names.get(col).cloned().unwrap_or_default(),
                mean: summary.map_or(0.0, |summary| summary.mean),
                std: summary.map_or(0.0, |summary| summary.std),
                min: summary.map_or(0.0, |summary| summary.min),
                max: summary.map_or(0.0, |summary| summary.max),
            }
        })
        .collect()
}
