//! Bodies of the datasets REST API: stored dataset versions, their rows and sharing.
//!
//! A dataset is a name owned by a user; every upload to the name is a new, immutable version
//! with its own id. The profile of a version has its own types in [`crate::profile`].

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Who may read a dataset besides its owner and admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Only the owner and admins.
    Private,
    /// Every signed-in user may read it; only the owner and admins may change it.
    Shared,
}

impl Visibility {
    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Shared => "shared",
        }
    }

    /// Parses the name used in the API and the database.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Private, Self::Shared]
            .into_iter()
            .find(|visibility| visibility.as_str() == name)
    }
}

/// One stored version of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DatasetVersion {
    /// Identifies this version in every `/api/v1/datasets/{id}` route.
    pub id: String,
    /// The dataset's name, unique per owner.
    pub name: String,
    /// Counted from 1 per name and owner.
    pub version: u32,
    /// The owner's username; `null` for the samples that come with Lepton.
    pub owner: Option<String>,
    /// Who may read it.
    pub visibility: Visibility,
    /// `csv` or `jsonl`.
    pub format: String,
    /// The CSV delimiter as one character, when the format is CSV.
    pub delimiter: Option<String>,
    /// Size of the uploaded file in bytes.
    pub size_bytes: u64,
    /// Data rows (the header not counted).
    pub rows: u64,
    /// Column names in file order.
    pub columns: Vec<String>,
    /// SHA-256 of the uploaded bytes, lowercase hex: identical uploads share one blob.
    pub sha256: String,
    /// The column the profile analyses as the target, if one was chosen.
    pub target: Option<String>,
    /// How many warnings the profile raised.
    pub warnings: u32,
    /// The name of the uploaded file, when the client gave one.
    pub file_name: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Whether this is one of the samples generated on every new installation.
    pub sample: bool,
    /// Whether a preparation recipe is saved with this version (`GET …/recipe`).
    pub has_recipe: bool,
}

/// One version in a dataset's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VersionRef {
    /// The version's id.
    pub id: String,
    /// Its number.
    pub version: u32,
    /// Data rows.
    pub rows: u64,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// A version with the history of its dataset, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DatasetDetail {
    /// The version asked for.
    #[serde(flatten)]
    pub dataset: DatasetVersion,
    /// Every version of the same dataset, newest first.
    pub versions: Vec<VersionRef>,
    /// Whether the caller may change or delete it.
    pub can_modify: bool,
}

/// A page of a version's rows, in file order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RowsPage {
    /// Index of the first row of the page, from 0.
    pub offset: u64,
    /// Rows in the whole version.
    pub total: u64,
    /// Column names.
    pub columns: Vec<String>,
    /// The rows; `null` is a missing value.
    pub rows: Vec<Vec<Option<String>>>,
}

/// A change to a dataset version's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DatasetUpdate {
    /// Share it read-only with every signed-in user, or make it private again. Applies to
    /// every version of the dataset.
    pub visibility: Option<Visibility>,
    /// Analyse this column as the target (class counts, imbalance, leakage); `""` clears it.
    pub target: Option<String>,
}

/// A preparation recipe fitted to a dataset version, with its effect.
///
/// The recipe, its fitted parameters and the preview are the shared model crate's JSON
/// (`lepton_ml::recipe`): the same document the tab, server training and prediction read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PreparedRecipe {
    /// The recipe as given, with defaults filled in.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub recipe: serde_json::Value,
    /// Its parameters fitted on the training split: imputation values, fences, scaling,
    /// vocabularies, class labels and the row assignment of the split.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fitted: serde_json::Value,
    /// Per input column: statistics before, and per output feature after, on the training
    /// rows.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub preview: serde_json::Value,
    /// The output features, in order.
    pub features: Vec<String>,
    /// Rows in the training, validation and test splits.
    pub split_rows: SplitRows,
    /// Whether the recipe is stored with the version (false for a dry run).
    pub saved: bool,
}

/// How many rows each split holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SplitRows {
    /// Training rows: every step is fitted on these alone.
    pub train: u64,
    /// Validation rows.
    pub validation: u64,
    /// Test rows, never used for selection.
    pub test: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visibility_names_round_trip() {
        for visibility in [Visibility::Private, Visibility::Shared] {
            assert_eq!(Visibility::parse(visibility.as_str()), Some(visibility));
        }
        assert_eq!(Visibility::parse("public"), None);
    }

    #[test]
    fn details_flatten_the_version() {
        let detail = DatasetDetail {
            dataset: DatasetVersion {
                id: "d1".into(),
                name: "moons".into(),
                version: 2,
                owner: None,
                visibility: Visibility::Shared,
                format: "csv".into(),
                delimiter: Some(",".into()),
                size_bytes: 10,
                rows: 1,
                columns: vec!["x".into()],
                sha256: "ab".into(),
                target: None,
                warnings: 0,
                file_name: None,
                created_at: "2026-12-04T00:00:00Z".into(),
                sample: true,
                has_recipe: false,
            },
            versions: Vec::new(),
            can_modify: false,
        };
        let json = serde_json::to_value(&detail).unwrap();
        assert_eq!(json["name"], "moons");
        assert_eq!(json["visibility"], "shared");
    }
}
