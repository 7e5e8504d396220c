//! Which format an upload is in, decided from its first bytes: CSV (with its delimiter and
//! whether it has a header) or JSON Lines; and the refusal of what is not text at all.
//!
//! The decision needs no file name or media type, which browsers fill in unreliably. The
//! server may call [`sniff`] on the first chunk to refuse a spreadsheet before storing it;
//! [`crate::ingest`] sniffs again itself.

use serde::{Deserialize, Serialize};

use crate::cell::{Cell, classify, is_plain_number};
use crate::error::DataError;

/// Bytes [`sniff`] looks at: pass the first this many bytes of the file, or the whole file
/// when it is shorter.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The UTF-8 byte-order mark some editors write at the start of a file.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Delimiters tried, in order of preference when they fit equally well.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Records parsed to judge a delimiter.
const DELIMITER_RECORDS: usize = 64;
/// Rows below the first compared with it to judge a header.
const HEADER_ROWS: usize = 20;
/// A head with more than one NUL byte in four is UTF-16 (every other byte of ASCII is NUL).
const UTF16_NUL_SHARE: usize = 4;
/// A head with more than one control character in ten is binary: text has next to none,
/// random bytes one in nine.
const CONTROL_SHARE: usize = 10;
/// A head with more than one byte in three either a control character or not UTF-8 is
/// binary; fewer invalid bytes are text in another encoding, reported line by line.
const NOT_TEXT_SHARE: usize = 3;
/// Fewer odd bytes than this never make a head binary by the shares above: in a file of a
/// few bytes one stray NUL is a broken cell, better reported by line and column.
const MIN_ODD_BYTES: usize = 4;

/// Known binary formats by their first bytes.
const SIGNATURES: [(&[u8], &str); 9] = [
    (
        b"PK\x03\x04",
        "a ZIP archive (an Excel .xlsx or OpenDocument spreadsheet?)",
    ),
    (
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        "an old Office document (an Excel .xls workbook?)",
    ),
    (b"%PDF", "a PDF document"),
    (
        b"\x1F\x8B",
        "gzip-compressed; decompress it first, then upload",
    ),
    (b"PAR1", "a Parquet file"),
    (b"SQLite format 3\0", "an SQLite database"),
    (b"\x89PNG", "a PNG image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"\xFF\xFE", "UTF-16 text (save it as UTF-8)"),
];

/// The format of a dataset file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Format {
    /// Comma-separated values (RFC 4180 quoting) with some delimiter.
    Csv {
        /// `,`, `;`, tab or `|`.
        delimiter: u8,
        /// Whether the first record names the columns; without one they are `column_1`, ….
        header: bool,
    },
    /// One JSON object per line.
    JsonLines,
}

/// Decides the format from `head`, the first [`SNIFF_BYTES`] bytes of a file (or all of it).
///
/// JSON Lines when the first non-blank byte is `{`. Otherwise CSV: the delimiter is the one
/// that splits the first records (outside quotes) into the same number of fields most
/// consistently, more fields winning ties; the first record is a header when some column has
/// a name above numbers, or when all its cells are distinct, non-empty and not numbers.
///
/// # Errors
///
/// [`DataError::EmptyFile`] for a head with nothing but blanks, [`DataError::BinaryFile`] for
/// a known binary format or bytes that are not text, [`DataError::InvalidJson`] for a JSON
/// array (which is not JSON Lines).
pub fn sniff(head: &[u8]) -> Result<Format, DataError> {
    if let Some(what) = binary_kind(head) {
        return Err(DataError::BinaryFile { what });
    }

    let text = head.strip_prefix(BOM).unwrap_or(head);
    let Some(first) = text.iter().position(|byte| !byte.is_ascii_whitespace()) else {
        return Err(DataError::EmptyFile);
    };
    match text[first] {
        b'{' => return Ok(Format::JsonLines),
        b'[' => {
            return Err(DataError::InvalidJson {
                line: line_of(text, first),
                message: "the file is one JSON array, not JSON Lines; write one object per \
                          line instead"
                    .to_owned(),
            });
        }
        _ => {}
    }

    let text = whole_lines(text);
    let delimiter = detect_delimiter(text);
    let header = detect_header(text, delimiter);
    Ok(Format::Csv { delimiter, header })
}

