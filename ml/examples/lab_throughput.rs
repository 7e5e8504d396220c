//! Trains the Lab's default experiment natively and prints its training throughput, the
//! native row of the Lab benchmark (`scripts/bench-lab-all.sh`, part of `make bench`).
//!
//! The same seeded two-moons data the tab generates is written as JSON with `--write-data
//! FILE`, so TensorFlow.js trains on exactly these rows. Run it in release mode:
//!
//! ```sh
//! cargo run --release -p lepton-ml --example lab_throughput -- --write-data /tmp/moons.json
//! ```

use std::time::Instant;

use lepton_ml::{Dataset, Device, Trainer, TrainingConfig};
use lepton_protocol::lab::{DataSource, LabConfig, Task};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut data_path = None;
    let mut samples = 2000;
    let mut epochs = 10;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--write-data" => data_path = args.next(),
            "--samples" => samples = args.next().ok_or("--samples needs a value")?.parse()?,
            "--epochs" => epochs = args.next().ok_or("--epochs needs a value")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }

    let config = LabConfig::default();
    let DataSource::Toy { set, noise, .. } = config.data else {
        return Err("the default experiment uses a toy set".into());
    };
    let training = TrainingConfig {
        epochs,
        ..config.training
    };
    let dataset = Dataset::toy(set, samples, noise, training.seed);
    let split = dataset.split(training.validation_fraction, training.seed)?;

    if let Some(path) = data_path {
        let part = |data: &Dataset| serde_json::json!({ "features": data.features(), "labels": data.labels() });
        let json = serde_json::json!({
            "feature_count": dataset.feature_count(),
            "train": part(&split.train),
            "validation": part(&split.validation),
        });
        std::fs::write(&path, json.to_string())?;
    }

    let mut trainer = Trainer::new(training.clone(), 2, Task::Binary, &Device::flex())?;
    let started = Instant::now();
    let mut last = None;
    for _ in 0..training.epochs {
        last = Some(pollster::block_on(trainer.train_epoch(&split))?);
    }
    let seconds = started.elapsed().as_secs_f64();

    let samples_per_second = (split.train.len() * training.epochs) as f64 / seconds;
    let accuracy = last
        .and_then(|report| report.validation.accuracy())
        .unwrap_or(0.0);
    let summary = serde_json::json!({
        "train_rows": split.train.len(),
        "epochs": training.epochs,
        "seconds": seconds,
        "samples_per_second": samples_per_second,
        "validation_accuracy": accuracy,
    });
    // The summary is this program's output, read by the benchmark script.
    #[expect(
        clippy::print_stdout,
        reason = "the example's result is its standard output"
    )]
    {
        println!("{summary}");
    }
    Ok(())
}
