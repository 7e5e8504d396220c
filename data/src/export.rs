//! Writing a dataset back out as CSV that is safe to open in a spreadsheet.
//!
//! A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula
//! by Excel, LibreOffice and Google Sheets, which lets a crafted upload run commands or leak
//! data on the machine of whoever downloads it (OWASP, "CSV Injection"). Such cells get a
//! leading apostrophe, which spreadsheets show as text, unless they are plain numbers such as
//! `-3.5`, which no spreadsheet runs. The column names are treated the same way.

use std::borrow::Cow;
use std::io::{self, Read, Write};

use crate::cell::is_plain_number;
use crate::error::DataError;
use crate::format::Format;
use crate::limits::Limits;
use crate::record::Records;

/// First characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [u8; 6] = [b'=', b'+', b'-', b'@', b'\t', b'\r'];

/// Streams a dataset from the start of its file to `writer` as comma-separated CSV with a
/// header row and formulas neutralised; returns the data rows written.
///
/// Missing JSON values become empty cells.
///
/// # Errors
///
/// [`DataError::Io`] when reading or writing fails; the format's errors when the file no
/// longer matches its profile. The default [`Limits`] apply.
pub fn export_csv<R: Read, W: Write>(
    reader: R,
    format: &Format,
    columns: &[String],
    writer: W,
) -> Result<u64, DataError> {
    let mut records = Records::resume(reader, format, columns, Limits::default(), 0)?;
    let mut output = csv::Writer::from_writer(writer);

    for name in columns {
        output
            .write_field(neutralise(name).as_bytes())
            .map_err(io::Error::from)?;
    }
    output
        .write_record(None::<&[u8]>)
        .map_err(io::Error::from)?;

    let mut rows = 0u64;
    while let Some(record) = records.next()? {
        for column in 0..columns.len() {
            let cell = record.cell(column).unwrap_or_default();
            output
                .write_field(neutralise(cell).as_bytes())
                .map_err(io::Error::from)?;
        }
        output
            .write_record(None::<&[u8]>)
            .map_err(io::Error::from)?;
        rows += 1;
    }

    output.flush()?;
    Ok(rows)
}

/// The cell, with an apostrophe in front when a spreadsheet would run it as a formula.
pub(crate) fn neutralise(cell: &str) -> Cow<'_, str> {
    let formula = cell
        .as_bytes()
        .first()
        .is_some_and(|first| FORMULA_STARTS.contains(first));
    if formula && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IngestOptions, ingest};

    #[test]
    fn formulas_get_an_apostrophe_and_numbers_do_not() {
        let cases = [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("@cmd", "'@cmd"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-3.5", "-3.5"),
            ("+7", "+7"),
            ("-1e5", "-1e5"),
            ("<b>bold</b>", "<b>bold</b>"),
            ("a=b", "a=b"),
            ("", ""),
        ];
        for (cell, expected) in cases {
            assert_eq!(neutralise(cell), expected, "{cell:?}");
        }
    }

    fn export(file: &[u8]) -> (u64, String) {
        let ingested = ingest(file, &IngestOptions::default()).unwrap();
        let mut output = Vec::new();
        let rows = export_csv(file, &ingested.format, &ingested.columns, &mut output).unwrap();
        (rows, String::from_utf8(output).unwrap())
    }

    #[test]
    fn an_export_neutralises_formulas_but_keeps_negative_numbers() {
        let (rows, csv) = export(b"=name;value\n=SUM(A1);-3.5\n@cmd;4\n");
        assert_eq!(rows, 2);
        assert_eq!(csv, "'=name,value\n'=SUM(A1),-3.5\n'@cmd,4\n");
    }

    #[test]
    fn an_export_of_json_lines_has_a_header_and_empty_missing_cells() {
        let (rows, csv) = export(b"{\"a\": 1, \"b\": \"x,y\"}\n{\"b\": null}\n{\"a\": \"-x\"}\n");
        assert_eq!(rows, 3);
        assert_eq!(csv, "a,b\n1,\"x,y\"\n,\n'-x,\n");
    }

    #[test]
    fn an_export_keeps_quoted_line_breaks_and_drops_the_byte_order_mark() {
        let (_, csv) = export(b"\xEF\xBB\xBFa,b\r\n\"x\ny\",2\r\n");
        assert_eq!(csv, "a,b\n\"x\ny\",2\n");
    }
}
