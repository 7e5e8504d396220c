//! The `models` and `model_versions` tables: register, list, read and change stages.
//!
//! The database keeps the one-Production rule itself (a partial unique index), and a
//! promotion archives the old Production version in the same transaction, so no reader ever
//! sees two or, mid-promotion, none.

use lepton_protocol::lab::{Evaluation, Task};
use lepton_protocol::registry::{
    BurnArtifact, ModelSummary, ModelVersion, Stage, VersionSource, headline_score,
};
use sqlx::{FromRow, SqlitePool};

use super::{CODE_VERSION, NewVersion, StoredArtifact};
use crate::timestamp;

/// Columns of a version, with the trainer's name.
const VERSION_COLUMNS: &str = "v.model, v.version, v.stage, v.task, v.members, v.source_kind, \
     v.source_id, \
     v.dataset_id, v.dataset_label, v.features, v.classes, v.training, v.evaluation, \
     v.evaluated_on, v.epochs, v.device, v.code_version, u.username AS trained_by, \
     v.training_seconds, v.artifact_sha256, v.size_bytes, v.record_sha256, v.record_bytes, \
     v.manifest_sha256, v.created_at";
/// Where those columns come from.
const VERSION_FROM: &str = "model_versions v JOIN users u ON u.id = v.trained_by";

/// A `model_versions` row; JSON columns stay text until turned into a [`ModelVersion`].
#[derive(Debug, FromRow)]
struct VersionRow {
    model: String,
    version: i64,
    stage: String,
    task: String,
    members: i64,
    source_kind: String,
    source_id: String,
    dataset_id: Option<String>,
    dataset_label: Option<String>,
    features: String,
    classes: String,
    training: String,
    evaluation: Option<String>,
    evaluated_on: String,
    epochs: i64,
    device: String,
    code_version: String,
    trained_by: String,
    training_seconds: Option<f64>,
    artifact_sha256: String,
    size_bytes: i64,
    record_sha256: Option<String>,
    record_bytes: Option<i64>,
    manifest_sha256: Option<String>,
    created_at: String,
}

impl VersionRow {
    fn into_version(self) -> ModelVersion {
        let source = match self.source_kind.as_str() {
            "lab" => VersionSource::Lab { id: self.source_id },
            _ => VersionSource::Job { id: self.source_id },
        };
        ModelVersion {
            model: self.model,
            version: u32::try_from(self.version).unwrap_or_default(),
            stage: Stage::parse(&self.stage).unwrap_or(Stage::None),
            task: serde_json::from_str(&self.task).unwrap_or(Task::Binary),
            members: u32::try_from(self.members).unwrap_or(1),
            source,
            dataset: self.dataset_id,
            dataset_label: self.dataset_label,
            features: serde_json::from_str(&self.features).unwrap_or_default(),
            classes: serde_json::from_str(&self.classes).unwrap_or_default(),
            training: serde_json::from_str(&self.training).unwrap_or_default(),
            epochs: usize::try_from(self.epochs).unwrap_or_default(),
            device: self.device,
            code_version: self.code_version,
            trained_by: self.trained_by,
            training_seconds: self.training_seconds,
            evaluation: self
                .evaluation
                .and_then(|text| serde_json::from_str::<Evaluation>(&text).ok()),
            evaluated_on: self.evaluated_on,
            size_bytes: u64::try_from(self.size_bytes).unwrap_or_default(),
            sha256: self.artifact_sha256,
            burn: self.record_sha256.zip(self.manifest_sha256).map(
                |(record_sha256, manifest_sha256)| BurnArtifact {
                    record_sha256,
                    record_bytes: self
                        .record_bytes
                        .and_then(|bytes| u64::try_from(bytes).ok())
                        .unwrap_or_default(),
                    manifest_sha256,
                },
            ),
            created_at: self.created_at,
        }
    }
}

fn source_parts(source: &VersionSource) -> (&'static str, &str) {
    match source {
        VersionSource::Job { id } => ("job", id),
        VersionSource::Lab { id } => ("lab", id),
    }
}

