//! Turning an upload into a dataset: one streaming pass that checks every row, profiles
//! every column, samples rows and indexes row offsets.
//!
//! The reader is read once, front to back, in bounded memory: the sniffed head (64 KiB), the
//! parser's buffer (16 KiB), one record (at most [`Limits::max_line_bytes`]), the batches on
//! their way to the profiling thread (a few MiB, see [`crate::pipeline`]) and the bounded
//! summaries of the profile. Only the row index grows with the file, by one entry of 16 bytes
//! per 1024 rows.

use std::io::Read;

use lepton_protocol::profile::DatasetProfile;

use crate::error::DataError;
use crate::format::{Format, SNIFF_BYTES, sniff};
use crate::limits::Limits;
use crate::paging::RowOffset;
use crate::pipeline::profile_rows;
use crate::record::Records;
use crate::sample::RowSample;
use crate::target::{analyse, unknown_target};
use crate::warnings;

/// How to ingest a file.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Bounds on the shape of a row.
    pub limits: Limits,
    /// The column to analyse as the target, if any.
    pub target: Option<String>,
}

/// What ingesting a file found.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// The file's format.
    pub format: Format,
    /// The final column names.
    pub columns: Vec<String>,
    /// The profile, with warnings and, when a target was given, its analysis.
    pub profile: DatasetProfile,
    /// Where every 1024th data row starts, row 0 first.
    pub row_index: Vec<RowOffset>,
    /// A seeded random sample of up to 2000 rows, to analyse another target later.
    pub sample: RowSample,
}

/// Reads, checks and profiles a whole CSV or JSON Lines file.
///
/// # Errors
///
/// [`DataError`] naming the line (and column) of the first problem found: see its variants.
/// A chosen target that is unknown, or has a single class, is an error too.
pub fn ingest<R: Read>(mut reader: R, options: &IngestOptions) -> Result<Ingested, DataError> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    reader
        .by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    let format = sniff(&head)?;
    // A file that fits in the sniffed head is too small to be worth a second thread.
    let threaded = head.len() == SNIFF_BYTES;

    let (mut records, names) = Records::open(head, reader, &format, options.limits)?;
    // A CSV header is known now: refuse an unknown target before reading the whole file.
    if let Some(target) = &options.target
        && !names.is_empty()
        && !names.contains(target)
    {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        return Err(unknown_target(target, &names));
    }

    let (profiler, row_index) = profile_rows(&mut records, &names, threaded)?;

    if profiler.rows() == 0 {
        return Err(match format {
            Format::Csv { header: true, .. } => DataError::HeaderOnly {
                line: records.header_line(),
            },
            _ => DataError::EmptyFile,
        });
    }
    let names = records.names().to_vec();
    let (mut profile, sample) = profiler.finish(&names, records.bytes_read())?;

    if let Some(target) = &options.target {
        profile.target = Some(analyse(&profile, &sample, target)?);
    }
    profile.warnings = warnings::build(&profile);

    Ok(Ingested {
        format,
        columns: names,
        profile,
        row_index,
        sample,
    })
}

#[cfg(test)]
mod tests {
    use std::io::{self, Cursor};

    use lepton_protocol::profile::{ColumnKind, LeakageMethod, Severity, TargetTask};

    use super::*;

    fn ingest_bytes(bytes: &[u8]) -> Result<Ingested, DataError> {
        ingest(bytes, &IngestOptions::default())
    }

    fn with_target(bytes: &[u8], target: &str) -> Result<Ingested, DataError> {
        let options = IngestOptions {
            target: Some(target.to_owned()),
            ..IngestOptions::default()
        };
        ingest(bytes, &options)
    }

    /// The code, line and column of the error a file is refused with.
    type Refusal = (&'static str, Option<u64>, Option<usize>);

    fn refusal(bytes: &[u8]) -> Refusal {
        match ingest_bytes(bytes) {
            Ok(ingested) => panic!("accepted: {:?}", ingested.columns),
            Err(error) => (error.code(), error.line(), error.column()),
        }
    }

    /// A reader that fails the test once more than `limit` bytes have been read from it.
    struct Tripwire<R> {
        inner: R,
        read: usize,
        limit: usize,
    }

    impl<R: Read> Read for Tripwire<R> {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            let read = self.inner.read(buffer)?;
            self.read += read;
            assert!(
                self.read <= self.limit,
                "{} bytes read: the line was buffered",
                self.read
            );
            Ok(read)
        }
    }

