//! The seeded division of rows into training, validation and test parts, stratified by class,
//! and the assignment of training rows to cross-validation folds.
//!
//! Row counts per class are planned first (each part gets its share of every class, to
//! within one row), then each class's rows are shuffled with [`SplitMix64`] and dealt out. The
//! same seed and target column give the same parts on every platform.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Split;
use crate::rng::SplitMix64;

/// A part of the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Rows the model and every fitted statistic learn from.
    Train,
    /// Rows for tuning and early stopping.
    Validation,
    /// Rows held back for the final score.
    Test,
}

impl Part {
    /// The part's name as the recipe spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Validation => "validation",
            Self::Test => "test",
        }
    }

    fn code(self) -> char {
        match self {
            Self::Train => '0',
            Self::Validation => '1',
            Self::Test => '2',
        }
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Split {
    /// The share of rows `part` gets.
    pub fn fraction(&self, part: Part) -> f64 {
        match part {
            Part::Train => self.train,
            Part::Validation => self.validation,
            Part::Test => self.test,
        }
    }
}

/// How many rows of one stratum (or of all) go to each part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct PartCounts {
    pub(crate) train: usize,
    pub(crate) validation: usize,
    pub(crate) test: usize,
}

impl PartCounts {
    pub(crate) fn of(self, part: Part) -> usize {
        match part {
            Part::Train => self.train,
            Part::Validation => self.validation,
            Part::Test => self.test,
        }
    }

    fn take_from_train(&mut self, part: Part, rows: usize) {
        let rows = rows.min(self.train);
        self.train -= rows;
        match part {
            Part::Train => self.train += rows,
            Part::Validation => self.validation += rows,
            Part::Test => self.test += rows,
        }
    }

    pub(crate) fn sum(counts: &[Self]) -> Self {
        counts.iter().fold(Self::default(), |total, count| Self {
            train: total.train + count.train,
            validation: total.validation + count.validation,
            test: total.test + count.test,
        })
    }
}

/// The part of every row, `None` for a row without a target value.
///
/// Stored compactly as one character per row, `0` training, `1` validation, `2` test and `-`
/// no target, so a fitted recipe carries its split without the rows' data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    parts: Vec<Option<Part>>,
}

impl Assignment {
    pub(crate) fn len(&self) -> usize {
        self.parts.len()
    }

    /// The rows in `part`, ascending.
    pub(crate) fn rows(&self, part: Part) -> Vec<usize> {
        self.parts
            .iter()
            .enumerate()
            .filter(|(_, assigned)| **assigned == Some(part))
            .map(|(row, _)| row)
            .collect()
    }

    pub(crate) fn part(&self, row: usize) -> Option<Part> {
        self.parts.get(row).copied().flatten()
    }
}

impl Serialize for Assignment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let codes: String = self
            .parts
            .iter()
            .map(|part| part.map_or('-', Part::code))
            .collect();
        serializer.serialize_str(&codes)
    }
}

impl<'de> Deserialize<'de> for Assignment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let codes = String::deserialize(deserializer)?;

        let parts = codes
            .chars()
            .map(|code| match code {
                '0' => Ok(Some(Part::Train)),
                '1' => Ok(Some(Part::Validation)),
                '2' => Ok(Some(Part::Test)),
                '-' => Ok(None),
                other => Err(serde::de::Error::custom(format!(
                    "`{other}` is not a split code: expected 0, 1, 2 or -"
                ))),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { parts })
    }
}

/// Plans how many rows of each stratum go to each part.
///
/// Validation and test each get `round(total · fraction)` rows: every stratum first gets the
/// floor of its own share, and the rows still owed go one each to the strata with the largest
/// remainders (ties to the lower stratum), the method of largest remainders. Each stratum's
/// count is so within one row of its exact share. A stratum always keeps at least one training
/// row, so a rare class is never missing from the training part.
pub(crate) fn plan(sizes: &[usize], split: &Split) -> Vec<PartCounts> {
    let total: usize = sizes.iter().sum();
    let mut counts: Vec<PartCounts> = sizes
        .iter()
        .map(|&size| PartCounts {
            train: size,
            ..PartCounts::default()
        })
        .collect();

    for part in [Part::Validation, Part::Test] {
        let fraction = split.fraction(part);
        let quota = round(total as f64 * fraction);
        let shares: Vec<f64> = sizes.iter().map(|&size| size as f64 * fraction).collect();

        let mut given = 0;
        for (count, share) in counts.iter_mut().zip(&shares) {
            let floor = round_down(*share).min(count.train.saturating_sub(1));
            count.take_from_train(part, floor);
            given += floor;
        }

        let mut order: Vec<usize> = (0..sizes.len()).collect();
        let remainder = |stratum: usize| shares[stratum] - round_down(shares[stratum]) as f64;
        order.sort_by(|&a, &b| remainder(b).total_cmp(&remainder(a)));
        for stratum in order {
            if given >= quota {
                break;
            }
            if counts[stratum].train > 1 {
                counts[stratum].take_from_train(part, 1);
                given += 1;
            }
        }
    }

    counts
}

