//! Picking the trials of a hyper-parameter search, and stopping poor ones early.
//!
//! A trial is a point: one value per range of the search's space, in the space's order. Grid
//! search walks every combination of the ranges' grid points; random search draws each value
//! independently (log-uniformly on log ranges); Bayesian search is a tree-structured Parzen
//! estimator (TPE, Bergstra, Bardenet, Bengio and Kégl, "Algorithms for Hyper-Parameter
//! Optimization", 2011): it splits the finished trials into the best quarter and the rest,
//! models each range's values in both groups with a mixture of Gaussians, and proposes the
//! candidate with the highest ratio of good to bad density. Everything is seeded, so a search
//! proposes the same trials when it is replayed after a restart.

use lepton_protocol::search::{Range, SearchSpec, Strategy};

use crate::rng::SplitMix64;

/// A finished trial: its point and the loss it reached (lower is better).
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// One value per range.
    pub point: Vec<f64>,
    /// The trial's best validation loss.
    pub loss: f64,
}

/// Random trials a Bayesian search runs before it models the results.
pub const STARTUP_TRIALS: usize = 5;
/// Share of finished trials that count as good.
const GOOD_SHARE: f64 = 0.25;
/// Candidates drawn from the good density per proposal.
const CANDIDATES: usize = 24;

