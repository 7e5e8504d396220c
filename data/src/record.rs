//! The rows of a dataset file, one at a time, whether it is CSV or JSON Lines.
//!
//! Profiling, paging and export all read rows through [`Records`], which puts the
//! [`LineGuard`] under the parser, checks each row (UTF-8, field count, cell length) and hands
//! out a borrowed [`Record`]: no allocation per row or per cell. For CSV the header is read
//! and checked here too: names trimmed, none empty, none twice, no more than the limit.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};

use csv::ByteRecord;

use crate::error::{DataError, quoted};
use crate::format::{BOM, Format};
use crate::guard::{Grammar, LineGuard};
use crate::jsonl::{JsonColumns, JsonRow, parse_line};
use crate::limits::Limits;

/// Bytes the parser reads from the guard at a time.
const BUFFER_BYTES: usize = 16 * 1024;

/// Input with bytes already read from it (the sniffed head) put back in front.
pub(crate) type Rewound<R> = Chain<Cursor<Vec<u8>>, R>;

/// One row of a file, borrowed from the reader's buffers.
pub(crate) struct Record<'a> {
    /// The line the row starts on.
    pub(crate) line: u64,
    /// The byte offset in the file where reading this row began (0 for a row handed to the
    /// profiling thread, which needs none).
    pub(crate) byte: u64,
    /// The column names known so far (JSON Lines columns appear as their keys do).
    pub(crate) names: &'a [String],
    cells: Cells<'a>,
}

enum Cells<'a> {
    Csv {
        text: &'a str,
        record: &'a ByteRecord,
    },
    /// Cells as spans of a text: a JSON line's values, or rows handed between threads.
    Spans {
        text: &'a str,
        spans: &'a [Option<(u32, u32)>],
    },
}

impl<'a> Record<'a> {
    /// A row whose cells are spans of `text` (none for a missing cell).
    pub(crate) fn from_spans(
        line: u64,
        names: &'a [String],
        text: &'a str,
        spans: &'a [Option<(u32, u32)>],
    ) -> Self {
        Self {
            line,
            byte: 0,
            names,
            cells: Cells::Spans { text, spans },
        }
    }

    /// Appends the row's cells to `text`, and their spans in it to `spans`.
    pub(crate) fn copy_into(&self, text: &mut String, spans: &mut Vec<Option<(u32, u32)>>) {
        let base = text.len() as u32;
        match &self.cells {
            Cells::Csv {
                text: cells,
                record,
            } => {
                text.push_str(cells);
                spans.extend((0..record.len()).map(|column| {
                    let range = record.range(column)?;
                    Some((base + range.start as u32, base + range.end as u32))
                }));
            }
            Cells::Spans {
                text: cells,
                spans: own,
            } => {
                text.push_str(cells);
                spans.extend(
                    own.iter()
                        .map(|span| span.map(|(start, end)| (base + start, base + end))),
                );
            }
        }
    }

    /// Cells in the row; for JSON Lines, the columns known so far.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match &self.cells {
            Cells::Csv { record, .. } => record.len(),
            Cells::Spans { spans, .. } => spans.len(),
        }
    }

    /// The cell in `column`; none for a JSON `null`, an absent key or a column past the end.
    #[inline]
    pub(crate) fn cell(&self, column: usize) -> Option<&'a str> {
        match &self.cells {
            Cells::Csv { text, record } => text.get(record.range(column)?),
            Cells::Spans { text, spans } => {
                let (start, end) = spans.get(column).copied().flatten()?;
                text.get(start as usize..end as usize)
            }
        }
    }

    /// Every cell, in column order.
    pub(crate) fn cells(&self) -> impl Iterator<Item = Option<&'a str>> + '_ {
        (0..self.len()).map(|column| self.cell(column))
    }
}

/// The rows of one file.
pub(crate) struct Records<R: Read> {
    source: Source<R>,
    /// Bytes of the file before what the guard sees: a byte-order mark, or the seek offset.
    offset: u64,
    /// The line of the CSV header, when there is one.
    header_line: u64,
}

enum Source<R: Read> {
    Csv(CsvRecords<R>),
    Json(JsonRecords<R>),
}

