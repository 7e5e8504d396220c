//! The one pass over a dataset's rows that builds its profile.
//!
//! Each row is read once: every cell goes to its column's summaries, the row's hash to the
//! duplicate counter, and the row itself to the sampler. Nothing here grows with the number
//! of rows; see the sketches for the bound of each summary.

use lepton_protocol::profile::DatasetProfile;

use crate::column::ColumnStats;
use crate::duplicates::Duplicates;
use crate::error::DataError;
use crate::hash::{combine, hash_bytes};
use crate::record::Record;
use crate::sample::{RowSample, SampleBuilder};

/// The state of a profiling pass.
pub(crate) struct Profiler {
    columns: Vec<ColumnStats>,
    rows: u64,
    duplicates: Duplicates,
    sample: SampleBuilder,
}

impl Profiler {
    /// A pass over a dataset with these columns (none yet for JSON Lines).
    pub(crate) fn new(names: &[String]) -> Self {
        Self {
            columns: names
                .iter()
                .enumerate()
                .map(|(column, name)| ColumnStats::new(column, name, 0))
                .collect(),
            rows: 0,
            duplicates: Duplicates::default(),
            sample: SampleBuilder::new(names.len()),
        }
    }

    /// Rows profiled so far.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Profiles the next row.
    #[inline]
    pub(crate) fn observe(&mut self, record: &Record<'_>) {
        if record.len() > self.columns.len() {
            self.add_columns(record);
        }

        let mut row = 0u64;
        for (column, stats) in self.columns.iter_mut().enumerate() {
            let cell = record.cell(column);
            let hash = match cell {
                Some(text) if !text.is_empty() => {
                    let hash = hash_bytes(text.as_bytes());
                    row = combine(row, column, hash);
                    hash
                }
                _ => 0,
            };
            stats.observe(cell, hash, record.line);
        }

        self.duplicates.observe(row);
        self.sample.offer(record.cells());
        self.rows += 1;
    }

    /// The profile, without warnings or target analysis, and the row sample; `names` are the
    /// final column names and `bytes` the bytes read.
    ///
    /// # Errors
    ///
    /// [`DataError::NonFiniteNumber`] for the first (by line) column of numbers that holds a
    /// `NaN` or an infinity.
    pub(crate) fn finish(
        mut self,
        names: &[String],
        bytes: u64,
    ) -> Result<(DatasetProfile, RowSample), DataError> {
        let refusal = self
            .columns
            .iter()
            .filter_map(ColumnStats::non_finite_error)
            .min_by_key(|error| (error.line(), error.column()));
        if let Some(error) = refusal {
            return Err(error);
        }

        let columns = self.columns.iter_mut().map(ColumnStats::finish).collect();
        let (duplicate_rows, duplicates_exact) = self.duplicates.count();
        let sample = self.sample.finish(names);
        let profile = DatasetProfile {
            rows: self.rows,
            bytes,
            columns,
            duplicate_rows,
            duplicates_exact,
            sample_rows: sample.len() as u64,
            warnings: Vec::new(),
            target: None,
        };
        Ok((profile, sample))
    }

    /// Starts summaries for the JSON Lines columns this row is the first to have.
    fn add_columns(&mut self, record: &Record<'_>) {
        for column in self.columns.len()..record.len() {
            let name = record.names.get(column).map_or("", String::as_str);
            self.columns.push(ColumnStats::new(column, name, self.rows));
        }
        self.sample.widen(self.columns.len());
    }
}