/// The `index`-th trial of `spec` (counted from 0), given the trials finished so far; `None`
/// once the search has no more trials.
pub fn propose(
    spec: &SearchSpec,
    index: usize,
    finished: &[Observation],
    seed: u64,
) -> Option<Vec<f64>> {
    if index >= spec.trials {
        return None;
    }
    let mut rng = SplitMix64::new(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    match spec.strategy {
        Strategy::Grid => grid_point(&spec.space, index),
        Strategy::Random => Some(random_point(&spec.space, &mut rng)),
        Strategy::Bayesian if finished.len() < STARTUP_TRIALS => {
            Some(random_point(&spec.space, &mut rng))
        }
        Strategy::Bayesian => Some(tpe_point(&spec.space, finished, &mut rng)),
    }
}

/// The `index`-th combination of the ranges' grid points, the last range varying fastest.
pub fn grid_point(space: &[Range], index: usize) -> Option<Vec<f64>> {
    let grids: Vec<Vec<f64>> = space.iter().map(Range::grid).collect();
    let mut rest = index;
    let mut point = vec![0.0; grids.len()];
    for (slot, grid) in point.iter_mut().zip(&grids).rev() {
        if grid.is_empty() {
            return None;
        }
        *slot = grid[rest % grid.len()];
        rest /= grid.len();
    }
    (rest == 0).then_some(point)
}

/// One independent draw per range.
pub fn random_point(space: &[Range], rng: &mut SplitMix64) -> Vec<f64> {
    space.iter().map(|range| draw(range, rng)).collect()
}

/// The bounds of a continuous range in the space it is sampled in (log or linear).
fn warped_bounds(range: &Range) -> (f64, f64) {
    let (min, max) = (range.min.unwrap_or(0.0), range.max.unwrap_or(1.0));
    if range.log {
        (min.ln(), max.ln())
    } else {
        (min, max)
    }
}

fn warp(range: &Range, value: f64) -> f64 {
    if range.log { value.ln() } else { value }
}

fn unwarp(range: &Range, value: f64) -> f64 {
    let value = if range.log { value.exp() } else { value };
    let (min, max) = (range.min.unwrap_or(value), range.max.unwrap_or(value));
    let value = value.clamp(min, max);
    if range.parameter.is_integer() {
        value.round()
    } else {
        value
    }
}

fn draw(range: &Range, rng: &mut SplitMix64) -> f64 {
    if !range.values.is_empty() {
        return range.values[rng.next_index(range.values.len())];
    }
    let (low, high) = warped_bounds(range);
    unwarp(range, low + (high - low) * rng.next_f64())
}

/// The TPE proposal: per range, the candidate drawn from the good trials' density that is
/// most likely under it relative to the bad trials' density.
pub fn tpe_point(space: &[Range], finished: &[Observation], rng: &mut SplitMix64) -> Vec<f64> {
    let mut sorted: Vec<&Observation> = finished.iter().collect();
    sorted.sort_by(|a, b| a.loss.total_cmp(&b.loss));
    let good_count = ((sorted.len() as f64 * GOOD_SHARE).ceil() as usize).clamp(1, sorted.len());
    let (good, bad) = sorted.split_at(good_count);
    let bad = if bad.is_empty() { good } else { bad };

    space
        .iter()
        .enumerate()
        .map(|(dimension, range)| {
            let values = |group: &[&Observation]| -> Vec<f64> {
                group.iter().map(|trial| trial.point[dimension]).collect()
            };
            if range.values.is_empty() {
                continuous(range, &values(good), &values(bad), rng)
            } else {
                categorical(range, &values(good), &values(bad), rng)
            }
        })
        .collect()
}

/// A mixture of Gaussians at the observed values (in the warped space) plus a prior as wide
/// as the range at its centre. Each observation's bandwidth is the larger gap to a neighbour
/// (or to the range's end), at least the span over `min(100, n + 1)`: few observations give
/// smooth densities, many give sharp ones (the bounds of Bergstra et al.'s implementation).
struct Parzen {
    centres: Vec<f64>,
    widths: Vec<f64>,
}

impl Parzen {
    fn new(observed: &[f64], low: f64, high: f64) -> Self {
        let span = (high - low).max(f64::MIN_POSITIVE);
        let mut centres: Vec<f64> = observed.to_vec();
        centres.sort_by(f64::total_cmp);
        let narrowest = span / (centres.len() + 1).min(100) as f64;

        let mut widths: Vec<f64> = (0..centres.len())
            .map(|index| {
                let left = centres[index] - if index == 0 { low } else { centres[index - 1] };
                let right = if index + 1 == centres.len() {
                    high
                } else {
                    centres[index + 1]
                } - centres[index];
                left.max(right).clamp(narrowest, span)
            })
            .collect();
        centres.push((low + high) / 2.0);
        widths.push(span);
        Self { centres, widths }
    }

    fn density(&self, x: f64) -> f64 {
        let sum: f64 = self
            .centres
            .iter()
            .zip(&self.widths)
            .map(|(centre, width)| {
                let z = (x - centre) / width;
                (-0.5 * z * z).exp() / width
            })
            .sum();
        sum / self.centres.len() as f64
    }

    fn sample(&self, rng: &mut SplitMix64, low: f64, high: f64) -> f64 {
        let component = rng.next_index(self.centres.len());
        let value =
            self.centres[component] + self.widths[component] * f64::from(rng.next_gaussian());
        value.clamp(low, high)
    }
}

fn continuous(range: &Range, good: &[f64], bad: &[f64], rng: &mut SplitMix64) -> f64 {
    let (low, high) = warped_bounds(range);
    let warped =
        |values: &[f64]| -> Vec<f64> { values.iter().map(|&value| warp(range, value)).collect() };
    let good = Parzen::new(&warped(good), low, high);
    let bad = Parzen::new(&warped(bad), low, high);

    let mut best = (f64::NEG_INFINITY, (low + high) / 2.0);
    for _ in 0..CANDIDATES {
        let candidate = good.sample(rng, low, high);
        let score = good.density(candidate).ln() - bad.density(candidate).ln();
        if score > best.0 {
            best = (score, candidate);
        }
    }
    unwarp(range, best.1)
}

fn categorical(range: &Range, good: &[f64], bad: &[f64], rng: &mut SplitMix64) -> f64 {
    let choices = &range.values;
    let weight = |group: &[f64], choice: f64| {
        let count = group.iter().filter(|&&value| value == choice).count();
        (count as f64 + 1.0) / (group.len() + choices.len()) as f64
    };
    let good_weights: Vec<f64> = choices.iter().map(|&choice| weight(good, choice)).collect();
    let total: f64 = good_weights.iter().sum();

    let mut best = (f64::NEG_INFINITY, choices[0]);
    for _ in 0..CANDIDATES {
        let mut pick = rng.next_f64() * total;
        let mut index = 0;
        while index + 1 < choices.len() && pick >= good_weights[index] {
            pick -= good_weights[index];
            index += 1;
        }
        let score = good_weights[index].ln() - weight(bad, choices[index]).ln();
        if score > best.0 {
            best = (score, choices[index]);
        }
    }
    best.1
}

/// The median stopping rule: whether a trial whose best loss so far is `own_best` should stop,
/// given the best losses at the same epoch of the other trials that reached it. Fewer than
/// `min_trials` of those never stop it.
pub fn median_stops(own_best: f64, others: &[f64], min_trials: usize) -> bool {
    if others.len() < min_trials.max(1) {
        return false;
    }
    let mut sorted = others.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    let median = if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    };
    own_best > median
}

#[cfg(test)]
mod tests {
    use lepton_protocol::search::{Parameter, SearchSpec};

    use super::*;

    fn log_range(parameter: Parameter, min: f64, max: f64) -> Range {
        Range {
            parameter,
            values: Vec::new(),
            min: Some(min),
            max: Some(max),
            log: true,
            grid_points: Some(5),
        }
    }

