//! Reading a page of rows from the middle of a stored dataset without reading what comes
//! before it.
//!
//! Profiling records where every [`ROW_INDEX_STRIDE`]th row starts; a page is read by seeking
//! to the last such row at or before it and skipping fewer than that many rows. The index of
//! a 1 GB file of 100-byte rows has about 10 000 entries.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::format::Format;
use crate::limits::Limits;
use crate::record::Records;

/// Rows between two entries of the row index.
pub const ROW_INDEX_STRIDE: u64 = 1024;

/// Where a data row starts in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOffset {
    /// The row, counted from 0 (the header is not a row).
    pub row: u64,
    /// The byte offset in the file at which reading that row begins.
    pub byte: u64,
}

/// Reads up to `limit` rows from row `first_row` on, from a reader positioned at
/// `from.byte`, the start of row `from.row` (an entry of the row index, or row 0 at byte 0).
///
/// Cells are as written; none for an empty CSV cell, a JSON `null` or an absent key. Reading
/// stops after the last row asked for, so the rest of the file is never read.
///
/// # Errors
///
/// [`DataError::RowBeforeOffset`] when `first_row` lies before `from.row`; the format's
/// errors when the file no longer matches its profile (lines are then counted from the
/// offset). The default [`Limits`] apply.
pub fn read_rows<R: Read>(
    reader: R,
    format: &Format,
    columns: &[String],
    from: RowOffset,
    first_row: u64,
    limit: usize,
) -> Result<Vec<Vec<Option<String>>>, DataError> {
    if first_row < from.row {
        return Err(DataError::RowBeforeOffset {
            first_row,
            from_row: from.row,
        });
    }
    if limit == 0 {
        return Ok(Vec::new());
    }

    let mut records = Records::resume(reader, format, columns, Limits::default(), from.byte)?;
    let mut rows = Vec::with_capacity(limit.min(1024));
    let mut row = from.row;
    while let Some(record) = records.next()? {
        if row >= first_row {
            let cells = (0..columns.len())
                .map(|column| record.cell(column).filter(|cell| !cell.is_empty()))
                .map(|cell| cell.map(str::to_owned))
                .collect();
            rows.push(cells);
            if rows.len() == limit {
                break;
            }
        }
        row += 1;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IngestOptions, ingest};

    fn page(
        file: &[u8],
        ingested: &crate::Ingested,
        from: RowOffset,
        first_row: u64,
        limit: usize,
    ) -> Vec<Vec<Option<String>>> {
        let rest = &file[from.byte as usize..];
        read_rows(
            rest,
            &ingested.format,
            &ingested.columns,
            from,
            first_row,
            limit,
        )
        .unwrap()
    }

    fn check_paging(file: &[u8]) {
        let ingested = ingest(file, &IngestOptions::default()).unwrap();
        let start = RowOffset { row: 0, byte: 0 };
        let all = page(file, &ingested, start, 0, usize::MAX);
        assert_eq!(all.len() as u64, ingested.profile.rows);

        for first_row in [0, 1, 1023, 1024, 1500, 2047, 2048, 4999] {
            let from = ingested
                .row_index
                .iter()
                .rev()
                .find(|entry| entry.row <= first_row)
                .copied()
                .unwrap();
            let rows = page(file, &ingested, from, first_row, 25);
            let end = (first_row as usize + 25).min(all.len());
            assert_eq!(
                rows,
                all[first_row as usize..end],
                "page at row {first_row}"
            );
        }
    }

    #[test]
    fn pages_from_an_index_offset_equal_a_full_read() {
        let mut csv = String::from("\u{feff}id,name,score\r\n");
        let mut json = String::new();
        for row in 0..5000 {
            let name = if row % 7 == 0 {
                format!("\"two\nlines {row}\"")
            } else {
                format!("n{row}")
            };
            let score = if row % 5 == 0 {
                String::new()
            } else {
                format!("{}.5", row % 100)
            };
            csv.push_str(&format!("{row},{name},{score}\r\n"));
            if row % 3 == 0 {
                csv.push('\n');
            }
            let score = if score.is_empty() {
                "null".to_owned()
            } else {
                score
            };
            json.push_str(&format!(
                "{{\"id\": {row}, \"name\": \"n{row}\", \"score\": {score}}}\n"
            ));
        }

        check_paging(csv.as_bytes());
        check_paging(json.as_bytes());
        check_paging(csv.replace("id,name,score\r\n", "").as_bytes());
    }

    #[test]
    fn a_full_read_skips_the_header_and_marks_empty_cells_missing() {
        let file = b"a,b\n1,\n,x\n";
        let ingested = ingest(&file[..], &IngestOptions::default()).unwrap();
        let rows = page(file, &ingested, RowOffset { row: 0, byte: 0 }, 0, 10);
        assert_eq!(rows, [[Some("1".into()), None], [None, Some("x".into())]]);
    }

    #[test]
    fn reading_stops_at_the_limit_and_refuses_rows_before_the_offset() {
        let file = b"a\n1\n2\n3\n";
        let ingested = ingest(&file[..], &IngestOptions::default()).unwrap();
        let start = RowOffset { row: 0, byte: 0 };
        assert_eq!(page(file, &ingested, start, 1, 1), [[Some("2".into())]]);
        assert!(page(file, &ingested, start, 0, 0).is_empty());
        assert!(page(file, &ingested, start, 10, 5).is_empty());

        let later = RowOffset { row: 2, byte: 6 };
        let error = read_rows(&file[6..], &ingested.format, &ingested.columns, later, 1, 5);
        assert_eq!(error.unwrap_err().code(), "row_before_offset");
    }
}
