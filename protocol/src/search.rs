//! Hyper-parameter search as a job asks for it: which settings to vary over which ranges,
//! how to pick the trials, how many, how many at once, and when to stop a poor one early.
//!
//! The algorithms live in `lepton_ml::search`; these are the plain settings the API takes and
//! the Training page sends.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::lab::{ConfigError, MAX_BATCH, MAX_EPOCHS, MAX_LAYERS, MAX_WIDTH, TrainingConfig};

/// How trials are picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Every combination of the ranges' grid points, in order.
    Grid,
    /// Independent uniform draws (log-uniform on log ranges).
    Random,
    /// Bayesian: a tree-structured Parzen estimator (Bergstra et al., 2011) proposes each
    /// trial from the ones that finished, after a few random ones.
    Bayesian,
}

/// A hyper-parameter a search can vary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Parameter {
    /// The optimiser's step size.
    LearningRate,
    /// Rows per step.
    BatchSize,
    /// Dropout probability of the hidden layers.
    Dropout,
    /// L1 penalty weight.
    L1,
    /// L2 penalty weight.
    L2,
    /// SGD's momentum.
    Momentum,
    /// AdamW's weight decay.
    WeightDecay,
    /// Width of every hidden layer.
    Width,
    /// Number of hidden layers.
    Depth,
}

impl Parameter {
    /// Whether the setting takes whole numbers.
    pub fn is_integer(self) -> bool {
        matches!(self, Self::BatchSize | Self::Width | Self::Depth)
    }

    /// The name the API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LearningRate => "learning_rate",
            Self::BatchSize => "batch_size",
            Self::Dropout => "dropout",
            Self::L1 => "l1",
            Self::L2 => "l2",
            Self::Momentum => "momentum",
            Self::WeightDecay => "weight_decay",
            Self::Width => "width",
            Self::Depth => "depth",
        }
    }

    /// The values the setting may take at all.
    fn bounds(self) -> (f64, f64) {
        match self {
            Self::LearningRate => (1e-7, 10.0),
            Self::BatchSize => (1.0, MAX_BATCH as f64),
            Self::Dropout => (0.0, 0.9),
            Self::L1 | Self::L2 | Self::WeightDecay => (0.0, 1.0),
            Self::Momentum => (0.0, 0.999),
            Self::Width => (1.0, MAX_WIDTH as f64),
            Self::Depth => (1.0, MAX_LAYERS as f64),
        }
    }

    /// `config` with this setting set to `value` (rounded for whole-number settings).
    pub fn apply(self, config: &mut TrainingConfig, value: f64) {
        let whole = value.round().max(1.0) as usize;
        match self {
            Self::LearningRate => config.learning_rate = value,
            Self::BatchSize => config.batch_size = whole,
            Self::Dropout => config.dropout = value,
            Self::L1 => config.l1 = value,
            Self::L2 => config.l2 = value,
            Self::Momentum => config.momentum = value,
            Self::WeightDecay => config.weight_decay = value,
            Self::Width => {
                let depth = config.hidden.len().max(1);
                config.hidden = vec![whole; depth];
            }
            Self::Depth => {
                let width = config.hidden.first().copied().unwrap_or(64);
                config.hidden = vec![width; whole];
            }
        }
    }
}

/// The values one hyper-parameter ranges over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Range {
    /// The setting.
    pub parameter: Parameter,
    /// Listed values: a grid uses exactly these, the others pick among them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<f64>,
    /// Lowest value of a continuous range (instead of `values`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest value of a continuous range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Sample the range on a log scale (for learning rates and penalties).
    #[serde(default)]
    pub log: bool,
    /// Grid points over a continuous range, ends included. Default 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_points: Option<usize>,
}

/// Stop a trial whose best validation loss so far is worse than the median of the other
/// trials' at the same epoch (Golovin et al., 2017, "median stopping").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MedianStopping {
    /// Epochs every trial runs before it can be stopped. Default 3.
    #[serde(default = "default_grace")]
    pub grace_epochs: usize,
    /// Trials that must have reached an epoch before it is compared. Default 3.
    #[serde(default = "default_min_trials")]
    pub min_trials: usize,
}

fn default_grace() -> usize {
    3
}

fn default_min_trials() -> usize {
    3
}

/// A hyper-parameter search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SearchSpec {
    /// How trials are picked.
    pub strategy: Strategy,
    /// What varies; other settings come from the job's `training`.
    pub space: Vec<Range>,
    /// Trials to run (a grid runs all its points, at most this many). 1 to 500.
    pub trials: usize,
    /// Trials training at the same time, 1 to 64; the workers' number bounds it too.
    #[serde(default = "default_parallel")]
    pub parallel: usize,
    /// Early termination of poor trials; off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_stopping: Option<MedianStopping>,
}

fn default_parallel() -> usize {
    2
}

/// Most trials one search runs.
pub const MAX_TRIALS: usize = 500;
/// Most points a grid may have, before the trial limit applies.
pub const MAX_GRID_POINTS: u128 = 10_000;

fn invalid(field: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        field,
        message: message.into(),
    }
}

