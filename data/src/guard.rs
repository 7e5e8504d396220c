//! A reader between the upload and the parser that stops the stream, as the bytes pass, when
//! a record grows past the limit, so that no parser buffer grows without bound.
//!
//! The `csv` crate buffers a whole record before returning it, and a JSON line is read whole
//! too, so a single 8 MB line would be held in memory; the guard counts the bytes of the
//! current record and fails the read once it passes the limit, never holding more than one
//! read's worth itself. For CSV it also notes a quoted field still open at the end of the
//! file, which the parser would quietly close.
//!
//! For CSV it follows the same rules as the `csv` crate's parser (csv-core, default
//! settings): a quote opens a quoted field only as the field's first byte, `""` inside one
//! stands for a quote, and CR, LF or CRLF end a record outside quotes, blank lines being
//! skipped. Knowing where each record starts, it keeps the line of each start for the
//! record reader, since the parser's own line count points at the blank lines before a
//! record. It looks only at quotes and line breaks, in blocks of 32 bytes that the compiler
//! turns into vector compares, so it costs a small fraction of the parse.

use std::collections::VecDeque;
use std::io::{self, Read};

use crate::error::DataError;

/// Record starts remembered ahead of the parser. The parser reads at most one buffer ahead,
/// which holds fewer records than this; the bound only matters if guard and parser ever
/// disagreed about records, and keeps memory bounded then.
const MAX_PENDING_STARTS: usize = 1 << 16;
/// Bytes tested at once for a byte that matters.
const BLOCK: usize = 32;

/// The syntax the guard follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grammar {
    /// CSV with this delimiter and `"` as the quote.
    Csv {
        /// The field delimiter.
        delimiter: u8,
    },
    /// Lines ended by LF (JSON Lines).
    Lines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records, where line breaks are blank lines.
    RecordStart,
    /// In a record, outside quotes.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: a second quote continues the field.
    QuoteInQuoted,
}

/// A reader that enforces the line limit on the bytes passing through.
#[derive(Debug)]
pub(crate) struct LineGuard<R> {
    inner: R,
    grammar: Grammar,
    limit: usize,
    state: State,
    /// Bytes passed before the current read.
    position: u64,
    /// The byte before the current read, to tell whether a quote starts a field.
    previous: u8,
    line: u64,
    record_start: u64,
    record_line: u64,
    quote_line: u64,
    starts: VecDeque<u64>,
    unclosed_quote: Option<u64>,
    failure: Option<DataError>,
    stopped: bool,
}

impl<R: Read> LineGuard<R> {
    /// Guards `inner`, allowing records (or lines) of at most `limit` bytes.
    pub(crate) fn new(inner: R, grammar: Grammar, limit: usize) -> Self {
        Self {
            inner,
            grammar,
            limit,
            state: State::RecordStart,
            position: 0,
            previous: b'\n',
            line: 1,
            record_start: 0,
            record_line: 1,
            quote_line: 1,
            starts: VecDeque::new(),
            unclosed_quote: None,
            failure: None,
            stopped: false,
        }
    }

    /// The line on which the next record the parser returns starts (CSV only).
    pub(crate) fn take_record_line(&mut self) -> Option<u64> {
        self.starts.pop_front()
    }

    /// Why the guard stopped the stream, once; the parser only saw an I/O error.
    pub(crate) fn take_failure(&mut self) -> Option<DataError> {
        self.failure.take()
    }

    /// The line of the opening quote of a quoted field the file ended in, once the end is
    /// reached; the parser then returns that field as the last of the last record.
    pub(crate) fn unclosed_quote(&self) -> Option<u64> {
        self.unclosed_quote
    }

    /// Bytes passed on so far.
    pub(crate) fn bytes_passed(&self) -> u64 {
        self.position
    }

    /// Scans a chunk; on a violation, records it and returns how many bytes before it may
    /// still go to the parser.
    fn scan(&mut self, bytes: &[u8]) -> Result<(), usize> {
        match self.grammar {
            Grammar::Csv { delimiter } => self.scan_csv(bytes, delimiter)?,
            Grammar::Lines => self.scan_lines(bytes)?,
        }

        let end = self.position + bytes.len() as u64;
        let open = self.grammar == Grammar::Lines || self.state != State::RecordStart;
        if open && end - self.record_start > self.limit as u64 {
            return Err(self.fail_long(bytes.len()));
        }
        Ok(())
    }

