//! A stored dataset version made ready for a tab: its train and validation rows turned into
//! numbers by the version's fitted recipe, as `GET /api/v1/datasets/{id}/prepared` answers.
//!
//! The tab trains on exactly what the server would: the recipe is fitted on the server on the
//! training split only, and its fitted parameters travel with the rows so a model saved from
//! the Lab carries them.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::config::Task;

/// Rows of one part of the split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PreparedRows {
    /// `rows × features` values, row-major.
    pub features: Vec<f32>,
    /// One target per row: the class index, or the value for regression.
    pub targets: Vec<f32>,
}

/// A dataset version's training and validation rows, prepared for a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PreparedData {
    /// The version's id.
    pub dataset: String,
    /// The dataset's name and version, for people ("deliveries v3").
    pub label: String,
    /// What the target asks for.
    pub task: Task,
    /// One name per feature column, in order.
    pub features: Vec<String>,
    /// One name per class (empty for regression).
    pub classes: Vec<String>,
    /// The rows to learn from.
    pub train: PreparedRows,
    /// The rows to score after each epoch.
    pub validation: PreparedRows,
    /// The fitted recipe (its JSON), which a saved model carries to prepare new rows.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub recipe: serde_json::Value,
}

impl PreparedData {
    /// Rows in both parts.
    pub fn rows(&self) -> usize {
        self.train.targets.len() + self.validation.targets.len()
    }
}
