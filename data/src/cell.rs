//! What one cell holds: nothing, a number, a boolean, a date-time or text, decided from its
//! text alone, without allocating.
//!
//! The same rules apply to CSV cells and to JSON Lines values (whose numbers and booleans are
//! read as written), so a column profiles the same whichever format it arrived in. Cells are
//! classified with surrounding spaces and tabs ignored; they are stored and counted as written.

/// Texts that stand for a missing value, besides an empty or blank cell. `NaN` is not one of
/// them: in a numeric column it is refused, so that nobody mistakes it for a number.
pub(crate) const MISSING_MARKERS: [&str; 7] = ["NA", "N/A", "n/a", "null", "NULL", "Null", "None"];

/// Whether a cell's text stands for a missing value: empty, blank, or one of
/// [`MISSING_MARKERS`]. Preparation uses it so that a recipe sees the same gaps as the profile.
pub fn is_missing(text: &str) -> bool {
    let text = text.trim_ascii();
    text.is_empty() || MISSING_MARKERS.contains(&text)
}

/// Values shown in a profile and cells kept in the row sample are cut to this many bytes.
pub(crate) const VALUE_BYTES: usize = 128;

/// Powers of ten that a double holds exactly, for the fast decimal path.
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// What a cell holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell {
    /// No value: see [`MISSING_MARKERS`].
    Missing,
    /// A whole number written as an optional sign and digits.
    Integer(f64),
    /// Any other finite number.
    Number(f64),
    /// `NaN`, `inf`, `infinity` (any case, any sign), or a number beyond a double's range.
    NonFinite,
    /// `true`, `false`, `yes` or `no`, in any letter case.
    Boolean(bool),
    /// An ISO 8601 date or date-time.
    Datetime(Instant),
    /// Anything else.
    Text,
}

/// A point in time from a datetime cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Instant {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub(crate) millis: i64,
    /// Written as a date without a time.
    pub(crate) date_only: bool,
}

/// Classifies a cell; `None` is a JSON `null` or absent key.
#[inline]
pub(crate) fn classify(raw: Option<&str>) -> Cell {
    let Some(raw) = raw else {
        return Cell::Missing;
    };
    let text = raw.trim_ascii();
    let Some(&first) = text.as_bytes().first() else {
        return Cell::Missing;
    };

    // One table lookup decides the path: a match on the byte would branch apart for `-`
    // and for digits, which in a column of signed numbers is a coin toss per cell.
    match FIRST_BYTES[usize::from(first)] {
        NUMERIC_START => classify_numeric(text),
        N_START => {
            if MISSING_MARKERS.contains(&text) {
                Cell::Missing
            } else if text.eq_ignore_ascii_case("no") {
                Cell::Boolean(false)
            } else {
                non_finite_or_text(text)
            }
        }
        I_START => non_finite_or_text(text),
        BOOLEAN_START => classify_boolean(text),
        _ => Cell::Text,
    }
}

/// Classes of a cell's first byte.
const TEXT_START: u8 = 0;
const NUMERIC_START: u8 = 1;
const N_START: u8 = 2;
const I_START: u8 = 3;
const BOOLEAN_START: u8 = 4;

/// The class of each possible first byte.
const FIRST_BYTES: [u8; 256] = {
    let mut classes = [TEXT_START; 256];
    let mut byte = b'0';
    while byte <= b'9' {
        classes[byte as usize] = NUMERIC_START;
        byte += 1;
    }
    classes[b'-' as usize] = NUMERIC_START;
    classes[b'+' as usize] = NUMERIC_START;
    classes[b'.' as usize] = NUMERIC_START;
    classes[b'N' as usize] = N_START;
    classes[b'n' as usize] = N_START;
    classes[b'I' as usize] = I_START;
    classes[b'i' as usize] = I_START;
    let booleans = *b"TtFfYy";
    let mut at = 0;
    while at < booleans.len() {
        classes[booleans[at] as usize] = BOOLEAN_START;
        at += 1;
    }
    classes
};

/// Whether a cell is a finite number as written, for export's formula check.
pub(crate) fn is_plain_number(text: &str) -> bool {
    matches!(classify(Some(text)), Cell::Integer(_) | Cell::Number(_))
}

