//! Downsampling and retention: one-minute roll-ups kept for months, raw points for days.
//!
//! A pass every [`PERIOD`] rolls up the minutes that ended since the last pass, per series:
//! count, sum, minimum and maximum. Points may arrive late (a site that was offline sends its
//! backlog), so each pass also redoes the last [`LATE_MINUTES`] minutes, and a batch with
//! older points asks the next pass to start from its oldest minute. Recomputing a minute
//! replaces its roll-up, so a minute is never counted twice. Each hour of minutes is its own
//! transaction, so that a long catch-up never holds SQLite's one write lock for long. Once an
//! hour, a pass also deletes raw points and roll-ups past their retention.
//!
//! Queries run per series over the primary key `(series_id, ts)`, so a pass reads only the
//! minutes it rolls up and ingest pays for no second index.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

/// How often a pass runs.
pub(crate) const PERIOD: Duration = Duration::from_secs(30);
/// Minutes each pass rolls up again, for points that arrive late.
const LATE_MINUTES: i64 = 10;
/// Passes between two purges: an hour.
const PASSES_PER_PURGE: u64 = 120;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;
/// The name of the roll-up progress in `telemetry_progress`.
const PROGRESS: &str = "rollups";

/// How long each kind of data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Retention {
    /// Days raw points are kept.
    pub(crate) raw_days: u32,
    /// Days one-minute roll-ups are kept.
    pub(crate) rollup_days: u32,
}

/// The oldest minute a late batch asks the next pass to redo; shared with ingest.
#[derive(Debug, Clone)]
pub(crate) struct Rewind {
    oldest: Arc<AtomicI64>,
}

impl Default for Rewind {
    fn default() -> Self {
        Self {
            oldest: Arc::new(AtomicI64::new(i64::MAX)),
        }
    }
}

impl Rewind {
    /// Notes that points at `at` (milliseconds) were stored.
    pub(crate) fn touched(&self, at: i64) {
        self.oldest.fetch_min(at, Ordering::Relaxed);
    }

