//! The most frequent values of a column, by the Misra–Gries algorithm (J. Misra and D. Gries,
//! "Finding repeated elements", Science of Computer Programming 2(2), 1982).
//!
//! [`TRACKED`] counters are keyed by value hash. A value without a counter takes a free one;
//! when none is free, every counter drops by one and empty ones are freed. The work of those
//! drops is paid for by the increments before them, so a value costs O(1) amortised. While no
//! drop has happened the counts are exact; after one, each count is a lower bound that falls
//! short by at most n / (TRACKED + 1) for n values. Counters taken after a drop store their
//! value's text only on its second occurrence, so that a column of unique values allocates
//! nothing per cell.

use lepton_protocol::profile::ValueCount;

use crate::cell::{VALUE_BYTES, truncate};
use crate::hash::HashMap64;

/// Counters kept per column.
pub(crate) const TRACKED: usize = 256;
/// Values a profile shows per column.
pub(crate) const SHOWN: usize = 20;

#[derive(Debug, Clone)]
struct Counter {
    count: u64,
    value: Option<Box<str>>,
}

/// Frequent-value counters.
#[derive(Debug, Clone, Default)]
pub(crate) struct TopValues {
    counters: HashMap64<Counter>,
    dropped: bool,
}

impl TopValues {
    /// Counts `value`, whose hash is `hash`.
    #[inline]
    pub(crate) fn push(&mut self, hash: u64, value: &str) {
        if let Some(counter) = self.counters.get_mut(&hash) {
            counter.count += 1;
            if counter.value.is_none() {
                counter.value = Some(truncate(value, VALUE_BYTES).into());
            }
            return;
        }

        if self.counters.len() < TRACKED {
            let value = (!self.dropped).then(|| truncate(value, VALUE_BYTES).into());
            self.counters.insert(hash, Counter { count: 1, value });
            return;
        }

        self.dropped = true;
        self.counters.retain(|_, counter| {
            counter.count -= 1;
            counter.count > 0
        });
    }

    /// Whether the counts are exact.
    pub(crate) fn is_exact(&self) -> bool {
        !self.dropped
    }

    /// The `limit` most frequent values, most frequent first, ties in text order.
    pub(crate) fn top(&self, limit: usize) -> Vec<ValueCount> {
        let mut values: Vec<ValueCount> = self
            .counters
            .values()
            .filter_map(|counter| {
                let value = counter.value.as_deref()?;
                Some(ValueCount {
                    value: value.to_owned(),
                    count: counter.count,
                })
            })
            .collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        values.truncate(limit);
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash_bytes;

    fn push_all(top: &mut TopValues, values: &[&str]) {
        for value in values {
            top.push(hash_bytes(value.as_bytes()), value);
        }
    }

    #[test]
    fn few_values_are_counted_exactly_most_frequent_first() {
        let mut top = TopValues::default();
        push_all(&mut top, &["b", "a", "c", "a", "b", "a"]);

        assert!(top.is_exact());
        let counts: Vec<(String, u64)> = top
            .top(SHOWN)
            .into_iter()
            .map(|value| (value.value, value.count))
            .collect();
        assert_eq!(counts, [("a".into(), 3), ("b".into(), 2), ("c".into(), 1)]);
        assert_eq!(top.top(1).len(), 1);
    }

    #[test]
    fn a_frequent_value_survives_many_unique_ones() {
        let mut top = TopValues::default();
        for round in 0..10_000 {
            push_all(&mut top, &["common"]);
            let unique = format!("unique {round}");
            push_all(&mut top, &[&unique]);
        }

        assert!(!top.is_exact());
        let first = &top.top(SHOWN)[0];
        assert_eq!(first.value, "common");
        // Misra–Gries undercounts by at most n / (TRACKED + 1) for n = 20 000 values.
        assert!(first.count <= 10_000 && first.count >= 10_000 - 20_000 / 257);
    }

    #[test]
    fn long_values_are_cut() {
        let mut top = TopValues::default();
        let long = "x".repeat(1000);
        push_all(&mut top, &[&long]);
        assert_eq!(top.top(1)[0].value.len(), VALUE_BYTES);
    }
}