    fn spec(strategy: Strategy, trials: usize) -> SearchSpec {
        SearchSpec {
            strategy,
            space: vec![
                log_range(Parameter::LearningRate, 1e-5, 1.0),
                log_range(Parameter::Width, 4.0, 256.0),
            ],
            trials,
            parallel: 1,
            median_stopping: None,
        }
    }

    /// A bowl with its minimum at learning rate 10^-2.5 and width 64 (0 there); the optimum
    /// region is where it is below 0.5.
    fn objective(point: &[f64]) -> f64 {
        (point[0].log10() + 2.5).powi(2) + (point[1].log2() - 6.0).powi(2) / 4.0
    }

    /// Runs a whole search sequentially; returns the best loss.
    fn run(spec: &SearchSpec, seed: u64) -> f64 {
        let mut finished = Vec::new();
        for index in 0.. {
            let Some(point) = propose(spec, index, &finished, seed) else {
                break;
            };
            finished.push(Observation {
                loss: objective(&point),
                point,
            });
        }
        finished
            .iter()
            .map(|trial| trial.loss)
            .fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn the_grid_walks_every_combination_once() {
        let spec = spec(Strategy::Grid, 100);
        let points: Vec<Vec<f64>> = (0..)
            .map_while(|index| grid_point(&spec.space, index))
            .collect();
        assert_eq!(points.len(), 25);
        let mut unique = points.clone();
        unique.dedup();
        assert_eq!(unique.len(), 25);
        assert_eq!(points[1][1], 11.0);
        assert!(run(&spec, 1) < 0.5);
    }

    #[test]
    fn each_strategy_finds_the_optimum_region_within_its_budget() {
        for seed in 1..=5 {
            assert!(
                run(&spec(Strategy::Random, 60), seed) < 0.5,
                "random, seed {seed}"
            );
            assert!(
                run(&spec(Strategy::Bayesian, 30), seed) < 0.5,
                "bayesian, seed {seed}"
            );
        }
    }

    #[test]
    fn bayesian_search_beats_random_search_on_the_same_budget() {
        let median = |strategy| {
            let mut best: Vec<f64> = (1..=9).map(|seed| run(&spec(strategy, 25), seed)).collect();
            best.sort_by(f64::total_cmp);
            best[4]
        };
        let (bayesian, random) = (median(Strategy::Bayesian), median(Strategy::Random));
        assert!(
            bayesian < random / 2.0,
            "bayesian {bayesian} vs random {random}"
        );
    }

    #[test]
    fn proposals_replay_identically_and_respect_the_ranges() {
        let spec = spec(Strategy::Bayesian, 40);
        let history: Vec<Observation> = (0..10)
            .map(|index| {
                let point = propose(&spec, index, &[], 7).unwrap();
                Observation {
                    loss: objective(&point),
                    point,
                }
            })
            .collect();
        let first = propose(&spec, 10, &history, 7).unwrap();
        assert_eq!(propose(&spec, 10, &history, 7).unwrap(), first);
        assert!((1e-5..=1.0).contains(&first[0]), "{first:?}");
        assert!(
            (4.0..=256.0).contains(&first[1]) && first[1].fract() == 0.0,
            "{first:?}"
        );
        assert_eq!(propose(&spec, 40, &history, 7), None);
    }

    #[test]
    fn listed_values_are_the_only_choices() {
        let mut spec = spec(Strategy::Bayesian, 30);
        spec.space[1] = Range {
            parameter: Parameter::BatchSize,
            values: vec![16.0, 32.0, 64.0],
            min: None,
            max: None,
            log: false,
            grid_points: None,
        };
        let mut finished = Vec::new();
        for index in 0..30 {
            let point = propose(&spec, index, &finished, 3).unwrap();
            assert!([16.0, 32.0, 64.0].contains(&point[1]), "{point:?}");
            let loss = (point[0].log10() + 2.5).powi(2) + if point[1] == 32.0 { 0.0 } else { 1.0 };
            finished.push(Observation { point, loss });
        }
        let late = &finished[20..];
        let picked_best = late.iter().filter(|trial| trial.point[1] == 32.0).count();
        assert!(
            picked_best > late.len() / 2,
            "{picked_best} of {}",
            late.len()
        );
    }

    #[test]
    fn the_median_rule_stops_only_trials_worse_than_the_median() {
        assert!(!median_stops(5.0, &[1.0, 2.0], 3), "too few to compare");
        assert!(median_stops(2.5, &[1.0, 2.0, 3.0], 3));
        assert!(
            !median_stops(2.0, &[1.0, 2.0, 3.0], 3),
            "equal to the median goes on"
        );
        assert!(!median_stops(1.4, &[1.0, 2.0, 3.0, 4.0], 3));
        assert!(median_stops(2.6, &[1.0, 2.0, 3.0, 4.0], 3));
    }
}