    fn scan_lines(&mut self, bytes: &[u8]) -> Result<(), usize> {
        let mut at = 0;
        while let Some(found) = find(&bytes[at..], [b'\n'; 3]) {
            let here = at + found;
            self.end_record(here)?;
            self.line += 1;
            self.record_start = self.position + here as u64 + 1;
            self.record_line = self.line;
            at = here + 1;
        }
        Ok(())
    }

    fn scan_csv(&mut self, bytes: &[u8], delimiter: u8) -> Result<(), usize> {
        let mut at = 0;
        while let Some(&byte) = bytes.get(at) {
            match self.state {
                State::RecordStart => match byte {
                    b'\n' => {
                        self.line += 1;
                        at += 1;
                    }
                    b'\r' => at += 1,
                    _ => {
                        self.begin_record(at);
                        if byte == b'"' {
                            self.open_quote();
                            at += 1;
                        }
                    }
                },
                State::Unquoted => {
                    let Some(found) = find(&bytes[at..], [b'"', b'\n', b'\r']) else {
                        break;
                    };
                    let here = at + found;
                    match bytes[here] {
                        b'"' => {
                            let before = match here.checked_sub(1) {
                                Some(previous) => bytes[previous],
                                None => self.previous,
                            };
                            // Elsewhere than at a field's start a quote is an ordinary byte.
                            if before == delimiter {
                                self.open_quote();
                            }
                        }
                        b'\n' => {
                            self.end_record(here)?;
                            self.line += 1;
                        }
                        _ => self.end_record(here)?,
                    }
                    at = here + 1;
                }
                State::Quoted => {
                    let Some(found) = find(&bytes[at..], [b'"', b'\n', b'\n']) else {
                        break;
                    };
                    let here = at + found;
                    if bytes[here] == b'\n' {
                        self.line += 1;
                    } else {
                        self.state = State::QuoteInQuoted;
                    }
                    at = here + 1;
                }
                State::QuoteInQuoted => {
                    if byte == b'"' {
                        self.state = State::Quoted;
                        at += 1;
                    } else {
                        self.state = State::Unquoted;
                    }
                }
            }
        }
        if let Some(&last) = bytes.last() {
            self.previous = last;
        }
        Ok(())
    }

    /// Starts a record at `at` in the current chunk.
    fn begin_record(&mut self, at: usize) {
        self.state = State::Unquoted;
        self.record_start = self.position + at as u64;
        self.record_line = self.line;
        if self.starts.len() < MAX_PENDING_STARTS {
            self.starts.push_back(self.line);
        }
    }

    fn open_quote(&mut self) {
        self.state = State::Quoted;
        self.quote_line = self.line;
    }

    /// Ends the record (or line) whose terminator is at `at` in the current chunk.
    fn end_record(&mut self, at: usize) -> Result<(), usize> {
        if self.position + at as u64 - self.record_start > self.limit as u64 {
            return Err(self.fail_long(at));
        }
        self.state = State::RecordStart;
        Ok(())
    }

    fn fail_long(&mut self, at: usize) -> usize {
        self.failure = Some(DataError::LineTooLong {
            line: self.record_line,
            limit: self.limit,
        });
        at
    }
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.stopped {
            return Err(io::Error::other("the input was refused by the line guard"));
        }

        let read = self.inner.read(buffer)?;
        if read == 0 {
            if self.state == State::Quoted {
                self.unclosed_quote = Some(self.quote_line);
            }
            return Ok(0);
        }

        match self.scan(&buffer[..read]) {
            Ok(()) => {
                self.position += read as u64;
                Ok(read)
            }
            // The bytes before the fault still go to the parser, so that it reports any
            // earlier problem first; the next read fails.
            Err(allowed) => {
                self.stopped = true;
                self.position += allowed as u64;
                if allowed > 0 {
                    Ok(allowed)
                } else {
                    Err(io::Error::other("the input was refused by the line guard"))
                }
            }
        }
    }
}

