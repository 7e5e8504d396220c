//! The database side of datasets: names, versions and which blobs they use.
//!
//! A version row is written in one transaction with its dataset (created on the first upload
//! of a name) and its blob row, and only after the blob is durable in the store; so the
//! database never points at bytes that are not there. Deleting the last version that uses a
//! blob tells the caller to remove the blob from the store.

use std::collections::HashSet;

use lepton_protocol::dataset::{DatasetVersion, VersionRef, Visibility};
use sqlx::{FromRow, SqlitePool};

use crate::auth::ownership::{self, Owned};
use crate::auth::user::User;
use crate::timestamp;

/// The columns every version query reads, joined with its dataset and owner.
const COLUMNS: &str = "v.id, v.dataset_id, d.name, v.version, d.owner_id, u.username AS owner, \
     d.visibility, v.blob_sha256, v.size_bytes, v.rows, v.format, v.columns, v.profile, \
     v.row_index, v.sample, v.target, v.warnings, v.file_name, v.recipe, v.created_at";
/// The tables those columns come from.
const FROM: &str = "dataset_versions v JOIN datasets d ON d.id = v.dataset_id \
     LEFT JOIN users u ON u.id = d.owner_id";

/// One stored version, as the database holds it; JSON columns stay text until needed.
#[derive(Debug, Clone, FromRow)]
pub(crate) struct StoredVersion {
    pub(crate) id: String,
    pub(crate) dataset_id: String,
    pub(crate) name: String,
    pub(crate) version: i64,
    pub(crate) owner_id: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) visibility: String,
    pub(crate) blob_sha256: String,
    pub(crate) size_bytes: i64,
    pub(crate) rows: i64,
    pub(crate) format: String,
    pub(crate) columns: String,
    pub(crate) profile: String,
    pub(crate) row_index: String,
    pub(crate) sample: String,
    pub(crate) target: Option<String>,
    pub(crate) warnings: i64,
    pub(crate) file_name: Option<String>,
    pub(crate) recipe: Option<String>,
    pub(crate) created_at: String,
}

/// What a new version stores; the JSON fields are serialized by the caller.
#[derive(Debug)]
pub(crate) struct NewVersion<'a> {
    /// `None` for a sample.
    pub(crate) owner_id: Option<&'a str>,
    pub(crate) name: &'a str,
    /// Visibility of the dataset when this upload creates it; later uploads keep the
    /// dataset's.
    pub(crate) visibility: Visibility,
    pub(crate) sha256: &'a str,
    pub(crate) size_bytes: u64,
    pub(crate) rows: u64,
    pub(crate) format: &'a str,
    pub(crate) columns: &'a str,
    pub(crate) profile: &'a str,
    pub(crate) row_index: &'a str,
    pub(crate) sample: &'a str,
    pub(crate) target: Option<&'a str>,
    pub(crate) warnings: u32,
    pub(crate) file_name: Option<&'a str>,
    pub(crate) created_by: Option<&'a str>,
}

impl StoredVersion {
    /// The owner and visibility, for access checks. A sample is owned by nobody: admins
    /// manage it and everyone reads it.
    pub(crate) fn owned(&self) -> Owned<'_> {
        Owned {
            owner_id: self.owner_id.as_deref().unwrap_or(""),
            visibility: match Visibility::parse(&self.visibility) {
                Some(Visibility::Shared) => ownership::Visibility::Shared,
                _ => ownership::Visibility::Private,
            },
        }
    }

    /// The API's view of it.
    pub(crate) fn summary(&self) -> DatasetVersion {
        let format: Option<lepton_data::Format> = serde_json::from_str(&self.format).ok();
        let (format_name, delimiter) = match format {
            Some(lepton_data::Format::Csv { delimiter, .. }) => {
                ("csv", Some(char::from(delimiter).to_string()))
            }
            Some(lepton_data::Format::JsonLines) => ("jsonl", None),
            None => ("unknown", None),
        };

        DatasetVersion {
            id: self.id.clone(),
            name: self.name.clone(),
            version: u32::try_from(self.version).unwrap_or(u32::MAX),
            owner: self.owner.clone(),
            visibility: Visibility::parse(&self.visibility).unwrap_or(Visibility::Private),
            format: format_name.to_owned(),
            delimiter,
            size_bytes: u64::try_from(self.size_bytes).unwrap_or_default(),
            rows: u64::try_from(self.rows).unwrap_or_default(),
            columns: serde_json::from_str(&self.columns).unwrap_or_default(),
            sha256: self.blob_sha256.clone(),
            target: self.target.clone(),
            warnings: u32::try_from(self.warnings).unwrap_or_default(),
            file_name: self.file_name.clone(),
            created_at: self.created_at.clone(),
            sample: self.owner_id.is_none(),
            has_recipe: self.recipe.is_some(),
        }
    }
}

