//! Writes a large CSV file for the upload and profiling benchmark (`make bench`).
//!
//! `generate_csv numeric|mixed BYTES PATH` writes rows until the file holds at least BYTES
//! bytes. `numeric` has ten float columns; `mixed` has an id, integers, floats with gaps,
//! a category, a boolean, a date and free text, the shapes real exports have. The rows come
//! from a fixed-seed generator, so every run writes the same bytes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

/// A small, fast, seeded generator (SplitMix64); quality is ample for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

const WORDS: [&str; 12] = [
    "valve", "sensor", "late", "pallet", "north", "batch", "alarm", "ok", "reset", "shift",
    "delay", "check",
];
const CATEGORIES: [&str; 5] = ["assembly", "paint", "press", "weld", "qa"];

fn numeric_row(rng: &mut Rng, out: &mut impl Write) -> std::io::Result<()> {
    for column in 0..10 {
        let value = (rng.unit() - 0.5) * 1000.0 / (column + 1) as f64;
        let separator = if column == 9 { '\n' } else { ',' };
        write!(out, "{value:.6}{separator}")?;
    }
    Ok(())
}

fn mixed_row(rng: &mut Rng, row: u64, out: &mut impl Write) -> std::io::Result<()> {
    let count = rng.next() % 500;
    let temperature = 40.0 + rng.unit() * 60.0;
    let category = CATEGORIES[(rng.next() % 5) as usize];
    let passed = if rng.next().is_multiple_of(10) {
        "false"
    } else {
        "true"
    };
    let day = 1 + rng.next() % 28;
    let month = 1 + rng.next() % 12;
    write!(out, "{row},{count},")?;
    if rng.next().is_multiple_of(20) {
        write!(out, ",")?;
    } else {
        write!(out, "{temperature:.3},")?;
    }
    write!(out, "{category},{passed},2026-{month:02}-{day:02},\"")?;
    let words = 3 + rng.next() % 6;
    for word in 0..words {
        let separator = if word == 0 { "" } else { " " };
        write!(out, "{separator}{}", WORDS[(rng.next() % 12) as usize])?;
    }
    writeln!(out, "\"")
}

fn generate(kind: &str, bytes: u64, path: &str) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let header = match kind {
        "numeric" => "a,b,c,d,e,f,g,h,i,j\n",
        _ => "id,count,temperature,line,passed,day,note\n",
    };
    out.write_all(header.as_bytes())?;

    let mut rng = Rng(42);
    let mut written = header.len() as u64;
    let mut rows = 0_u64;
    let mut buffer = Vec::with_capacity(256);
    while written < bytes {
        buffer.clear();
        match kind {
            "numeric" => numeric_row(&mut rng, &mut buffer)?,
            _ => mixed_row(&mut rng, rows, &mut buffer)?,
        }
        out.write_all(&buffer)?;
        written += buffer.len() as u64;
        rows += 1;
    }
    out.flush()?;
    Ok(rows)
}

#[expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool"
)]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, bytes, path] = args.as_slice() else {
        eprintln!("usage: generate_csv numeric|mixed BYTES PATH");
        return ExitCode::from(2);
    };
    let Ok(bytes) = bytes.parse::<u64>() else {
        eprintln!("BYTES must be a whole number, not {bytes:?}");
        return ExitCode::from(2);
    };
    if kind != "numeric" && kind != "mixed" {
        eprintln!("the kind must be numeric or mixed, not {kind:?}");
        return ExitCode::from(2);
    }

    match generate(kind, bytes, path) {
        Ok(rows) => {
            println!("{rows}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("cannot write {path}: {error}");
            ExitCode::FAILURE
        }
    }
}
