//! Telemetry: the points sites send to `POST /api/v1/telemetry`, and what the server answers.
//!
//! A point is one reading of one metric of one source (a machine, a vehicle) at one site, at
//! one instant. The simulated sites send exactly what a real site would.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Most points one batch may hold; a larger batch is refused whole with 413.
pub const MAX_BATCH_POINTS: usize = 10_000;
/// Longest site, source, metric, tag key or tag value, in bytes.
pub const MAX_NAME_BYTES: usize = 128;
/// Most tags one point may carry.
pub const MAX_TAGS: usize = 16;
/// How far ahead of the server's clock a timestamp may be, in seconds: clocks drift.
pub const MAX_FUTURE_SECONDS: i64 = 300;

/// One reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TelemetryPoint {
    /// A registered site's id, for example `manufacturing-line`.
    pub site: String,
    /// What reports: a machine or vehicle id.
    pub source: String,
    /// What is measured, for example `temperature`.
    pub metric: String,
    /// When: RFC 3339 text, or milliseconds since the Unix epoch.
    pub timestamp: PointTime,
    /// The reading; a finite number.
    pub value: f64,
    /// Free labels (`{"line": "A"}`); part of the series' identity.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// A point's time as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(untagged)]
pub enum PointTime {
    /// Milliseconds since the Unix epoch, UTC.
    Millis(i64),
    /// RFC 3339, for example `2026-12-04T10:00:00.250Z`.
    Text(String),
}

/// The answer to an accepted batch, sent once it is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IngestReceipt {
    /// Points stored (a point for a series and instant already stored replaces it).
    pub accepted: usize,
    /// Series the batch touched.
    pub series: usize,
}

/// What a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// A production line of machines: predictive maintenance.
    Manufacturing,
    /// Depots, vehicles and orders: dispatch.
    Logistics,
}

/// A registered site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Site {
    /// Stable id, used in points.
    pub id: String,
    /// For people.
    pub name: String,
    /// What it is.
    pub kind: SiteKind,
    /// Points stored for it (raw, within retention).
    pub points: u64,
    /// Distinct series (source, metric, tags).
    pub series: u64,
    /// RFC 3339, UTC, of its newest point.
    pub last_point_at: Option<String>,
}

/// A stretch of anomalous readings of one series, as the streaming detector saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Anomaly {
    /// The site's id.
    pub site: String,
    /// The machine or vehicle.
    pub source: String,
    /// The metric.
    pub metric: String,
    /// RFC 3339, UTC, of its first anomalous reading.
    pub started_at: String,
    /// RFC 3339, UTC, of its last anomalous reading so far.
    pub last_at: String,
    /// Whether the latest reading is still anomalous.
    pub ongoing: bool,
    /// Anomalous readings in a row.
    pub readings: u32,
    /// The highest score, in standard deviations from the series' baseline.
    pub peak_score: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_takes_either_kind_of_timestamp() {
        let text: TelemetryPoint = serde_json::from_str(
            r#"{"site":"s","source":"m1","metric":"t","timestamp":"2026-12-04T10:00:00Z","value":1.5}"#,
        )
        .unwrap();
        assert_eq!(
            text.timestamp,
            PointTime::Text("2026-12-04T10:00:00Z".into())
        );
        let millis: TelemetryPoint = serde_json::from_str(
            r#"{"site":"s","source":"m1","metric":"t","timestamp":1764842400000,"value":2,"tags":{"a":"b"}}"#,
        )
        .unwrap();
        assert_eq!(millis.timestamp, PointTime::Millis(1_764_842_400_000));
        assert_eq!(millis.tags["a"], "b");
    }

    #[test]
    fn unknown_fields_and_text_values_are_refused() {
        let extra = serde_json::from_str::<TelemetryPoint>(
            r#"{"site":"s","source":"m","metric":"t","timestamp":1,"value":1,"unit":"C"}"#,
        );
        assert!(extra.is_err());
        let nan = serde_json::from_str::<TelemetryPoint>(
            r#"{"site":"s","source":"m","metric":"t","timestamp":1,"value":"NaN"}"#,
        );
        assert!(nan.is_err());
    }
}
