//! A seeded, uniform random sample of a dataset's rows, kept with its profile so that the
//! target can be analysed again, for another column, without reading the file a second time.
//!
//! The sample holds up to [`SAMPLE_ROWS`] rows, fewer for wide files so that it never holds
//! more than [`SAMPLE_CELLS`] cells, each cut to 128 bytes: at most 16 MiB of text. Rows are
//! chosen by Algorithm R (see [`crate::sketch::reservoir`]); when a JSON Lines file grows
//! columns the sample shrinks by dropping random rows, which keeps it uniform. A row is stored
//! as one string and the end of each cell, one allocation per row instead of one per cell.

use serde::{Deserialize, Serialize};

use crate::cell::{VALUE_BYTES, truncate};
use crate::hash::SplitMix64;

/// Rows the sample keeps at most.
pub const SAMPLE_ROWS: usize = 2000;
/// Cells the sample keeps at most.
pub const SAMPLE_CELLS: usize = 128 * 1024;

/// Seeds the choice of rows, so that a file always samples the same way.
const SEED: u64 = 0x5341_4D50_4C45_5253;
/// Set in a cell end to mark a missing cell (a JSON `null` or absent key).
const MISSING: u32 = 1 << 31;

/// A random sample of a dataset's rows, for target analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowSample {
    columns: Vec<String>,
    rows: Vec<SampleRow>,
    rows_seen: u64,
}

/// One sampled row: its cells' text back to back, and where each cell ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct SampleRow {
    text: String,
    ends: Vec<u32>,
}

impl RowSample {
    /// The dataset's column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Rows in the sample.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the sample has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Rows of the dataset the sample was drawn from.
    pub fn rows_seen(&self) -> u64 {
        self.rows_seen
    }

    /// The cell of sample row `row` in `column`, cut to 128 bytes; none when it was a JSON
    /// `null` or absent key (an empty CSV cell is `Some("")`).
    pub fn cell(&self, row: usize, column: usize) -> Option<&str> {
        let row = self.rows.get(row)?;
        let end = *row.ends.get(column)?;
        if end & MISSING != 0 {
            return None;
        }
        let start = match column.checked_sub(1) {
            Some(previous) => row.ends[previous] & !MISSING,
            None => 0,
        };
        row.text.get(start as usize..end as usize)
    }
}

/// Builds a [`RowSample`] during the profiling pass.
#[derive(Debug, Clone)]
pub(crate) struct SampleBuilder {
    capacity: usize,
    rows: Vec<SampleRow>,
    rows_seen: u64,
    random: SplitMix64,
}

impl SampleBuilder {
    /// A builder for a dataset of `columns` columns.
    pub(crate) fn new(columns: usize) -> Self {
        Self {
            capacity: capacity(columns),
            rows: Vec::new(),
            rows_seen: 0,
            random: SplitMix64::new(SEED),
        }
    }

    /// Offers the next row, given as its cells.
    #[inline]
    pub(crate) fn offer<'a>(&mut self, cells: impl Iterator<Item = Option<&'a str>>) {
        self.rows_seen += 1;
        let slot = if self.rows.len() < self.capacity {
            self.rows.push(SampleRow::default());
            self.rows.len() - 1
        } else {
            let slot = self.random.below(self.rows_seen) as usize;
            if slot >= self.capacity {
                return;
            }
            slot
        };

        let row = &mut self.rows[slot];
        row.text.clear();
        row.ends.clear();
        for cell in cells {
            match cell {
                Some(text) => {
                    row.text.push_str(truncate(text, VALUE_BYTES));
                    row.ends.push(row.text.len() as u32);
                }
                None => row.ends.push(row.text.len() as u32 | MISSING),
            }
        }
    }

    /// Shrinks the sample, keeping it uniform, to fit a dataset now `columns` wide.
    pub(crate) fn widen(&mut self, columns: usize) {
        self.capacity = capacity(columns);
        while self.rows.len() > self.capacity {
            let drop = self.random.below(self.rows.len() as u64) as usize;
            self.rows.swap_remove(drop);
        }
    }

    /// The sample of a dataset with these columns.
    pub(crate) fn finish(self, columns: &[String]) -> RowSample {
        RowSample {
            columns: columns.to_vec(),
            rows: self.rows,
            rows_seen: self.rows_seen,
        }
    }
}

fn capacity(columns: usize) -> usize {
    (SAMPLE_CELLS / columns.max(1)).clamp(1, SAMPLE_ROWS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(count: usize) -> Vec<String> {
        (1..=count).map(|column| format!("c{column}")).collect()
    }

    #[test]
    fn cells_come_back_as_offered() {
        let mut builder = SampleBuilder::new(3);
        builder.offer([Some("a"), None, Some("")].into_iter());
        builder.offer([Some("héllo"), Some("2"), Some("x")].into_iter());
        let sample = builder.finish(&names(3));

        assert_eq!(sample.len(), 2);
        assert_eq!(
            (sample.cell(0, 0), sample.cell(0, 1), sample.cell(0, 2)),
            (Some("a"), None, Some(""))
        );
        assert_eq!(
            (sample.cell(1, 0), sample.cell(1, 1)),
            (Some("héllo"), Some("2"))
        );
        assert_eq!(sample.cell(1, 3), None);
        assert_eq!(sample.cell(2, 0), None);
    }

    #[test]
    fn the_sample_is_bounded_and_uniform() {
        let mut builder = SampleBuilder::new(1);
        let total = 100_000u64;
        for row in 0..total {
            let text = row.to_string();
            builder.offer([Some(text.as_str())].into_iter());
        }
        let sample = builder.finish(&names(1));

        assert_eq!((sample.len(), sample.rows_seen()), (SAMPLE_ROWS, total));
        let mean = (0..sample.len())
            .filter_map(|row| sample.cell(row, 0)?.parse::<f64>().ok())
            .sum::<f64>()
            / sample.len() as f64;
        // The mean of 2000 uniform draws from 0..100 000 has a standard error under 650.
        assert!((mean - 50_000.0).abs() < 3_000.0, "mean {mean}");
    }

    #[test]
    fn wide_files_keep_fewer_rows() {
        assert_eq!(capacity(1024), SAMPLE_CELLS / 1024);
        assert_eq!(capacity(10), SAMPLE_ROWS);

        let mut builder = SampleBuilder::new(1);
        for _ in 0..SAMPLE_ROWS {
            builder.offer([Some("x")].into_iter());
        }
        builder.widen(1024);
        assert_eq!(builder.finish(&names(1024)).len(), SAMPLE_CELLS / 1024);
    }

    #[test]
    fn the_sample_round_trips_through_json() {
        let mut builder = SampleBuilder::new(2);
        builder.offer([Some("a"), None].into_iter());
        let sample = builder.finish(&names(2));
        let json = serde_json::to_string(&sample).unwrap();
        assert_eq!(serde_json::from_str::<RowSample>(&json).unwrap(), sample);
    }
}
