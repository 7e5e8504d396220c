//! Numbers as people read them on the dashboard: sizes, rates, durations and counts.

/// A byte count in B, KB, MB or GB (powers of 1000, as file managers show them).
pub(crate) fn bytes(count: f64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if count < 1000.0 {
        return format!("{count:.0} B");
    }

    let mut value = count / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    let digits = if value < 10.0 { 1 } else { 0 };
    format!("{value:.digits$} {}", UNITS[unit])
}

/// Seconds as `42 s`, `3 min 5 s` or `2 h 10 min`.
pub(crate) fn duration(seconds: f64) -> String {
    let seconds = seconds.max(0.0).round() as u64;
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// An integer with thin spaces between groups of three digits: `1 234 567`.
pub(crate) fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('\u{2009}');
        }
        grouped.push(digit);
    }
    grouped
}

/// A number with up to `digits` decimals and no trailing zeros: `3.5`, `12`, `0.001`.
pub(crate) fn number(value: f64, digits: usize) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    let text = format!("{value:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// The date and minute of an RFC 3339 time: `2026-12-04 09:15`.
pub(crate) fn minute(time: &str) -> String {
    time.get(..16).unwrap_or(time).replace('T', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_decimal_units() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1_500.0), "1.5 KB");
        assert_eq!(bytes(45_600_000.0), "46 MB");
        assert_eq!(bytes(2.0e9), "2.0 GB");
    }

    #[test]
    fn durations_and_counts_read_naturally() {
        assert_eq!(duration(42.4), "42 s");
        assert_eq!(duration(185.0), "3 min 5 s");
        assert_eq!(duration(7800.0), "2 h 10 min");
        assert_eq!(count(1_234_567), "1\u{2009}234\u{2009}567");
        assert_eq!(count(999), "999");
        assert_eq!(number(3.50, 3), "3.5");
        assert_eq!(number(12.0, 2), "12");
        assert_eq!(minute("2026-12-04T09:15:30.123Z"), "2026-12-04 09:15");
    }
}
