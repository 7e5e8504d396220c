//! Simulators of Lepton's two case-study sites, a manufacturing line and a logistics fleet.
//!
//! A new installation has no factory attached, yet its Production pages should show live
//! figures. These simulators stand in for real sites: each [`Site`] advances in fixed steps of
//! simulated time and reports what its sensors read, exactly the readings a real site would
//! send to the ingest API. They are pure and deterministic: the same seed and settings give
//! the same readings, whatever the wall clock does, so tests and benchmarks can replay a run.
//! Faults (sensor drift, a stuck sensor, overheating, a vehicle breakdown) can be injected or
//! arise at random, and every one is labelled, so anomaly detectors can be scored.

pub mod fault;
pub mod logistics;
pub mod manufacturing;
pub mod rng;

pub use fault::{Fault, FaultKind, FaultLabel};

/// One reading of one metric of one source, at the end of a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// A machine or vehicle id, or a site-wide source such as `network`.
    pub source: String,
    /// What is measured.
    pub metric: &'static str,
    /// The reading.
    pub value: f64,
}

/// What one step of a simulation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Simulated seconds since the start, at the end of the step.
    pub clock: f64,
    /// The readings of the step.
    pub samples: Vec<Sample>,
}

impl Step {
    /// The reading of `metric` from `source` in this step, if it sent one.
    #[must_use]
    pub fn reading(&self, source: &str, metric: &str) -> Option<f64> {
        self.samples
            .iter()
            .find(|sample| sample.source == source && sample.metric == metric)
            .map(|sample| sample.value)
    }

    /// Every reading of `metric` in this step, whatever its source.
    pub fn values<'a>(&'a self, metric: &'a str) -> impl Iterator<Item = f64> + 'a {
        self.samples
            .iter()
            .filter(move |sample| sample.metric == metric)
            .map(|sample| sample.value)
    }
}

/// A simulated site.
pub trait Site {
    /// Advances one step of simulated time and returns its readings.
    fn step(&mut self) -> Step;

    /// Simulated seconds one step covers.
    fn step_seconds(&self) -> f64;

    /// The name of the policy running the site, attached to its readings.
    fn policy(&self) -> &str;

    /// Starts a fault now (it is labelled).
    fn inject(&mut self, fault: Fault);

    /// Every fault so far, injected or random, with when it started and ended.
    fn labels(&self) -> &[FaultLabel];
}

/// Pushes one reading onto a step's list.
fn sample(samples: &mut Vec<Sample>, source: &str, metric: &'static str, value: f64) {
    samples.push(Sample {
        source: source.to_owned(),
        metric,
        value,
    });
}