/// The longest start of `text` of at most `max` bytes that ends on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn classify_numeric(text: &str) -> Cell {
    let bytes = text.as_bytes();
    // Signs are as likely as not in real columns, so they are applied without a branch.
    let negative = bytes[0] == b'-';
    let unsigned = &bytes[usize::from(negative | (bytes[0] == b'+'))..];
    let sign = u64::from(negative) << 63;
    let signed = |value: f64| f64::from_bits(value.to_bits() ^ sign);

    // One pass over the digits, then the fraction's: the mantissa wraps past 19 digits, but
    // it is only used when there are at most 18.
    let mut mantissa = 0u64;
    let whole_end = push_digits(unsigned, 0, &mut mantissa);
    if whole_end == unsigned.len() && whole_end > 0 {
        if whole_end <= 18 {
            return Cell::Integer(signed(mantissa as i64 as f64));
        }
        return match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Cell::Integer(value),
            Ok(_) => Cell::NonFinite,
            Err(_) => Cell::Text,
        };
    }

    // Digits with one decimal point and at most 15 digits in all: the mantissa and the power
    // of ten are then exact doubles, so one division rounds correctly (Clinger's fast path,
    // "How to read floating point numbers accurately", PLDI 1990) and equals `str::parse`.
    if unsigned.get(whole_end) == Some(&b'.') {
        let end = push_digits(unsigned, whole_end + 1, &mut mantissa);
        let fraction_digits = end - whole_end - 1;
        let digits = whole_end + fraction_digits;
        if end == unsigned.len() && digits > 0 && digits <= 15 {
            let value = mantissa as i64 as f64 / POWERS_OF_TEN[fraction_digits];
            return Cell::Number(signed(value));
        }
    }

    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Cell::Number(value),
        Ok(_) => Cell::NonFinite,
        Err(_) => match parse_datetime(text) {
            Some(instant) => Cell::Datetime(instant),
            None => Cell::Text,
        },
    }
}

/// Adds the decimal digits of `bytes` from `start` on to `mantissa`; returns where they end.
#[inline(always)]
fn push_digits(bytes: &[u8], start: usize, mantissa: &mut u64) -> usize {
    let mut at = start;
    while let Some(&byte) = bytes.get(at) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(digit));
        at += 1;
    }
    at
}

fn non_finite_or_text(text: &str) -> Cell {
    // Only `nan`, `inf` and `infinity` parse when the first byte is a letter: none is longer
    // than eight bytes, so longer words need no parse.
    if text.len() <= 8 && text.parse::<f64>().is_ok() {
        Cell::NonFinite
    } else {
        Cell::Text
    }
}

fn classify_boolean(text: &str) -> Cell {
    if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("yes") {
        Cell::Boolean(true)
    } else if text.eq_ignore_ascii_case("false") {
        Cell::Boolean(false)
    } else {
        Cell::Text
    }
}

