//! Timestamps as stored in the database and sent in the API: RFC 3339 in UTC with
//! milliseconds and a `Z`, one fixed width, so that comparing the text compares the times.

use chrono::{DateTime, SecondsFormat, Utc};

/// Formats `time` the one way Lepton stores times.
pub(crate) fn format(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Formats milliseconds since the Unix epoch; `None` outside chrono's range.
pub(crate) fn format_millis(millis: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp_millis(millis).map(format)
}

/// Reads a stored time; `None` for text that is not RFC 3339.
pub(crate) fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

/// Whether the stored time `text` lies less than `within` in the past; `false` for none.
pub(crate) fn is_recent(text: Option<&str>, within: chrono::Duration) -> bool {
    text.and_then(parse)
        .is_some_and(|time| Utc::now() - time < within)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_times_sort_as_text() {
        let earlier = Utc::now();
        let later = earlier + chrono::Duration::milliseconds(1500);

        assert!(format(earlier) < format(later));
        assert_eq!(format(earlier).len(), "2026-12-03T10:00:00.000Z".len());
        assert_eq!(parse(&format(later)).map(format), Some(format(later)));
    }

    #[test]
    fn recent_means_within_the_interval() {
        let minute = chrono::Duration::minutes(1);
        let now = format(Utc::now());
        let old = format(Utc::now() - chrono::Duration::hours(1));

        assert!(is_recent(Some(&now), minute));
        assert!(!is_recent(Some(&old), minute));
        assert!(!is_recent(None, minute));
    }
}