/// What binary format `head` is in, if it is not text.
fn binary_kind(head: &[u8]) -> Option<&'static str> {
    if let Some((_, what)) = SIGNATURES.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(what);
    }
    if head.starts_with(b"\xFE\xFF") {
        return Some("UTF-16 text (save it as UTF-8)");
    }

    let nul = head.iter().filter(|&&byte| byte == 0).count();
    if nul >= MIN_ODD_BYTES && nul * UTF16_NUL_SHARE > head.len() {
        return Some("UTF-16 text without a byte-order mark, or binary data (save text as UTF-8)");
    }
    let control = head
        .iter()
        .filter(|&&byte| (byte < 0x20 && !b"\t\n\r\x0C".contains(&byte)) || byte == 0x7F)
        .count();
    let invalid = invalid_utf8_bytes(head);
    let binary = control + invalid >= MIN_ODD_BYTES
        && (control * CONTROL_SHARE > head.len()
            || (control + invalid) * NOT_TEXT_SHARE > head.len());
    binary.then_some("binary data")
}

/// Bytes of `bytes` that are not part of valid UTF-8, not counting a sequence cut off at the
/// end (the head may end inside a character).
fn invalid_utf8_bytes(mut bytes: &[u8]) -> usize {
    let mut invalid = 0;
    while let Err(error) = std::str::from_utf8(bytes) {
        let Some(length) = error.error_len() else {
            break;
        };
        invalid += length;
        bytes = &bytes[error.valid_up_to() + length..];
    }
    invalid
}

fn line_of(text: &[u8], offset: usize) -> u64 {
    1 + text[..offset].iter().filter(|&&byte| byte == b'\n').count() as u64
}

/// `text` without its last line when that line may be cut off by the end of the head.
fn whole_lines(text: &[u8]) -> &[u8] {
    if text.ends_with(b"\n") {
        return text;
    }
    match text.iter().rposition(|&byte| byte == b'\n') {
        Some(last) => &text[..=last],
        None => text,
    }
}

fn detect_delimiter(text: &[u8]) -> u8 {
    let mut best = (b',', 0.0, 1);
    for delimiter in DELIMITERS {
        let counts = field_counts(text, delimiter);
        let Some((fields, share)) = most_common(&counts) else {
            continue;
        };
        let better = share > best.1 || (share == best.1 && fields > best.2);
        if fields > 1 && better {
            best = (delimiter, share, fields);
        }
    }
    best.0
}

fn field_counts(text: &[u8], delimiter: u8) -> Vec<usize> {
    let mut reader = csv_reader(text, delimiter);
    reader
        .byte_records()
        .take(DELIMITER_RECORDS)
        .map_while(Result::ok)
        .map(|record| record.len())
        .collect()
}

/// The most common count and the share of records that have it.
fn most_common(counts: &[usize]) -> Option<(usize, f64)> {
    let mut tally: Vec<(usize, usize)> = Vec::new();
    for &count in counts {
        match tally.iter_mut().find(|(fields, _)| *fields == count) {
            Some((_, seen)) => *seen += 1,
            None => tally.push((count, 1)),
        }
    }
    let &(fields, seen) = tally
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))?;
    Some((fields, seen as f64 / counts.len() as f64))
}

fn detect_header(text: &[u8], delimiter: u8) -> bool {
    let rows: Vec<Vec<String>> = csv_reader(text, delimiter)
        .byte_records()
        .take(HEADER_ROWS + 1)
        .map_while(Result::ok)
        .map(|record| {
            record
                .iter()
                .map(|field| String::from_utf8_lossy(field).into_owned())
                .collect()
        })
        .collect();
    let Some((first, below)) = rows.split_first() else {
        return false;
    };

    let is_name = |cell: &str| {
        !matches!(
            classify(Some(cell)),
            Cell::Missing | Cell::Integer(_) | Cell::Number(_) | Cell::NonFinite
        )
    };

    let names_above_numbers = first.iter().enumerate().any(|(column, name)| {
        let cells: Vec<&str> = below
            .iter()
            .filter_map(|row| row.get(column).map(String::as_str))
            .filter(|cell| classify(Some(cell)) != Cell::Missing)
            .collect();
        is_name(name) && !cells.is_empty() && cells.iter().all(|cell| is_plain_number(cell))
    });

    let mut distinct: Vec<&str> = first.iter().map(String::as_str).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let all_names = first.iter().all(|cell| is_name(cell)) && distinct.len() == first.len();

    names_above_numbers || all_names
}

