//! Reading a telemetry batch: a JSON array or JSON Lines of points, each checked before any
//! is stored, so that a batch is refused whole with the first bad point named.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use lepton_protocol::telemetry::{
    MAX_BATCH_POINTS, MAX_FUTURE_SECONDS, MAX_NAME_BYTES, MAX_TAGS, PointTime, TelemetryPoint,
};
use serde_json::Value;

/// A series: one metric of one source at one site, with its tags.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SeriesKey {
    pub(crate) site: String,
    pub(crate) source: String,
    pub(crate) metric: String,
    /// Canonical JSON of the tags (sorted keys), `{}` for none.
    pub(crate) tags: String,
}

/// A checked point.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reading {
    pub(crate) series: SeriesKey,
    /// Milliseconds since the Unix epoch.
    pub(crate) at: i64,
    pub(crate) value: f64,
}

/// Why a batch was refused; nothing of it is stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum BatchError {
    /// The body is not JSON (nor JSON Lines) at all.
    #[error("the body is not a JSON array of points nor JSON Lines: {0}")]
    Malformed(String),
    /// No points.
    #[error("the batch holds no points")]
    Empty,
    /// More points than one batch may hold.
    #[error("the batch holds {points} points; send at most {MAX_BATCH_POINTS} per request")]
    TooLarge {
        /// How many it held (or the count at which reading stopped).
        points: usize,
    },
    /// One point is not of the point's shape or breaks a rule.
    #[error("point {index}: {reason}")]
    Invalid {
        /// Counted from 0, in the order sent.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// A point names a site that is not registered.
    #[error("point {index}: unknown site '{site}'; registered sites: {known}")]
    UnknownSite {
        /// Counted from 0.
        index: usize,
        /// The site named.
        site: String,
        /// The registered ones, comma-separated.
        known: String,
    },
}

/// The window a timestamp must fall in, in milliseconds since the epoch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    /// The oldest instant still kept raw.
    pub(crate) oldest: i64,
    /// The newest instant accepted: now plus the clock drift allowed.
    pub(crate) newest: i64,
}

impl Window {
    /// The window for `now` when raw points are kept `retention_days`.
    pub(crate) fn at(now: DateTime<Utc>, retention_days: u32) -> Self {
        let now = now.timestamp_millis();
        Self {
            oldest: now - i64::from(retention_days) * 86_400_000,
            newest: now + MAX_FUTURE_SECONDS * 1000,
        }
    }
}

/// Parses `body` (a JSON array, or one point per line) into points.
///
/// # Errors
///
/// [`BatchError`] naming the first point that does not parse.
pub(crate) fn parse(body: &[u8]) -> Result<Vec<TelemetryPoint>, BatchError> {
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    let points = match first {
        None => return Err(BatchError::Empty),
        Some(b'[') => parse_array(body)?,
        Some(_) => parse_lines(body)?,
    };
    if points.is_empty() {
        return Err(BatchError::Empty);
    }
    Ok(points)
}

fn parse_array(body: &[u8]) -> Result<Vec<TelemetryPoint>, BatchError> {
    if let Ok(points) = serde_json::from_slice::<Vec<TelemetryPoint>>(body) {
        if points.len() > MAX_BATCH_POINTS {
            return Err(BatchError::TooLarge {
                points: points.len(),
            });
        }
        return Ok(points);
    }

    // Read again loosely, to name the point that is wrong rather than a byte offset.
    let values: Vec<Value> =
        serde_json::from_slice(body).map_err(|error| BatchError::Malformed(error.to_string()))?;
    if values.len() > MAX_BATCH_POINTS {
        return Err(BatchError::TooLarge {
            points: values.len(),
        });
    }
    for (index, value) in values.into_iter().enumerate() {
        if let Err(error) = serde_json::from_value::<TelemetryPoint>(value) {
            return Err(BatchError::Invalid {
                index,
                reason: error.to_string(),
            });
        }
    }
    Err(BatchError::Malformed(
        "the array does not parse as points".to_owned(),
    ))
}

