//! Anomaly detection on telemetry streams: a robust streaming baseline per series.
//!
//! Each series keeps an exponentially weighted level and mean absolute deviation, learned
//! only from readings that look normal, and scores every new reading by how many deviations
//! it lies from the level. A second check catches what a level cannot: a sensor that repeats
//! the same value while the series normally moves (a stuck sensor). Readings taken while the
//! source is idle are neither scored nor learned from, since a stopped machine cools and stills
//! for good reasons; after a restart the series settles for a few readings before scoring
//! resumes.
//!
//! The alert rule on top is "score above the threshold for N readings in a row", which turns
//! scores into episodes. The `evaluate` tests measure episodes against the simulators' labelled
//! faults: precision is the share of episodes that overlap a fault of their series, recall the
//! share of faults caught by at least one episode.

pub(crate) mod detector;
/// Scoring against labels is for measuring the detector, in tests.
#[cfg(test)]
pub(crate) mod evaluate;
pub(crate) mod monitor;
