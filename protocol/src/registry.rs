//! The model registry as the REST API and the Models page see it: named models, their
//! numbered versions, and the stage each version is in.
//!
//! A version records how it was made (dataset version, recipe, hyper-parameters, code
//! version, device, who trained it, how long it took) and how well it does on held-out rows.
//! At most one version of a model is in Production; promoting another moves the old one to
//! Archived in the same step.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::lab::{DataSource, Evaluation, ModelFile, Task, TrainingConfig};

/// Where a version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Just registered.
    None,
    /// Being tried out before production.
    Staging,
    /// Serving predictions; at most one version per model.
    Production,
    /// Retired.
    Archived,
}

impl Stage {
    /// Every stage, in life order.
    pub const ALL: [Self; 4] = [Self::None, Self::Staging, Self::Production, Self::Archived];

    /// The name the database and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Staging => "staging",
            Self::Production => "production",
            Self::Archived => "archived",
        }
    }

    /// The stage named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|stage| stage.as_str() == name)
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Staging => "Staging",
            Self::Production => "Production",
            Self::Archived => "Archived",
        }
    }
}

/// Where a version came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VersionSource {
    /// A server training job.
    Job {
        /// The job's id.
        id: String,
    },
    /// A model file uploaded from the Lab.
    Lab {
        /// The upload's id in `/api/v1/lab/models`.
        id: String,
    },
}

/// One version of a registered model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ModelVersion {
    /// The model's name.
    pub model: String,
    /// Counted from 1 within the model.
    pub version: u32,
    /// Where it is in its life.
    pub stage: Stage,
    /// What it predicts.
    pub task: Task,
    /// Networks in the model: 1, or the members of a bagging ensemble (a model kind of its
    /// own, whose prediction is the mean of its members').
    pub members: u32,
    /// A job or a Lab upload.
    pub source: VersionSource,
    /// The dataset version it learned from, when it came from a stored dataset.
    pub dataset: Option<String>,
    /// That dataset's name and version, for people.
    pub dataset_label: Option<String>,
    /// Names of the input features, in order.
    pub features: Vec<String>,
    /// Names of the classes (empty for regression).
    pub classes: Vec<String>,
    /// The hyper-parameters it was trained with.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub training: TrainingConfig,
    /// Epochs trained (the kept epoch with early stopping).
    pub epochs: usize,
    /// The device it trained on, in words.
    pub device: String,
    /// The Lepton version that trained it.
    pub code_version: String,
    /// Who trained it.
    pub trained_by: String,
    /// Seconds of training, when known.
    pub training_seconds: Option<f64>,
    /// Figures on the test part (server jobs) or the validation part (Lab uploads).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub evaluation: Option<Evaluation>,
    /// Which rows [`Self::evaluation`] was computed on: `test` or `validation`.
    pub evaluated_on: String,
    /// Size of the artifact in bytes.
    pub size_bytes: u64,
    /// SHA-256 of the artifact, lowercase hex.
    pub sha256: String,
    /// The same networks as a burn record and the manifest that describes them; absent for
    /// versions registered before Lepton wrote them.
    pub burn: Option<BurnArtifact>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Where a version's burn record and its manifest are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BurnArtifact {
    /// SHA-256 of the burnpack, lowercase hex.
    pub record_sha256: String,
    /// Size of the burnpack in bytes.
    pub record_bytes: u64,
    /// SHA-256 of the manifest JSON, lowercase hex.
    pub manifest_sha256: String,
}

/// The value of [`ArtifactManifest::format`].
pub const MANIFEST_FORMAT: &str = "lepton-artifact";
/// The manifest version this Lepton writes.
pub const MANIFEST_VERSION: u32 = 1;

