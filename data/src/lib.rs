//! Lepton's dataset engine: it turns an uploaded CSV or JSON Lines file into a checked,
//! profiled dataset in one streaming pass, and reads stored datasets back for paging and
//! export.
//!
//! [`sniff`] tells the format from the first bytes; [`ingest`] checks every row, refusing a
//! bad file with a [`DataError`] that names line and column, and profiles every column in
//! bounded memory, whatever the size of the file. [`read_rows`] serves a page from the row
//! index, [`export_csv`] writes the data back with spreadsheet formulas neutralised, and
//! [`analyse_target`] analyses another target column from a stored profile and row sample.
//!
//! The engine reads `std::io::Read` and is CPU-bound; the server runs it on a blocking thread.
//! For a file larger than its first 64 KiB, [`ingest`] profiles on a second, scoped thread
//! while the calling thread parses and checks, which nearly halves the time on two cores.

mod cell;
mod column;
mod duplicates;
mod error;
mod export;
pub mod format;
mod guard;
mod hash;
mod ingest;
mod jsonl;
mod limits;
mod paging;
mod pipeline;
mod profiler;
mod record;
mod sample;
mod sketch;
mod target;
mod warnings;

pub use cell::is_missing;
pub use error::DataError;
pub use export::export_csv;
pub use format::{Format, SNIFF_BYTES, sniff};
pub use ingest::{IngestOptions, Ingested, ingest};
pub use limits::Limits;
pub use paging::{ROW_INDEX_STRIDE, RowOffset, read_rows};
pub use sample::{RowSample, SAMPLE_CELLS, SAMPLE_ROWS};
pub use target::analyse_target;
pub use warnings::{
    CONSTANT_COLUMN, DUPLICATE_ROWS, ID_LIKE_COLUMN, IMBALANCED_TARGET, MISSING_VALUES,
    TARGET_LEAKAGE, is_target_warning,
};