    fn take(&self) -> Option<i64> {
        let oldest = self.oldest.swap(i64::MAX, Ordering::Relaxed);
        (oldest != i64::MAX).then_some(oldest)
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PassReport {
    /// Series-minutes written.
    pub(crate) rolled_up: u64,
    /// Raw points deleted.
    pub(crate) raw_deleted: u64,
    /// Roll-ups deleted.
    pub(crate) rollups_deleted: u64,
}

/// Runs passes forever.
pub(crate) async fn run(pool: SqlitePool, rewind: Rewind, retention: Retention) {
    let mut ticks = tokio::time::interval(PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for count in 0_u64.. {
        ticks.tick().await;
        let purging = count % PASSES_PER_PURGE == 0;
        match pass(&pool, &rewind, retention, Utc::now(), purging).await {
            Ok(report) if report != PassReport::default() => tracing::debug!(
                rolled_up = report.rolled_up,
                raw_deleted = report.raw_deleted,
                rollups_deleted = report.rollups_deleted,
                "telemetry roll-up pass"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "telemetry roll-up pass failed"),
        }
    }
}

/// Rolls up the minutes ended before `now` and, when `purging`, deletes what is past
/// retention.
///
/// # Errors
///
/// Database errors; the progress is kept, so the next pass redoes the same minutes.
pub(crate) async fn pass(
    pool: &SqlitePool,
    rewind: &Rewind,
    retention: Retention,
    now: DateTime<Utc>,
    purging: bool,
) -> Result<PassReport, sqlx::Error> {
    let now = now.timestamp_millis();
    let until = now - now.rem_euclid(MINUTE);
    let raw_from = now - i64::from(retention.raw_days) * DAY;
    let progress: Option<i64> =
        sqlx::query_scalar("SELECT value FROM telemetry_progress WHERE name = ?")
            .bind(PROGRESS)
            .fetch_optional(pool)
            .await?;
    let late = rewind.take();
    // The very first pass starts at the oldest stored point, if any (found series by series
    // through the primary key), rather than walking empty hours.
    let start_point = match progress {
        Some(done) => Some(done - LATE_MINUTES * MINUTE),
        None => sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MIN((SELECT MIN(p.ts) FROM telemetry_points p WHERE p.series_id = s.id)) \
             FROM telemetry_series s",
        )
        .fetch_one(pool)
        .await?
        .or(Some(until)),
    };
    let from = [start_point, late]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(raw_from)
        .max(raw_from);
    let from = from - from.rem_euclid(MINUTE);

    let mut rolled_up = 0;
    let mut start = from;
    while start < until {
        let end = (start + HOUR).min(until);
        match roll_up(pool, start, end).await {
            Ok(written) => rolled_up += written,
            Err(error) => {
                // The minutes not done yet are redone by the next pass.
                if late.is_some() {
                    rewind.touched(start);
                }
                return Err(error);
            }
        }
        start = end;
    }

    if !purging {
        return Ok(PassReport {
            rolled_up,
            ..PassReport::default()
        });
    }
    let raw_deleted = purge(pool, "telemetry_points", "ts", raw_from).await?;
    let rollup_from = now - i64::from(retention.rollup_days) * DAY;
    let rollups_deleted = purge(pool, "telemetry_rollups", "minute", rollup_from).await?;
    Ok(PassReport {
        rolled_up,
        raw_deleted,
        rollups_deleted,
    })
}

/// Recomputes the roll-ups of `[from, until)` and moves the progress to `until`.
async fn roll_up(pool: &SqlitePool, from: i64, until: i64) -> Result<u64, sqlx::Error> {
    if from >= until {
        return Ok(0);
    }
    let mut transaction = pool.begin().await?;
    // The series table drives the loop, so each series' points are read by primary key.
    let written = sqlx::query(
        "INSERT INTO telemetry_rollups (series_id, minute, count, sum, min, max) \
         SELECT p.series_id, (p.ts / 60000) * 60000, COUNT(*), SUM(p.value), MIN(p.value), \
                MAX(p.value) \
         FROM telemetry_series s CROSS JOIN telemetry_points p \
         ON p.series_id = s.id AND p.ts >= ? AND p.ts < ? \
         GROUP BY p.series_id, p.ts / 60000 \
         ON CONFLICT (series_id, minute) DO UPDATE SET count = excluded.count, \
         sum = excluded.sum, min = excluded.min, max = excluded.max",
    )
    .bind(from)
    .bind(until)
    .execute(&mut *transaction)
    .await?
    .rows_affected();
    sqlx::query(
        "INSERT INTO telemetry_progress (name, value) VALUES (?, ?) \
         ON CONFLICT (name) DO UPDATE SET value = MAX(value, excluded.value)",
    )
    .bind(PROGRESS)
    .bind(until)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(written)
}

/// Deletes the rows of `table` whose `column` is before `before`, in one statement that
/// walks the primary key series by series.
async fn purge(
    pool: &SqlitePool,
    table: &str,
    column: &str,
    before: i64,
) -> Result<u64, sqlx::Error> {
    // Table and column come from this module, never from input.
    let sql = format!(
        "DELETE FROM {table} WHERE series_id IN (SELECT id FROM telemetry_series) \
         AND {column} < ?"
    );
    Ok(sqlx::query(&sql)
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::open_temporary;

    const RETENTION: Retention = Retention {
        raw_days: 7,
        rollup_days: 90,
    };

    async fn series(pool: &SqlitePool, metric: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO telemetry_series (site, source, metric, tags) \
             VALUES ('manufacturing-line', 'm1', ?, '{}') RETURNING id",
        )
        .bind(metric)
        .fetch_one(pool)
        .await
        .unwrap()
    }

    async fn point(pool: &SqlitePool, series: i64, at: i64, value: f64) {
        sqlx::query(
            "INSERT OR REPLACE INTO telemetry_points (series_id, ts, value) VALUES (?, ?, ?)",
        )
        .bind(series)
        .bind(at)
        .bind(value)
        .execute(pool)
        .await
        .unwrap();
    }

    async fn rollups(pool: &SqlitePool, series: i64) -> Vec<(i64, i64, f64, f64, f64)> {
        sqlx::query_as(
            "SELECT minute, count, sum, min, max FROM telemetry_rollups WHERE series_id = ? \
             ORDER BY minute",
        )
        .bind(series)
        .fetch_all(pool)
        .await
        .unwrap()
    }

    fn at(millis: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(millis).unwrap()
    }

    #[tokio::test]
    async fn complete_minutes_roll_up_once_and_late_points_are_counted() {
        let (_dir, pool) = open_temporary().await;
        let rewind = Rewind::default();
        let temperature = series(&pool, "temperature").await;
        let t0 = 1_800_000_000_000 - 1_800_000_000_000 % MINUTE;

        // Minute 0: 1, 2, 3. Minute 1: 10 and a point in the minute still running.
        for (offset, value) in [(0, 1.0), (20_000, 2.0), (59_999, 3.0), (60_000, 10.0)] {
            point(&pool, temperature, t0 + offset, value).await;
        }
        point(&pool, temperature, t0 + 120_500, 99.0).await;
        pass(&pool, &rewind, RETENTION, at(t0 + 120_900), true)
            .await
            .unwrap();
        assert_eq!(
            rollups(&pool, temperature).await,
            vec![(t0, 3, 6.0, 1.0, 3.0), (t0 + 60_000, 1, 10.0, 10.0, 10.0)]
        );

        // A second pass changes nothing; a point replaced in minute 0 is rolled up anew.
        pass(&pool, &rewind, RETENTION, at(t0 + 121_000), true)
            .await
            .unwrap();
        point(&pool, temperature, t0 + 20_000, 5.0).await;
        pass(&pool, &rewind, RETENTION, at(t0 + 125_000), true)
            .await
            .unwrap();
        assert_eq!(rollups(&pool, temperature).await[0], (t0, 3, 9.0, 1.0, 5.0));

        // Much later, a point from an hour back arrives: ingest rewinds the next pass.
        let later = t0 + 3 * 3_600_000;
        pass(&pool, &rewind, RETENTION, at(later), true)
            .await
            .unwrap();
        point(&pool, temperature, t0 + 30_000, -4.0).await;
        rewind.touched(t0 + 30_000);
        pass(&pool, &rewind, RETENTION, at(later + 1_000), true)
            .await
            .unwrap();
        assert_eq!(
            rollups(&pool, temperature).await[0],
            (t0, 4, 5.0, -4.0, 5.0)
        );
    }

    #[tokio::test]
    async fn raw_points_and_rollups_past_retention_are_deleted() {
        let (_dir, pool) = open_temporary().await;
        let rewind = Rewind::default();
        let power = series(&pool, "power").await;
        let now = 1_800_000_000_000;
        let retention = Retention {
            raw_days: 1,
            rollup_days: 3,
        };

        for days_ago in [5, 2, 0] {
            point(&pool, power, now - days_ago * DAY - MINUTE, 1.0).await;
        }
        sqlx::query(
            "INSERT INTO telemetry_rollups (series_id, minute, count, sum, min, max) \
             VALUES (?, ?, 1, 1, 1, 1), (?, ?, 1, 1, 1, 1)",
        )
        .bind(power)
        .bind(now - 5 * DAY)
        .bind(power)
        .bind(now - 2 * DAY)
        .execute(&pool)
        .await
        .unwrap();

        let report = pass(&pool, &rewind, retention, at(now), true)
            .await
            .unwrap();
        assert_eq!(report.raw_deleted, 2);
        assert_eq!(report.rollups_deleted, 1);
        let kept: Vec<i64> = sqlx::query_scalar("SELECT ts FROM telemetry_points")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(kept, vec![now - MINUTE]);
        let minutes: Vec<i64> = rollups(&pool, power).await.iter().map(|r| r.0).collect();
        assert!(minutes.contains(&(now - 2 * DAY)) && !minutes.contains(&(now - 5 * DAY)));
    }
}
