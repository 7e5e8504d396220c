//! Models uploaded from the Lab to the server (`/api/v1/lab/models`): what the list shows of
//! each. The model registry turns these uploads into versions of named models.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use super::config::Task;

/// One uploaded model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StoredLabModel {
    /// Identifies it in `/api/v1/lab/models/{id}`.
    pub id: String,
    /// The name it was uploaded under.
    pub name: String,
    /// Who uploaded it.
    pub owner: String,
    /// What it predicts.
    pub task: Task,
    /// Input features.
    pub features: u32,
    /// Epochs it was trained for.
    pub epochs: u32,
    /// Validation accuracy (classifiers) or R² (regressors), when the file has figures.
    pub score: Option<f64>,
    /// The backend it was trained on, in words.
    pub backend: String,
    /// Size of the file in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}