/// Deals each stratum's rows out to the parts `counts` plans, after a seeded shuffle.
///
/// `strata` gives every row's stratum below `counts.len()`, or `None` to leave it out.
pub(crate) fn assign(
    strata: &[Option<usize>],
    counts: &[PartCounts],
    rng: &mut SplitMix64,
) -> Assignment {
    let mut parts = vec![None; strata.len()];

    for (rows, count) in buckets(strata, counts.len()).iter_mut().zip(counts) {
        rng.shuffle(rows);

        let train_end = count.train.min(rows.len());
        let validation_end = (train_end + count.validation).min(rows.len());
        for (position, &row) in rows.iter().enumerate() {
            parts[row] = Some(if position < train_end {
                Part::Train
            } else if position < validation_end {
                Part::Validation
            } else {
                Part::Test
            });
        }
    }

    Assignment { parts }
}

/// Assigns every training row to one of `folds` folds, in ascending row order.
///
/// Each stratum's training rows are shuffled and dealt to the folds in turn, the turn carrying
/// on from one stratum to the next: every fold so holds each class to within one row, and the
/// folds' sizes differ by at most one.
pub(crate) fn assign_folds(
    assignment: &Assignment,
    strata: &[Option<usize>],
    stratum_count: usize,
    folds: usize,
    rng: &mut SplitMix64,
) -> Vec<usize> {
    let train_rows = assignment.rows(Part::Train);
    let train_strata: Vec<Option<usize>> = train_rows
        .iter()
        .map(|&row| strata.get(row).copied().flatten())
        .collect();

    deal_folds(&train_strata, stratum_count, folds, rng)
}

/// Deals positions `0..strata.len()` to `folds` folds: each stratum's positions shuffled and
/// dealt in turn, the turn carrying on from one stratum to the next, so every fold holds each
/// stratum to within one position and the folds' sizes differ by at most one. Positions
/// without a stratum go to fold 0.
pub(crate) fn deal_folds(
    strata: &[Option<usize>],
    stratum_count: usize,
    folds: usize,
    rng: &mut SplitMix64,
) -> Vec<usize> {
    let mut fold_of = vec![0; strata.len()];
    let mut turn = 0;
    for mut positions in buckets(strata, stratum_count) {
        rng.shuffle(&mut positions);
        for position in positions {
            fold_of[position] = turn;
            turn = (turn + 1) % folds.max(1);
        }
    }

    fold_of
}

/// The indices of `strata` grouped by stratum, ascending within each.
fn buckets(strata: &[Option<usize>], stratum_count: usize) -> Vec<Vec<usize>> {
    let mut buckets = vec![Vec::new(); stratum_count];
    for (index, stratum) in strata.iter().enumerate() {
        if let Some(bucket) = stratum.and_then(|stratum| buckets.get_mut(stratum)) {
            bucket.push(index);
        }
    }
    buckets
}

/// Rounds a non-negative value half up; the float-to-integer cast truncates exactly the same
/// way on every platform.
fn round(value: f64) -> usize {
    (value + 0.5) as usize
}

fn round_down(value: f64) -> usize {
    value as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(train: f64, validation: f64, test: f64) -> Split {
        Split {
            train,
            validation,
            test,
            ..Split::default()
        }
    }

    #[test]
    fn one_stratum_rounds_each_share() {
        let counts = plan(&[100], &split(0.7, 0.15, 0.15));
        assert_eq!(
            counts,
            vec![PartCounts {
                train: 70,
                validation: 15,
                test: 15
            }]
        );

        let counts = plan(&[10], &split(0.6, 0.25, 0.15));
        assert_eq!(counts[0].validation, 3);
        assert_eq!(counts[0].test, 2);
        assert_eq!(counts[0].train, 5);
    }

    #[test]
    fn many_small_classes_still_fill_the_quota() {
        // Ten classes of three rows: each class's validation share is 0.45 of a row, but the
        // whole split owes round(30 · 0.15) = 5 validation rows.
        let counts = plan(&[3; 10], &split(0.7, 0.15, 0.15));
        let total = PartCounts::sum(&counts);

        assert_eq!(total.validation, 5);
        assert_eq!(total.test, 5);
        assert!(counts.iter().all(|count| count.train >= 1));
    }

    #[test]
    fn a_single_row_class_stays_in_training() {
        let counts = plan(&[1, 50], &split(0.5, 0.25, 0.25));

        assert_eq!(
            counts[0],
            PartCounts {
                train: 1,
                validation: 0,
                test: 0
            }
        );
    }

    #[test]
    fn assignment_round_trips_as_one_character_per_row() {
        let assignment = Assignment {
            parts: vec![
                Some(Part::Train),
                None,
                Some(Part::Test),
                Some(Part::Validation),
            ],
        };

        let json = serde_json::to_string(&assignment).unwrap();
        assert_eq!(json, r#""0-21""#);
        assert_eq!(
            serde_json::from_str::<Assignment>(&json).unwrap(),
            assignment
        );
        assert!(serde_json::from_str::<Assignment>(r#""03""#).is_err());
    }

    #[test]
    fn deals_every_row_exactly_once() {
        let strata: Vec<Option<usize>> = (0..40).map(|row| Some(row % 2)).collect();
        let counts = plan(&[20, 20], &split(0.5, 0.25, 0.25));

        let assignment = assign(&strata, &counts, &mut SplitMix64::new(3));

        let mut all: Vec<usize> = [Part::Train, Part::Validation, Part::Test]
            .into_iter()
            .flat_map(|part| assignment.rows(part))
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..40).collect::<Vec<_>>());
        assert_eq!(assignment.rows(Part::Train).len(), 20);
    }
}