/// The first position in `bytes` of any of three bytes. Whole blocks are tested first with
/// a branch-free fold, which the compiler vectorises.
#[inline(always)]
fn find(bytes: &[u8], wanted: [u8; 3]) -> Option<usize> {
    let [first, second, third] = wanted;
    let (blocks, _) = bytes.as_chunks::<BLOCK>();
    let mut start = 0;
    for block in blocks {
        let hit = block.iter().fold(false, |hit, &byte| {
            hit | (byte == first) | (byte == second) | (byte == third)
        });
        if hit {
            break;
        }
        start += BLOCK;
    }
    bytes[start..]
        .iter()
        .position(|&byte| byte == first || byte == second || byte == third)
        .map(|found| start + found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads everything through a guard in small reads, as a parser would.
    fn drain(input: &[u8], grammar: Grammar, limit: usize) -> (Vec<u8>, LineGuard<&[u8]>) {
        drain_in(input, grammar, limit, 7)
    }

    fn drain_in(
        input: &[u8],
        grammar: Grammar,
        limit: usize,
        read_size: usize,
    ) -> (Vec<u8>, LineGuard<&[u8]>) {
        let mut guard = LineGuard::new(input, grammar, limit);
        let mut passed = Vec::new();
        let mut buffer = vec![0u8; read_size];
        while let Ok(read) = guard.read(&mut buffer) {
            if read == 0 {
                break;
            }
            passed.extend_from_slice(&buffer[..read]);
        }
        (passed, guard)
    }

    const CSV: Grammar = Grammar::Csv { delimiter: b',' };

    #[test]
    fn well_formed_csv_passes_unchanged_with_record_lines() {
        let input = b"a,b\n\n\"x\ny\",2\r\n3,\"q\"\"\"\n";
        let (passed, mut guard) = drain(input, CSV, 100);

        assert_eq!(passed, input);
        assert!(guard.take_failure().is_none());
        let lines: Vec<u64> = std::iter::from_fn(|| guard.take_record_line()).collect();
        assert_eq!(lines, [1, 3, 5]);
    }

    #[test]
    fn a_record_over_the_limit_stops_the_stream() {
        let input = b"a,b\n\"long,\nlong\nlong\",1\n";
        let (passed, mut guard) = drain(input, CSV, 12);

        assert!(passed.len() < input.len());
        let error = guard.take_failure().expect("a failure");
        assert_eq!(error.code(), "line_too_long");
        assert_eq!(error.line(), Some(2));
    }

    #[test]
    fn an_open_quote_at_the_end_is_noted_where_it_opened() {
        let (passed, guard) = drain(b"a,b\n1,2\n3,\"never\nclosed\n", CSV, 100);
        assert_eq!(passed.len(), 24);
        assert_eq!(guard.unclosed_quote(), Some(3));

        let (_, guard) = drain(b"a,b\n3,\"closed\"\"\"\n", CSV, 100);
        assert_eq!(guard.unclosed_quote(), None);
    }

    #[test]
    fn quotes_and_line_breaks_are_found_across_blocks_and_reads() {
        let mut input = b"a,b\n".to_vec();
        input.extend_from_slice(&[b'x'; 100]);
        input.extend_from_slice(b",\"");
        input.extend_from_slice(&[b'y'; 70]);
        input.extend_from_slice(b"\n\"\"");
        input.extend_from_slice(&[b'z'; 40]);
        input.extend_from_slice(b"\"\n2,3\n");

        for read_size in [7, 33, 64, 4096] {
            let (passed, mut guard) = drain_in(&input, CSV, 1000, read_size);
            assert_eq!(passed, input);
            assert_eq!(guard.unclosed_quote(), None);
            let lines: Vec<u64> = std::iter::from_fn(|| guard.take_record_line()).collect();
            assert_eq!(lines, [1, 2, 4], "reads of {read_size}");
        }
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_an_ordinary_byte() {
        let (passed, mut guard) = drain(b"size\n5\" screen\n6\n", CSV, 100);

        assert_eq!(passed.len(), 17);
        assert!(guard.take_failure().is_none());
    }

    #[test]
    fn lines_over_the_limit_are_refused_in_json_lines() {
        let (_, mut guard) = drain(b"{\"a\":1}\n{\"a\":\"0123456789\"}\n", Grammar::Lines, 10);

        let error = guard.take_failure().expect("a failure");
        assert_eq!((error.code(), error.line()), ("line_too_long", Some(2)));
    }
}
