//! Production KPIs, computed from telemetry and pushed live to every open dashboard.
//!
//! One task recomputes every site's KPIs every few seconds from the stored points and
//! publishes the snapshot on a watch channel; each dashboard's event stream only waits on
//! that channel. However many pages are open, the database sees one set of queries per
//! period: no polling storm.

pub(crate) mod kpi;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lepton_protocol::production::{PolicyKpis, ProductionSnapshot, SiteKpis};
use lepton_protocol::telemetry::SiteKind;
use lepton_sim::{logistics, manufacturing};
use sqlx::SqlitePool;
use tokio::sync::{Notify, watch};

use self::kpi::{FleetTotals, LineTotals};
use crate::anomaly::monitor::Monitor;

/// How often the KPIs are recomputed.
pub(crate) const REFRESH: Duration = Duration::from_secs(2);
/// The window KPIs cover by default, in wall-clock minutes.
pub(crate) const WINDOW_MINUTES: u32 = 15;
/// Readings without a `policy` tag are counted under this name.
const UNTAGGED: &str = "untagged";
/// Anomalies a snapshot lists per site.
const ANOMALIES_SHOWN: usize = 8;

/// The latest snapshot, shared by every request.
#[derive(Debug, Clone)]
pub(crate) struct Production {
    pool: SqlitePool,
    monitor: Monitor,
    latest: watch::Receiver<Arc<ProductionSnapshot>>,
    stop: Arc<Notify>,
}

impl Production {
    /// Computes a first snapshot and starts the task that refreshes it.
    ///
    /// # Errors
    ///
    /// Database errors of the first computation.
    pub(crate) async fn start(pool: SqlitePool, monitor: Monitor) -> Result<Self, sqlx::Error> {
        let first = snapshot(&pool, &monitor, Utc::now(), WINDOW_MINUTES).await?;
        let (sender, latest) = watch::channel(Arc::new(first));
        let refresher = pool.clone();
        let watched = monitor.clone();
        let stop = Arc::new(Notify::new());
        let stopping = stop.clone();
        // The task owns the only sender: when it ends, every open event stream ends too.
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(REFRESH);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    () = stopping.notified() => break,
                }
                match snapshot(&refresher, &watched, Utc::now(), WINDOW_MINUTES).await {
                    Ok(next) => {
                        sender.send_replace(Arc::new(next));
                    }
                    Err(error) => tracing::warn!(%error, "cannot compute production KPIs"),
                }
            }
        });
        Ok(Self {
            pool,
            monitor,
            latest,
            stop,
        })
    }

    /// Stops refreshing and ends every open event stream, so that shutdown need not wait
    /// for dashboards to close.
    pub(crate) fn stop(&self) {
        self.stop.notify_one();
    }

    /// The latest snapshot of the default window.
    pub(crate) fn latest(&self) -> Arc<ProductionSnapshot> {
        self.latest.borrow().clone()
    }

    /// A receiver that hears of every new snapshot.
    pub(crate) fn subscribe(&self) -> watch::Receiver<Arc<ProductionSnapshot>> {
        self.latest.clone()
    }

    /// A snapshot over another window, computed now.
    ///
    /// # Errors
    ///
    /// Database errors.
    pub(crate) async fn over(&self, minutes: u32) -> Result<ProductionSnapshot, sqlx::Error> {
        snapshot(&self.pool, &self.monitor, Utc::now(), minutes).await
    }
}

/// Every site's KPIs over the `minutes` before `at`, against the `minutes` before that.
async fn snapshot(
    pool: &SqlitePool,
    monitor: &Monitor,
    at: DateTime<Utc>,
    minutes: u32,
) -> Result<ProductionSnapshot, sqlx::Error> {
    let end = at.timestamp_millis();
    let span = i64::from(minutes) * 60_000;
    let now = (end - span, end);
    let before = (end - 2 * span, end - span);

    let sites: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, name, kind FROM sites ORDER BY kind DESC, id")
            .fetch_all(pool)
            .await?;
    let mut kpis = Vec::with_capacity(sites.len());
    for (site, name, kind) in sites {
        let (kind, policies) = if kind == "logistics" {
            (
                SiteKind::Logistics,
                fleet_kpis(pool, &site, now, before).await?,
            )
        } else {
            (
                SiteKind::Manufacturing,
                line_kpis(pool, &site, now, before).await?,
            )
        };
        let anomalies = monitor.recent(Some(&site), ANOMALIES_SHOWN);
        kpis.push(SiteKpis {
            site,
            name,
            kind,
            policies,
            anomalies,
        });
    }
    Ok(ProductionSnapshot {
        at: crate::timestamp::format(at),
        window_minutes: minutes,
        sites: kpis,
    })
}

/// Sums of `metrics` per policy and metric over `[from, to)` milliseconds.
type Sums = BTreeMap<String, BTreeMap<String, f64>>;

