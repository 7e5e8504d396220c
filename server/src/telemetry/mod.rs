//! Telemetry from the production sites: checked batches of points, stored durably.
//!
//! Sites send batches to `POST /api/v1/telemetry`. A batch is parsed and every point checked
//! (registered site, names, tags, a timestamp inside the raw retention window and not ahead
//! of the clock, a finite value) before anything is written; then it is written in one
//! transaction and acknowledged after the commit. Writers queue for SQLite's single write
//! lock: a few batches may wait their turn, and beyond that the server answers 429 with
//! `Retry-After` instead of letting a flood pile up in memory.

pub(crate) mod batch;
pub(crate) mod rollup;
pub(crate) mod store;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use lepton_protocol::telemetry::{IngestReceipt, Site, SiteKind};
use sqlx::SqlitePool;
use tokio::sync::Semaphore;

use self::batch::{BatchError, Window};
use self::rollup::Rewind;
use self::store::SeriesIds;
use crate::anomaly::monitor::Monitor;

/// Batches written or waiting to be written at once; more are refused with 429.
const WRITERS: usize = 8;
/// How long a batch waits for a writer's place before it is refused.
const WRITER_WAIT: Duration = Duration::from_secs(2);

/// Why a batch was not stored.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IngestError {
    /// The batch breaks a rule; nothing of it is stored.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// Too many batches are waiting for the database.
    #[error("the server is writing {WRITERS} batches already; retry in a second")]
    Busy,
    /// The database failed; nothing of the batch is stored.
    #[error("telemetry database: {0}")]
    Database(#[from] sqlx::Error),
}

/// The ingest service every request shares.
#[derive(Debug, Clone)]
pub(crate) struct Telemetry {
    pool: SqlitePool,
    sites: Arc<HashSet<String>>,
    series: SeriesIds,
    writers: Arc<Semaphore>,
    retention_days: u32,
    rewind: Rewind,
    monitor: Monitor,
}

impl Telemetry {
    /// Loads the registered sites.
    ///
    /// # Errors
    ///
    /// Database errors.
    pub(crate) async fn open(pool: SqlitePool, retention_days: u32) -> Result<Self, sqlx::Error> {
        let sites: Vec<String> = sqlx::query_scalar("SELECT id FROM sites")
            .fetch_all(&pool)
            .await?;
        Ok(Self {
            pool,
            sites: Arc::new(sites.into_iter().collect()),
            series: SeriesIds::default(),
            writers: Arc::new(Semaphore::new(WRITERS)),
            retention_days,
            rewind: Rewind::default(),
            monitor: Monitor::start(),
        })
    }

    /// The live anomaly detector the stored readings go through.
    pub(crate) fn monitor(&self) -> &Monitor {
        &self.monitor
    }

    /// Where ingest tells the roll-up pass which minutes got new points.
    pub(crate) fn rewind(&self) -> Rewind {
        self.rewind.clone()
    }

    /// Checks and stores one batch, answering once it is committed.
    ///
    /// # Errors
    ///
    /// [`IngestError`]; nothing of the batch is stored then.
    pub(crate) async fn ingest(&self, body: &[u8]) -> Result<IngestReceipt, IngestError> {
        let points = batch::parse(body)?;
        let readings = batch::check(
            points,
            &self.sites,
            Window::at(Utc::now(), self.retention_days),
        )?;

        let _writer = tokio::time::timeout(WRITER_WAIT, self.writers.acquire())
            .await
            .map_err(|_| IngestError::Busy)?
            .map_err(|_| IngestError::Busy)?;
        let series = store::write(&self.pool, &self.series, &readings).await?;
        if let Some(oldest) = readings.iter().map(|reading| reading.at).min() {
            self.rewind.touched(oldest);
        }
        let accepted = readings.len();
        self.monitor.observe(readings);
        Ok(IngestReceipt { accepted, series })
    }

    /// Every registered site with what is stored for it.
    ///
    /// # Errors
    ///
    /// Database errors.
    pub(crate) async fn sites(&self) -> Result<Vec<Site>, sqlx::Error> {
        // One pass over the points gives their count and the newest instant.
        let rows: Vec<(String, String, String, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT s.id, s.name, s.kind, COUNT(p.ts), COUNT(DISTINCT r.id), MAX(p.ts) \
             FROM sites s \
             LEFT JOIN telemetry_series r ON r.site = s.id \
             LEFT JOIN telemetry_points p ON p.series_id = r.id \
             GROUP BY s.id ORDER BY s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, kind, points, series, last)| Site {
                id,
                name,
                kind: if kind == "logistics" {
                    SiteKind::Logistics
                } else {
                    SiteKind::Manufacturing
                },
                points: u64::try_from(points).unwrap_or_default(),
                series: u64::try_from(series).unwrap_or_default(),
                last_point_at: last.and_then(crate::timestamp::format_millis),
            })
            .collect())
    }
}