impl<R: Read> Records<R> {
    /// Opens a whole file for profiling; `head` holds its first bytes, already read.
    ///
    /// Returns the records and the column names: the checked header, `column_1`, … for a
    /// CSV file without one, none yet for JSON Lines.
    ///
    /// # Errors
    ///
    /// [`DataError`] for an empty file or a bad header.
    pub(crate) fn open(
        head: Vec<u8>,
        input: R,
        format: &Format,
        limits: Limits,
    ) -> Result<(Self, Vec<String>), DataError> {
        let bom = if head.starts_with(BOM) { BOM.len() } else { 0 };
        let mut head = Cursor::new(head);
        head.set_position(bom as u64);
        let stream = head.chain(input);

        match *format {
            Format::Csv { delimiter, header } => {
                let mut csv = CsvRecords::new(stream, delimiter, limits, Vec::new());
                let Some(line) = csv.advance()? else {
                    return Err(DataError::EmptyFile);
                };
                let header_line = if header { line } else { 0 };
                if header {
                    csv.names = csv.header(line)?;
                } else {
                    csv.names = csv.first_row_names(line)?;
                    csv.pending = Some(line);
                }
                csv.width = csv.names.len();
                let names = csv.names.clone();
                let records = Self {
                    source: Source::Csv(csv),
                    offset: bom as u64,
                    header_line,
                };
                Ok((records, names))
            }
            Format::JsonLines => {
                let json = JsonRecords::new(stream, JsonColumns::growable(limits), limits);
                let records = Self {
                    source: Source::Json(json),
                    offset: bom as u64,
                    header_line: 0,
                };
                Ok((records, Vec::new()))
            }
        }
    }

    /// Opens a file profiled before, at byte `offset` where a row starts (or 0).
    ///
    /// At offset 0 a byte-order mark and a CSV header are skipped.
    ///
    /// # Errors
    ///
    /// [`DataError::Io`] when the first bytes cannot be read, or the header's errors.
    pub(crate) fn resume(
        mut input: R,
        format: &Format,
        columns: &[String],
        limits: Limits,
        offset: u64,
    ) -> Result<Self, DataError> {
        let mut prefix = Vec::new();
        if offset == 0 {
            (&mut input)
                .take(BOM.len() as u64)
                .read_to_end(&mut prefix)?;
        }
        let bom = if prefix == BOM { BOM.len() as u64 } else { 0 };
        if bom > 0 {
            prefix.clear();
        }
        let stream = Cursor::new(prefix).chain(input);

        let source = match *format {
            Format::Csv { delimiter, header } => {
                let mut csv = CsvRecords::new(stream, delimiter, limits, columns.to_vec());
                if header && offset == 0 {
                    csv.advance()?;
                }
                csv.width = columns.len();
                Source::Csv(csv)
            }
            Format::JsonLines => {
                let columns = JsonColumns::fixed(columns, limits);
                Source::Json(JsonRecords::new(stream, columns, limits))
            }
        };
        Ok(Self {
            source,
            offset: offset + bom,
            header_line: 0,
        })
    }

    /// The next row, or none at the end of the file.
    ///
    /// # Errors
    ///
    /// [`DataError`] for a row that breaks the format's rules or the limits, and for I/O
    /// errors.
    pub(crate) fn next(&mut self) -> Result<Option<Record<'_>>, DataError> {
        let offset = self.offset;
        match &mut self.source {
            Source::Csv(csv) => {
                let Some(line) = csv.advance()? else {
                    return Ok(None);
                };
                let text = checked_text(&csv.record, line, &csv.limits)?;
                let byte = offset + csv.record.position().map_or(0, csv::Position::byte);
                Ok(Some(Record {
                    line,
                    byte,
                    names: &csv.names,
                    cells: Cells::Csv {
                        text,
                        record: &csv.record,
                    },
                }))
            }
            Source::Json(json) => {
                let Some((line, byte)) = json.advance()? else {
                    return Ok(None);
                };
                Ok(Some(Record {
                    line,
                    byte: offset + byte,
                    names: json.columns.names(),
                    cells: Cells::Spans {
                        text: json.row.text(),
                        spans: json.row.spans(),
                    },
                }))
            }
        }
    }

    /// The column names: for JSON Lines, those of every key seen so far.
    pub(crate) fn names(&self) -> &[String] {
        match &self.source {
            Source::Csv(csv) => &csv.names,
            Source::Json(json) => json.columns.names(),
        }
    }

    /// The line of the CSV header; 0 when there is none.
    pub(crate) fn header_line(&self) -> u64 {
        self.header_line
    }

    /// Bytes of the file read so far, a byte-order mark included.
    pub(crate) fn bytes_read(&self) -> u64 {
        let passed = match &self.source {
            Source::Csv(csv) => csv.reader.get_ref().bytes_passed(),
            Source::Json(json) => json.reader.get_ref().bytes_passed(),
        };
        self.offset + passed
    }
}