fn csv_reader(text: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(delimiter: u8, header: bool) -> Format {
        Format::Csv { delimiter, header }
    }

    #[test]
    fn delimiters_are_found_by_consistent_field_counts() {
        assert_eq!(sniff(b"a,b,c\n1,2,3\n").unwrap(), csv(b',', true));
        assert_eq!(sniff(b"a;b;c\n1,5;2,5;3\n").unwrap(), csv(b';', true));
        assert_eq!(sniff(b"a\tb\n1\t2\n").unwrap(), csv(b'\t', true));
        assert_eq!(sniff(b"a|b\n1|2\n").unwrap(), csv(b'|', true));
        // Semicolons inside quotes do not count.
        assert_eq!(
            sniff(b"name,note\nann,\"x; y; z\"\nbob,\"u; v\"\n").unwrap(),
            csv(b',', true)
        );
        assert_eq!(sniff(b"only\n1\n2\n").unwrap(), csv(b',', true));
    }

    #[test]
    fn headers_are_names_above_numbers_or_distinct_names() {
        assert_eq!(sniff(b"1,2\n3,4\n").unwrap(), csv(b',', false));
        assert_eq!(
            sniff(b"id,2021,2022\n1,5,6\n2,7,8\n").unwrap(),
            csv(b',', true)
        );
        assert_eq!(
            sniff(b"city,country\nParis,France\n").unwrap(),
            csv(b',', true)
        );
        assert_eq!(sniff(b"x,x\nParis,France\n").unwrap(), csv(b',', false));
        assert_eq!(sniff(b"a,,c\nParis,,Rome\n").unwrap(), csv(b',', false));
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_do_not_matter() {
        assert_eq!(
            sniff(b"\xEF\xBB\xBFa;b\r\n1;2\r\n").unwrap(),
            csv(b';', true)
        );
        assert_eq!(
            sniff(b"\xEF\xBB\xBF{\"a\": 1}\n").unwrap(),
            Format::JsonLines
        );
    }

    #[test]
    fn json_lines_start_with_an_object() {
        assert_eq!(sniff(b"\n  {\"a\": 1}\n").unwrap(), Format::JsonLines);
        let error = sniff(b"\n[{\"a\": 1}]").unwrap_err();
        assert_eq!((error.code(), error.line()), ("invalid_json", Some(2)));
    }

    #[test]
    fn blank_heads_are_empty_files() {
        for head in [&b""[..], b"\n\n  \r\n", b"\xEF\xBB\xBF"] {
            assert_eq!(sniff(head).unwrap_err().code(), "empty_file");
        }
    }

    #[test]
    fn binary_files_are_refused() {
        let workbook = b"PK\x03\x04\x14\x00\x06\x00";
        let error = sniff(workbook).unwrap_err();
        assert_eq!(error.code(), "binary_file");
        assert!(error.to_string().contains("xlsx"), "{error}");

        let mut state = 0x1234_5678_u32;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect();
        assert_eq!(sniff(&noise).unwrap_err().code(), "binary_file");

        let stray_nul = b"a,b\n1,2\x00\n";
        assert!(
            sniff(stray_nul).is_ok(),
            "one NUL in a tiny file is a broken cell, reported with its line"
        );

        let latin1 = b"name,city\nJos\xE9,S\xE3o Paulo\n";
        assert!(
            sniff(latin1).is_ok(),
            "a few invalid bytes are an encoding problem"
        );
    }

    #[test]
    fn a_cut_off_last_line_is_ignored() {
        assert_eq!(sniff(b"a;b\n1;2\n3;4\n5").unwrap(), csv(b';', true));
    }

    #[test]
    fn formats_serialize_with_a_type_tag() {
        let json = serde_json::to_string(&csv(b';', true)).unwrap();
        assert_eq!(json, r#"{"type":"csv","delimiter":59,"header":true}"#);
        assert_eq!(
            serde_json::from_str::<Format>(&json).unwrap(),
            csv(b';', true)
        );
    }
}
