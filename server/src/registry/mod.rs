//! The model registry: named models, their numbered versions and stages, and the artifacts.
//!
//! A version is registered from a finished training job or from a model file uploaded from
//! the Lab. Its artifact is three objects in the object store, each under the SHA-256 of its
//! bytes and all written before the database row that points at them: the `lepton-model`
//! file (architecture, weights, fitted recipe and figures in one JSON document, the format
//! the Lab loads), the same networks as a burn record (burnpack), and a JSON manifest that
//! says how to rebuild the network the record loads into. Every signed-in user reads the
//! registry, the team's shared catalogue; its owner, or an admin, registers versions and
//! moves them between stages.

pub(crate) mod catalog;

use bytes::Bytes;
use lepton_ml::record::{RecordFileError, burn_record};
use lepton_protocol::lab::{Evaluation, ModelFile};
use lepton_protocol::registry::{ArtifactManifest, BurnArtifact, ModelVersion, VersionSource};
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
    /// The networks could not be written as a burn record.
    #[error("model artifact burn record: {0}")]
    Record(#[from] RecordFileError),
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

/// The objects a version's row points at, all stored before the row is written.
#[derive(Debug)]
pub(crate) struct StoredArtifact {
    /// SHA-256 of the `lepton-model` file.
    pub(crate) sha256: String,
    /// Its size in bytes.
    pub(crate) size_bytes: u64,
    /// The burn record and its manifest.
    pub(crate) burn: BurnArtifact,
}

/// Stores the artifact (model file, burn record, manifest), then records the version under
/// the next number of its model.
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
    let stored = store_artifact(store, new.file).await?;

    let version =
        catalog::insert(pool, new, &stored)
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

/// Writes the three objects of `file`'s artifact, each under the SHA-256 of its bytes.
async fn store_artifact(
    store: &BlobStore,
    file: &ModelFile,
) -> Result<StoredArtifact, RegistryError> {
    let model_file = serde_json::to_vec(file)?;
    let sha256 = digest(&model_file);
    let size_bytes = model_file.len() as u64;
    store.put_artifact(&sha256, Bytes::from(model_file)).await?;

    let record = burn_record(file)?;
    let record_sha256 = digest(&record);
    let record_bytes = record.len() as u64;
    store
        .put_artifact(&record_sha256, Bytes::from(record))
        .await?;

    let manifest = ArtifactManifest::describe(file, &record_sha256, &sha256, CODE_VERSION);
    let manifest = serde_json::to_vec_pretty(&manifest)?;
    let manifest_sha256 = digest(&manifest);
    store
        .put_artifact(&manifest_sha256, Bytes::from(manifest))
        .await?;

    Ok(StoredArtifact {
        sha256,
        size_bytes,
        burn: BurnArtifact {
            record_sha256,
            record_bytes,
            manifest_sha256,
        },
    })
}

fn digest(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}
