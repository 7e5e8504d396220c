//! The analysis of the column a model is to predict: its classes and their balance, and the
//! features that give it away.
//!
//! A feature leaks when it alone predicts the target almost perfectly on the row sample: a
//! decision stump (one threshold) on a numeric feature, or each value's majority class for
//! any other feature, reaches an accuracy of at least 0.99 and removes at least 90 % of the
//! errors of always guessing the majority class (so that a 99.5 % majority does not make
//! every feature look like a leak). Each row is left out of its own value's count, so a
//! feature of unique values predicts nothing. For a numeric target a feature leaks when its
//! correlation with the target is at least 0.99 in absolute value. ID-like and constant
//! columns, and the target itself, are never checked.

use std::cmp::Reverse;
use std::collections::HashMap;

#[cfg(test)]
use lepton_protocol::profile::Severity;
use lepton_protocol::profile::{
    ColumnKind, ColumnProfile, DatasetProfile, Leakage, LeakageMethod, TargetProfile, TargetTask,
    ValueCount,
};

use crate::cell::{Cell, classify};
use crate::error::{DataError, quoted};
use crate::sample::RowSample;
use crate::warnings;

/// Integer columns with at most this many values are classes, not quantities.
const MAX_CLASSES: u64 = 20;
/// The accuracy (or absolute correlation) from which a single feature counts as a leak.
const LEAKAGE_SCORE: f64 = 0.99;
/// The share of the majority guess's errors a leaking feature must remove.
const LEAKAGE_GAIN: f64 = 0.9;
/// Fewer sample rows with both values than this prove nothing.
const LEAKAGE_MIN_ROWS: usize = 30;
/// Column names listed in the message for an unknown target.
const LISTED_COLUMNS: usize = 10;

/// Analyses `target` on a stored profile and its row sample, and returns the profile with
/// that analysis and warnings to match.
///
/// Class counts come from the profile's top values when those cover every class exactly,
/// and from the sample otherwise (`classes_exact` says which).
///
/// # Errors
///
/// [`DataError::UnknownTarget`] for a name that is no column,
/// [`DataError::SingleClassTarget`] for a column of one value or none,
/// [`DataError::UnsuitableTarget`] for free text or dates, and
/// [`DataError::SampleMismatch`] for a sample of other columns.
pub fn analyse_target(
    profile: &DatasetProfile,
    sample: &RowSample,
    target: &str,
) -> Result<DatasetProfile, DataError> {
    let analysis = analyse(profile, sample, target)?;

    let mut profile = profile.clone();
    profile.target = Some(analysis);
    profile.warnings = warnings::build(&profile);
    Ok(profile)
}

/// The analysis of `target`, without touching the profile.
pub(crate) fn analyse(
    profile: &DatasetProfile,
    sample: &RowSample,
    target: &str,
) -> Result<TargetProfile, DataError> {
    let names: Vec<&str> = profile
        .columns
        .iter()
        .map(|column| column.name.as_str())
        .collect();
    let Some(index) = names.iter().position(|name| *name == target) else {
        return Err(unknown_target(target, &names));
    };
    if sample.columns().len() != names.len()
        || sample
            .columns()
            .iter()
            .zip(&names)
            .any(|(sampled, name)| sampled != name)
    {
        return Err(DataError::SampleMismatch);
    }

    let column = &profile.columns[index];
    match task(column)? {
        TargetTask::Classification => Ok(classification(profile, sample, index)),
        TargetTask::Regression => Ok(regression(profile, sample, index)),
    }
}

/// The error for a target that is not a column.
pub(crate) fn unknown_target(target: &str, names: &[&str]) -> DataError {
    let mut listed: Vec<String> = names
        .iter()
        .take(LISTED_COLUMNS)
        .map(|name| format!("`{}`", quoted(name)))
        .collect();
    if names.len() > LISTED_COLUMNS {
        listed.push(format!("and {} more", names.len() - LISTED_COLUMNS));
    }
    DataError::UnknownTarget {
        target: quoted(target),
        columns: listed.join(", "),
    }
}