async fn sums(
    pool: &SqlitePool,
    site: &str,
    metrics: &[&str],
    (from, to): (i64, i64),
) -> Result<Sums, sqlx::Error> {
    let wanted = serde_json::to_string(metrics).unwrap_or_default();
    let rows: Vec<(String, String, f64)> = sqlx::query_as(
        "SELECT s.tags, s.metric, SUM(p.value) FROM telemetry_series s \
         JOIN telemetry_points p ON p.series_id = s.id \
         WHERE s.site = ? AND s.metric IN (SELECT value FROM json_each(?)) \
         AND p.ts >= ? AND p.ts < ? \
         GROUP BY s.tags, s.metric",
    )
    .bind(site)
    .bind(wanted)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;

    let mut sums = Sums::new();
    for (tags, metric, sum) in rows {
        *sums
            .entry(policy_of(&tags))
            .or_default()
            .entry(metric)
            .or_default() += sum;
    }
    Ok(sums)
}

/// The `policy` tag of a series' canonical tag JSON.
fn policy_of(tags: &str) -> String {
    serde_json::from_str::<BTreeMap<String, String>>(tags)
        .ok()
        .and_then(|mut tags| tags.remove("policy"))
        .unwrap_or_else(|| UNTAGGED.to_owned())
}

fn sum_of(sums: Option<&BTreeMap<String, f64>>, metric: &str) -> f64 {
    sums.and_then(|sums| sums.get(metric))
        .copied()
        .unwrap_or(0.0)
}

async fn line_kpis(
    pool: &SqlitePool,
    site: &str,
    now: (i64, i64),
    before: (i64, i64),
) -> Result<Vec<PolicyKpis>, sqlx::Error> {
    use manufacturing::metric::{
        CAPACITY, COST, DOWN_SECONDS, FAILURES, OUTPUT, RUN_SECONDS, SCRAP,
    };
    let metrics = [
        OUTPUT,
        SCRAP,
        CAPACITY,
        RUN_SECONDS,
        DOWN_SECONDS,
        COST,
        FAILURES,
    ];
    let totals = |sums: Option<&BTreeMap<String, f64>>| LineTotals {
        output: sum_of(sums, OUTPUT),
        scrap: sum_of(sums, SCRAP),
        capacity: sum_of(sums, CAPACITY),
        run_seconds: sum_of(sums, RUN_SECONDS),
        down_seconds: sum_of(sums, DOWN_SECONDS),
        cost: sum_of(sums, COST),
        failures: sum_of(sums, FAILURES),
    };

    let current = sums(pool, site, &metrics, now).await?;
    let previous = sums(pool, site, &metrics, before).await?;
    Ok(current
        .iter()
        .map(|(policy, sums)| PolicyKpis {
            policy: policy.clone(),
            kpis: kpi::line(&totals(Some(sums)), &totals(previous.get(policy))),
        })
        .collect())
}

async fn fleet_kpis(
    pool: &SqlitePool,
    site: &str,
    now: (i64, i64),
    before: (i64, i64),
) -> Result<Vec<PolicyKpis>, sqlx::Error> {
    let mut current = fleet_totals(pool, site, now).await?;
    let previous = fleet_totals(pool, site, before).await?;
    // A policy whose vehicles report but have delivered nothing yet still gets its column.
    let reporting = sums(pool, site, &[logistics::metric::RUN_SECONDS], now).await?;
    for policy in reporting.into_keys() {
        current.entry(policy).or_default();
    }
    Ok(current
        .iter()
        .map(|(policy, totals)| PolicyKpis {
            policy: policy.clone(),
            kpis: kpi::fleet(totals, &previous.get(policy).copied().unwrap_or_default()),
        })
        .collect())
}

/// Each policy's deliveries over `[from, to)`; satisfaction needs every lateness, not a sum.
async fn fleet_totals(
    pool: &SqlitePool,
    site: &str,
    (from, to): (i64, i64),
) -> Result<BTreeMap<String, FleetTotals>, sqlx::Error> {
    use logistics::metric::{DELIVERY_COST, LATENESS_MINUTES, ON_TIME, TRANSPORT_MINUTES};
    let rows: Vec<(String, String, f64)> = sqlx::query_as(
        "SELECT s.tags, s.metric, p.value FROM telemetry_series s \
         JOIN telemetry_points p ON p.series_id = s.id \
         WHERE s.site = ? AND s.metric IN (?, ?, ?, ?) AND p.ts >= ? AND p.ts < ?",
    )
    .bind(site)
    .bind(TRANSPORT_MINUTES)
    .bind(DELIVERY_COST)
    .bind(LATENESS_MINUTES)
    .bind(ON_TIME)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?;

    let mut totals: BTreeMap<String, FleetTotals> = BTreeMap::new();
    for (tags, metric, value) in rows {
        let entry = totals.entry(policy_of(&tags)).or_default();
        match metric.as_str() {
            TRANSPORT_MINUTES => {
                entry.deliveries += 1.0;
                entry.transport_minutes += value;
            }
            DELIVERY_COST => entry.cost += value,
            ON_TIME => entry.on_time += value,
            LATENESS_MINUTES => entry.satisfaction += kpi::satisfaction(value),
            _ => {}
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_comes_from_the_tags() {
        assert_eq!(
            policy_of(r#"{"line":"a","policy":"fixed-interval"}"#),
            "fixed-interval"
        );
        assert_eq!(policy_of("{}"), UNTAGGED);
        assert_eq!(policy_of("not json"), UNTAGGED);
    }
}