struct CsvRecords<R: Read> {
    reader: csv::Reader<LineGuard<Rewound<R>>>,
    record: ByteRecord,
    names: Vec<String>,
    /// Fields per row; 0 until known.
    width: usize,
    /// The line of a row read but not yet handed out (the first row of a file without
    /// header, read to count its fields).
    pending: Option<u64>,
    limits: Limits,
}

impl<R: Read> CsvRecords<R> {
    fn new(stream: Rewound<R>, delimiter: u8, limits: Limits, names: Vec<String>) -> Self {
        let guard = LineGuard::new(stream, Grammar::Csv { delimiter }, limits.max_line_bytes);
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(BUFFER_BYTES)
            .from_reader(guard);
        Self {
            reader,
            record: ByteRecord::new(),
            names,
            width: 0,
            pending: None,
            limits,
        }
    }

    /// Reads the next row into `record` and checks its field count; returns its line.
    fn advance(&mut self) -> Result<Option<u64>, DataError> {
        if let Some(line) = self.pending.take() {
            return Ok(Some(line));
        }

        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(error) => return Err(self.refusal(error)),
            }
            let line = match self.reader.get_mut().take_record_line() {
                Some(line) => line,
                None => self.record.position().map_or(1, csv::Position::line),
            };
            // The parser closes a quoted field at the end of the file without complaint; the
            // field is the last of the last record.
            if let Some(line) = self.reader.get_ref().unclosed_quote() {
                return Err(DataError::UnclosedQuote {
                    line,
                    column: self.record.len(),
                });
            }

            // A line of spaces in a file of several columns is a blank line, not a row.
            let blank = self.width > 1
                && self.record.len() == 1
                && self
                    .record
                    .get(0)
                    .is_some_and(|field| field.iter().all(u8::is_ascii_whitespace));
            if blank {
                continue;
            }

            if self.width > 0 && self.record.len() != self.width {
                return Err(DataError::RaggedRow {
                    line,
                    column: self.record.len().min(self.width) + 1,
                    expected: self.width,
                    found: self.record.len(),
                });
            }
            return Ok(Some(line));
        }
    }

    fn refusal(&mut self, error: csv::Error) -> DataError {
        match self.reader.get_mut().take_failure() {
            Some(failure) => failure,
            None => DataError::Io(io::Error::from(error)),
        }
    }

    /// The checked column names in the header record, on line `line`.
    fn header(&self, line: u64) -> Result<Vec<String>, DataError> {
        self.check_width(line)?;
        let text = checked_text(&self.record, line, &self.limits)?;

        let mut names = Vec::with_capacity(self.record.len());
        let mut seen = HashSet::with_capacity(self.record.len());
        for column in 0..self.record.len() {
            let name = self
                .record
                .range(column)
                .and_then(|range| text.get(range))
                .unwrap_or_default()
                .trim();
            if name.is_empty() {
                return Err(DataError::EmptyColumnName {
                    line,
                    column: column + 1,
                });
            }
            if !seen.insert(name) {
                return Err(DataError::DuplicateColumn {
                    line,
                    column: column + 1,
                    name: quoted(name),
                });
            }
            names.push(name.to_owned());
        }
        Ok(names)
    }

    /// `column_1`, `column_2`, … for a file whose first row is data.
    fn first_row_names(&self, line: u64) -> Result<Vec<String>, DataError> {
        self.check_width(line)?;
        Ok((1..=self.record.len())
            .map(|column| format!("column_{column}"))
            .collect())
    }

    fn check_width(&self, line: u64) -> Result<(), DataError> {
        if self.record.len() > self.limits.max_columns {
            return Err(DataError::TooManyColumns {
                line,
                found: self.record.len(),
                limit: self.limits.max_columns,
            });
        }
        Ok(())
    }
}