fn task(column: &ColumnProfile) -> Result<TargetTask, DataError> {
    if column.count == 0 || (column.distinct <= 1 && column.distinct_exact) {
        let values = match column.top_values.first() {
            _ if column.count == 0 => "no value".to_owned(),
            Some(top) => format!("one value (`{}`)", quoted(&top.value)),
            None => "one value".to_owned(),
        };
        return Err(DataError::SingleClassTarget {
            target: quoted(&column.name),
            values,
        });
    }

    let few = column.distinct_exact && column.distinct <= MAX_CLASSES;
    match column.kind {
        ColumnKind::Boolean | ColumnKind::Categorical => Ok(TargetTask::Classification),
        ColumnKind::Integer | ColumnKind::Text | ColumnKind::Datetime if few => {
            Ok(TargetTask::Classification)
        }
        ColumnKind::Integer | ColumnKind::Numeric => Ok(TargetTask::Regression),
        ColumnKind::Text | ColumnKind::Datetime => Err(DataError::UnsuitableTarget {
            target: quoted(&column.name),
            kind: if column.kind == ColumnKind::Text {
                "text"
            } else {
                "datetime"
            },
            distinct: column.distinct,
        }),
    }
}

fn classification(profile: &DatasetProfile, sample: &RowSample, index: usize) -> TargetProfile {
    let column = &profile.columns[index];
    let labels: Vec<Option<&str>> = (0..sample.len())
        .map(|row| {
            sample
                .cell(row, index)
                .filter(|text| classify(Some(text)) != Cell::Missing)
        })
        .collect();

    let complete = column.distinct_exact
        && column.top_values_exact
        && column.distinct as usize <= column.top_values.len();
    let (classes, classes_exact) = if complete {
        (column.top_values.clone(), true)
    } else {
        (count_labels(&labels), false)
    };
    let imbalance_ratio = match (classes.first(), classes.last()) {
        (Some(major), Some(minor)) if classes.len() > 1 && minor.count > 0 => {
            Some(major.count as f64 / minor.count as f64)
        }
        _ => None,
    };

    let mut ids: HashMap<&str, usize> = HashMap::new();
    let targets: Vec<Option<usize>> = labels
        .iter()
        .map(|label| {
            let next = ids.len();
            label.map(|label| *ids.entry(label).or_insert(next))
        })
        .collect();
    let leakage = if ids.len() > 1 {
        classification_leakage(profile, sample, index, &targets, ids.len())
    } else {
        Vec::new()
    };

    TargetProfile {
        column: column.name.clone(),
        task: TargetTask::Classification,
        classes,
        classes_exact,
        imbalance_ratio,
        missing: column.missing,
        sample_rows: targets.iter().flatten().count() as u64,
        leakage,
    }
}

fn count_labels(labels: &[Option<&str>]) -> Vec<ValueCount> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for label in labels.iter().flatten() {
        *counts.entry(label).or_default() += 1;
    }
    let mut classes: Vec<ValueCount> = counts
        .into_iter()
        .map(|(value, count)| ValueCount {
            value: value.to_owned(),
            count,
        })
        .collect();
    classes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    classes
}

fn regression(profile: &DatasetProfile, sample: &RowSample, index: usize) -> TargetProfile {
    let column = &profile.columns[index];
    let targets: Vec<Option<f64>> = (0..sample.len())
        .map(|row| number(sample.cell(row, index)))
        .collect();

    let mut leakage = Vec::new();
    for (feature, profiled) in profile.columns.iter().enumerate() {
        if !is_candidate(profiled, feature, index) || !is_numeric(profiled.kind) {
            continue;
        }
        let pairs: Vec<(f64, f64)> = targets
            .iter()
            .enumerate()
            .filter_map(|(row, target)| Some((number(sample.cell(row, feature))?, (*target)?)))
            .collect();
        if pairs.len() < LEAKAGE_MIN_ROWS {
            continue;
        }
        if let Some(correlation) = correlation(&pairs)
            && correlation.abs() >= LEAKAGE_SCORE
        {
            leakage.push(Leakage {
                column: profiled.name.clone(),
                method: LeakageMethod::Correlation,
                score: correlation.abs(),
            });
        }
    }
    sort(&mut leakage);

    TargetProfile {
        column: column.name.clone(),
        task: TargetTask::Regression,
        classes: Vec::new(),
        classes_exact: true,
        imbalance_ratio: None,
        missing: column.missing,
        sample_rows: targets.iter().flatten().count() as u64,
        leakage,
    }
}

