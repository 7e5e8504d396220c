//! The model registry: named models, their numbered versions and stages, and the artifacts.
//!
//! A version is registered from a finished training job or from a model file uploaded from
//! the Lab. Its artifact is the `lepton-model` file (architecture, weights, fitted recipe and
//! figures in one JSON document, the format the Lab loads), stored in the object store under
//! the SHA-256 of its bytes before the database row that points at it is written. Every
//! signed-in user reads the registry, the team's shared catalogue; its owner, or an admin,
//! registers versions and moves them between stages.

pub(crate) mod catalog;

use bytes::Bytes;
use lepton_protocol::lab::{Evaluation, ModelFile};
use lepton_protocol::registry::{ModelVersion, VersionSource};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::dataset::store::{BlobStore, StoreError};

/// Why registering or reading a version failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RegistryError {
    /// The database failed.
    #[error("registry database: {0}")]
    Database(#[from] sqlx::Error),
    /// The object store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An artifact could not be written as JSON.
    #[error("model artifact JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The model belongs to someone else, who alone (or an admin) adds its versions.
    #[error("the model '{model}' belongs to someone else: name another model")]
    NotOwner {
        /// The model's name.
        model: String,
    },
}

/// What a new version is made of.
#[derive(Debug)]
pub(crate) struct NewVersion<'a> {
    /// The model's name (checked by the caller); created on its first version.
    pub(crate) model: &'a str,
    /// Who trained it (a user id); owns the model when this creates it.
    pub(crate) trained_by: &'a str,
    /// Whether the trainer is an admin, who may add versions to anyone's model.
    pub(crate) admin: bool,
    /// A job or a Lab upload; registering the same source twice returns the first version.
    pub(crate) source: VersionSource,
    /// The dataset version's id and label, when it learned from a stored dataset.
    pub(crate) dataset: Option<(&'a str, &'a str)>,
    /// The artifact.
    pub(crate) file: &'a ModelFile,
    /// Figures on held-out rows, and which rows (`test` or `validation`).
    pub(crate) evaluation: Option<&'a Evaluation>,
    /// `test` or `validation`.
    pub(crate) evaluated_on: &'static str,
    /// The device it trained on, in words.
    pub(crate) device: &'a str,
    /// Seconds of training, when known.
    pub(crate) training_seconds: Option<f64>,
}

/// The Lepton version that trains and registers models.
pub(crate) const CODE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Stores the artifact, then records the version under the next number of its model.
///
/// # Errors
///
/// [`RegistryError`] when the store or the database fails; a version row is only written
/// once its artifact is stored.
pub(crate) async fn register(
    pool: &SqlitePool,
    store: &BlobStore,
    new: &NewVersion<'_>,
) -> Result<ModelVersion, RegistryError> {
    let bytes = serde_json::to_vec(new.file)?;
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let size = bytes.len() as u64;
    store.put_artifact(&sha256, Bytes::from(bytes)).await?;

    let version = catalog::insert(pool, new, &sha256, size)
        .await?
        .ok_or_else(|| RegistryError::NotOwner {
            model: new.model.to_owned(),
        })?;
    tracing::info!(
        model = %version.model,
        version = version.version,
        sha256 = %version.sha256,
        "model version registered"
    );
    Ok(version)
}
