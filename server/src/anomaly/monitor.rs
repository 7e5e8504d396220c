//! The live detector: scores every stored sensor reading and keeps the recent anomalies.
//!
//! Ingest hands each committed batch to one background task over a bounded channel, and never
//! waits for it: when the task falls behind, batches are skipped (and counted) rather than
//! slowing sites down. The task keeps a [`Detector`] per series of the watched sensor metrics.
//! A source that reports `run_seconds` of 0 is idle (its readings are not scored); a source
//! that never reports it is always active. A run of [`MIN_READINGS`] anomalous readings is an
//! anomaly; the most recent ones are kept in memory for the dashboard and the API.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use lepton_protocol::telemetry::Anomaly;
use tokio::sync::mpsc;

use super::detector::{Detector, Settings};
use crate::telemetry::batch::{Reading, SeriesKey};
use crate::timestamp;

/// Sensor metrics the detector watches.
pub(crate) const WATCHED: [&str; 5] = ["temperature", "pressure", "vibration", "power", "speed"];
/// The metric whose 0 says a source is idle.
pub(crate) const ACTIVITY: &str = "run_seconds";
/// The alert rule: this many anomalous readings in a row make an anomaly.
pub(crate) const MIN_READINGS: u32 = 3;
/// Anomalies kept, newest first.
const KEPT: usize = 200;
/// Batches waiting for the detector; more are skipped.
const QUEUE: usize = 256;
/// Series watched at most, so that clients inventing tags cannot grow memory without end;
/// series beyond it are stored but not scored.
const MAX_SERIES: usize = 50_000;

/// The handle ingest and the API share.
#[derive(Debug, Clone)]
pub(crate) struct Monitor {
    sender: mpsc::Sender<Vec<Reading>>,
    recent: Arc<Mutex<VecDeque<Anomaly>>>,
    skipped: Arc<AtomicU64>,
}

impl Monitor {
    /// Starts the detector task.
    pub(crate) fn start() -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let recent = Arc::new(Mutex::new(VecDeque::new()));
        tokio::spawn(watch(receiver, recent.clone()));
        Self {
            sender,
            recent,
            skipped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Passes a committed batch's watched readings on, without waiting or copying them.
    pub(crate) fn observe(&self, mut readings: Vec<Reading>) {
        readings.retain(|reading| {
            let metric = reading.series.metric.as_str();
            metric == ACTIVITY || WATCHED.contains(&metric)
        });
        if readings.is_empty() {
            return;
        }
        if self.sender.try_send(readings).is_err() {
            let skipped = self.skipped.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(skipped, "anomaly detector behind: a batch was not scored");
        }
    }

    /// The recent anomalies, ongoing ones first, then newest first; of one site if given.
    pub(crate) fn recent(&self, site: Option<&str>, limit: usize) -> Vec<Anomaly> {
        let Ok(recent) = self.recent.lock() else {
            return Vec::new();
        };
        let mut found: Vec<Anomaly> = recent
            .iter()
            .filter(|anomaly| site.is_none_or(|site| anomaly.site == site))
            .cloned()
            .collect();
        found.sort_by(|a, b| b.ongoing.cmp(&a.ongoing).then(b.last_at.cmp(&a.last_at)));
        found.truncate(limit);
        found
    }
}

/// A series' detector and the anomalous run it is in, if any.
#[derive(Debug, Default)]
struct Watch {
    detector: Detector,
    run: u32,
    started: i64,
    peak: f64,
}

async fn watch(mut batches: mpsc::Receiver<Vec<Reading>>, recent: Arc<Mutex<VecDeque<Anomaly>>>) {
    let settings = Settings::default();
    let mut series: HashMap<SeriesKey, Watch> = HashMap::new();
    let mut idle: HashMap<(String, String), bool> = HashMap::new();

    while let Some(batch) = batches.recv().await {
        // The batch's activity readings decide, before its sensors are scored.
        for reading in batch
            .iter()
            .filter(|reading| reading.series.metric == ACTIVITY)
        {
            let source = (reading.series.site.clone(), reading.series.source.clone());
            idle.insert(source, reading.value <= 0.0);
        }
        for reading in batch
            .iter()
            .filter(|reading| reading.series.metric != ACTIVITY)
        {
            let source = (reading.series.site.clone(), reading.series.source.clone());
            let active = !idle.get(&source).copied().unwrap_or(false);
            if series.len() >= MAX_SERIES && !series.contains_key(&reading.series) {
                continue;
            }
            let watch = series.entry(reading.series.clone()).or_default();
            let score = watch.detector.score(&settings, reading.value, active);
            if score > settings.threshold {
                if watch.run == 0 {
                    watch.started = reading.at;
                    watch.peak = 0.0;
                }
                watch.run += 1;
                watch.peak = watch.peak.max(score);
            } else if watch.run > 0 {
                watch.run = 0;
                update(&recent, reading, watch, false);
                continue;
            }
            if watch.run >= MIN_READINGS {
                update(&recent, reading, watch, true);
            }
        }
    }
}

/// Records the anomaly a series is in (or has just left).
fn update(recent: &Mutex<VecDeque<Anomaly>>, reading: &Reading, watch: &Watch, ongoing: bool) {
    let Ok(mut recent) = recent.lock() else {
        return;
    };
    let started_at = timestamp::format_millis(watch.started).unwrap_or_default();
    let key = &reading.series;
    let existing = recent.iter_mut().find(|anomaly| {
        anomaly.site == key.site
            && anomaly.source == key.source
            && anomaly.metric == key.metric
            && anomaly.started_at == started_at
    });
    match existing {
        Some(anomaly) => {
            anomaly.ongoing = ongoing;
            if ongoing {
                anomaly.last_at = timestamp::format_millis(reading.at).unwrap_or_default();
                anomaly.readings = watch.run;
                anomaly.peak_score = watch.peak;
            }
        }
        // A run that ends before it is long enough was never an anomaly.
        None if !ongoing => {}
        None => {
            tracing::info!(
                site = %key.site,
                source = %key.source,
                metric = %key.metric,
                score = watch.peak,
                "anomaly"
            );
            recent.push_front(Anomaly {
                site: key.site.clone(),
                source: key.source.clone(),
                metric: key.metric.clone(),
                started_at,
                last_at: timestamp::format_millis(reading.at).unwrap_or_default(),
                ongoing: true,
                readings: watch.run,
                peak_score: watch.peak,
            });
            recent.truncate(KEPT);
        }
    }
}
