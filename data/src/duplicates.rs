//! Rows that repeat an earlier row exactly, counted by the 64-bit hash of each row.
//!
//! Row hashes go into an open-addressing table with linear probing, doubled whenever it is
//! three quarters full, up to 2^22 slots (32 MiB, and 48 MiB for a moment while it last
//! doubles): [`EXACT_ROWS`] distinct rows. Past that no new hash is stored, repeats of the
//! stored rows are still counted, and the count becomes a lower bound. Two different rows
//! share a hash with a probability of about n² / 2^65 for n rows: under 10^-6 at the bound.
//!
//! Once the table outgrows the caches, each lookup misses them. Rows are therefore looked up
//! a batch at a time, after a first loop that only reads each row's slot: those reads do not
//! depend on each other, so their misses overlap, and the probes after them hit the cache.

use crate::hash::HashSet64;

/// The table's largest size, in slots.
const MAX_SLOTS: usize = 1 << 22;
/// The table's first size, in slots (32 KiB).
const FIRST_SLOTS: usize = 1 << 12;
/// Distinct rows remembered: three quarters of the largest table, where it stops doubling.
pub(crate) const EXACT_ROWS: usize = MAX_SLOTS / 4 * 3;
/// Row hashes looked up together.
const BATCH: usize = 256;

/// Counts repeated rows.
#[derive(Debug, Clone)]
pub(crate) struct Duplicates {
    seen: HashSet64,
    batch: [u64; BATCH],
    batched: usize,
    repeats: u64,
    saturated: bool,
    /// What the first loop of each batch read, kept so that the reads are not optimised away.
    touched: u64,
}

impl Default for Duplicates {
    fn default() -> Self {
        Self {
            seen: HashSet64::with_slots(FIRST_SLOTS),
            batch: [0; BATCH],
            batched: 0,
            repeats: 0,
            saturated: false,
            touched: 0,
        }
    }
}

impl Duplicates {
    /// Counts the row with this hash.
    #[inline]
    pub(crate) fn observe(&mut self, row: u64) {
        self.batch[self.batched] = row;
        self.batched += 1;
        if self.batched == BATCH {
            self.flush();
        }
    }

    /// Rows identical to an earlier row, and whether that count is exact.
    pub(crate) fn count(&mut self) -> (u64, bool) {
        self.flush();
        (self.repeats, !self.saturated)
    }

    fn flush(&mut self) {
        let batch = self.batch;
        let batch = &batch[..self.batched];
        self.batched = 0;

        self.touched ^= batch
            .iter()
            .fold(0, |touched, &row| touched ^ self.seen.touch(row));
        for &row in batch {
            if self.seen.len() < EXACT_ROWS {
                if !self.seen.insert(row) {
                    self.repeats += 1;
                }
            } else if self.seen.contains(row) {
                self.repeats += 1;
            } else {
                self.saturated = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_of_earlier_rows_are_counted_once_each() {
        let mut duplicates = Duplicates::default();
        for row in [5, 6, 5, 7, 5, 6, 0, 0] {
            duplicates.observe(row);
        }
        assert_eq!(duplicates.count(), (4, true));
    }

    #[test]
    fn the_table_grows_without_losing_rows() {
        let mut duplicates = Duplicates::default();
        let rows: Vec<u64> = (1..=100_000u64)
            .map(|row| row.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        for &row in rows.iter().chain(&rows[..500]) {
            duplicates.observe(row);
        }
        assert_eq!(duplicates.count(), (500, true));
        assert!(duplicates.seen.slots() >= 100_000 * 4 / 3);
    }

    #[test]
    fn past_the_bound_the_count_is_a_lower_bound() {
        let mut duplicates = Duplicates::default();
        for row in 1..=EXACT_ROWS as u64 + 10 {
            duplicates.observe(row.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        }
        duplicates.observe(0x9E37_79B9_7F4A_7C15);
        assert_eq!(duplicates.count(), (1, false));
        assert_eq!(duplicates.seen.slots(), MAX_SLOTS);
    }
}
