//! The profiling pass over every row, on two threads when the file is large: this thread
//! reads, checks and indexes the rows and hands them over in batches, and a worker profiles
//! them.
//!
//! Parsing and checking take about as long as profiling, so the two stages together run in
//! close to the time of one. The worker sees the rows in file order, so the profile is the
//! same with one thread or two. Batches are recycled and at most [`IN_FLIGHT`] wait at a
//! time, each of at most [`BATCH_ROWS`] rows, [`BATCH_CELLS`] cells and [`BATCH_BYTES`]
//! bytes of text (more only for one row longer than that): a few MiB in all. The reader
//! needs no `Send` bound: only the batches cross to the worker.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};

use crate::error::DataError;
use crate::paging::{ROW_INDEX_STRIDE, RowOffset};
use crate::profiler::Profiler;
use crate::record::{Record, Records};

/// Rows per batch at most.
const BATCH_ROWS: usize = 1024;
/// Cells per batch at most (so wide files make no huge batches).
const BATCH_CELLS: usize = 64 * 1024;
/// Bytes of cell text per batch at most.
const BATCH_BYTES: usize = 256 * 1024;
/// Full batches waiting for the worker at most.
const IN_FLIGHT: usize = 2;

/// Rows copied out of the reader's buffers, for the worker.
#[derive(Debug, Default)]
struct Batch {
    text: String,
    spans: Vec<Option<(u32, u32)>>,
    /// Each row's line, first span and number of cells.
    rows: Vec<(u64, usize, usize)>,
    /// The column names, when they grew since the previous batch (JSON Lines).
    names: Option<Vec<String>>,
}

impl Batch {
    fn push(&mut self, record: &Record<'_>) {
        let first = self.spans.len();
        record.copy_into(&mut self.text, &mut self.spans);
        self.rows
            .push((record.line, first, self.spans.len() - first));
    }

    fn is_full(&self) -> bool {
        self.rows.len() >= BATCH_ROWS
            || self.spans.len() >= BATCH_CELLS
            || self.text.len() >= BATCH_BYTES
    }

    fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
        self.rows.clear();
        self.names = None;
    }
}

/// Reads every row, profiling each and indexing every [`ROW_INDEX_STRIDE`]th; with
/// `threaded`, the profiling runs on a worker thread.
///
/// # Errors
///
/// The first [`DataError`] of the rows.
pub(crate) fn profile_rows<R: Read>(
    records: &mut Records<R>,
    names: &[String],
    threaded: bool,
) -> Result<(Profiler, Vec<RowOffset>), DataError> {
    if !threaded {
        let mut profiler = Profiler::new(names);
        let mut index = Vec::new();
        while let Some(record) = records.next()? {
            mark(&mut index, profiler.rows(), &record);
            profiler.observe(&record);
        }
        return Ok((profiler, index));
    }

    std::thread::scope(|scope| {
        let (full, to_profile) = sync_channel::<Batch>(IN_FLIGHT);
        let (recycle, recycled) = channel::<Batch>();
        let worker = scope.spawn(move || {
            let mut profiler = Profiler::new(names);
            let mut current = names.to_vec();
            for mut batch in to_profile {
                if let Some(grown) = batch.names.take() {
                    current = grown;
                }
                for &(line, first, cells) in &batch.rows {
                    let spans = &batch.spans[first..first + cells];
                    profiler.observe(&Record::from_spans(line, &current, &batch.text, spans));
                }
                // The reader may have stopped already; then the batch is simply dropped.
                let _ = recycle.send(batch);
            }
            profiler
        });

        let index = read_rows(records, names.len(), &full, &recycled);
        drop(full);
        let profiler = match worker.join() {
            Ok(profiler) => profiler,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        index.map(|index| (profiler, index))
    })
}

/// The reading stage: fills batches and sends them to the worker.
fn read_rows<R: Read>(
    records: &mut Records<R>,
    columns: usize,
    full: &SyncSender<Batch>,
    recycled: &Receiver<Batch>,
) -> Result<Vec<RowOffset>, DataError> {
    let mut index = Vec::new();
    let mut rows = 0u64;
    let mut columns = columns;
    let mut batch = Batch::default();

    loop {
        let more = match records.next()? {
            Some(record) => {
                mark(&mut index, rows, &record);
                batch.push(&record);
                rows += 1;
                true
            }
            None => false,
        };
        if !more || batch.is_full() {
            if records.names().len() != columns {
                columns = records.names().len();
                batch.names = Some(records.names().to_vec());
            }
            if full.send(batch).is_err() {
                // Only a panicking worker hangs up; joining it passes the panic on.
                return Ok(index);
            }
            batch = recycled.try_recv().unwrap_or_default();
            batch.clear();
        }
        if !more {
            return Ok(index);
        }
    }
}

/// Adds row `row` to the index when it is one of every [`ROW_INDEX_STRIDE`].
fn mark(index: &mut Vec<RowOffset>, row: u64, record: &Record<'_>) {
    if row.is_multiple_of(ROW_INDEX_STRIDE) {
        index.push(RowOffset {
            row,
            byte: record.byte,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::sniff;
    use crate::limits::Limits;

    fn profile(
        file: &[u8],
        threaded: bool,
    ) -> (lepton_protocol::profile::DatasetProfile, Vec<RowOffset>) {
        let format = sniff(file).unwrap();
        let head = file[..1000].to_vec();
        let (mut records, names) =
            Records::open(head, &file[1000..], &format, Limits::default()).unwrap();
        let (profiler, index) = profile_rows(&mut records, &names, threaded).unwrap();
        let names = records.names().to_vec();
        let (profile, _) = profiler.finish(&names, records.bytes_read()).unwrap();
        (profile, index)
    }

    #[test]
    fn one_thread_and_two_profile_alike() {
        let mut csv = String::from("id,group,value,note\n");
        let mut json = String::new();
        for row in 0..20_000 {
            let group = ["a", "b", "c"][row % 3];
            let value = (row * 7919) % 1000;
            csv.push_str(&format!("{row},{group},{value}.5,\"n {}\"\n", row % 97));
            let late = if row > 10_000 {
                format!(", \"late\": {row}")
            } else {
                String::new()
            };
            json.push_str(&format!(
                "{{\"id\": {row}, \"group\": \"{group}\"{late}}}\n"
            ));
        }

        for file in [csv.as_bytes(), json.as_bytes()] {
            let (alone, alone_index) = profile(file, false);
            let (paired, paired_index) = profile(file, true);
            assert_eq!(alone, paired);
            assert_eq!(alone_index, paired_index);
            assert_eq!(paired.rows, 20_000);
        }
    }
}