fn classification_leakage(
    profile: &DatasetProfile,
    sample: &RowSample,
    index: usize,
    targets: &[Option<usize>],
    classes: usize,
) -> Vec<Leakage> {
    let mut leakage = Vec::new();
    for (feature, profiled) in profile.columns.iter().enumerate() {
        if !is_candidate(profiled, feature, index) {
            continue;
        }

        let present = targets.iter().enumerate().filter_map(|(row, target)| {
            let cell = sample.cell(row, feature)?;
            (classify(Some(cell)) != Cell::Missing).then_some((cell, (*target)?))
        });
        let (accuracy, baseline, method) = if is_numeric(profiled.kind) {
            let pairs: Vec<(f64, usize)> = present
                .filter_map(|(cell, class)| Some((number(Some(cell))?, class)))
                .collect();
            if pairs.len() < LEAKAGE_MIN_ROWS {
                continue;
            }
            let (accuracy, baseline) = stump_accuracy(pairs, classes);
            (accuracy, baseline, LeakageMethod::Threshold)
        } else {
            let pairs: Vec<(&str, usize)> = present.collect();
            if pairs.len() < LEAKAGE_MIN_ROWS {
                continue;
            }
            let (accuracy, baseline) = value_majority_accuracy(&pairs, classes);
            (accuracy, baseline, LeakageMethod::ValueMajority)
        };

        let gain = accuracy - baseline;
        if baseline < 1.0 && accuracy >= LEAKAGE_SCORE && gain >= LEAKAGE_GAIN * (1.0 - baseline) {
            leakage.push(Leakage {
                column: profiled.name.clone(),
                method,
                score: accuracy,
            });
        }
    }
    sort(&mut leakage);
    leakage
}

fn is_candidate(column: &ColumnProfile, feature: usize, target: usize) -> bool {
    feature != target && !column.id_like && !column.constant && column.count > 0
}

fn is_numeric(kind: ColumnKind) -> bool {
    matches!(kind, ColumnKind::Numeric | ColumnKind::Integer)
}

fn number(cell: Option<&str>) -> Option<f64> {
    match classify(cell) {
        Cell::Integer(value) | Cell::Number(value) => Some(value),
        _ => None,
    }
}

fn sort(leakage: &mut [Leakage]) {
    leakage.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.column.cmp(&b.column))
    });
}

/// The share of the most common class, and the counts per class.
fn majority(classes: usize, labels: impl Iterator<Item = usize>) -> (Vec<u64>, u64) {
    let mut counts = vec![0u64; classes];
    for class in labels {
        counts[class] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(0);
    (counts, most)
}

/// The best accuracy of one threshold on the feature, each side predicting its majority
/// class, and the accuracy of always predicting the majority.
fn stump_accuracy(mut pairs: Vec<(f64, usize)>, classes: usize) -> (f64, f64) {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let rows = pairs.len() as f64;
    let (totals, most) = majority(classes, pairs.iter().map(|pair| pair.1));

    let mut left = vec![0u64; classes];
    let mut best = most;
    for (position, &(value, class)) in pairs.iter().enumerate() {
        left[class] += 1;
        // A threshold can only fall between two different values.
        let Some(&(next, _)) = pairs.get(position + 1) else {
            break;
        };
        if next > value {
            let left_best = left.iter().copied().max().unwrap_or(0);
            let right_best = totals
                .iter()
                .zip(&left)
                .map(|(total, left)| total - left)
                .max()
                .unwrap_or(0);
            best = best.max(left_best + right_best);
        }
    }
    (best as f64 / rows, most as f64 / rows)
}

/// The accuracy of predicting each row's class as the majority class among the other rows
/// with the same feature value (a tie counts as wrong), and the majority's accuracy.
fn value_majority_accuracy(pairs: &[(&str, usize)], classes: usize) -> (f64, f64) {
    let rows = pairs.len() as f64;
    let (_, most) = majority(classes, pairs.iter().map(|pair| pair.1));

    let mut by_value: HashMap<&str, Vec<u64>> = HashMap::new();
    for &(value, class) in pairs {
        by_value.entry(value).or_insert_with(|| vec![0; classes])[class] += 1;
    }

    let mut correct = 0u64;
    for counts in by_value.values() {
        let (first_class, first) = counts
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|&(class, count)| (count, Reverse(class)))
            .unwrap_or((0, 0));
        let second = counts
            .iter()
            .enumerate()
            .filter(|&(class, _)| class != first_class)
            .map(|(_, &count)| count)
            .max()
            .unwrap_or(0);
        for (class, &count) in counts.iter().enumerate() {
            let rival = if class == first_class { second } else { first };
            if count > 0 && count - 1 > rival {
                correct += count;
            }
        }
    }
    (correct as f64 / rows, most as f64 / rows)
}