fn parse_lines(body: &[u8]) -> Result<Vec<TelemetryPoint>, BatchError> {
    let mut points = Vec::new();
    let lines = body
        .split(|&byte| byte == b'\n')
        .filter(|line| line.iter().any(|byte| !byte.is_ascii_whitespace()));
    for (index, line) in lines.enumerate() {
        if index == MAX_BATCH_POINTS {
            return Err(BatchError::TooLarge {
                points: MAX_BATCH_POINTS + 1,
            });
        }
        let point = serde_json::from_slice::<TelemetryPoint>(line).map_err(|error| {
            if error.is_data() {
                BatchError::Invalid {
                    index,
                    reason: error.to_string(),
                }
            } else {
                BatchError::Malformed(format!("line {}: {error}", index + 1))
            }
        })?;
        points.push(point);
    }
    Ok(points)
}

/// Checks every point against the registered `sites` and the time `window`.
///
/// # Errors
///
/// [`BatchError`] naming the first point that breaks a rule.
pub(crate) fn check(
    points: Vec<TelemetryPoint>,
    sites: &HashSet<String>,
    window: Window,
) -> Result<Vec<Reading>, BatchError> {
    points
        .into_iter()
        .enumerate()
        .map(|(index, point)| {
            let invalid = |reason: String| BatchError::Invalid { index, reason };
            if !sites.contains(&point.site) {
                let mut known: Vec<&str> = sites.iter().map(String::as_str).collect();
                known.sort_unstable();
                return Err(BatchError::UnknownSite {
                    index,
                    site: point.site,
                    known: known.join(", "),
                });
            }
            name("source", &point.source).map_err(invalid)?;
            name("metric", &point.metric).map_err(invalid)?;
            let tags = tags(&point.tags).map_err(invalid)?;
            let at = instant(&point.timestamp, window).map_err(invalid)?;
            if !point.value.is_finite() {
                return Err(invalid(format!(
                    "value {} is not a finite number",
                    point.value
                )));
            }

            Ok(Reading {
                series: SeriesKey {
                    site: point.site,
                    source: point.source,
                    metric: point.metric,
                    tags,
                },
                at,
                value: point.value,
            })
        })
        .collect()
}

