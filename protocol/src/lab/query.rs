//! A Lab experiment as a URL query string, so a link reproduces it.
//!
//! Only settings that differ from the defaults are written, which keeps shared links short;
//! reading fills the rest with defaults. A value that does not parse is an error naming its
//! key rather than a silent default, so a mistyped link does not run a different experiment.

use super::config::{
    Activation, BackendChoice, ConfigError, DataSource, LabConfig, OptimizerKind, ToySet,
};

impl LabConfig {
    /// The settings that differ from [`LabConfig::default`], as `key=value&…`.
    pub fn to_query(&self) -> String {
        let defaults = Self::default();
        let mut pairs: Vec<(&str, String)> = Vec::new();

        match (&self.data, &defaults.data) {
            (
                DataSource::Toy {
                    set,
                    samples,
                    noise,
                },
                DataSource::Toy {
                    set: default_set,
                    samples: default_samples,
                    noise: default_noise,
                },
            ) => {
                push_if(&mut pairs, "data", set.as_str(), set != default_set);
                push_if(&mut pairs, "samples", samples, samples != default_samples);
                push_if(&mut pairs, "noise", noise, noise != default_noise);
            }
            (DataSource::Dataset { id }, _) => {
                pairs.push(("data", format!("{DATASET_PREFIX}{id}")));
            }
            (DataSource::Toy { .. }, DataSource::Dataset { .. }) => {}
        }

        let (training, base) = (&self.training, &defaults.training);
        let hidden = training
            .hidden
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(",");
        push_if(&mut pairs, "hidden", hidden, training.hidden != base.hidden);
        push_if(
            &mut pairs,
            "activation",
            training.activation.as_str(),
            training.activation != base.activation,
        );
        push_if(
            &mut pairs,
            "dropout",
            training.dropout,
            training.dropout != base.dropout,
        );
        push_if(&mut pairs, "l1", training.l1, training.l1 != base.l1);
        push_if(&mut pairs, "l2", training.l2, training.l2 != base.l2);
        push_if(
            &mut pairs,
            "optimizer",
            training.optimizer.as_str(),
            training.optimizer != base.optimizer,
        );
        push_if(
            &mut pairs,
            "momentum",
            training.momentum,
            training.momentum != base.momentum,
        );
        push_if(
            &mut pairs,
            "weight_decay",
            training.weight_decay,
            training.weight_decay != base.weight_decay,
        );
        push_if(
            &mut pairs,
            "lr",
            training.learning_rate,
            training.learning_rate != base.learning_rate,
        );
        push_if(
            &mut pairs,
            "batch",
            training.batch_size,
            training.batch_size != base.batch_size,
        );
        push_if(
            &mut pairs,
            "epochs",
            training.epochs,
            training.epochs != base.epochs,
        );
        push_if(
            &mut pairs,
            "validation",
            training.validation_fraction,
            training.validation_fraction != base.validation_fraction,
        );
        push_if(
            &mut pairs,
            "seed",
            training.seed,
            training.seed != base.seed,
        );
        push_if(
            &mut pairs,
            "backend",
            self.backend.as_str(),
            self.backend != defaults.backend,
        );

        pairs
            .into_iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads a query string written by [`Self::to_query`] (a leading `?` is allowed); keys
    /// it does not know are ignored, missing keys keep their defaults.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the first key whose value does not parse or is out of range.
    pub fn from_query(query: &str) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        let (mut set, mut samples, mut noise) = DataSource::DEFAULT_TOY;
        let mut dataset = None;
        let training = &mut config.training;

        for pair in query.trim_start_matches('?').split('&') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let value = decode(value);
            match key {
                "data" => match value.strip_prefix(DATASET_PREFIX) {
                    Some(id) => dataset = Some(id.to_owned()),
                    None => set = ToySet::parse(&value).ok_or_else(|| unknown(key, &value))?,
                },
                "samples" => samples = number(key, &value)?,
                "noise" => noise = number(key, &value)?,
                "hidden" => training.hidden = widths(&value)?,
                "activation" => {
                    training.activation =
                        Activation::parse(&value).ok_or_else(|| unknown(key, &value))?;
                }
                "dropout" => training.dropout = number(key, &value)?,
                "l1" => training.l1 = number(key, &value)?,
                "l2" => training.l2 = number(key, &value)?,
                "optimizer" => {
                    training.optimizer =
                        OptimizerKind::parse(&value).ok_or_else(|| unknown(key, &value))?;
                }
                "momentum" => training.momentum = number(key, &value)?,
                "weight_decay" => training.weight_decay = number(key, &value)?,
                "lr" => training.learning_rate = number(key, &value)?,
                "batch" => training.batch_size = number(key, &value)?,
                "epochs" => training.epochs = number(key, &value)?,
                "validation" => training.validation_fraction = number(key, &value)?,
                "seed" => training.seed = number(key, &value)?,
                "backend" => {
                    config.backend =
                        BackendChoice::parse(&value).ok_or_else(|| unknown(key, &value))?;
                }
                _ => {}
            }
        }