/// Reads `YYYY-MM-DD`, optionally followed by `T` (or `t`, or a space) and `HH:MM`, then
/// optionally `:SS` and a fraction, then optionally `Z` or an offset `±HH:MM`; a date-time
/// without an offset is read as UTC. Written out by hand: chrono's format-string parser costs
/// more than the rest of a cell's profiling.
fn parse_datetime(text: &str) -> Option<Instant> {
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = number(&bytes[0..4])?;
    let month = number(&bytes[5..7])?;
    let day = number(&bytes[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let midnight = days_from_civil(year, month, day) * MILLIS_PER_DAY;
    if bytes.len() == 10 {
        return Some(Instant {
            millis: midnight,
            date_only: true,
        });
    }

    let (time, rest) = parse_time(&bytes[10..])?;
    let offset = match rest {
        [] | [b'Z' | b'z'] => 0,
        [
            sign @ (b'+' | b'-'),
            hours_high,
            hours_low,
            b':',
            minutes_high,
            minutes_low,
        ] => {
            let hours = number(&[*hours_high, *hours_low])?;
            let minutes = number(&[*minutes_high, *minutes_low])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = (hours * 60 + minutes) * 60_000;
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    Some(Instant {
        millis: midnight + time - offset,
        date_only: false,
    })
}

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Reads `THH:MM[:SS[.fraction]]` into milliseconds since midnight; returns what follows.
fn parse_time(bytes: &[u8]) -> Option<(i64, &[u8])> {
    let [
        b'T' | b't' | b' ',
        hour_high,
        hour_low,
        b':',
        minute_high,
        minute_low,
        rest @ ..,
    ] = bytes
    else {
        return None;
    };
    let hour = number(&[*hour_high, *hour_low])?;
    let minute = number(&[*minute_high, *minute_low])?;
    if hour > 23 || minute > 59 {
        return None;
    }
    let mut millis = (hour * 60 + minute) * 60_000;

    let rest = match rest {
        [b':', second_high, second_low, rest @ ..] => {
            let second = number(&[*second_high, *second_low])?;
            if second > 59 {
                return None;
            }
            millis += second * 1000;
            match rest {
                [b'.', fraction @ ..] => {
                    let digits = fraction
                        .iter()
                        .take_while(|byte| byte.is_ascii_digit())
                        .count();
                    if digits == 0 || digits > 9 {
                        return None;
                    }
                    // Milliseconds: the first three digits, padded with zeros.
                    let mut thousandths = 0;
                    for place in 0..3 {
                        let digit = fraction.get(place).filter(|_| place < digits);
                        thousandths =
                            thousandths * 10 + digit.map_or(0, |digit| i64::from(digit - b'0'));
                    }
                    millis += thousandths;
                    &fraction[digits..]
                }
                _ => rest,
            }
        }
        _ => rest,
    };
    Some((millis, rest))
}

/// The value of a short run of ASCII digits; none if any byte is not one.
fn number(digits: &[u8]) -> Option<i64> {
    digits.iter().try_fold(0i64, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + i64::from(byte - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar, by Howard Hinnant's
/// `days_from_civil` ("chrono-Compatible Low-Level Date Algorithms"): years counted from
/// March, so that the leap day ends the year, in eras of 400 years.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn missing_values_are_blank_cells_and_the_usual_markers() {
        for text in [
            "", "  ", "\t", "NA", "N/A", "n/a", "null", "NULL", "Null", "None",
        ] {
            assert_eq!(classify(Some(text)), Cell::Missing, "{text:?}");
        }
        assert_eq!(classify(None), Cell::Missing);
        assert_eq!(classify(Some("nA")), Cell::Text);
        assert_eq!(classify(Some("Namibia")), Cell::Text);
    }

    #[test]
    fn numbers_are_integers_only_without_point_or_exponent() {
        assert_eq!(classify(Some("42")), Cell::Integer(42.0));
        assert_eq!(classify(Some(" -7 ")), Cell::Integer(-7.0));
        assert_eq!(classify(Some("+3")), Cell::Integer(3.0));
        assert_eq!(classify(Some("1.50")), Cell::Number(1.5));
        assert_eq!(classify(Some("-.5")), Cell::Number(-0.5));
        assert_eq!(classify(Some("1e3")), Cell::Number(1000.0));
        assert_eq!(
            classify(Some("12345678901234567890")),
            Cell::Integer(1.2345678901234567e19)
        );
        for text in ["-", "+", ".", "1.2.3", "1,5", "0x10", "1_000", "5 apples"] {
            assert_eq!(classify(Some(text)), Cell::Text, "{text:?}");
        }
    }

    #[test]
    fn long_numbers_equal_str_parse() {
        let numbers = [
            "12345678.",
            ".1234567",
            "1234567.8",
            "0000000000000001",
            "-12345678",
            "1234567890123456",
            "99999999.9999999",
            "241.564879",
            "-0.000001",
            "123456789.1234567",
        ];
        for text in numbers {
            let expected: f64 = text.parse().unwrap();
            let value = match classify(Some(text)) {
                Cell::Integer(value) | Cell::Number(value) => value,
                other => panic!("{text} classified as {other:?}"),
            };
            assert_eq!(value.to_bits(), expected.to_bits(), "{text}");
        }
        assert_eq!(
            classify(Some("1234567890123456")),
            Cell::Integer(1234567890123456.0)
        );
        for text in ["1234.567.8", "12345678a", "1234 5678", "12345678-"] {
            assert_eq!(classify(Some(text)), Cell::Text, "{text}");
        }
    }

    #[test]
    fn nan_infinity_and_overflow_are_non_finite() {
        for text in ["NaN", "nan", "inf", "-inf", "+Infinity", "1e309", "-1e400"] {
            assert_eq!(classify(Some(text)), Cell::NonFinite, "{text:?}");
        }
        let huge = format!("1{}", "0".repeat(400));
        assert_eq!(classify(Some(&huge)), Cell::NonFinite);
    }

    #[test]
    fn booleans_are_true_false_yes_no_in_any_case() {
        assert_eq!(classify(Some("TRUE")), Cell::Boolean(true));
        assert_eq!(classify(Some("yes")), Cell::Boolean(true));
        assert_eq!(classify(Some("False")), Cell::Boolean(false));
        assert_eq!(classify(Some("NO")), Cell::Boolean(false));
        assert_eq!(classify(Some("t")), Cell::Text);
    }

    #[test]
    fn iso_dates_and_date_times_are_datetimes() {
        let date = classify(Some("2024-02-29"));
        assert_eq!(
            date,
            Cell::Datetime(Instant {
                millis: 1_709_164_800_000,
                date_only: true
            })
        );

        let same_instant = [
            "2024-02-29T12:30:00Z",
            "2024-02-29T14:30:00+02:00",
            "2024-02-29 12:30:00",
            "2024-02-29T12:30",
        ];
        for text in same_instant {
            let Cell::Datetime(instant) = classify(Some(text)) else {
                panic!("{text} is not a datetime");
            };
            assert_eq!(instant.millis, 1_709_209_800_000, "{text}");
            assert!(!instant.date_only);
        }

        for text in [
            "2023-02-29",
            "2024-13-01",
            "2024-04-31",
            "2024-01-01T24:00",
            "2024-01-01T12:60",
            "2024-01-01T12:00:00.",
            "2024-01-01T12:00+25:00",
            "2024-01-01 12:00:00 UTC",
            "2024-1-01",
        ] {
            assert_eq!(classify(Some(text)), Cell::Text, "{text}");
        }
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("abc", 10), "abc");
    }

    proptest! {
        #[test]
        fn dates_and_times_agree_with_chrono(
            days in -719_000i64..2_900_000,
            millis in 0i64..86_400_000,
            offset_minutes in -1439i64..1440,
            layout in 0usize..4,
        ) {
            use chrono::{DateTime, FixedOffset, SecondsFormat};
            const DAY: i64 = 86_400_000;

            let instant = DateTime::from_timestamp_millis(days * 86_400_000 + millis).unwrap();
            let zone = FixedOffset::east_opt(offset_minutes as i32 * 60).unwrap();
            let local = instant.with_timezone(&zone);
            // The local wall-clock time, read as UTC, is what a date-time without an offset
            // means.
            let wall = local.naive_local().and_utc().timestamp_millis();
            let (text, expected) = match layout {
                0 => (local.format("%Y-%m-%d").to_string(), wall.div_euclid(DAY) * DAY),
                1 => (
                    local.to_rfc3339_opts(SecondsFormat::Millis, true),
                    instant.timestamp_millis(),
                ),
                2 => (
                    local.format("%Y-%m-%d %H:%M:%S").to_string(),
                    wall.div_euclid(1000) * 1000,
                ),
                _ => (
                    local.format("%Y-%m-%dT%H:%M").to_string(),
                    wall.div_euclid(60_000) * 60_000,
                ),
            };
            prop_assume!(text.len() >= 10 && text.as_bytes()[0].is_ascii_digit());

            let Cell::Datetime(parsed) = classify(Some(&text)) else {
                panic!("{text} is not a datetime");
            };
            prop_assert_eq!(parsed.millis, expected, "{}", text);
            prop_assert_eq!(parsed.date_only, layout == 0);
        }

        #[test]
        fn the_fast_number_paths_agree_with_str_parse(
            negative in any::<bool>(),
            whole in "[0-9]{1,17}",
            fraction in proptest::option::of("[0-9]{0,12}"),
        ) {
            let sign = if negative { "-" } else { "" };
            let text = match &fraction {
                Some(fraction) => format!("{sign}{whole}.{fraction}"),
                None => format!("{sign}{whole}"),
            };
            let expected: f64 = text.parse().unwrap();
            let value = match classify(Some(&text)) {
                Cell::Integer(value) | Cell::Number(value) => value,
                other => panic!("{text} classified as {other:?}"),
            };
            prop_assert_eq!(value.to_bits(), expected.to_bits(), "{}", text);
        }
    }
}
