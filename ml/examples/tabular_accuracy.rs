//! Test accuracy of the default model on a real tabular dataset, the Lepton side of the
//! accuracy row of the server training benchmark (`scripts/bench-training.sh`).
//!
//! Reads the split the PyTorch side uses (JSON with standardised `train` and `test` rows),
//! trains the default 64-64-1 MLP (Adam 0.001, batch 32, 10 epochs by default) once per seed
//! and prints one JSON line with each seed's test accuracy and their mean.
//!
//! ```sh
//! cargo run --release -p lepton-ml --example tabular_accuracy -- /tmp/cancer.json 10
//! ```

use lepton_ml::{Dataset, Device, Split, Trainer, TrainingConfig, evaluate};
use lepton_protocol::lab::{Evaluation, Task};
use serde::Deserialize;

#[derive(Deserialize)]
struct Part {
    x: Vec<f32>,
    y: Vec<f32>,
}

#[derive(Deserialize)]
struct Rows {
    features: usize,
    epochs: usize,
    train: Part,
    test: Part,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("give the JSON file the PyTorch side wrote")?;
    let seeds: u64 = args.next().map_or(Ok(10), |text| text.parse())?;
    let rows: Rows = serde_json::from_str(&std::fs::read_to_string(path)?)?;

    let split = Split {
        train: Dataset::for_task(rows.train.x, rows.train.y, rows.features, Task::Binary)?,
        validation: Dataset::for_task(
            rows.test.x.clone(),
            rows.test.y.clone(),
            rows.features,
            Task::Binary,
        )?,
    };
    let mut accuracies = Vec::new();
    for seed in 1..=seeds {
        let config = TrainingConfig {
            seed,
            epochs: rows.epochs,
            ..TrainingConfig::default()
        };
        let mut trainer = Trainer::new(config, rows.features, Task::Binary, &Device::flex())?;
        for _ in 0..rows.epochs {
            trainer.step(&split.train, trainer.steps_per_epoch(split.train.len()))?;
            pollster::block_on(trainer.finish_epoch(&split.validation))?;
        }
        let outputs = pollster::block_on(trainer.predict(&rows.test.x))?;
        let Evaluation::Classification(report) = evaluate(&outputs, &rows.test.y, Task::Binary)
        else {
            return Err("a binary model gave a regression report".into());
        };
        accuracies.push(report.accuracy);
    }
    let mean = accuracies.iter().sum::<f64>() / accuracies.len() as f64;
    let report = serde_json::json!({ "accuracies": accuracies, "mean": mean });
    let mut out = std::io::stdout().lock();
    std::io::Write::write_all(&mut out, format!("{report}\n").as_bytes())?;
    Ok(())
}