    #[test]
    fn bad_files_are_refused_naming_line_and_column() {
        let cases: [(&[u8], Refusal); 14] = [
            (b"", ("empty_file", None, None)),
            (b"\n\n", ("empty_file", None, None)),
            (b"a,b\n", ("header_only", Some(1), None)),
            (b"a,b,c\n1,2,3\n4,5\n", ("ragged_row", Some(3), Some(3))),
            (b"a,b\n1,2\n3,4,5\n", ("ragged_row", Some(3), Some(3))),
            (
                b"a,b\n1,2\n3,\"open\n4,5\n",
                ("unclosed_quote", Some(3), Some(2)),
            ),
            (
                b"name,city\nJos\xE9,Lyon\n",
                ("invalid_utf8", Some(2), Some(1)),
            ),
            (b"a,b\n1,2\n3,\x004\n", ("nul_byte", Some(3), Some(2))),
            (b"a,b,a\n1,2,3\n", ("duplicate_column", Some(1), Some(3))),
            (b"a,,c\n1,2,3\n", ("empty_column_name", Some(1), Some(2))),
            (
                b"x,y\n1,2\n2,NaN\n3,4\n",
                ("non_finite_number", Some(3), Some(2)),
            ),
            (
                b"x,y\n1,inf\n2,5\n",
                ("non_finite_number", Some(2), Some(2)),
            ),
            (
                b"x,y\n1,2\n2,1e309\n",
                ("non_finite_number", Some(3), Some(2)),
            ),
            (
                b"PK\x03\x04\x14\x00\x06\x00\x08\x00",
                ("binary_file", None, None),
            ),
        ];
        for (file, expected) in cases {
            assert_eq!(refusal(file), expected, "{}", String::from_utf8_lossy(file));
        }
    }

    #[test]
    fn bad_json_lines_are_refused_naming_line_and_column() {
        let cases: [(&[u8], Refusal); 5] = [
            (
                b"{\"a\": 1}\n{\"a\": {\"b\": 2}}\n",
                ("nested_value", Some(2), Some(1)),
            ),
            (
                b"{\"a\": 1}\n\n{\"a\": [1]}\n",
                ("nested_value", Some(3), Some(1)),
            ),
            (
                b"{\"a\": 1}\n{\"a\": 1,}\n",
                ("invalid_json", Some(2), None),
            ),
            (
                b"{\"a\": 1}\n{\"a\": \"\xFF\"}\n",
                ("invalid_utf8", Some(2), None),
            ),
            (
                b"{\"a\": 1.5}\n{\"a\": \"NaN\"}\n",
                ("non_finite_number", Some(2), Some(1)),
            ),
        ];
        for (file, expected) in cases {
            assert_eq!(refusal(file), expected, "{}", String::from_utf8_lossy(file));
        }
    }

