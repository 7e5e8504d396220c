//! The sizes past which the engine refuses a file rather than grow its memory.
//!
//! The engine reads uploads of any length in bounded memory; these limits bound what one row
//! may hold, so that no single line of a hostile or broken file can make a buffer grow.

/// Bounds on the shape of one row of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Columns a dataset may have (default 1024).
    pub max_columns: usize,
    /// Bytes one line may hold; for CSV, one record, line breaks inside quoted fields
    /// included (default 1 MiB). A longer line is refused before it is buffered whole.
    pub max_line_bytes: usize,
    /// Bytes one cell, or one column name, may hold (default 64 KiB).
    pub max_cell_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_columns: 1024,
            max_line_bytes: 1024 * 1024,
            max_cell_bytes: 64 * 1024,
        }
    }
}
