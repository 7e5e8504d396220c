//! Why a file cannot become a dataset, or a dataset cannot be read back.
//!
//! One error type serves every step of the engine, because the server turns each into the
//! same kind of answer: a stable code and a sentence that names the line (and the column,
//! where one applies) and says what to change in the file. Lines are physical lines of the
//! file, counted from 1; columns are table columns, counted from 1.

use std::fmt;
use std::io;

/// Column names and cell values in messages are cut to this many characters.
const QUOTED_CHARS: usize = 64;

/// Why a file was refused or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file holds no data at all: no bytes, or only blank lines. Upload the file again.
    #[error("the file is empty; upload a CSV or JSON Lines file with at least one row of data")]
    EmptyFile,
    /// A CSV file with a header and nothing below it. Add the data rows.
    #[error("line {line}: the file has a header but no data rows; add rows below the header")]
    HeaderOnly {
        /// The header's line.
        line: u64,
    },
    /// A CSV row with more or fewer fields than the header. Quote fields that contain the
    /// delimiter, or fix the row.
    #[error(
        "line {line}, column {column}: expected {expected} fields, found {found}; every row \
         needs as many fields as the first one (quote fields that contain the delimiter)"
    )]
    RaggedRow {
        /// The row's first line.
        line: u64,
        /// The first field missing or in excess.
        column: usize,
        /// Fields per row, from the header or the first row.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// A quoted CSV field is still open at the end of the file. Close it, and write a quote
    /// inside a quoted field as two quotes.
    #[error(
        "line {line}, column {column}: this quoted field is never closed; add the closing \
         quote, and write a quote inside a quoted field as two quotes (\"\")"
    )]
    UnclosedQuote {
        /// The line of the opening quote.
        line: u64,
        /// The field that opens with it.
        column: usize,
    },
    /// Bytes that are not UTF-8. Save the file as UTF-8.
    #[error(
        "{}: the text is not valid UTF-8; save the file as UTF-8 (it may be in Latin-1 or \
         Windows-1252)",
        Place(*line, *column)
    )]
    InvalidUtf8 {
        /// The line of the first invalid byte.
        line: u64,
        /// The column, where it is known (always for CSV).
        column: Option<usize>,
    },
    /// A NUL byte, which no text file holds. Export the data again as text.
    #[error(
        "{}: the file contains a NUL byte, which text files never do; export the data again \
         as CSV or JSON Lines",
        Place(*line, *column)
    )]
    NulByte {
        /// The line of the NUL byte.
        line: u64,
        /// The CSV field it is in; none for JSON Lines.
        column: Option<usize>,
    },
    /// Not a text file: a spreadsheet, an archive, an image. Export the data as CSV.
    #[error("the file is {what}, not text; export the data as CSV or JSON Lines in UTF-8")]
    BinaryFile {
        /// What the file looks like, for example "a ZIP archive (an .xlsx workbook?)".
        what: &'static str,
    },
    /// A line (a CSV record, quoted line breaks included) over the limit. Split the data
    /// into more rows or columns, or shorten the long values.
    #[error(
        "line {line}: the line is longer than {limit} bytes; a row this long is almost always \
         a broken file (a quote never closed, or the wrong line endings)"
    )]
    LineTooLong {
        /// The line the long record starts on.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// One cell over the limit. Shorten the value or leave it out.
    #[error("line {line}, column {column}: a cell is longer than {limit} bytes; shorten it")]
    CellTooLong {
        /// The row's first line.
        line: u64,
        /// The cell's column.
        column: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// More columns than the limit. Keep the columns a model needs.
    #[error(
        "line {line}: {found} columns, more than the limit of {limit}; keep at most {limit} \
         columns"
    )]
    TooManyColumns {
        /// The line that went over the limit.
        line: u64,
        /// Columns found (for JSON Lines, the count once it passed the limit).
        found: usize,
        /// The limit.
        limit: usize,
    },
    /// Two columns with the same name, in a header or within one JSON object. Rename one.
    #[error(
        "line {line}, column {column}: the column name `{name}` appears twice; give every \
         column its own name"
    )]
    DuplicateColumn {
        /// The line of the header or object.
        line: u64,
        /// The second column with the name.
        column: usize,
        /// The name (cut to 64 characters).
        name: String,
    },
    /// A header cell, or a JSON key, that is empty. Name the column or delete it.
    #[error("line {line}, column {column}: the column has no name; name it or delete it")]
    EmptyColumnName {
        /// The line of the header or object.
        line: u64,
        /// The unnamed column.
        column: usize,
    },
    /// `NaN`, `inf` or a number too large for a double in an otherwise numeric column.
    /// Leave the cell empty for a missing value, or write the number.
    #[error(
        "line {line}, column {column} (`{name}`): `{value}` is not a finite number, in a \
         column of numbers; leave the cell empty if the value is missing"
    )]
    NonFiniteNumber {
        /// The line of the first such cell.
        line: u64,
        /// Its column.
        column: usize,
        /// The column's name (cut to 64 characters).
        name: String,
        /// The cell (cut to 64 characters).
        value: String,
    },
    /// A JSON Lines line that is not one JSON object. Fix the line.
    #[error("line {line}: {message}; each line must hold one JSON object")]
    InvalidJson {
        /// The line.
        line: u64,
        /// What is wrong, for example "expected `:` at character 12".
        message: String,
    },
    /// A JSON value that is an object or an array. Flatten it into columns of its own.
    #[error(
        "line {line}, column {column} (`{name}`): nested objects and arrays are not \
         supported; flatten the value into columns of its own"
    )]
    NestedValue {
        /// The line.
        line: u64,
        /// The value's column.
        column: usize,
        /// The key (cut to 64 characters).
        name: String,
    },
    /// The chosen target is not a column of the dataset. Choose one of the columns.
    #[error("there is no column named `{target}`; choose one of {columns}")]
    UnknownTarget {
        /// The name asked for (cut to 64 characters).
        target: String,
        /// The first few column names, for the message.
        columns: String,
    },
    /// The target holds a single value (or none), so there is nothing to predict.
    #[error(
        "the target `{target}` holds {values} in every row; a model needs at least two \
         classes (or varying numbers) to learn from, so choose another column"
    )]
    SingleClassTarget {
        /// The target column (cut to 64 characters).
        target: String,
        /// "one value (`yes`)" or "no value".
        values: String,
    },
    /// The target is free text or dates with many values: neither classes nor numbers.
    #[error(
        "the target `{target}` holds {distinct} different {kind} values; choose a column of \
         classes or numbers"
    )]
    UnsuitableTarget {
        /// The target column (cut to 64 characters).
        target: String,
        /// `text` or `datetime`.
        kind: &'static str,
        /// Its distinct values.
        distinct: u64,
    },
    /// A stored row sample that does not belong to the stored profile: the server mixed up
    /// two versions. Profile the file again.
    #[error("the row sample does not match the profile's columns; profile the file again")]
    SampleMismatch,
    /// A paging request whose first row lies before the index entry it starts from.
    #[error("row {first_row} lies before row {from_row}, where reading starts")]
    RowBeforeOffset {
        /// The first row asked for.
        first_row: u64,
        /// The row of the index entry.
        from_row: u64,
    },
    /// Reading the upload or writing the export failed; nothing in the file is at fault.
    #[error("reading or writing the data failed: {0}")]
    Io(#[from] io::Error),
}

