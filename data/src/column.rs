//! The streaming profile of one column: each cell passes through [`ColumnStats::observe`]
//! once, and [`ColumnStats::finish`] turns the summaries into a [`ColumnProfile`].
//!
//! The kind of a column is only known at the end (a million numbers and then one word make a
//! text column), so every summary is kept for every column, each in bounded memory: at most
//! 4096 numbers, 1024 hashes or 4 KiB of registers, 256 counters with values of up to 128
//! bytes, and 256 numbers waiting to be summarised as a batch. Only numbers beyond 256
//! different ones skip the frequent-value counters, since a column of so many different
//! numbers never shows its top values.

use chrono::{DateTime, SecondsFormat, Utc};
use lepton_protocol::profile::{
    ColumnKind, ColumnProfile, DatetimeRange, Histogram as HistogramProfile, NumericSummary,
    Quantiles,
};

use crate::cell::{Cell, Instant, classify};
use crate::error::{DataError, quoted};
use crate::sketch::distinct::Distinct;
use crate::sketch::histogram::Histogram;
use crate::sketch::moments::Moments;
use crate::sketch::reservoir::{Reservoir, quantile};
use crate::sketch::top_values::{SHOWN, TRACKED, TopValues};

/// Text columns with at most this many distinct values (and at most one per two cells) are
/// categorical.
const CATEGORICAL_MAX_DISTINCT: u64 = 100;
/// Columns shorter than this are never called ID-like: a few distinct values prove nothing.
const ID_LIKE_MIN_COUNT: u64 = 20;
/// An estimated distinct count this close to the row count counts as "all distinct".
const ID_LIKE_ESTIMATED_SHARE: f64 = 0.97;
/// Numbers gathered before the moments, reservoir and histogram take them in, a batch at a
/// time: tight loops over one summary instead of every summary for every cell.
const BATCH: usize = 256;
/// Seeds the reservoirs, so that a file always profiles the same way.
const SEED: u64 = 0x4C45_5054_4F4E_5345;

/// Summaries of one column so far.
#[derive(Debug, Clone)]
pub(crate) struct ColumnStats {
    index: usize,
    name: String,
    count: u64,
    missing: u64,
    integers: u64,
    decimals: u64,
    booleans: u64,
    datetimes: u64,
    non_finite: u64,
    first_non_finite: Option<(u64, String)>,
    pending: Vec<f64>,
    moments: Moments,
    reservoir: Reservoir,
    histogram: Histogram,
    distinct: Distinct,
    top: TopValues,
    /// Whether some values went uncounted by `top`.
    top_skipped: bool,
    earliest: Option<Instant>,
    latest: Option<Instant>,
    dates_only: bool,
}

impl ColumnStats {
    /// Summaries of column `index` (from 0), which was absent from the first
    /// `missing_before` rows (JSON Lines columns appear when their key first does).
    pub(crate) fn new(index: usize, name: &str, missing_before: u64) -> Self {
        Self {
            index,
            name: name.to_owned(),
            count: 0,
            missing: missing_before,
            integers: 0,
            decimals: 0,
            booleans: 0,
            datetimes: 0,
            non_finite: 0,
            first_non_finite: None,
            pending: Vec::new(),
            moments: Moments::new(),
            reservoir: Reservoir::new(SEED.wrapping_add(index as u64)),
            histogram: Histogram::new(),
            distinct: Distinct::default(),
            top: TopValues::default(),
            top_skipped: false,
            earliest: None,
            latest: None,
            dates_only: true,
        }
    }

    /// Adds a cell from line `line`; `hash` is the hash of its bytes (any value when the
    /// cell is missing).
    #[inline]
    pub(crate) fn observe(&mut self, raw: Option<&str>, hash: u64, line: u64) {
        let numeric = match classify(raw) {
            Cell::Missing => {
                self.missing += 1;
                return;
            }
            Cell::Integer(value) => {
                self.integers += 1;
                self.push_number(value);
                true
            }
            Cell::Number(value) => {
                self.decimals += 1;
                self.push_number(value);
                true
            }
            Cell::NonFinite => {
                self.non_finite += 1;
                if self.first_non_finite.is_none() {
                    let text = raw.unwrap_or_default().trim_ascii();
                    self.first_non_finite = Some((line, quoted(text)));
                }
                false
            }
            Cell::Boolean(_) => {
                self.booleans += 1;
                false
            }
            Cell::Datetime(instant) => {
                self.datetimes += 1;
                self.push_instant(instant);
                false
            }
            Cell::Text => false,
        };

        self.count += 1;
        self.distinct.insert(hash);
        // A column of more different numbers than there are counters never shows its top
        // values; counting them would only churn the counters.
        let counted = !numeric
            || self
                .distinct
                .exact_count()
                .is_some_and(|count| count <= TRACKED);
        match raw {
            Some(text) if counted => self.top.push(hash, text),
            _ => self.top_skipped = true,
        }
    }