/// Names: 1 to [`MAX_NAME_BYTES`] bytes of letters, digits and `_ - . : /`.
fn name(what: &str, text: &str) -> Result<(), String> {
    if text.is_empty() || text.len() > MAX_NAME_BYTES {
        return Err(format!("{what} must be 1 to {MAX_NAME_BYTES} bytes long"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-.:/".contains(c);
    if let Some(bad) = text.chars().find(|&c| !allowed(c)) {
        return Err(format!(
            "{what} '{text}' holds '{bad}'; use letters, digits and _ - . : /"
        ));
    }
    Ok(())
}

fn tags(tags: &BTreeMap<String, String>) -> Result<String, String> {
    if tags.len() > MAX_TAGS {
        return Err(format!("{} tags; at most {MAX_TAGS}", tags.len()));
    }
    for (key, value) in tags {
        name("tag key", key)?;
        if value.len() > MAX_NAME_BYTES {
            return Err(format!("tag '{key}' is longer than {MAX_NAME_BYTES} bytes"));
        }
    }
    // A BTreeMap serialises with its keys sorted: equal tags give equal text.
    serde_json::to_string(tags).map_err(|error| error.to_string())
}

fn instant(time: &PointTime, window: Window) -> Result<i64, String> {
    let at = match time {
        PointTime::Millis(millis) => *millis,
        PointTime::Text(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|error| format!("timestamp '{text}' is not RFC 3339 ({error})"))?
            .timestamp_millis(),
    };
    if at > window.newest {
        return Err(format!(
            "timestamp {} is more than {MAX_FUTURE_SECONDS} s ahead of the server's clock",
            show(at)
        ));
    }
    if at < window.oldest {
        return Err(format!(
            "timestamp {} is older than the raw retention window (from {})",
            show(at),
            show(window.oldest)
        ));
    }
    Ok(at)
}

fn show(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis)
        .map_or_else(|| format!("{millis} ms"), |time| time.to_rfc3339())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
    }

    fn sites() -> HashSet<String> {
        ["manufacturing-line", "logistics-fleet"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn point(timestamp: &str, value: &str) -> String {
        format!(
            r#"{{"site":"manufacturing-line","source":"m1","metric":"temperature","timestamp":{timestamp},"value":{value}}}"#
        )
    }

    fn checked(body: &str) -> Result<Vec<Reading>, BatchError> {
        check(parse(body.as_bytes())?, &sites(), Window::at(now(), 7))
    }

    #[test]
    fn arrays_and_lines_read_the_same() {
        let one = point("\"2026-12-04T11:59:00Z\"", "71.5");
        let two = point("1796385540000", "72");
        let array = checked(&format!("[{one},{two}]")).unwrap();
        let lines = checked(&format!("{one}\n\n{two}\n")).unwrap();
        assert_eq!(array, lines);
        assert_eq!(array[0].at, now().timestamp_millis() - 60_000);
        assert_eq!(array[0].series.tags, "{}");
    }

    #[test]
    fn tags_are_canonical() {
        let body = r#"{"site":"logistics-fleet","source":"v1","metric":"speed","timestamp":"2026-12-04T11:00:00Z","value":1,"tags":{"z":"1","a":"2"}}"#;
        let readings = checked(body).unwrap();
        assert_eq!(readings[0].series.tags, r#"{"a":"2","z":"1"}"#);
    }

    #[test]
    fn each_rule_names_the_point_that_breaks_it() {
        let good = point("\"2026-12-04T11:00:00Z\"", "1");
        let cases = [
            (
                point("\"2026-12-04T12:10:00Z\"", "1"),
                "ahead of the server's clock",
            ),
            (
                point("\"2026-11-20T12:00:00Z\"", "1"),
                "older than the raw retention",
            ),
            (point("\"yesterday\"", "1"), "not RFC 3339"),
            (point("1", "\"NaN\""), "point 1:"),
            (
                good.replace("manufacturing-line", "moon-base"),
                "unknown site 'moon-base'",
            ),
            (good.replace("\"m1\"", "\"m 1\""), "source 'm 1' holds ' '"),
            (
                good.replace("\"value\"", "\"unit\":\"C\",\"value\""),
                "unknown field",
            ),
        ];
        for (bad, expected) in cases {
            let error = checked(&format!("[{good},{bad}]")).unwrap_err();
            let message = error.to_string();
            assert!(message.starts_with("point 1"), "{message}");
            assert!(message.contains(expected), "{message} lacks {expected}");
        }
    }

    #[test]
    fn empty_malformed_and_oversized_batches_are_refused() {
        assert_eq!(parse(b"  \n").unwrap_err(), BatchError::Empty);
        assert_eq!(parse(b"[]").unwrap_err(), BatchError::Empty);
        assert!(matches!(
            parse(b"[{\"site\":").unwrap_err(),
            BatchError::Malformed(_)
        ));
        assert!(matches!(
            parse(b"{\"site\": ").unwrap_err(),
            BatchError::Malformed(_)
        ));
        let good = point("\"2026-12-04T11:00:00Z\"", "1");
        let many = vec![good.as_str(); MAX_BATCH_POINTS + 1];
        assert!(matches!(
            parse(format!("[{}]", many.join(",")).as_bytes()).unwrap_err(),
            BatchError::TooLarge { points } if points == MAX_BATCH_POINTS + 1
        ));
        assert!(matches!(
            parse(many.join("\n").as_bytes()).unwrap_err(),
            BatchError::TooLarge { .. }
        ));
    }
}
