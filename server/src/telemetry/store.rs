//! Storing checked telemetry: one transaction per batch, series ids remembered in memory.
//!
//! A batch is written whole inside one SQLite transaction and the caller hears back only
//! after the commit, so an acknowledged batch survives a kill -9 of the server (WAL mode:
//! the commit is in the log before the answer leaves). A point for a series and instant that
//! is already stored replaces it, which makes a retried batch harmless.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use sqlx::{Sqlite, SqlitePool, Transaction};

use super::batch::{Reading, SeriesKey};

/// Points written by one `INSERT`: three parameters each, well under SQLite's 32 766.
const ROWS_PER_STATEMENT: usize = 500;

/// The series ids already known, shared by every request.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeriesIds {
    ids: Arc<Mutex<HashMap<SeriesKey, i64>>>,
}

impl SeriesIds {
    fn get(&self, key: &SeriesKey) -> Option<i64> {
        self.ids.lock().ok()?.get(key).copied()
    }

    fn remember(&self, learned: Vec<(SeriesKey, i64)>) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.extend(learned);
        }
    }
}

/// Writes `readings` in one transaction; returns how many series they touched.
///
/// # Errors
///
/// Database errors; nothing of the batch is stored then.
pub(crate) async fn write(
    pool: &SqlitePool,
    known: &SeriesIds,
    readings: &[Reading],
) -> Result<usize, sqlx::Error> {
    let mut transaction = pool.begin().await?;

    // The series id of every reading, in order; each series is looked up once.
    let mut ids: HashMap<&SeriesKey, i64> = HashMap::new();
    let mut learned = Vec::new();
    let mut series_of = Vec::with_capacity(readings.len());
    for reading in readings {
        let id = match ids
            .get(&reading.series)
            .copied()
            .or_else(|| known.get(&reading.series))
        {
            Some(id) => id,
            None => {
                let id = series_id(&mut transaction, &reading.series).await?;
                learned.push((reading.series.clone(), id));
                id
            }
        };
        ids.insert(&reading.series, id);
        series_of.push(id);
    }

    for (chunk, series) in readings
        .chunks(ROWS_PER_STATEMENT)
        .zip(series_of.chunks(ROWS_PER_STATEMENT))
    {
        let mut sql = String::from("INSERT INTO telemetry_points (series_id, ts, value) VALUES ");
        for index in 0..chunk.len() {
            let _ = write!(sql, "{}(?, ?, ?)", if index == 0 { "" } else { ", " });
        }
        sql.push_str(" ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value");
        let mut query = sqlx::query(&sql);
        for (reading, &id) in chunk.iter().zip(series) {
            query = query.bind(id).bind(reading.at).bind(reading.value);
        }
        query.execute(&mut *transaction).await?;
    }
    transaction.commit().await?;

    // Only ids of committed rows are remembered: a rolled-back series never existed.
    let series = ids.len();
    known.remember(learned);
    Ok(series)
}

/// The id of `key`, created when new.
async fn series_id(
    transaction: &mut Transaction<'_, Sqlite>,
    key: &SeriesKey,
) -> Result<i64, sqlx::Error> {
    // Updating the conflicting row to itself makes RETURNING answer in both cases.
    sqlx::query_scalar(
        "INSERT INTO telemetry_series (site, source, metric, tags) VALUES (?, ?, ?, ?) \
         ON CONFLICT (site, source, metric, tags) DO UPDATE SET metric = excluded.metric \
         RETURNING id",
    )
    .bind(&key.site)
    .bind(&key.source)
    .bind(&key.metric)
    .bind(&key.tags)
    .fetch_one(&mut **transaction)
    .await
}