/// Pearson's correlation; none when either side does not vary.
fn correlation(pairs: &[(f64, f64)]) -> Option<f64> {
    let rows = pairs.len() as f64;
    let mean_x = pairs.iter().map(|pair| pair.0).sum::<f64>() / rows;
    let mean_y = pairs.iter().map(|pair| pair.1).sum::<f64>() / rows;

    let (mut covariance, mut variance_x, mut variance_y) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        let (dx, dy) = (x - mean_x, y - mean_y);
        covariance += dx * dy;
        variance_x += dx * dx;
        variance_y += dy * dy;
    }
    if variance_x <= 0.0 || variance_y <= 0.0 {
        return None;
    }
    let correlation = covariance / (variance_x * variance_y).sqrt();
    correlation.is_finite().then_some(correlation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IngestOptions, Ingested, ingest};

    fn ingest_text(file: &str) -> Ingested {
        ingest(file.as_bytes(), &IngestOptions::default()).unwrap()
    }

    fn leaks(profile: &DatasetProfile) -> Vec<(&str, LeakageMethod)> {
        let target = profile.target.as_ref().expect("a target analysis");
        target
            .leakage
            .iter()
            .map(|leak| (leak.column.as_str(), leak.method))
            .collect()
    }

    /// 300 rows: a numeric target, a copy of it with noise, a categorical feature that
    /// names the class, a weakly related number and a class label.
    fn dataset() -> String {
        let mut file = String::from("price,price_eur,segment,rooms,class\n");
        for row in 0..300u32 {
            let price = 100 + (row * 37) % 900;
            let class = ["small", "medium", "large"][(row % 3) as usize];
            let segment = format!("s-{class}");
            let rooms = (row * 13) % 7;
            let noise = f64::from(row % 10) / 100.0;
            let eur = f64::from(price) * 0.9 + noise;
            file.push_str(&format!("{price},{eur},{segment},{rooms},{class}\n"));
        }
        file
    }

    #[test]
    fn another_target_from_the_stored_profile_matches_ingesting_with_it() {
        let file = dataset();
        let ingested = ingest_text(&file);
        let options = IngestOptions {
            target: Some("class".to_owned()),
            ..IngestOptions::default()
        };
        let direct = ingest(file.as_bytes(), &options).unwrap();

        let later = analyse_target(&ingested.profile, &ingested.sample, "class").unwrap();
        assert_eq!(later, direct.profile);
        assert_eq!(leaks(&later), [("segment", LeakageMethod::ValueMajority)]);
        let target = later.target.as_ref().unwrap();
        assert_eq!(target.classes.len(), 3);
        assert_eq!(target.imbalance_ratio, Some(1.0));
    }

    #[test]
    fn a_numeric_target_is_regression_with_correlation_leakage() {
        let ingested = ingest_text(&dataset());
        let profile = analyse_target(&ingested.profile, &ingested.sample, "price").unwrap();

        let target = profile.target.as_ref().unwrap();
        assert_eq!(target.task, TargetTask::Regression);
        assert!(target.classes.is_empty() && target.imbalance_ratio.is_none());
        assert_eq!(leaks(&profile), [("price_eur", LeakageMethod::Correlation)]);
        assert!(target.leakage[0].score > 0.999);
    }

    #[test]
    fn an_overwhelming_majority_does_not_make_every_feature_a_leak() {
        let mut file = String::from("x,colour,label\n");
        for row in 0..2000u32 {
            let label = if row % 200 == 0 { "rare" } else { "common" };
            let colour = ["red", "green", "blue"][(row % 3) as usize];
            file.push_str(&format!("{},{colour},{label}\n", (row * 7919) % 1000));
        }
        let ingested = ingest_text(&file);
        let profile = analyse_target(&ingested.profile, &ingested.sample, "label").unwrap();

        assert!(leaks(&profile).is_empty(), "{:?}", leaks(&profile));
        let target = profile.target.as_ref().unwrap();
        assert_eq!(target.imbalance_ratio, Some(199.0));
        assert!(profile.warnings.iter().any(|warning| {
            warning.code == "imbalanced_target" && warning.severity == Severity::High
        }));
    }

    #[test]
    fn free_text_and_mismatched_samples_are_refused() {
        let mut file = String::from("comment,n\n");
        for row in 0..50 {
            file.push_str(&format!("note number {row},{}\n", row % 2));
        }
        let ingested = ingest_text(&file);

        let error = analyse_target(&ingested.profile, &ingested.sample, "comment").unwrap_err();
        assert_eq!(error.code(), "unsuitable_target");
        let other = ingest_text("a,b,c\n1,2,3\n");
        let error = analyse_target(&ingested.profile, &other.sample, "n").unwrap_err();
        assert_eq!(error.code(), "sample_mismatch");
        let profile = analyse_target(&ingested.profile, &ingested.sample, "n").unwrap();
        assert_eq!(profile.target.unwrap().task, TargetTask::Classification);
    }

    #[test]
    fn a_stump_finds_the_separating_threshold() {
        let pairs: Vec<(f64, usize)> = (0..100)
            .map(|value| (f64::from(value), usize::from(value >= 40)))
            .collect();
        let (accuracy, baseline) = stump_accuracy(pairs, 2);
        assert_eq!((accuracy, baseline), (1.0, 0.6));
    }

    #[test]
    fn a_stump_cannot_split_equal_values() {
        let pairs = vec![(1.0, 0), (1.0, 1), (1.0, 0), (2.0, 1)];
        let (accuracy, _) = stump_accuracy(pairs, 2);
        assert_eq!(accuracy, 0.75);
    }

    #[test]
    fn unique_values_predict_nothing_when_rows_are_left_out() {
        let names: Vec<String> = (0..50).map(|row| format!("name {row}")).collect();
        let pairs: Vec<(&str, usize)> = names
            .iter()
            .enumerate()
            .map(|(row, name)| (name.as_str(), row % 2))
            .collect();
        let (accuracy, _) = value_majority_accuracy(&pairs, 2);
        assert_eq!(accuracy, 0.0);

        let pairs: Vec<(&str, usize)> = (0..50)
            .map(|row| (if row % 2 == 0 { "even" } else { "odd" }, row % 2))
            .collect();
        assert_eq!(value_majority_accuracy(&pairs, 2).0, 1.0);
    }

    #[test]
    fn correlation_is_one_for_a_line_and_none_for_a_constant() {
        let line: Vec<(f64, f64)> = (0..10)
            .map(|x| (f64::from(x), 3.0 * f64::from(x) - 1.0))
            .collect();
        assert!((correlation(&line).unwrap() - 1.0).abs() < 1e-12);
        let flat: Vec<(f64, f64)> = (0..10).map(|x| (f64::from(x), 2.0)).collect();
        assert_eq!(correlation(&flat), None);
    }
}