impl Range {
    /// Grid points of this range.
    pub fn grid(&self) -> Vec<f64> {
        if !self.values.is_empty() {
            return self.values.clone();
        }
        let (Some(min), Some(max)) = (self.min, self.max) else {
            return Vec::new();
        };
        let points = self.grid_points.unwrap_or(3).max(1);
        if points == 1 {
            return vec![min];
        }
        let (low, high) = if self.log {
            (min.ln(), max.ln())
        } else {
            (min, max)
        };
        let mut grid: Vec<f64> = (0..points)
            .map(|index| {
                let value = low + (high - low) * index as f64 / (points - 1) as f64;
                let value = if self.log { value.exp() } else { value };
                if self.parameter.is_integer() {
                    value.round()
                } else {
                    value
                }
            })
            .collect();
        grid.dedup();
        grid
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let name = self.parameter.as_str();
        let (low, high) = self.parameter.bounds();
        let in_bounds = |value: f64| value.is_finite() && (low..=high).contains(&value);
        if !self.values.is_empty() {
            if self.min.is_some() || self.max.is_some() {
                return Err(invalid(
                    "search.space",
                    format!("{name}: give values or min and max, not both"),
                ));
            }
            if !self.values.iter().all(|&value| in_bounds(value)) {
                return Err(invalid(
                    "search.space",
                    format!("{name}: every value must lie in {low} to {high}"),
                ));
            }
            return Ok(());
        }
        let (Some(min), Some(max)) = (self.min, self.max) else {
            return Err(invalid(
                "search.space",
                format!("{name}: give values, or min and max"),
            ));
        };
        if !(in_bounds(min) && in_bounds(max) && min < max) {
            return Err(invalid(
                "search.space",
                format!("{name}: need {low} <= min < max <= {high}"),
            ));
        }
        if self.log && min <= 0.0 {
            return Err(invalid(
                "search.space",
                format!("{name}: a log range needs min > 0"),
            ));
        }
        if self
            .grid_points
            .is_some_and(|points| !(1..=1000).contains(&points))
        {
            return Err(invalid(
                "search.space",
                format!("{name}: 1 to 1000 grid points"),
            ));
        }
        Ok(())
    }
}

impl SearchSpec {
    /// Points of the full grid (saturating).
    pub fn grid_size(&self) -> u128 {
        self.space
            .iter()
            .map(|range| range.grid().len() as u128)
            .fold(1u128, u128::saturating_mul)
    }

    /// Checks the search against `training`, the settings trials start from.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming what is out of range.
    pub fn validate(&self, training: &TrainingConfig) -> Result<(), ConfigError> {
        if !(1..=MAX_TRIALS).contains(&self.trials) {
            return Err(invalid(
                "search.trials",
                format!("run 1 to {MAX_TRIALS} trials"),
            ));
        }
        if !(1..=64).contains(&self.parallel) {
            return Err(invalid("search.parallel", "run 1 to 64 trials at once"));
        }
        if self.space.is_empty() {
            return Err(invalid("search.space", "name at least one setting to vary"));
        }
        for (index, range) in self.space.iter().enumerate() {
            range.validate()?;
            if self.space[..index]
                .iter()
                .any(|earlier| earlier.parameter == range.parameter)
            {
                return Err(invalid(
                    "search.space",
                    format!("{} is listed twice", range.parameter.as_str()),
                ));
            }
        }
        if self.strategy == Strategy::Grid {
            let size = self.grid_size();
            if size > MAX_GRID_POINTS {
                return Err(invalid(
                    "search.space",
                    format!(
                        "the grid has {size} points, more than the {MAX_GRID_POINTS} a search \
                         may list: use fewer grid points, or random or Bayesian search"
                    ),
                ));
            }
        }
        if let Some(stopping) = self.median_stopping
            && (stopping.grace_epochs == 0
                || stopping.grace_epochs > MAX_EPOCHS
                || stopping.min_trials == 0)
        {
            return Err(invalid(
                "search.median_stopping",
                "a grace of 1 or more epochs and at least 1 trial to compare with",
            ));
        }
        training.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(parameter: Parameter, min: f64, max: f64, points: usize) -> Range {
        Range {
            parameter,
            values: Vec::new(),
            min: Some(min),
            max: Some(max),
            log: false,
            grid_points: Some(points),
        }
    }

    #[test]
    fn grids_include_both_ends_and_round_whole_numbers() {
        let mut learning_rate = range(Parameter::LearningRate, 1e-4, 1e-2, 3);
        learning_rate.log = true;
        let grid = learning_rate.grid();
        assert_eq!(grid.len(), 3);
        assert!((grid[1] - 1e-3).abs() < 1e-12, "{grid:?}");
        assert_eq!(range(Parameter::Width, 16.0, 17.0, 5).grid(), [16.0, 17.0]);
    }

    #[test]
    fn a_billion_point_grid_is_refused_with_its_size() {
        let space = (0..5)
            .map(|index| {
                let parameter = [
                    Parameter::LearningRate,
                    Parameter::Dropout,
                    Parameter::L2,
                    Parameter::Width,
                    Parameter::BatchSize,
                ][index];
                let (low, high) = parameter.bounds();
                range(parameter, low.max(1e-6), high, 100)
            })
            .collect();
        let search = SearchSpec {
            strategy: Strategy::Grid,
            space,
            trials: 100,
            parallel: 2,
            median_stopping: None,
        };
        let error = search.validate(&TrainingConfig::default()).unwrap_err();
        assert!(error.message.contains("10000000000 points"), "{error}");
    }

    #[test]
    fn parameters_apply_to_the_configuration() {
        let mut config = TrainingConfig::default();
        Parameter::Depth.apply(&mut config, 3.0);
        Parameter::Width.apply(&mut config, 31.6);
        Parameter::LearningRate.apply(&mut config, 0.01);
        assert_eq!(config.hidden, [32, 32, 32]);
        assert_eq!(config.learning_rate, 0.01);
    }
}
