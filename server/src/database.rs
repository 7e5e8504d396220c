//! The SQLite database in the data directory: opened in WAL mode, migrated at start.
//!
//! Migrations are embedded in the binary, so a fresh data directory and an old one both end
//! up on the schema this build expects before the first request is served.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// File name of the database inside the data directory.
const DATABASE_FILE: &str = "lepton.db";

/// Why the database is unusable.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DatabaseError {
    /// The file could not be opened or created; check the data directory.
    #[error("cannot open database {}: {source}", .path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: sqlx::Error,
    },
    /// A migration failed; the database may come from a newer Lepton.
    #[error("cannot migrate database {}: {source}", .path.display())]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// What the migrator said.
        source: sqlx::migrate::MigrateError,
    },
    /// Recording this installation failed.
    #[error("cannot initialise database {}: {source}", .path.display())]
    Initialise {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: sqlx::Error,
    },
}

/// Opens (creating if needed) and migrates the database in `data_dir`.
///
/// # Errors
///
/// A [`DatabaseError`] naming the file and the step that failed.
pub(crate) async fn open(data_dir: &Path) -> Result<SqlitePool, DatabaseError> {
    let path = data_dir.join(DATABASE_FILE);

    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // NORMAL is durable in WAL mode except for the last transactions before a power cut.
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);

    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|source| DatabaseError::Open {
            path: path.clone(),
            source,
        })?;

    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .map_err(|source| DatabaseError::Migrate {
            path: path.clone(),
            source,
        })?;

    record_installation(&pool)
        .await
        .map_err(|source| DatabaseError::Initialise { path, source })?;
    Ok(pool)
}

async fn record_installation(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO instance (id, installation_id, created_at) VALUES (1, ?, ?) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(chrono::Utc::now().to_rfc3339())
    .execute(pool)
    .await?;

    if inserted.rows_affected() == 1 {
        tracing::info!("new installation recorded");
    }
    Ok(())
}

/// A migrated database in a new temporary directory, for unit tests; the directory lives as
/// long as the returned guard.
#[cfg(test)]
pub(crate) async fn open_temporary() -> (tempfile::TempDir, SqlitePool) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let pool = open(dir.path()).await.expect("open a temporary database");
    (dir, pool)
}

/// Why the database did not answer a readiness check.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PingError {
    /// The query failed: the file is gone, locked or corrupt.
    #[error(transparent)]
    Query(#[from] sqlx::Error),
    /// No answer in time: the database is busy with a long write or the disk stalls.
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
}

/// Whether the database answers a query within `timeout`.
///
/// # Errors
///
/// [`PingError`] saying whether the query failed or took too long.
pub(crate) async fn ping(pool: &SqlitePool, timeout: Duration) -> Result<(), PingError> {
    let query =
        sqlx::query_scalar::<_, String>("SELECT installation_id FROM instance WHERE id = 1")
            .fetch_one(pool);

    match tokio::time::timeout(timeout, query).await {
        Ok(answer) => answer.map(drop).map_err(PingError::from),
        Err(_) => Err(PingError::Timeout(timeout)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_migrates_and_answers_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let pool = open(dir.path()).await.unwrap();

        ping(&pool, Duration::from_secs(1)).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn reopening_keeps_the_installation() {
        let dir = tempfile::tempdir().unwrap();
        let first = open(dir.path()).await.unwrap();
        let id: String = sqlx::query_scalar("SELECT installation_id FROM instance")
            .fetch_one(&first)
            .await
            .unwrap();
        first.close().await;

        let second = open(dir.path()).await.unwrap();
        let again: String = sqlx::query_scalar("SELECT installation_id FROM instance")
            .fetch_one(&second)
            .await
            .unwrap();
        assert_eq!(id, again);
    }
}