        config.data = match dataset {
            Some(id) => DataSource::Dataset { id },
            None => DataSource::Toy {
                set,
                samples,
                noise,
            },
        };
        config.validate()?;
        Ok(config)
    }
}

/// `data=dataset:ID` names a stored dataset version instead of a toy set.
const DATASET_PREFIX: &str = "dataset:";

fn push_if(
    pairs: &mut Vec<(&'static str, String)>,
    key: &'static str,
    value: impl ToString,
    differs: bool,
) {
    if differs {
        pairs.push((key, value.to_string()));
    }
}

fn field_name(key: &str) -> &'static str {
    const KEYS: [&str; 18] = [
        "data",
        "samples",
        "noise",
        "hidden",
        "activation",
        "dropout",
        "l1",
        "l2",
        "optimizer",
        "momentum",
        "weight_decay",
        "lr",
        "batch",
        "epochs",
        "validation",
        "seed",
        "backend",
        "query",
    ];
    KEYS.into_iter()
        .find(|known| *known == key)
        .unwrap_or("query")
}

fn unknown(key: &str, value: &str) -> ConfigError {
    ConfigError {
        field: field_name(key),
        message: format!("`{value}` is not a known choice"),
    }
}

fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError {
        field: field_name(key),
        message: format!("`{value}` is not a number"),
    })
}

fn widths(value: &str) -> Result<Vec<usize>, ConfigError> {
    if value.trim().is_empty() {
        return Ok(Vec::new());
    }
    value
        .split(',')
        .map(|width| number("hidden", width))
        .collect()
}

/// Undoes the percent-encoding browsers apply to the few characters these values can hold.
fn decode(value: &str) -> String {
    value
        .replace("%2C", ",")
        .replace("%2c", ",")
        .replace('+', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::TrainingConfig;

    #[test]
    fn the_default_experiment_has_an_empty_query() {
        assert_eq!(LabConfig::default().to_query(), "");
        assert_eq!(LabConfig::from_query("").unwrap(), LabConfig::default());
    }

    #[test]
    fn a_changed_experiment_round_trips_through_its_query() {
        let config = LabConfig {
            data: DataSource::Toy {
                set: ToySet::Spirals,
                samples: 2000,
                noise: 0.25,
            },
            training: TrainingConfig {
                hidden: vec![32, 16, 8],
                activation: Activation::Tanh,
                dropout: 0.1,
                l2: 0.001,
                optimizer: OptimizerKind::Sgd,
                learning_rate: 0.05,
                epochs: 40,
                seed: 7,
                ..TrainingConfig::default()
            },
            backend: BackendChoice::Cpu,
        };
        let query = config.to_query();

        assert!(query.contains("hidden=32,16,8"), "{query}");
        assert_eq!(LabConfig::from_query(&format!("?{query}")).unwrap(), config);
    }

    #[test]
    fn a_stored_dataset_round_trips() {
        let config = LabConfig {
            data: DataSource::Dataset {
                id: "0b6f-42".to_owned(),
            },
            ..LabConfig::default()
        };

        assert_eq!(config.to_query(), "data=dataset:0b6f-42");
        assert_eq!(
            LabConfig::from_query("data=dataset:0b6f-42").unwrap(),
            config
        );
        assert_eq!(
            LabConfig::from_query("data=dataset:../x")
                .unwrap_err()
                .field,
            "data"
        );
    }

    #[test]
    fn a_bad_value_names_its_key() {
        assert_eq!(LabConfig::from_query("lr=fast").unwrap_err().field, "lr");
        assert_eq!(
            LabConfig::from_query("data=cats").unwrap_err().field,
            "data"
        );
        assert_eq!(LabConfig::from_query("batch=0").unwrap_err().field, "batch");
        assert_eq!(
            LabConfig::from_query("hidden=64%2C0").unwrap_err().field,
            "hidden"
        );
    }
}
