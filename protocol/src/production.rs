//! Production KPIs: what `GET /api/v1/production` answers and its event stream sends.
//!
//! Each site's key figures are computed from its telemetry over a window of recent wall-clock
//! time and compared with the window before it (the trend) and with a target. Each KPI carries
//! its formula in words, which the dashboard prints beside it.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::telemetry::{Anomaly, SiteKind};

/// What a KPI's number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KpiUnit {
    /// A share between 0 and 1, shown as a percentage.
    Ratio,
    /// Euros.
    Euros,
    /// Hours.
    Hours,
    /// Minutes.
    Minutes,
    /// A count of events.
    Count,
    /// A score from 1 (worst) to 5 (best).
    Score,
}

/// One key figure of a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Kpi {
    /// Stable key, for example `oee`.
    pub key: String,
    /// For people, for example `OEE`.
    pub name: String,
    /// Its value over the window; `None` when the window has no data for it.
    pub value: Option<f64>,
    /// Its value over the window before, for the trend.
    pub previous: Option<f64>,
    /// What the site aims for; `None` for a plain count such as deliveries.
    pub target: Option<f64>,
    /// What the number is.
    pub unit: KpiUnit,
    /// Whether a higher value is better (false for cost, time and downtime).
    pub higher_is_better: bool,
    /// How it is computed, in words and symbols.
    pub formula: String,
}

/// A site's KPIs under one policy (maintenance or dispatch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PolicyKpis {
    /// The policy's name, from the readings' `policy` tag.
    pub policy: String,
    /// Its KPIs.
    pub kpis: Vec<Kpi>,
}

/// One site's KPIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SiteKpis {
    /// The site's id.
    pub site: String,
    /// For people.
    pub name: String,
    /// What it is.
    pub kind: SiteKind,
    /// The KPIs per policy, side by side; empty while the site has sent nothing.
    pub policies: Vec<PolicyKpis>,
    /// The site's latest anomalies in sensor readings, ongoing ones first.
    pub anomalies: Vec<Anomaly>,
}

/// Every site's KPIs at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProductionSnapshot {
    /// When it was computed, RFC 3339 UTC.
    pub at: String,
    /// The window the values cover, wall-clock minutes before `at`.
    pub window_minutes: u32,
    /// The sites.
    pub sites: Vec<SiteKpis>,
}
