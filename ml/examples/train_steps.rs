//! Times optimiser steps of an MLP on burn's CPU backend, the Lepton side of the server
//! training benchmark (`scripts/bench-training.sh`, part of `make bench`).
//!
//! Generates seeded rows (Gaussian features, labels from a random linear teacher), optionally
//! writes them as JSON for the PyTorch side (`--write-data`), then trains with Adam through
//! the same `Trainer` server jobs use and prints one JSON line: milliseconds per step (median
//! of the timed epochs), samples per second, and the time to the first step, both from the
//! process start and from building the model. Run it in release mode:
//!
//! ```sh
//! cargo run --release -p lepton-ml --example train_steps -- --features 30 --hidden 64,64 \
//!     --classes 2 --batch 32 --write-data /tmp/rows.json
//! ```

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use lepton_ml::rng::SplitMix64;
use lepton_ml::{Dataset, Device, Split, Trainer, TrainingConfig};
use lepton_protocol::lab::Task;

/// Settings from the command line.
struct Args {
    features: usize,
    hidden: Vec<usize>,
    classes: usize,
    batch: usize,
    steps_per_epoch: usize,
    epochs: usize,
    write_data: Option<String>,
}

fn parse() -> Result<Args, Box<dyn std::error::Error>> {
    let mut args = Args {
        features: 30,
        hidden: vec![64, 64],
        classes: 2,
        batch: 32,
        steps_per_epoch: 500,
        epochs: 6,
        write_data: None,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let mut value = || given.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--features" => args.features = value()?.parse()?,
            "--hidden" => {
                args.hidden = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--classes" => args.classes = value()?.parse()?,
            "--batch" => args.batch = value()?.parse()?,
            "--steps" => args.steps_per_epoch = value()?.parse()?,
            "--epochs" => args.epochs = value()?.parse()?,
            "--write-data" => args.write_data = Some(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(args)
}

/// Rows of Gaussian features labelled by the arg-max (or sign) of a random linear teacher.
fn rows(features: usize, classes: usize, count: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = SplitMix64::new(seed);
    let outputs = if classes == 2 { 1 } else { classes };
    let teacher: Vec<f32> = (0..features * outputs)
        .map(|_| rng.next_gaussian())
        .collect();

    let mut values = Vec::with_capacity(count * features);
    let mut labels = Vec::with_capacity(count);
    for _ in 0..count {
        let row: Vec<f32> = (0..features).map(|_| rng.next_gaussian()).collect();
        let scores: Vec<f32> = (0..outputs)
            .map(|output| {
                row.iter()
                    .enumerate()
                    .map(|(input, x)| x * teacher[input * outputs + output])
                    .sum()
            })
            .collect();
        let label = if classes == 2 {
            f32::from(u8::from(scores[0] > 0.0))
        } else {
            let best = scores
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(0, |(index, _)| index);
            best as f32
        };
        values.extend(row);
        labels.push(label);
    }
    (values, labels)
}

fn unix_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let process_started = Instant::now();
    let args = parse()?;
    let task = match args.classes {
        2 => Task::Binary,
        classes => Task::Multiclass { classes },
    };
    let train_rows = args.batch * args.steps_per_epoch;
    let validation_rows = args.batch;
    let (values, labels) = rows(
        args.features,
        args.classes,
        train_rows + validation_rows,
        42,
    );

    if let Some(path) = &args.write_data {
        let json = serde_json::json!({
            "features": args.features,
            "classes": args.classes,
            "rows": train_rows,
            "x": &values[..train_rows * args.features],
            "y": &labels[..train_rows],
        });
        std::fs::write(path, json.to_string())?;
    }

    let split = Split {
        train: Dataset::for_task(
            values[..train_rows * args.features].to_vec(),
            labels[..train_rows].to_vec(),
            args.features,
            task,
        )?,
        validation: Dataset::for_task(
            values[train_rows * args.features..].to_vec(),
            labels[train_rows..].to_vec(),
            args.features,
            task,
        )?,
    };
    let config = TrainingConfig {
        hidden: args.hidden.clone(),
        batch_size: args.batch,
        epochs: args.epochs + 1,
        ..TrainingConfig::default()
    };

    let built = Instant::now();
    let mut trainer = Trainer::new(config, args.features, task, &Device::flex())?;
    // The first step, read back, is the time to first step.
    trainer.step(&split.train, 1)?;
    let first = pollster::block_on(trainer.evaluate(&split.validation))?;
    let first_step_ms = built.elapsed().as_secs_f64() * 1000.0;
    let first_step_process_ms = process_started.elapsed().as_secs_f64() * 1000.0;
    let first_step_at = unix_seconds();
    drop(first);
    // Finish the warm-up epoch.
    trainer.step(&split.train, args.steps_per_epoch)?;
    pollster::block_on(trainer.finish_epoch(&split.validation))?;

    let mut epoch_ms = Vec::new();
    for _ in 0..args.epochs {
        let started = Instant::now();
        trainer.step(&split.train, args.steps_per_epoch)?;
        pollster::block_on(trainer.finish_epoch(&split.validation))?;
        epoch_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    epoch_ms.sort_by(f64::total_cmp);
    let median_epoch_ms = epoch_ms[epoch_ms.len() / 2];
    let step_ms = median_epoch_ms / args.steps_per_epoch as f64;

    let report = serde_json::json!({
        "implementation": "lepton (burn flex CPU)",
        "features": args.features,
        "hidden": args.hidden,
        "classes": args.classes,
        "batch": args.batch,
        "steps_per_epoch": args.steps_per_epoch,
        "step_ms": step_ms,
        "samples_per_second": args.batch as f64 / step_ms * 1000.0,
        "first_step_ms": first_step_ms,
        "first_step_process_ms": first_step_process_ms,
        "first_step_at": first_step_at,
    });
    let mut out = std::io::stdout().lock();
    std::io::Write::write_all(&mut out, format!("{report}\n").as_bytes())?;
    Ok(())
}