    #[test]
    fn random_binary_is_refused_before_parsing() {
        let mut state = 0x9E37_79B9_u32;
        let noise: Vec<u8> = (0..100_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 8) as u8
            })
            .collect();
        assert_eq!(refusal(&noise).0, "binary_file");
    }

    #[test]
    fn an_eight_megabyte_line_is_refused_without_buffering_it() {
        for start in [&b"a,b\n1,"[..], b"{\"a\": \""] {
            let line = io::repeat(b'x').take(8 * 1024 * 1024);
            let reader = Tripwire {
                inner: Cursor::new(start).chain(line),
                read: 0,
                limit: 2 * 1024 * 1024,
            };

            let error = ingest(reader, &IngestOptions::default()).unwrap_err();
            assert_eq!(error.code(), "line_too_long");
            let line = if start[0] == b'{' { 1 } else { 2 };
            assert_eq!(error.line(), Some(line));
        }
    }

    #[test]
    fn a_header_of_twenty_thousand_columns_is_refused() {
        let mut file: Vec<u8> = (1..=20_000)
            .map(|column| format!("c{column}"))
            .collect::<Vec<_>>()
            .join(",")
            .into_bytes();
        file.extend_from_slice(b"\n1\n");

        let error = ingest_bytes(&file).unwrap_err();
        assert_eq!((error.code(), error.line()), ("too_many_columns", Some(1)));
        assert!(error.to_string().contains("20000 columns"), "{error}");
    }

    #[test]
    fn a_json_lines_file_with_too_many_keys_is_refused_on_the_line_that_passes_the_limit() {
        let mut file = String::from("{\"a\": 1}\n");
        let keys: Vec<String> = (0..1100).map(|key| format!("\"k{key}\": 1")).collect();
        file.push_str(&format!("{{{}}}\n", keys.join(", ")));

        let error = ingest_bytes(file.as_bytes()).unwrap_err();
        assert_eq!((error.code(), error.line()), ("too_many_columns", Some(2)));
    }

    #[test]
    fn a_cell_over_the_limit_is_refused() {
        let file = format!("a,b\n1,{}\n", "x".repeat(70_000));
        let error = ingest_bytes(file.as_bytes()).unwrap_err();
        assert_eq!(
            (error.code(), error.line(), error.column()),
            ("cell_too_long", Some(2), Some(2))
        );
    }

    #[test]
    fn html_and_formulas_are_stored_as_text() {
        let file = b"<b>name</b>,=cmd\n<script>alert(1)</script>,=SUM(A1)\nx,@y\n";
        let ingested = ingest_bytes(file).unwrap();

        assert_eq!(ingested.columns, ["<b>name</b>", "=cmd"]);
        assert_eq!(ingested.profile.rows, 2);
        assert_eq!(ingested.profile.columns[1].kind, ColumnKind::Text);
    }

    #[test]
    fn delimiter_header_bom_crlf_and_quoted_line_breaks_are_handled() {
        let file = concat!(
            "\u{feff}id;note;score\r\n",
            "1;\"two\r\nlines; and a \"\"quote\"\"\";3,5\r\n",
            "\r\n",
            "2;plain;4\r\n",
        )
        .as_bytes();
        let ingested = ingest_bytes(file).unwrap();

        assert_eq!(
            ingested.format,
            Format::Csv {
                delimiter: b';',
                header: true
            }
        );
        assert_eq!(ingested.columns, ["id", "note", "score"]);
        assert_eq!(ingested.profile.rows, 2);
        assert_eq!(ingested.profile.bytes, file.len() as u64);
        let rows = read_all(file, &ingested);
        assert_eq!(rows[0][1].as_deref(), Some("two\r\nlines; and a \"quote\""));
        assert_eq!(
            rows[1],
            [Some("2".into()), Some("plain".into()), Some("4".into())]
        );
    }

    #[test]
    fn a_file_without_header_gets_numbered_column_names() {
        let ingested = ingest_bytes(b"1,2.5\n3,4\n").unwrap();
        assert_eq!(ingested.columns, ["column_1", "column_2"]);
        assert_eq!(ingested.profile.rows, 2);
        assert_eq!(ingested.profile.columns[0].kind, ColumnKind::Integer);
        assert_eq!(ingested.profile.columns[1].kind, ColumnKind::Numeric);
    }

    #[test]
    fn lines_are_counted_across_blank_lines_and_quoted_line_breaks() {
        let file = b"a,b\n\n\n1,\"x\ny\"\n\n2,3,4\n";
        assert_eq!(refusal(file), ("ragged_row", Some(7), Some(3)));
    }

    #[test]
    fn blank_and_space_only_lines_are_not_rows() {
        let ingested = ingest_bytes(b"a,b\n1,2\n   \n\n3,4\n  \n").unwrap();
        assert_eq!(ingested.profile.rows, 2);
    }

    #[test]
    fn json_lines_columns_are_the_union_of_keys() {
        let file = b"{\"a\": 1, \"b\": \"x\"}\n\n{\"c\": true, \"a\": 2}\n{\"b\": null}\n";
        let ingested = ingest_bytes(file).unwrap();

        assert_eq!(ingested.format, Format::JsonLines);
        assert_eq!(ingested.columns, ["a", "b", "c"]);
        let profile = &ingested.profile;
        assert_eq!(profile.rows, 3);
        let counts: Vec<(u64, u64)> = profile
            .columns
            .iter()
            .map(|c| (c.count, c.missing))
            .collect();
        assert_eq!(counts, [(2, 1), (1, 2), (1, 2)]);
        assert_eq!(profile.columns[2].kind, ColumnKind::Boolean);
        assert_eq!(ingested.sample.columns(), ingested.columns);
    }

    #[test]
    fn duplicate_rows_are_counted() {
        let ingested = ingest_bytes(b"a,b\n1,x\n2,y\n1,x\n1,x\n2,z\n").unwrap();
        let profile = &ingested.profile;
        assert_eq!(
            (profile.duplicate_rows, profile.duplicates_exact),
            (2, true)
        );
        assert!(
            profile
                .warnings
                .iter()
                .any(|warning| warning.code == "duplicate_rows")
        );
    }

    #[test]
    fn the_row_index_marks_every_1024th_row() {
        let mut file = String::from("n,text\n");
        for row in 0..3000 {
            file.push_str(&format!("{row},\"row\n{row}\"\n"));
        }
        let ingested = ingest_bytes(file.as_bytes()).unwrap();

        let rows: Vec<u64> = ingested.row_index.iter().map(|entry| entry.row).collect();
        assert_eq!(rows, [0, 1024, 2048]);
        for entry in &ingested.row_index {
            let rest = &file.as_bytes()[entry.byte as usize..];
            assert!(
                rest.starts_with(format!("{},", entry.row).as_bytes()),
                "{entry:?}"
            );
        }
    }

    #[test]
    fn a_chosen_target_is_analysed_with_imbalance_and_leakage() {
        let mut file = String::from("id,leak,noise,label\n");
        for row in 0..200u32 {
            let label = if row % 8 == 0 { "fraud" } else { "ok" };
            let leak = if label == "fraud" {
                90 + row % 7
            } else {
                row % 50
            };
            let noise = (row * 7919) % 13;
            file.push_str(&format!("{row},{leak},{noise},{label}\n"));
        }
        let ingested = with_target(file.as_bytes(), "label").unwrap();

        let target = ingested.profile.target.as_ref().expect("a target analysis");
        assert_eq!(target.task, TargetTask::Classification);
        assert!(target.classes_exact);
        let classes: Vec<(&str, u64)> = target
            .classes
            .iter()
            .map(|class| (class.value.as_str(), class.count))
            .collect();
        assert_eq!(classes, [("ok", 175), ("fraud", 25)]);
        assert_eq!(target.imbalance_ratio, Some(7.0));

        let leaks: Vec<(&str, LeakageMethod)> = target
            .leakage
            .iter()
            .map(|leak| (leak.column.as_str(), leak.method))
            .collect();
        assert_eq!(leaks, [("leak", LeakageMethod::Threshold)]);

        let warnings: Vec<(Severity, &str)> = ingested
            .profile
            .warnings
            .iter()
            .map(|warning| (warning.severity, warning.code.as_str()))
            .collect();
        assert_eq!(
            warnings,
            [
                (Severity::High, "target_leakage"),
                (Severity::Medium, "id_like_column"),
                (Severity::Medium, "imbalanced_target"),
            ]
        );
    }

    #[test]
    fn unknown_and_single_class_targets_are_refused() {
        let file = b"x,y\n1,a\n2,a\n3,a\n";
        let error = with_target(file, "z").unwrap_err();
        assert_eq!(error.code(), "unknown_target");
        assert!(error.to_string().contains("`x`, `y`"), "{error}");

        let error = with_target(file, "y").unwrap_err();
        assert_eq!(error.code(), "single_class_target");
        assert!(error.to_string().contains("(`a`)"), "{error}");

        let error = with_target(b"{\"x\": 1}\n{\"x\": 2}\n", "z").unwrap_err();
        assert_eq!(error.code(), "unknown_target");
    }

    #[test]
    fn a_profile_survives_a_json_round_trip() {
        let file = b"when,n,x,c\n2024-01-01,1,0.5,a\n2024-02-01,2,,b\n2024-03-01,2,1.5,a\n";
        let ingested = with_target(file, "c").unwrap();

        let json = serde_json::to_string(&ingested.profile).unwrap();
        let back: DatasetProfile = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ingested.profile);
        let json = serde_json::to_string(&ingested.row_index).unwrap();
        assert_eq!(
            serde_json::from_str::<Vec<RowOffset>>(&json).unwrap(),
            ingested.row_index
        );
    }

    fn read_all(file: &[u8], ingested: &Ingested) -> Vec<Vec<Option<String>>> {
        let start = RowOffset { row: 0, byte: 0 };
        crate::read_rows(
            file,
            &ingested.format,
            &ingested.columns,
            start,
            0,
            usize::MAX,
        )
        .unwrap()
    }
}