    /// The refusal of a column of numbers that also holds `NaN`, infinities or overflowing
    /// numbers: in a column of words they are words, here they are mistakes.
    pub(crate) fn non_finite_error(&self) -> Option<DataError> {
        let numbers = self.integers + self.decimals;
        if numbers == 0 || numbers + self.non_finite != self.count {
            return None;
        }
        let (line, value) = self.first_non_finite.clone()?;
        Some(DataError::NonFiniteNumber {
            line,
            column: self.index + 1,
            name: quoted(&self.name),
            value,
        })
    }

    /// The column's profile.
    pub(crate) fn finish(&mut self) -> ColumnProfile {
        self.flush();
        let kind = self.kind();
        let distinct = self.distinct.count().min(self.count);
        let distinct_exact = self.distinct.is_exact();

        let numeric = matches!(kind, ColumnKind::Numeric | ColumnKind::Integer)
            .then(|| self.numeric_summary(kind == ColumnKind::Integer));
        let datetime = if kind == ColumnKind::Datetime {
            self.datetime_range()
        } else {
            None
        };
        let shows_top_values = match kind {
            ColumnKind::Boolean | ColumnKind::Categorical | ColumnKind::Text => true,
            ColumnKind::Integer => distinct_exact && distinct <= TRACKED as u64,
            ColumnKind::Numeric | ColumnKind::Datetime => false,
        };
        let (top_values, top_values_exact) = if shows_top_values {
            (
                self.top.top(SHOWN),
                self.top.is_exact() && !self.top_skipped,
            )
        } else {
            (Vec::new(), true)
        };

        let all_distinct = if distinct_exact {
            distinct == self.count
        } else {
            distinct as f64 >= ID_LIKE_ESTIMATED_SHARE * self.count as f64
        };
        let id_like = self.count >= ID_LIKE_MIN_COUNT
            && matches!(kind, ColumnKind::Integer | ColumnKind::Text)
            && all_distinct;

        ColumnProfile {
            name: self.name.clone(),
            kind,
            count: self.count,
            missing: self.missing,
            distinct,
            distinct_exact,
            numeric,
            datetime,
            top_values,
            top_values_exact,
            constant: self.count > 0 && distinct == 1 && distinct_exact,
            id_like,
        }
    }

    /// The kind the cells seen so far add up to.
    fn kind(&self) -> ColumnKind {
        let numbers = self.integers + self.decimals;
        let distinct = self.distinct.count();

        if self.count == 0 {
            ColumnKind::Text
        } else if numbers > 0 && numbers + self.non_finite == self.count {
            if self.decimals > 0 {
                ColumnKind::Numeric
            } else {
                ColumnKind::Integer
            }
        } else if self.booleans == self.count {
            ColumnKind::Boolean
        } else if self.datetimes == self.count {
            ColumnKind::Datetime
        } else if self.distinct.is_exact()
            && distinct <= CATEGORICAL_MAX_DISTINCT
            && 2 * distinct <= self.count
        {
            ColumnKind::Categorical
        } else {
            ColumnKind::Text
        }
    }

    #[inline]
    fn push_number(&mut self, value: f64) {
        if self.pending.capacity() == 0 {
            self.pending.reserve_exact(BATCH);
        }
        self.pending.push(value);
        if self.pending.len() == BATCH {
            self.flush();
        }
    }

    /// Hands the gathered numbers to the summaries.
    fn flush(&mut self) {
        self.moments.extend(&self.pending);
        self.reservoir.extend(&self.pending);
        self.histogram.extend(&self.pending);
        self.pending.clear();
    }

    fn push_instant(&mut self, instant: Instant) {
        self.dates_only &= instant.date_only;
        if self
            .earliest
            .is_none_or(|earliest| instant.millis < earliest.millis)
        {
            self.earliest = Some(instant);
        }
        if self
            .latest
            .is_none_or(|latest| instant.millis > latest.millis)
        {
            self.latest = Some(instant);
        }
    }