/// Records a version whose artifact is stored, creating its model on the first version. A
/// source registered before returns its version unchanged, so a retried job registers once.
/// `None` when the model is someone else's and the trainer is not an admin.
///
/// # Errors
///
/// Database errors; nothing is written then.
pub(crate) async fn insert(
    pool: &SqlitePool,
    new: &NewVersion<'_>,
    stored: &StoredArtifact,
) -> Result<Option<ModelVersion>, sqlx::Error> {
    let (source_kind, source_id) = source_parts(&new.source);
    let now = timestamp::format(chrono::Utc::now());
    let file = new.file;

    // The first statement writes, so the transaction takes the write lock (waiting its turn)
    // before it reads anything it then depends on.
    let mut transaction = pool.begin().await?;
    sqlx::query("INSERT OR IGNORE INTO models (name, owner_id, created_at) VALUES (?, ?, ?)")
        .bind(new.model)
        .bind(new.trained_by)
        .bind(&now)
        .execute(&mut *transaction)
        .await?;
    let (owner_id,): (String,) = sqlx::query_as("SELECT owner_id FROM models WHERE name = ?")
        .bind(new.model)
        .fetch_one(&mut *transaction)
        .await?;
    if owner_id != new.trained_by && !new.admin {
        transaction.rollback().await?;
        return Ok(None);
    }

    let existing: Option<(String, i64)> = sqlx::query_as(
        "SELECT model, version FROM model_versions WHERE source_kind = ? AND source_id = ?",
    )
    .bind(source_kind)
    .bind(source_id)
    .fetch_optional(&mut *transaction)
    .await?;
    if let Some((model, version)) = existing {
        transaction.rollback().await?;
        return find_version(pool, &model, u32::try_from(version).unwrap_or_default()).await;
    }

    // The stored spelling of the name wins over the caller's (names compare without case).
    let (model, version): (String, i64) = sqlx::query_as(
        "SELECT m.name, COALESCE(MAX(v.version), 0) + 1 FROM models m \
         LEFT JOIN model_versions v ON v.model = m.name WHERE m.name = ? GROUP BY m.name",
    )
    .bind(new.model)
    .fetch_one(&mut *transaction)
    .await?;

    sqlx::query(
        "INSERT INTO model_versions (model, version, stage, task, members, source_kind, \
         source_id, dataset_id, dataset_label, features, classes, training, evaluation, \
         evaluated_on, score, epochs, device, code_version, trained_by, training_seconds, \
         artifact_sha256, size_bytes, record_sha256, record_bytes, manifest_sha256, \
         created_at) \
         VALUES (?, ?, 'none', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \
         ?)",
    )
    .bind(&model)
    .bind(version)
    .bind(json(&file.task))
    .bind(i64::try_from(file.members.len() + 1).unwrap_or(i64::MAX))
    .bind(source_kind)
    .bind(source_id)
    .bind(new.dataset.map(|(id, _)| id))
    .bind(new.dataset.map(|(_, label)| label))
    .bind(json(&file.features))
    .bind(json(&file.classes))
    .bind(json(&file.training))
    .bind(new.evaluation.map(json))
    .bind(new.evaluated_on)
    .bind(
        new.evaluation
            .map(headline_score)
            .filter(|score| score.is_finite()),
    )
    .bind(i64::try_from(file.epochs_trained).unwrap_or(i64::MAX))
    .bind(new.device)
    .bind(CODE_VERSION)
    .bind(new.trained_by)
    .bind(new.training_seconds)
    .bind(&stored.sha256)
    .bind(i64::try_from(stored.size_bytes).unwrap_or(i64::MAX))
    .bind(&stored.burn.record_sha256)
    .bind(i64::try_from(stored.burn.record_bytes).unwrap_or(i64::MAX))
    .bind(&stored.burn.manifest_sha256)
    .bind(&now)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;

    find_version(pool, &model, u32::try_from(version).unwrap_or_default()).await
}

/// A JSON column's text. These are plain data types (no maps with non-string keys), so
/// serialising cannot fail; an empty text would only show as a missing figure.
fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// One version of `model`.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn find_version(
    pool: &SqlitePool,
    model: &str,
    version: u32,
) -> Result<Option<ModelVersion>, sqlx::Error> {
    let query =
        format!("SELECT {VERSION_COLUMNS} FROM {VERSION_FROM} WHERE v.model = ? AND v.version = ?");
    let row: Option<VersionRow> = sqlx::query_as(&query)
        .bind(model)
        .bind(i64::from(version))
        .fetch_optional(pool)
        .await?;
    Ok(row.map(VersionRow::into_version))
}