/// The record's text, once every field is checked to be UTF-8 and within the cell limit.
fn checked_text<'a>(
    record: &'a ByteRecord,
    line: u64,
    limits: &Limits,
) -> Result<&'a str, DataError> {
    let bytes = record.as_slice();
    if bytes.contains(&0) {
        let at = bytes.iter().position(|&byte| byte == 0).unwrap_or_default();
        return Err(DataError::NulByte {
            line: line_at(bytes, at, line),
            column: Some(column_at(record, at)),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|error| DataError::InvalidUtf8 {
        line: line_at(bytes, error.valid_up_to(), line),
        column: Some(column_at(record, error.valid_up_to())),
    })?;

    // A record of ASCII no longer than the cell limit passes both checks below as a whole.
    if bytes.len() <= limits.max_cell_bytes && bytes.is_ascii() {
        return Ok(text);
    }
    for column in 0..record.len() {
        let Some(range) = record.range(column) else {
            continue;
        };
        if range.len() > limits.max_cell_bytes {
            return Err(DataError::CellTooLong {
                line,
                column: column + 1,
                limit: limits.max_cell_bytes,
            });
        }
        // Valid as a whole is not enough: a field may end inside a character whose other
        // bytes sit across a delimiter.
        if !text.is_char_boundary(range.start) || !text.is_char_boundary(range.end) {
            return Err(DataError::InvalidUtf8 {
                line,
                column: Some(column + 1),
            });
        }
    }
    Ok(text)
}

/// The column (from 1) of the field that holds byte `at` of the record's fields.
fn column_at(record: &ByteRecord, at: usize) -> usize {
    (0..record.len())
        .find(|&column| record.range(column).is_some_and(|range| range.end > at))
        .map_or(1, |column| column + 1)
}

/// The line of byte `at` of a record that starts on `line`: quoted fields may hold line
/// breaks.
fn line_at(bytes: &[u8], at: usize, line: u64) -> u64 {
    line + bytes[..at].iter().filter(|&&byte| byte == b'\n').count() as u64
}

struct JsonRecords<R: Read> {
    reader: BufReader<LineGuard<Rewound<R>>>,
    buffer: Vec<u8>,
    line: u64,
    next_byte: u64,
    columns: JsonColumns,
    row: JsonRow,
}

impl<R: Read> JsonRecords<R> {
    fn new(stream: Rewound<R>, columns: JsonColumns, limits: Limits) -> Self {
        let guard = LineGuard::new(stream, Grammar::Lines, limits.max_line_bytes);
        Self {
            reader: BufReader::with_capacity(BUFFER_BYTES, guard),
            buffer: Vec::new(),
            line: 0,
            next_byte: 0,
            columns,
            row: JsonRow::default(),
        }
    }

    /// Parses the next non-blank line into `row`; returns its line and byte offset.
    fn advance(&mut self) -> Result<Option<(u64, u64)>, DataError> {
        loop {
            self.buffer.clear();
            let start = self.next_byte;
            let read = match self.reader.read_until(b'\n', &mut self.buffer) {
                Ok(read) => read,
                Err(error) => {
                    return Err(match self.reader.get_mut().take_failure() {
                        Some(failure) => failure,
                        None => DataError::Io(error),
                    });
                }
            };
            if read == 0 {
                return Ok(None);
            }
            self.next_byte += read as u64;
            self.line += 1;

            if self.buffer.contains(&0) {
                return Err(DataError::NulByte {
                    line: self.line,
                    column: None,
                });
            }
            let Ok(text) = std::str::from_utf8(&self.buffer) else {
                return Err(DataError::InvalidUtf8 {
                    line: self.line,
                    column: None,
                });
            };
            let text = text.trim_ascii();
            if text.is_empty() {
                continue;
            }
            parse_line(text, self.line, &mut self.columns, &mut self.row)?;
            return Ok(Some((self.line, start)));
        }
    }
}