    fn numeric_summary(&self, whole: bool) -> NumericSummary {
        let sorted = self.reservoir.sorted();
        let exact = self.reservoir.is_exact();
        let at = |p: f64| finite(quantile(&sorted, p));
        let quantiles = Quantiles {
            // The extremes are always known exactly, sampled or not.
            p0: finite(self.moments.min()),
            p5: at(0.05),
            p25: at(0.25),
            p50: at(0.5),
            p75: at(0.75),
            p95: at(0.95),
            p100: finite(self.moments.max()),
        };

        let spread = quantiles.p75 - quantiles.p25;
        let lower_fence = finite(quantiles.p25 - 1.5 * spread);
        let upper_fence = finite(quantiles.p75 + 1.5 * spread);
        let outside = sorted
            .iter()
            .filter(|&&value| value < lower_fence || value > upper_fence)
            .count();
        let outliers = if exact || sorted.is_empty() {
            outside as u64
        } else {
            (outside as f64 / sorted.len() as f64 * self.moments.count() as f64).round() as u64
        };

        NumericSummary {
            min: quantiles.p0,
            max: quantiles.p100,
            mean: finite(self.moments.mean()),
            std_dev: finite(self.moments.std_dev()),
            quantiles,
            quantiles_exact: exact,
            histogram: HistogramProfile {
                bins: self.histogram.bins(whole),
                exact: true,
            },
            outliers,
            outliers_exact: exact,
            lower_fence,
            upper_fence,
        }
    }

    fn datetime_range(&self) -> Option<DatetimeRange> {
        let (earliest, latest) = (self.earliest?, self.latest?);
        Some(DatetimeRange {
            min: format_instant(earliest.millis, self.dates_only),
            max: format_instant(latest.millis, self.dates_only),
        })
    }
}

/// Keeps figures serialisable: JSON has no NaN or infinity. Only numbers near ±1.8e308 can
/// overflow the arithmetic; they saturate.
fn finite(value: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(-f64::MAX, f64::MAX)
    }
}