/// What a version's burn record holds and how to rebuild the network it loads into: the
/// artifact without its weights.
///
/// In burn: build `Linear` layers of the widths in [`Self::layer_widths`], with
/// [`Self::activation`] between them, and apply the record with `Module::load_record`. A
/// bagging ensemble is recorded as the `Vec` of its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ArtifactManifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// At most [`MANIFEST_VERSION`].
    pub version: u32,
    /// What the model predicts.
    pub task: Task,
    /// Names of the input features, in order, after the recipe.
    pub features: Vec<String>,
    /// Names of the classes (empty for regression).
    pub classes: Vec<String>,
    /// Widths from the input through every hidden layer to the output.
    pub layer_widths: Vec<usize>,
    /// The hidden layers' non-linearity, as in [`TrainingConfig::activation`].
    pub activation: String,
    /// What turns the output into a prediction: `sigmoid`, `softmax` or `identity`.
    pub output: String,
    /// Networks in the record: 1, or the members of an ensemble (whose outputs are
    /// averaged).
    pub members: u32,
    /// The hyper-parameters it was trained with.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub training: TrainingConfig,
    /// The fitted preparation recipe raw rows go through first, when it had one.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub recipe: Option<serde_json::Value>,
    /// The dataset version it learned from.
    pub dataset: Option<String>,
    /// Epochs trained.
    pub epochs_trained: usize,
    /// The device it trained on, in words.
    pub device: String,
    /// The Lepton version that wrote it.
    pub code_version: String,
    /// Figures on held-out rows.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub evaluation: Option<Evaluation>,
    /// SHA-256 of the burn record, lowercase hex.
    pub record_sha256: String,
    /// SHA-256 of the `lepton-model` file with the same weights, lowercase hex.
    pub model_file_sha256: String,
}

impl ArtifactManifest {
    /// Describes the networks of `file`, whose burn record and JSON have the given hashes.
    #[must_use]
    pub fn describe(
        file: &ModelFile,
        record_sha256: &str,
        model_file_sha256: &str,
        code_version: &str,
    ) -> Self {
        let mut layer_widths: Vec<usize> = file
            .layers
            .first()
            .map(|layer| layer.inputs)
            .into_iter()
            .collect();
        layer_widths.extend(file.layers.iter().map(|layer| layer.outputs));
        let output = match file.task {
            Task::Binary => "sigmoid",
            Task::Multiclass { .. } => "softmax",
            Task::Regression => "identity",
        };
        let dataset = match &file.data {
            DataSource::Dataset { id } => Some(id.clone()),
            DataSource::Toy { .. } => None,
        };

        Self {
            format: MANIFEST_FORMAT.to_owned(),
            version: MANIFEST_VERSION,
            task: file.task,
            features: file.features.clone(),
            classes: file.classes.clone(),
            layer_widths,
            activation: file.training.activation.as_str().to_owned(),
            output: output.to_owned(),
            members: u32::try_from(file.members.len() + 1).unwrap_or(u32::MAX),
            training: file.training.clone(),
            recipe: file.recipe.clone(),
            dataset,
            epochs_trained: file.epochs_trained,
            device: file.backend.clone(),
            code_version: code_version.to_owned(),
            evaluation: file.evaluation.clone(),
            record_sha256: record_sha256.to_owned(),
            model_file_sha256: model_file_sha256.to_owned(),
        }
    }
}

/// A registered model with its newest and its production version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ModelSummary {
    /// Unique name.
    pub name: String,
    /// Who registered it first.
    pub owner: String,
    /// What it predicts (the newest version's task).
    pub task: Task,
    /// Number of versions.
    pub versions: u32,
    /// The newest version.
    pub latest: u32,
    /// The version in Production, if any.
    pub production: Option<u32>,
    /// Accuracy or R² of the newest version, when known.
    pub latest_score: Option<f64>,
    /// RFC 3339, UTC, of the newest version.
    pub updated_at: String,
}

/// A model with every version, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ModelDetail {
    /// Name, owner and headline figures.
    pub summary: ModelSummary,
    /// Every version, newest first.
    pub versions: Vec<ModelVersion>,
}

/// A request to move a version to another stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StageChange {
    /// The stage to move to; Production archives the version that held it.
    pub stage: Stage,
}

/// A request to register a Lab upload as a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImportLabModel {
    /// The upload's id in `/api/v1/lab/models`.
    pub lab_model: String,
}

/// Accuracy for classifiers and R² for regressors: the one number a list shows.
pub fn headline_score(evaluation: &Evaluation) -> f64 {
    match evaluation {
        Evaluation::Classification(report) => report.accuracy,
        Evaluation::Regression(report) => report.r2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_round_trip_through_their_names() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
        assert_eq!(Stage::parse("Production"), None);
    }
}