/// Every version of `model`, newest first (empty for an unknown model).
///
/// # Errors
///
/// Database errors.
pub(crate) async fn versions(
    pool: &SqlitePool,
    model: &str,
) -> Result<Vec<ModelVersion>, sqlx::Error> {
    let query = format!(
        "SELECT {VERSION_COLUMNS} FROM {VERSION_FROM} WHERE v.model = ? ORDER BY v.version DESC"
    );
    let rows: Vec<VersionRow> = sqlx::query_as(&query).bind(model).fetch_all(pool).await?;
    Ok(rows.into_iter().map(VersionRow::into_version).collect())
}

/// A `models` row with its headline figures.
#[derive(Debug, FromRow)]
struct SummaryRow {
    name: String,
    owner: String,
    owner_id: String,
    task: String,
    versions: i64,
    latest: i64,
    production: Option<i64>,
    latest_score: Option<f64>,
    updated_at: String,
}

impl SummaryRow {
    fn into_summary(self) -> (ModelSummary, String) {
        let summary = ModelSummary {
            name: self.name,
            owner: self.owner,
            task: serde_json::from_str(&self.task).unwrap_or(Task::Binary),
            versions: u32::try_from(self.versions).unwrap_or_default(),
            latest: u32::try_from(self.latest).unwrap_or_default(),
            production: self
                .production
                .and_then(|version| u32::try_from(version).ok()),
            latest_score: self.latest_score,
            updated_at: self.updated_at,
        };
        (summary, self.owner_id)
    }
}

/// The summary query: each model with its newest version's task, score and time.
const SUMMARY: &str = "SELECT m.name, u.username AS owner, m.owner_id, l.task, \
     (SELECT COUNT(*) FROM model_versions c WHERE c.model = m.name) AS versions, \
     l.version AS latest, \
     (SELECT p.version FROM model_versions p WHERE p.model = m.name AND p.stage = 'production') \
     AS production, l.score AS latest_score, l.created_at AS updated_at \
     FROM models m JOIN users u ON u.id = m.owner_id \
     JOIN model_versions l ON l.model = m.name \
     AND l.version = (SELECT MAX(version) FROM model_versions x WHERE x.model = m.name)";

/// Every model, most recently updated first.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn list(pool: &SqlitePool) -> Result<Vec<ModelSummary>, sqlx::Error> {
    let query = format!("{SUMMARY} ORDER BY l.created_at DESC");
    let rows: Vec<SummaryRow> = sqlx::query_as(&query).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|row| row.into_summary().0).collect())
}

/// One model's summary and its owner's id.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn find_model(
    pool: &SqlitePool,
    name: &str,
) -> Result<Option<(ModelSummary, String)>, sqlx::Error> {
    let query = format!("{SUMMARY} WHERE m.name = ?");
    let row: Option<SummaryRow> = sqlx::query_as(&query)
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(SummaryRow::into_summary))
}

/// Moves a version to `stage`. Production archives the version that held it, in the same
/// transaction; returns that version's number.
///
/// # Errors
///
/// Database errors; nothing changes then.
pub(crate) async fn set_stage(
    pool: &SqlitePool,
    model: &str,
    version: u32,
    stage: Stage,
) -> Result<Option<u32>, sqlx::Error> {
    let mut transaction = pool.begin().await?;

    let mut archived = None;
    if stage == Stage::Production {
        let previous: Option<(i64,)> = sqlx::query_as(
            "UPDATE model_versions SET stage = 'archived' \
             WHERE model = ? AND stage = 'production' AND version != ? RETURNING version",
        )
        .bind(model)
        .bind(i64::from(version))
        .fetch_optional(&mut *transaction)
        .await?;
        archived = previous.and_then(|(number,)| u32::try_from(number).ok());
    }
    sqlx::query("UPDATE model_versions SET stage = ? WHERE model = ? AND version = ?")
        .bind(stage.as_str())
        .bind(model)
        .bind(i64::from(version))
        .execute(&mut *transaction)
        .await?;

    transaction.commit().await?;
    Ok(archived)
}
