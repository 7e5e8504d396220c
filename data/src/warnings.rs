//! What in a profile needs a person's attention, ranked: the warnings are derived from the
//! profile alone, so they can be rebuilt whenever its target analysis changes.

use std::cmp::Reverse;

use lepton_protocol::profile::{DatasetProfile, LeakageMethod, Severity, Warning};

use crate::error::quoted;

/// Many cells without a value.
pub const MISSING_VALUES: &str = "missing_values";
/// The same value in every row.
pub const CONSTANT_COLUMN: &str = "constant_column";
/// A different value in every row.
pub const ID_LIKE_COLUMN: &str = "id_like_column";
/// Rows that repeat earlier rows.
pub const DUPLICATE_ROWS: &str = "duplicate_rows";
/// A target whose classes are far from balanced.
pub const IMBALANCED_TARGET: &str = "imbalanced_target";
/// A feature that gives the target away.
pub const TARGET_LEAKAGE: &str = "target_leakage";

/// Above this share of missing cells a column gets a high warning, above the second a medium.
const MISSING_HIGH: f64 = 0.5;
const MISSING_MEDIUM: f64 = 0.2;
/// Above this majority-to-minority ratio a target gets a high warning, above the second a
/// medium one.
const IMBALANCE_HIGH: f64 = 10.0;
const IMBALANCE_MEDIUM: f64 = 3.0;
/// Above this share of repeated rows the warning is medium rather than low.
const DUPLICATES_MEDIUM: f64 = 0.1;

/// Whether a warning comes from the target analysis, and goes when the target does.
pub fn is_target_warning(warning: &Warning) -> bool {
    warning.code == IMBALANCED_TARGET || warning.code == TARGET_LEAKAGE
}