impl DataError {
    /// A stable, machine-readable name of the error, for the API and the logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyFile => "empty_file",
            Self::HeaderOnly { .. } => "header_only",
            Self::RaggedRow { .. } => "ragged_row",
            Self::UnclosedQuote { .. } => "unclosed_quote",
            Self::InvalidUtf8 { .. } => "invalid_utf8",
            Self::NulByte { .. } => "nul_byte",
            Self::BinaryFile { .. } => "binary_file",
            Self::LineTooLong { .. } => "line_too_long",
            Self::CellTooLong { .. } => "cell_too_long",
            Self::TooManyColumns { .. } => "too_many_columns",
            Self::DuplicateColumn { .. } => "duplicate_column",
            Self::EmptyColumnName { .. } => "empty_column_name",
            Self::NonFiniteNumber { .. } => "non_finite_number",
            Self::InvalidJson { .. } => "invalid_json",
            Self::NestedValue { .. } => "nested_value",
            Self::UnknownTarget { .. } => "unknown_target",
            Self::SingleClassTarget { .. } => "single_class_target",
            Self::UnsuitableTarget { .. } => "unsuitable_target",
            Self::SampleMismatch => "sample_mismatch",
            Self::RowBeforeOffset { .. } => "row_before_offset",
            Self::Io(_) => "io",
        }
    }

    /// The line the error names, for errors about a place in the file.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::HeaderOnly { line }
            | Self::RaggedRow { line, .. }
            | Self::UnclosedQuote { line, .. }
            | Self::InvalidUtf8 { line, .. }
            | Self::NulByte { line, .. }
            | Self::LineTooLong { line, .. }
            | Self::CellTooLong { line, .. }
            | Self::TooManyColumns { line, .. }
            | Self::DuplicateColumn { line, .. }
            | Self::EmptyColumnName { line, .. }
            | Self::NonFiniteNumber { line, .. }
            | Self::InvalidJson { line, .. }
            | Self::NestedValue { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The column (from 1) the error names, where it names one.
    pub fn column(&self) -> Option<usize> {
        match self {
            Self::RaggedRow { column, .. }
            | Self::UnclosedQuote { column, .. }
            | Self::CellTooLong { column, .. }
            | Self::DuplicateColumn { column, .. }
            | Self::EmptyColumnName { column, .. }
            | Self::NonFiniteNumber { column, .. }
            | Self::NestedValue { column, .. } => Some(*column),
            Self::InvalidUtf8 { column, .. } | Self::NulByte { column, .. } => *column,
            _ => None,
        }
    }
}

/// Cuts text from the file to a length fit for a message.
pub(crate) fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// "line 3, column 2", or "line 3" where the column is unknown.
struct Place(u64, Option<usize>);

impl fmt::Display for Place {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(column) => write!(formatter, "line {}, column {column}", self.0),
            None => write!(formatter, "line {}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_line_and_column() {
        let error = DataError::RaggedRow {
            line: 3,
            column: 4,
            expected: 4,
            found: 3,
        };
        assert!(
            error
                .to_string()
                .starts_with("line 3, column 4: expected 4 fields, found 3")
        );
        assert_eq!((error.line(), error.column()), (Some(3), Some(4)));

        let error = DataError::InvalidUtf8 {
            line: 7,
            column: None,
        };
        assert!(
            error
                .to_string()
                .starts_with("line 7: the text is not valid UTF-8")
        );
    }

    #[test]
    fn long_text_is_cut_for_messages() {
        let long = "é".repeat(100);
        let cut = quoted(&long);
        assert_eq!(cut.chars().count(), QUOTED_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(quoted("short"), "short");
    }
}
