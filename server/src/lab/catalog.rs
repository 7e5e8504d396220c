//! The `lab_models` table: insert, list and find uploaded Lab models.

use lepton_protocol::lab::{StoredLabModel, Task};
use sqlx::SqlitePool;

/// A row of `lab_models` without the file.
#[derive(Debug, sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    owner: String,
    task: String,
    features: i64,
    epochs: i64,
    score: Option<f64>,
    backend: String,
    size_bytes: i64,
    sha256: String,
    created_at: String,
}

/// A row of `lab_models` with its owner's id and the file.
#[derive(Debug, sqlx::FromRow)]
struct FileRow {
    #[sqlx(flatten)]
    row: Row,
    owner_id: String,
    file: String,
}

impl Row {
    fn into_model(self) -> StoredLabModel {
        let task = serde_json::from_str(&self.task).unwrap_or(Task::Binary);
        StoredLabModel {
            id: self.id,
            name: self.name,
            owner: self.owner,
            task,
            features: u32::try_from(self.features).unwrap_or(u32::MAX),
            epochs: u32::try_from(self.epochs).unwrap_or(u32::MAX),
            score: self.score,
            backend: self.backend,
            size_bytes: u64::try_from(self.size_bytes).unwrap_or_default(),
            sha256: self.sha256,
            created_at: self.created_at,
        }
    }
}

const SELECT: &str = "SELECT m.id, m.name, u.username AS owner, m.task, m.features, m.epochs, \
     m.score, m.backend, m.size_bytes, m.sha256, m.created_at \
     FROM lab_models m JOIN users u ON u.id = m.owner_id";

const SELECT_WITH_FILE: &str = "SELECT m.id, m.name, u.username AS owner, m.task, m.features, \
     m.epochs, m.score, m.backend, m.size_bytes, m.sha256, m.created_at, m.owner_id, m.file \
     FROM lab_models m JOIN users u ON u.id = m.owner_id";

/// Stores one upload: its figures as the API shows them, its owner and the file.
///
/// # Errors
///
/// The database's error.
pub(crate) async fn insert(
    pool: &SqlitePool,
    owner_id: &str,
    model: &StoredLabModel,
    file: &str,
) -> Result<(), sqlx::Error> {
    let task = serde_json::to_string(&model.task).unwrap_or_default();
    sqlx::query(
        "INSERT INTO lab_models (id, owner_id, name, task, features, epochs, score, backend, \
         size_bytes, sha256, file, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&model.id)
    .bind(owner_id)
    .bind(&model.name)
    .bind(task)
    .bind(i64::from(model.features))
    .bind(i64::from(model.epochs))
    .bind(model.score)
    .bind(&model.backend)
    .bind(i64::try_from(model.size_bytes).unwrap_or(i64::MAX))
    .bind(&model.sha256)
    .bind(file)
    .bind(&model.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The uploads of `owner_id`, or everyone's when it is `None`, newest first.
///
/// # Errors
///
/// The database's error.
pub(crate) async fn list(
    pool: &SqlitePool,
    owner_id: Option<&str>,
) -> Result<Vec<StoredLabModel>, sqlx::Error> {
    let query = format!(
        "{SELECT} WHERE ?1 IS NULL OR m.owner_id = ?1 ORDER BY m.created_at DESC, m.id LIMIT 500"
    );
    let rows: Vec<Row> = sqlx::query_as(&query)
        .bind(owner_id)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(Row::into_model).collect())
}

/// One upload with its file and its owner's id.
///
/// # Errors
///
/// The database's error.
pub(crate) async fn find(
    pool: &SqlitePool,
    id: &str,
) -> Result<Option<(StoredLabModel, String, String)>, sqlx::Error> {
    let query = format!("{SELECT_WITH_FILE} WHERE m.id = ?1");
    let found: Option<FileRow> = sqlx::query_as(&query).bind(id).fetch_optional(pool).await?;
    Ok(found.map(|found| (found.row.into_model(), found.owner_id, found.file)))
}