/// The warnings of a profile, most severe first, then by column (dataset-wide first).
pub(crate) fn build(profile: &DatasetProfile) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let target = profile.target.as_ref().map(|target| target.column.as_str());

    for column in &profile.columns {
        let name = quoted(&column.name);
        let is_target = target == Some(column.name.as_str());

        let share = share(column.missing, profile.rows);
        if let Some(severity) = severity_of(share, MISSING_MEDIUM, MISSING_HIGH) {
            warnings.push(Warning {
                severity,
                code: MISSING_VALUES.to_owned(),
                column: Some(column.name.clone()),
                message: format!(
                    "{} of the values of `{name}` are missing ({} of {} rows); fill them in, \
                     or leave the column out",
                    percent(share),
                    column.missing,
                    profile.rows
                ),
            });
        }

        if column.constant && !is_target {
            warnings.push(Warning {
                severity: Severity::Low,
                code: CONSTANT_COLUMN.to_owned(),
                column: Some(column.name.clone()),
                message: format!(
                    "`{name}` holds the same value in every row that has one; it cannot help a \
                     model, so leave it out"
                ),
            });
        }

        if column.id_like && !is_target {
            warnings.push(Warning {
                severity: Severity::Medium,
                code: ID_LIKE_COLUMN.to_owned(),
                column: Some(column.name.clone()),
                message: format!(
                    "every value of `{name}` is different, like an identifier; a model would \
                     only memorise it, so leave it out of the features"
                ),
            });
        }
    }

    if profile.duplicate_rows > 0 {
        let share = share(profile.duplicate_rows, profile.rows);
        let at_least = if profile.duplicates_exact {
            ""
        } else {
            "at least "
        };
        warnings.push(Warning {
            severity: if share > DUPLICATES_MEDIUM {
                Severity::Medium
            } else {
                Severity::Low
            },
            code: DUPLICATE_ROWS.to_owned(),
            column: None,
            message: format!(
                "{at_least}{} rows ({}) repeat an earlier row exactly; remove them unless the \
                 repeats are real",
                profile.duplicate_rows,
                percent(share)
            ),
        });
    }

    if let Some(analysis) = &profile.target {
        let target = quoted(&analysis.column);
        if let Some(ratio) = analysis.imbalance_ratio
            && let Some(severity) = severity_of(ratio, IMBALANCE_MEDIUM, IMBALANCE_HIGH)
        {
            warnings.push(Warning {
                severity,
                code: IMBALANCED_TARGET.to_owned(),
                column: Some(analysis.column.clone()),
                message: format!(
                    "class imbalance: the target `{target}` has {ratio:.1} rows of its most \
                     common class for each row of its rarest; collect more of the rare \
                     classes, or weigh them when training"
                ),
            });
        }

        for leak in &analysis.leakage {
            let how = match leak.method {
                LeakageMethod::Threshold => "with one threshold, for an accuracy of",
                LeakageMethod::ValueMajority => "from its values alone, for an accuracy of",
                LeakageMethod::Correlation => "with a correlation of",
            };
            warnings.push(Warning {
                severity: Severity::High,
                code: TARGET_LEAKAGE.to_owned(),
                column: Some(leak.column.clone()),
                message: format!(
                    "`{}` predicts the target `{target}` {how} {:.3} on {} sample rows; check \
                     that it is not derived from the target or recorded after it, and leave it \
                     out if it is",
                    quoted(&leak.column),
                    leak.score,
                    analysis.sample_rows
                ),
            });
        }
    }

    warnings.sort_by(|a, b| {
        (Reverse(a.severity), &a.column, &a.code).cmp(&(Reverse(b.severity), &b.column, &b.code))
    });
    warnings
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// High above `high`, medium above `medium`, else no warning.
fn severity_of(value: f64, medium: f64, high: f64) -> Option<Severity> {
    if value > high {
        Some(Severity::High)
    } else if value > medium {
        Some(Severity::Medium)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lepton_protocol::profile::{ColumnKind, ColumnProfile, Leakage, TargetProfile, TargetTask};

    fn column(name: &str, missing: u64) -> ColumnProfile {
        ColumnProfile {
            name: name.to_owned(),
            kind: ColumnKind::Text,
            count: 100 - missing,
            missing,
            distinct: 50,
            distinct_exact: true,
            numeric: None,
            datetime: None,
            top_values: Vec::new(),
            top_values_exact: true,
            constant: false,
            id_like: false,
        }
    }

    fn profile(columns: Vec<ColumnProfile>) -> DatasetProfile {
        DatasetProfile {
            rows: 100,
            bytes: 1000,
            columns,
            duplicate_rows: 0,
            duplicates_exact: true,
            sample_rows: 100,
            warnings: Vec::new(),
            target: None,
        }
    }

    fn summary(warnings: &[Warning]) -> Vec<(Severity, &str, Option<&str>)> {
        warnings
            .iter()
            .map(|warning| {
                (
                    warning.severity,
                    warning.code.as_str(),
                    warning.column.as_deref(),
                )
            })
            .collect()
    }

    #[test]
    fn missing_values_warn_above_a_fifth_and_alarm_above_a_half() {
        let warnings = build(&profile(vec![
            column("a", 20),
            column("b", 21),
            column("c", 51),
        ]));
        assert_eq!(
            summary(&warnings),
            [
                (Severity::High, MISSING_VALUES, Some("c")),
                (Severity::Medium, MISSING_VALUES, Some("b")),
            ]
        );
        assert!(
            warnings[0]
                .message
                .starts_with("51% of the values of `c` are missing")
        );
    }

    #[test]
    fn warnings_rank_by_severity_then_column() {
        let mut constant = column("z", 0);
        constant.constant = true;
        let mut id = column("a", 0);
        id.id_like = true;
        let mut data = profile(vec![column("m", 60), constant, id]);
        data.duplicate_rows = 3;
        data.target = Some(TargetProfile {
            column: "m".to_owned(),
            task: TargetTask::Classification,
            classes: Vec::new(),
            classes_exact: true,
            imbalance_ratio: Some(4.0),
            missing: 60,
            sample_rows: 40,
            leakage: vec![Leakage {
                column: "b".to_owned(),
                method: LeakageMethod::Threshold,
                score: 1.0,
            }],
        });

        let warnings = build(&data);
        assert_eq!(
            summary(&warnings),
            [
                (Severity::High, TARGET_LEAKAGE, Some("b")),
                (Severity::High, MISSING_VALUES, Some("m")),
                (Severity::Medium, ID_LIKE_COLUMN, Some("a")),
                (Severity::Medium, IMBALANCED_TARGET, Some("m")),
                (Severity::Low, DUPLICATE_ROWS, None),
                (Severity::Low, CONSTANT_COLUMN, Some("z")),
            ]
        );
        assert!(
            warnings
                .iter()
                .filter(|warning| is_target_warning(warning))
                .count()
                == 2
        );
    }
}
