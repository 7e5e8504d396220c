//! Profiles a CSV or JSON Lines file with the dataset engine and prints its throughput.
//!
//! `cargo run --release -p lepton-data --example profile_file -- PATH [--target NAME]
//! [--floor]`. With `--floor` it times only a plain `csv` crate loop that reads every record
//! of the file into one `ByteRecord` and does nothing else: the fastest the file can be
//! parsed at all, against which the engine's goal is at least half the throughput. It runs
//! alone so that its peak memory is its own. Either way the last line is `seconds: S` for
//! scripts. Peak memory is read from `/proc/self/status` where there is one.

use std::error::Error;
use std::fs::File;
use std::process::ExitCode;
use std::time::Instant;

use std::io::Read;

use lepton_data::{Format, IngestOptions, SNIFF_BYTES, ingest, sniff};

struct Arguments {
    path: String,
    target: Option<String>,
    floor: bool,
}

#[expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool"
)]
fn main() -> ExitCode {
    let Some(arguments) = parse_arguments() else {
        eprintln!("usage: profile_file PATH [--target NAME] [--floor]");
        return ExitCode::from(2);
    };
    match run(&arguments) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{}: {error}", arguments.path);
            ExitCode::FAILURE
        }
    }
}

fn parse_arguments() -> Option<Arguments> {
    let mut arguments = std::env::args().skip(1);
    let mut path = None;
    let mut target = None;
    let mut floor = false;
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--floor" => floor = true,
            "--target" => target = Some(arguments.next()?),
            _ if path.is_none() && !argument.starts_with("--") => path = Some(argument),
            _ => return None,
        }
    }
    Some(Arguments {
        path: path?,
        target,
        floor,
    })
}

/// Profiles the file, or with `--floor` times the plain parse; returns the report's lines.
fn run(arguments: &Arguments) -> Result<Vec<String>, Box<dyn Error>> {
    let bytes = std::fs::metadata(&arguments.path)?.len();
    let megabytes = bytes as f64 / 1e6;

    if arguments.floor {
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        File::open(&arguments.path)?
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)?;
        let Format::Csv { delimiter, .. } = sniff(&head)? else {
            return Err("--floor needs a CSV file".into());
        };
        let started = Instant::now();
        let records = plain_parse(&arguments.path, delimiter)?;
        let seconds = started.elapsed().as_secs_f64();
        return Ok(vec![
            format!(
                "floor (csv ByteRecord loop, {records} records): {:.1} MB/s, peak memory {}",
                megabytes / seconds,
                peak_memory()
            ),
            format!("seconds: {seconds:.3}"),
        ]);
    }

    let options = IngestOptions {
        target: arguments.target.clone(),
        ..IngestOptions::default()
    };
    let started = Instant::now();
    let ingested = ingest(File::open(&arguments.path)?, &options)?;
    let seconds = started.elapsed().as_secs_f64();

    let profile = &ingested.profile;
    Ok(vec![
        format!("file: {} ({megabytes:.1} MB)", arguments.path),
        format!("format: {}", describe(&ingested.format)),
        format!(
            "rows: {}, columns: {}, duplicate rows: {}, warnings: {}",
            profile.rows,
            profile.columns.len(),
            profile.duplicate_rows,
            profile.warnings.len()
        ),
        format!(
            "profile: {:.1} MB/s, peak memory {}",
            megabytes / seconds,
            peak_memory()
        ),
        format!("seconds: {seconds:.3}"),
    ])
}

/// Reads every record and nothing more.
fn plain_parse(path: &str, delimiter: u8) -> Result<u64, Box<dyn Error>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(File::open(path)?);
    let mut record = csv::ByteRecord::new();
    let mut records = 0;
    while reader.read_byte_record(&mut record)? {
        records += 1;
    }
    Ok(records)
}

fn describe(format: &Format) -> String {
    match format {
        Format::Csv { delimiter, header } => {
            let header = if *header { "a header" } else { "no header" };
            format!("CSV, delimiter {:?}, {header}", char::from(*delimiter))
        }
        Format::JsonLines => "JSON Lines".to_owned(),
    }
}

/// The process's peak resident memory so far, from Linux's `VmHWM`.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
            let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} MiB", kilobytes / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
