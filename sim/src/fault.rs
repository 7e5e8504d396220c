//! Faults the simulators inject, and the labels that record them for scoring detectors.

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// A machine's temperature sensor reads ever higher than the truth.
    SensorDrift,
    /// A machine's vibration sensor repeats its last reading.
    StuckSensor,
    /// A machine really runs hot, which makes failure likelier.
    Overheating,
    /// A vehicle stops on the road, its engine overheated, until repaired.
    Breakdown,
}

impl FaultKind {
    /// Stable name, for labels and logs.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SensorDrift => "sensor_drift",
            Self::StuckSensor => "stuck_sensor",
            Self::Overheating => "overheating",
            Self::Breakdown => "breakdown",
        }
    }

    /// The code the `fault` metric reports while it lasts (0 is no fault).
    #[must_use]
    pub const fn code(self) -> f64 {
        match self {
            Self::SensorDrift => 1.0,
            Self::StuckSensor => 2.0,
            Self::Overheating => 3.0,
            Self::Breakdown => 4.0,
        }
    }

    /// The metric whose readings the fault disturbs.
    #[must_use]
    pub const fn metric(self) -> &'static str {
        match self {
            Self::SensorDrift | Self::Overheating => "temperature",
            Self::StuckSensor => "vibration",
            Self::Breakdown => "engine_temp",
        }
    }
}

/// A fault to start: which kind, on which source (its index), for how long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// Index of the machine or vehicle.
    pub target: usize,
    /// Simulated seconds it lasts (a breakdown lasts until repaired).
    pub seconds: f64,
}

/// A fault as it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultLabel {
    /// What went wrong.
    pub kind: FaultKind,
    /// The machine or vehicle id.
    pub source: String,
    /// The metric it disturbed.
    pub metric: &'static str,
    /// Simulated seconds at its start.
    pub start: f64,
    /// Simulated seconds at its end; `None` while it lasts.
    pub end: Option<f64>,
}

impl FaultLabel {
    /// Whether the fault was active at simulated second `at`.
    #[must_use]
    pub fn covers(&self, at: f64) -> bool {
        at >= self.start && self.end.is_none_or(|end| at <= end)
    }
}