/// Stores a new version of the dataset `name` of its owner, creating the dataset on its
/// first upload; returns the version's id and number.
///
/// # Errors
///
/// Database errors; nothing is written then.
pub(crate) async fn insert_version(
    pool: &SqlitePool,
    new: &NewVersion<'_>,
) -> Result<(String, u32), sqlx::Error> {
    let now = timestamp::format(chrono::Utc::now());
    let mut transaction = pool.begin().await?;

    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM datasets WHERE name = ? AND owner_id IS ?")
            .bind(new.name)
            .bind(new.owner_id)
            .fetch_optional(&mut *transaction)
            .await?;
    let dataset_id = match existing {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "INSERT INTO datasets (id, name, owner_id, visibility, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(new.name)
            .bind(new.owner_id)
            .bind(new.visibility.as_str())
            .bind(&now)
            .execute(&mut *transaction)
            .await?;
            id
        }
    };

    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM dataset_versions WHERE dataset_id = ?",
    )
    .bind(&dataset_id)
    .fetch_one(&mut *transaction)
    .await?;
    sqlx::query(
        "INSERT INTO blobs (sha256, size_bytes, created_at) VALUES (?, ?, ?) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(new.sha256)
    .bind(to_i64(new.size_bytes))
    .bind(&now)
    .execute(&mut *transaction)
    .await?;

    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO dataset_versions (id, dataset_id, version, blob_sha256, size_bytes, rows, \
         format, columns, profile, row_index, sample, target, warnings, file_name, created_by, \
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&dataset_id)
    .bind(version)
    .bind(new.sha256)
    .bind(to_i64(new.size_bytes))
    .bind(to_i64(new.rows))
    .bind(new.format)
    .bind(new.columns)
    .bind(new.profile)
    .bind(new.row_index)
    .bind(new.sample)
    .bind(new.target)
    .bind(i64::from(new.warnings))
    .bind(new.file_name)
    .bind(new.created_by)
    .bind(&now)
    .execute(&mut *transaction)
    .await?;

    transaction.commit().await?;
    Ok((id, u32::try_from(version).unwrap_or(u32::MAX)))
}

/// The version with this id, whoever owns it; access is the caller's to check.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn find(
    pool: &SqlitePool,
    id: &str,
) -> Result<Option<StoredVersion>, sqlx::Error> {
    let query = format!("SELECT {COLUMNS} FROM {FROM} WHERE v.id = ?");
    sqlx::query_as::<_, StoredVersion>(&query)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The newest version of every dataset `user` may read, newest upload first.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn list_readable(
    pool: &SqlitePool,
    user: &User,
) -> Result<Vec<StoredVersion>, sqlx::Error> {
    let query = format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE v.version = \
         (SELECT MAX(version) FROM dataset_versions WHERE dataset_id = v.dataset_id) \
         ORDER BY v.created_at DESC, d.name"
    );
    let versions = sqlx::query_as::<_, StoredVersion>(&query)
        .fetch_all(pool)
        .await?;
    Ok(versions
        .into_iter()
        .filter(|version| version.owned().readable_by(user))
        .collect())
}

/// Every version of a dataset, newest first.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn versions_of(
    pool: &SqlitePool,
    dataset_id: &str,
) -> Result<Vec<VersionRef>, sqlx::Error> {
    let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
        "SELECT id, version, rows, created_at FROM dataset_versions WHERE dataset_id = ? \
         ORDER BY version DESC",
    )
    .bind(dataset_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, version, rows, created_at)| VersionRef {
            id,
            version: u32::try_from(version).unwrap_or(u32::MAX),
            rows: u64::try_from(rows).unwrap_or_default(),
            created_at,
        })
        .collect())
}

/// Deletes a version, and its dataset when it was the last one. Returns the blob's SHA-256
/// when no version uses it any more: the caller removes it from the store.
///
/// # Errors
///
/// Database errors; nothing is deleted then.
pub(crate) async fn delete_version(
    pool: &SqlitePool,
    version: &StoredVersion,
) -> Result<Option<String>, sqlx::Error> {
    let mut transaction = pool.begin().await?;

    sqlx::query("DELETE FROM dataset_versions WHERE id = ?")
        .bind(&version.id)
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "DELETE FROM datasets WHERE id = ? AND NOT EXISTS \
         (SELECT 1 FROM dataset_versions WHERE dataset_id = ?)",
    )
    .bind(&version.dataset_id)
    .bind(&version.dataset_id)
    .execute(&mut *transaction)
    .await?;
    let unused = sqlx::query(
        "DELETE FROM blobs WHERE sha256 = ? AND NOT EXISTS \
         (SELECT 1 FROM dataset_versions WHERE blob_sha256 = ?)",
    )
    .bind(&version.blob_sha256)
    .bind(&version.blob_sha256)
    .execute(&mut *transaction)
    .await?
    .rows_affected()
        == 1;

    transaction.commit().await?;
    Ok(unused.then(|| version.blob_sha256.clone()))
}

/// Shares a dataset (every version) or makes it private.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn set_visibility(
    pool: &SqlitePool,
    dataset_id: &str,
    visibility: Visibility,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE datasets SET visibility = ? WHERE id = ?")
        .bind(visibility.as_str())
        .bind(dataset_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Stores a version's target and the profile analysed for it.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn set_target(
    pool: &SqlitePool,
    version_id: &str,
    target: Option<&str>,
    profile: &str,
    warnings: u32,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE dataset_versions SET target = ?, profile = ?, warnings = ? WHERE id = ?")
        .bind(target)
        .bind(profile)
        .bind(i64::from(warnings))
        .bind(version_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Stores a version's preparation recipe with its fitted parameters (JSON).
///
/// # Errors
///
/// Database errors.
pub(crate) async fn set_recipe(
    pool: &SqlitePool,
    version_id: &str,
    recipe: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE dataset_versions SET recipe = ? WHERE id = ?")
        .bind(recipe)
        .bind(version_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The SHA-256 of every blob a version uses.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn referenced_blobs(pool: &SqlitePool) -> Result<HashSet<String>, sqlx::Error> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT DISTINCT blob_sha256 FROM dataset_versions")
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Whether a sample dataset of this name exists.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn sample_exists(pool: &SqlitePool, name: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM datasets WHERE owner_id IS NULL AND name = ?")
            .bind(name)
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