fn format_instant(millis: i64, date_only: bool) -> String {
    match DateTime::<Utc>::from_timestamp_millis(millis) {
        Some(moment) if date_only => moment.format("%Y-%m-%d").to_string(),
        Some(moment) => moment.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => millis.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_bytes;
    use proptest::prelude::*;

    fn profile(cells: &[&str]) -> ColumnProfile {
        stats(cells).finish()
    }

    fn stats(cells: &[&str]) -> ColumnStats {
        let mut stats = ColumnStats::new(0, "x", 0);
        for (row, cell) in cells.iter().enumerate() {
            stats.observe(Some(cell), hash_bytes(cell.as_bytes()), row as u64 + 2);
        }
        stats
    }

    fn numbers(profile: &ColumnProfile) -> &NumericSummary {
        profile.numeric.as_ref().expect("a numeric summary")
    }

    #[test]
    fn numeric_statistics_match_hand_computed_values() {
        let profile = profile(&["2", "4", "4", "", "4", "5", "NA", "5", "7", "9.0"]);

        assert_eq!(profile.kind, ColumnKind::Numeric);
        assert_eq!(
            (profile.count, profile.missing, profile.distinct),
            (8, 2, 5)
        );
        let summary = numbers(&profile);
        assert_eq!((summary.min, summary.max, summary.mean), (2.0, 9.0, 5.0));
        assert!((summary.std_dev - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);

        // Sorted: 2 4 4 4 5 5 7 9; p25 at position 1.75, p75 at 5.25, p5 at 0.35.
        let quantiles = summary.quantiles;
        assert!(summary.quantiles_exact);
        assert_eq!(
            (quantiles.p0, quantiles.p25, quantiles.p50),
            (2.0, 4.0, 4.5)
        );
        assert!((quantiles.p5 - 2.7).abs() < 1e-12);
        assert!((quantiles.p75 - 5.5).abs() < 1e-12);
        assert!((quantiles.p95 - 8.3).abs() < 1e-12);
        assert_eq!(quantiles.p100, 9.0);
    }

    #[test]
    fn outliers_lie_beyond_one_and_a_half_interquartile_ranges() {
        // Quartiles 3 and 7 (IQR 4) give fences at −3 and 13.
        let profile = profile(&["1", "3", "3", "5", "5", "7", "7", "9", "-10", "40"]);

        let summary = numbers(&profile);
        assert_eq!((summary.quantiles.p25, summary.quantiles.p75), (3.0, 7.0));
        assert_eq!((summary.lower_fence, summary.upper_fence), (-3.0, 13.0));
        assert_eq!(summary.outliers, 2);
        assert!(summary.outliers_exact);
    }

    #[test]
    fn histogram_counts_each_integer() {
        let profile = profile(&["1", "2", "2", "3", "3", "3"]);

        assert_eq!(profile.kind, ColumnKind::Integer);
        let bins = &numbers(&profile).histogram.bins;
        let counts: Vec<u64> = bins.iter().map(|bin| bin.count).collect();
        assert_eq!(counts, [1, 2, 3]);
        assert_eq!((bins[0].start, bins[2].end), (1.0, 4.0));
    }

    #[test]
    fn kinds_follow_the_cells() {
        let cases: [(&[&str], ColumnKind); 7] = [
            (&["1", "-2", "30"], ColumnKind::Integer),
            (&["1", "2.5"], ColumnKind::Numeric),
            (&["yes", "No", "TRUE"], ColumnKind::Boolean),
            (
                &["2024-01-01", "2024-01-02T03:04:05Z"],
                ColumnKind::Datetime,
            ),
            (&["a", "b", "a", "b"], ColumnKind::Categorical),
            (&["alice", "bob", "carol"], ColumnKind::Text),
            (
                &["1", "2", "three", "1", "2", "three"],
                ColumnKind::Categorical,
            ),
        ];
        for (cells, kind) in cases {
            assert_eq!(profile(cells).kind, kind, "{cells:?}");
        }
        assert_eq!(profile(&["", "NA"]).kind, ColumnKind::Text);
    }

    #[test]
    fn top_values_of_a_categorical_column_are_exact_counts() {
        let profile = profile(&["red", "blue", "red", "green", "red", "blue"]);

        assert_eq!(profile.kind, ColumnKind::Categorical);
        let top: Vec<(&str, u64)> = profile
            .top_values
            .iter()
            .map(|value| (value.value.as_str(), value.count))
            .collect();
        assert_eq!(top, [("red", 3), ("blue", 2), ("green", 1)]);
        assert!(profile.top_values_exact);
        assert!(profile.numeric.is_none());
    }

    #[test]
    fn datetime_columns_report_their_range() {
        let profile = profile(&["2024-03-01", "2023-12-31", "2024-01-15"]);
        let range = profile.datetime.expect("a range");
        assert_eq!(
            (range.min.as_str(), range.max.as_str()),
            ("2023-12-31", "2024-03-01")
        );

        let profile = profile_of_times();
        let range = profile.datetime.expect("a range");
        assert_eq!(range.min, "2024-01-01T00:00:00Z");
        assert_eq!(range.max, "2024-01-01T10:30:00.500Z");
    }

    fn profile_of_times() -> ColumnProfile {
        profile(&[
            "2024-01-01T12:30:00.5+02:00",
            "2024-01-01",
            "2024-01-01 06:00:00",
        ])
    }

    #[test]
    fn constant_and_id_like_columns_are_flagged() {
        assert!(profile(&["x", "x", "", "x"]).constant);
        assert!(!profile(&["x", "y"]).constant);

        let ids: Vec<String> = (0..25).map(|id| format!("{}", 1000 + id)).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert!(profile(&ids).id_like);
        assert!(!profile(&ids[..19]).id_like);

        let decimals: Vec<String> = (0..25).map(|id| format!("{id}.5")).collect();
        let decimals: Vec<&str> = decimals.iter().map(String::as_str).collect();
        assert!(
            !profile(&decimals).id_like,
            "measurements are not identifiers"
        );
    }

    #[test]
    fn non_finite_numbers_are_refused_only_among_numbers() {
        let error = stats(&["1", "2", "NaN", "inf"])
            .non_finite_error()
            .expect("a refusal");
        assert_eq!(error.code(), "non_finite_number");
        assert_eq!((error.line(), error.column()), (Some(4), Some(1)));
        assert!(error.to_string().contains("`NaN`"), "{error}");
        assert!(
            error.to_string().contains("leave the cell empty"),
            "{error}"
        );

        assert!(stats(&["1", "nan", "banana"]).non_finite_error().is_none());
        assert!(stats(&["nan", "inf"]).non_finite_error().is_none());
    }

    #[test]
    fn columns_that_appear_late_count_the_earlier_rows_as_missing() {
        let mut stats = ColumnStats::new(3, "late", 5);
        stats.observe(Some("1"), hash_bytes(b"1"), 7);
        let profile = stats.finish();

        assert_eq!((profile.count, profile.missing), (1, 5));
    }

    /// What a column of these numbers should profile to, computed the plain way.
    struct Naive {
        count: u64,
        missing: u64,
        min: f64,
        max: f64,
        mean: f64,
        std_dev: f64,
        sorted: Vec<f64>,
        distinct: u64,
    }

    fn naive(cells: &[Option<f64>]) -> Naive {
        let values: Vec<f64> = cells.iter().flatten().copied().collect();
        let count = values.len() as f64;
        let mean = values.iter().sum::<f64>() / count;
        let squares: f64 = values.iter().map(|value| (value - mean).powi(2)).sum();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let mut texts: Vec<String> = values.iter().map(|value| value.to_string()).collect();
        texts.sort();
        texts.dedup();

        Naive {
            count: values.len() as u64,
            missing: (cells.len() - values.len()) as u64,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            mean,
            std_dev: if values.len() > 1 {
                (squares / (count - 1.0)).sqrt()
            } else {
                0.0
            },
            sorted,
            distinct: texts.len() as u64,
        }
    }

    /// Rounds to a multiple of 1/64, so that a random column repeats values now and then.
    fn on_grid(value: f64) -> f64 {
        (value * 64.0).round() / 64.0
    }

    fn close(actual: f64, expected: f64, scale: f64) -> bool {
        (actual - expected).abs() <= 1e-9 * expected.abs().max(scale).max(1e-300)
    }

    proptest! {
        #[test]
        fn streaming_statistics_equal_a_naive_computation(
            cells in proptest::collection::vec(
                proptest::option::weighted(0.9, (-1e6f64..1e6).prop_map(on_grid)),
                1..3000,
            ),
        ) {
            prop_assume!(cells.iter().any(Option::is_some));
            let texts: Vec<String> = cells
                .iter()
                .map(|cell| cell.map(|value| value.to_string()).unwrap_or_default())
                .collect();
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();

            let profile = profile(&texts);
            let expected = naive(&cells);
            let summary = numbers(&profile);
            let scale = expected.max.abs().max(expected.min.abs());

            prop_assert_eq!(profile.count, expected.count);
            prop_assert_eq!(profile.missing, expected.missing);
            prop_assert_eq!(summary.min, expected.min);
            prop_assert_eq!(summary.max, expected.max);
            prop_assert!(close(summary.mean, expected.mean, scale), "mean {}", summary.mean);
            prop_assert!(close(summary.std_dev, expected.std_dev, scale), "sd {}", summary.std_dev);

            // At most 4096 values: the quantiles use every one of them.
            prop_assert!(summary.quantiles_exact);
            let quantiles = summary.quantiles;
            let pairs = [
                (0.05, quantiles.p5),
                (0.25, quantiles.p25),
                (0.5, quantiles.p50),
                (0.75, quantiles.p75),
                (0.95, quantiles.p95),
            ];
            for (p, actual) in pairs {
                prop_assert_eq!(actual, quantile(&expected.sorted, p));
            }

            // At most 1024 distinct values: the count is exact.
            if expected.distinct <= 1024 {
                prop_assert!(profile.distinct_exact);
                prop_assert_eq!(profile.distinct, expected.distinct);
            }

            let binned: u64 = summary.histogram.bins.iter().map(|bin| bin.count).sum();
            prop_assert_eq!(binned, expected.count);
        }

        #[test]
        fn missing_and_distinct_counts_equal_a_naive_count(
            cells in proptest::collection::vec(
                prop_oneof![Just(String::new()), Just("NA".to_owned()), "[a-e]{1,2}"],
                1..500,
            ),
        ) {
            let texts: Vec<&str> = cells.iter().map(String::as_str).collect();
            let profile = profile(&texts);

            let missing = cells.iter().filter(|cell| cell.is_empty() || *cell == "NA").count();
            let mut present: Vec<&String> =
                cells.iter().filter(|cell| !cell.is_empty() && *cell != "NA").collect();
            present.sort();
            present.dedup();

            prop_assert_eq!(profile.missing, missing as u64);
            prop_assert_eq!(profile.count, (cells.len() - missing) as u64);
            prop_assert_eq!(profile.distinct, present.len() as u64);
            prop_assert!(profile.distinct_exact);
        }
    }
}
