//! Checks a recipe against a frame before anything is fitted, and resolves what fitting needs:
//! the task, the classes, the feature columns and the planned split.
//!
//! Every problem a person can fix in the recipe or the data is found here, so the UI can say
//! what is wrong as soon as a recipe is edited, without fitting anything.

use super::error::RecipeError;
use super::frame::{Column, ColumnRole, Frame};
use super::split::{self, Part, PartCounts};
use super::target::{self, TargetEncoder};
use super::{Impute, Recipe, Task};

/// What a checked recipe resolves to on one frame.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub(crate) task: Task,
    pub(crate) target: &'a Column,
    pub(crate) class_labels: Vec<String>,
    pub(crate) features: Vec<&'a Column>,
    /// Every row's stratum, `None` for rows without a target.
    pub(crate) strata: Vec<Option<usize>>,
    pub(crate) counts: Vec<PartCounts>,
}

impl Recipe {
    /// Checks that the recipe can be fitted on `frame`.
    ///
    /// # Errors
    ///
    /// The first problem found, naming the column or setting: an unknown or dropped target,
    /// unknown columns in `drop` or `columns`, a setting for the wrong kind of column, bad
    /// split fractions, a part of the split that would be empty, too few or too many folds,
    /// a target with fewer than two classes, and the like.
    pub fn validate(&self, frame: &Frame) -> Result<(), RecipeError> {
        self.plan(frame).map(|_| ())
    }

    /// Checks the recipe and resolves the task, the classes, the features and the split.
    pub(crate) fn plan<'a>(&self, frame: &'a Frame) -> Result<Plan<'a>, RecipeError> {
        self.check_settings()?;

        let (target, features) = self.check_columns(frame)?;

        let (task, class_labels) = self.resolve_task(target)?;

        let strata = TargetEncoder::new(task, &target.name, &class_labels).strata(&target.data);
        let strata = if task.is_classification() && self.split.stratify {
            strata
        } else {
            strata.into_iter().map(|row| row.map(|_| 0)).collect()
        };
        let counts = self.check_split(&strata)?;

        Ok(Plan {
            task,
            target,
            class_labels,
            features,
            strata,
            counts,
        })
    }

    /// Checks the ranges of every setting that does not depend on the data.
    fn check_settings(&self) -> Result<(), RecipeError> {
        for part in [Part::Train, Part::Validation, Part::Test] {
            let value = self.split.fraction(part);
            if !(0.0..=1.0).contains(&value) {
                return Err(RecipeError::BadFraction { part, value });
            }
        }
        let split = &self.split;
        if (split.train + split.validation + split.test - 1.0).abs() > 1e-9 {
            return Err(RecipeError::FractionSum {
                train: split.train,
                validation: split.validation,
                test: split.test,
            });
        }

        check_step_settings(
            "",
            Some(self.impute_numeric),
            Some(self.clip_outliers),
            Some(self.one_hot.max_categories),
        )?;
        for (column, local) in &self.columns {
            check_step_settings(
                &format!("columns.{column}."),
                local.impute_numeric,
                local.clip_outliers,
                local.max_categories,
            )?;
        }

        match self.folds {
            Some(folds) if folds < 2 => Err(RecipeError::TooFewFolds { folds }),
            _ => Ok(()),
        }
    }

    /// Finds the target and the feature columns, and checks every column the recipe names.
    fn check_columns<'a>(
        &self,
        frame: &'a Frame,
    ) -> Result<(&'a Column, Vec<&'a Column>), RecipeError> {
        let target = frame
            .column(&self.target)
            .ok_or_else(|| RecipeError::UnknownColumn {
                column: self.target.clone(),
                setting: "target",
            })?;
        if self.drop.contains(&self.target) {
            return Err(RecipeError::TargetDropped {
                column: self.target.clone(),
            });
        }
        if let Some(unknown) = self.drop.iter().find(|name| frame.column(name).is_none()) {
            return Err(RecipeError::UnknownColumn {
                column: unknown.clone(),
                setting: "drop",
            });
        }

        for name in self.columns.keys() {
            let column = frame
                .column(name)
                .ok_or_else(|| RecipeError::UnknownColumn {
                    column: name.clone(),
                    setting: "columns",
                })?;
            if *name == self.target {
                return Err(RecipeError::TargetConfigured {
                    column: name.clone(),
                });
            }
            self.check_override_role(column)?;
        }

        let features: Vec<&Column> = frame
            .columns()
            .iter()
            .filter(|column| column.name != self.target && !self.drop.contains(&column.name))
            .collect();
        if features.is_empty() {
            return Err(RecipeError::NoFeatures);
        }
        Ok((target, features))
    }

    /// Rejects per-column settings that do not apply to the column's role.
    fn check_override_role(&self, column: &Column) -> Result<(), RecipeError> {
        let Some(local) = self.columns.get(&column.name) else {
            return Ok(());
        };

        let numeric_only = [
            ("impute_numeric", local.impute_numeric.is_some()),
            ("scale", local.scale.is_some()),
            ("clip_outliers", local.clip_outliers.is_some()),
        ];
        let categorical_only = [
            ("impute_categorical", local.impute_categorical.is_some()),
            ("max_categories", local.max_categories.is_some()),
        ];
        let (misplaced, expected) = match column.role() {
            ColumnRole::Numeric => (categorical_only.as_slice(), ColumnRole::Categorical),
            ColumnRole::Categorical => (numeric_only.as_slice(), ColumnRole::Numeric),
        };

        match misplaced.iter().find(|(_, set)| *set) {
            Some((setting, _)) => Err(RecipeError::SettingRole {
                column: column.name.clone(),
                setting,
                expected,
                role: column.role(),
            }),
            None => Ok(()),
        }
    }

    /// Settles the task (given or inferred) and the class labels in class order.
    fn resolve_task(&self, target: &Column) -> Result<(Task, Vec<String>), RecipeError> {
        let column = target.name.clone();
        if (0..target.data.len()).all(|row| target.data.is_missing(row)) {
            return Err(RecipeError::NoLabelledRows { column });
        }

        let task = self.task.unwrap_or_else(|| Task::infer(target));
        if task == Task::Regression {
            return match target.role() {
                ColumnRole::Numeric => Ok((task, Vec::new())),
                ColumnRole::Categorical => Err(RecipeError::TargetNotNumeric { column }),
            };
        }

        let labels = target::distinct_labels(&target.data);
        if labels.len() < 2 {
            return Err(RecipeError::TooFewClasses {
                column,
                classes: labels.len(),
            });
        }
        if task == Task::Binary && labels.len() > 2 {
            return Err(RecipeError::NotBinary {
                column,
                classes: labels.len(),
            });
        }
        Ok((task, labels))
    }

    /// Plans the split and checks that no part with a positive share is empty and that the
    /// training part can hold the folds.
    fn check_split(&self, strata: &[Option<usize>]) -> Result<Vec<PartCounts>, RecipeError> {
        let mut sizes: Vec<usize> = Vec::new();
        for stratum in strata.iter().flatten() {
            if sizes.len() <= *stratum {
                sizes.resize(stratum + 1, 0);
            }
            sizes[*stratum] += 1;
        }
        let rows: usize = sizes.iter().sum();

        let counts = split::plan(&sizes, &self.split);
        let totals = PartCounts::sum(&counts);
        for part in [Part::Train, Part::Validation, Part::Test] {
            let fraction = self.split.fraction(part);
            let empty = totals.of(part) == 0 || (part == Part::Train && fraction == 0.0);
            if empty && (fraction > 0.0 || part == Part::Train) {
                return Err(RecipeError::EmptyPart {
                    part,
                    fraction,
                    rows,
                });
            }
        }

        match self.folds {
            Some(folds) if folds > totals.train => Err(RecipeError::TooManyFolds {
                folds,
                rows: totals.train,
            }),
            _ => Ok(counts),
        }
    }
}

/// Checks the multiplier, constant and category limit set at one level of the recipe;
/// `prefix` is empty for the recipe-wide settings or `columns.NAME.` for an override.
fn check_step_settings(
    prefix: &str,
    impute: Option<Impute>,
    clip: Option<Option<f64>>,
    max_categories: Option<usize>,
) -> Result<(), RecipeError> {
    if let Some(Impute::Constant(value)) = impute
        && !value.is_finite()
    {
        let setting = if prefix.is_empty() {
            "impute_numeric.constant".to_owned()
        } else {
            format!("{prefix}impute_numeric.constant")
        };
        return Err(RecipeError::BadConstant { setting, value });
    }

    if let Some(Some(value)) = clip
        && !(value.is_finite() && value >= 0.0)
    {
        return Err(RecipeError::BadClipMultiplier {
            setting: format!("{prefix}clip_outliers"),
            value,
        });
    }

    if max_categories == Some(0) {
        let setting = if prefix.is_empty() {
            "one_hot.max_categories".to_owned()
        } else {
            format!("{prefix}max_categories")
        };
        return Err(RecipeError::NoCategories { setting });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::{ColumnOverride, Scale};

    /// Twenty rows: a numeric `age`, a categorical `city` and a yes/no `label`.
    fn frame() -> Frame {
        let ages = (0..20).map(|row| Some(f64::from(row))).collect();
        let cities = (0..20)
            .map(|row| Some(["Oslo", "Rome"][row % 2].to_owned()))
            .collect();
        let labels = (0..20)
            .map(|row| Some(["no", "yes"][usize::from(row % 3 == 0)].to_owned()))
            .collect();

        Frame::new(vec![
            Column::numeric("age", ages),
            Column::categorical("city", cities),
            Column::categorical("label", labels),
        ])
        .unwrap()
    }

    fn recipe() -> Recipe {
        Recipe::new("label")
    }

    #[test]
    fn accepts_the_default_recipe() {
        assert_eq!(recipe().validate(&frame()), Ok(()));
    }

    #[test]
    fn rejects_an_unknown_target() {
        let error = Recipe::new("labl").validate(&frame()).unwrap_err();

        assert_eq!(
            error,
            RecipeError::UnknownColumn {
                column: "labl".into(),
                setting: "target"
            }
        );
        assert_eq!(
            error.to_string(),
            "the dataset has no column `labl`, which the recipe's `target` names"
        );
    }

    #[test]
    fn rejects_dropping_the_target_or_an_unknown_column() {
        let mut dropped = recipe();
        dropped.drop = vec!["label".into()];
        assert_eq!(
            dropped.validate(&frame()),
            Err(RecipeError::TargetDropped {
                column: "label".into()
            })
        );

        let mut unknown = recipe();
        unknown.drop = vec!["zip".into()];
        assert_eq!(
            unknown.validate(&frame()),
            Err(RecipeError::UnknownColumn {
                column: "zip".into(),
                setting: "drop"
            })
        );
    }

    #[test]
    fn rejects_dropping_every_feature() {
        let mut recipe = recipe();
        recipe.drop = vec!["age".into(), "city".into()];

        assert_eq!(recipe.validate(&frame()), Err(RecipeError::NoFeatures));
    }

    #[test]
    fn rejects_fractions_that_do_not_add_up() {
        let mut recipe = recipe();
        recipe.split.train = 0.8;

        let error = recipe.validate(&frame()).unwrap_err();

        assert!(matches!(error, RecipeError::FractionSum { .. }));
        assert_eq!(
            error.to_string(),
            "the split fractions 0.8 + 0.15 + 0.15 add up to 1.1, not 1"
        );
    }

    #[test]
    fn rejects_negative_fractions() {
        let mut recipe = recipe();
        recipe.split.validation = -0.1;
        recipe.split.test = 0.4;

        assert_eq!(
            recipe.validate(&frame()),
            Err(RecipeError::BadFraction {
                part: Part::Validation,
                value: -0.1
            })
        );
    }

    #[test]
    fn rejects_a_part_too_small_to_get_a_row() {
        let mut recipe = recipe();
        recipe.split.train = 0.98;
        recipe.split.validation = 0.01;
        recipe.split.test = 0.01;

        assert_eq!(
            recipe.validate(&frame()),
            Err(RecipeError::EmptyPart {
                part: Part::Validation,
                fraction: 0.01,
                rows: 20
            })
        );
    }

    #[test]
    fn accepts_a_part_switched_off() {
        let mut recipe = recipe();
        recipe.split.train = 0.85;
        recipe.split.test = 0.0;

        assert_eq!(recipe.validate(&frame()), Ok(()));
    }

    #[test]
    fn rejects_too_few_and_too_many_folds() {
        let mut recipe = recipe();

        recipe.folds = Some(1);
        assert_eq!(
            recipe.validate(&frame()),
            Err(RecipeError::TooFewFolds { folds: 1 })
        );

        recipe.folds = Some(15);
        assert_eq!(
            recipe.validate(&frame()),
            Err(RecipeError::TooManyFolds {
                folds: 15,
                rows: 14
            })
        );
    }

    #[test]
    fn rejects_a_target_with_one_class() {
        let frame = Frame::new(vec![
            Column::numeric("age", vec![Some(1.0), Some(2.0)]),
            Column::categorical("label", vec![Some("yes".into()), Some("yes".into())]),
        ])
        .unwrap();

        let error = recipe().validate(&frame).unwrap_err();

        assert_eq!(
            error,
            RecipeError::TooFewClasses {
                column: "label".into(),
                classes: 1
            }
        );
    }

    #[test]
    fn rejects_a_binary_task_with_three_classes() {
        let mut recipe = Recipe::new("city");
        recipe.task = Some(Task::Binary);
        let frame = Frame::new(vec![
            Column::numeric("age", vec![Some(1.0); 3]),
            Column::categorical(
                "city",
                vec![Some("a".into()), Some("b".into()), Some("c".into())],
            ),
        ])
        .unwrap();

        assert_eq!(
            recipe.validate(&frame),
            Err(RecipeError::NotBinary {
                column: "city".into(),
                classes: 3
            })
        );
    }

    #[test]
    fn rejects_regression_on_a_categorical_target() {
        let mut recipe = recipe();
        recipe.task = Some(Task::Regression);

        assert_eq!(
            recipe.validate(&frame()),
            Err(RecipeError::TargetNotNumeric {
                column: "label".into()
            })
        );
    }

    #[test]
    fn rejects_a_setting_for_the_wrong_kind_of_column() {
        let mut recipe = recipe();
        recipe.columns.insert(
            "city".into(),
            ColumnOverride {
                scale: Some(Scale::MinMax),
                ..ColumnOverride::default()
            },
        );

        let error = recipe.validate(&frame()).unwrap_err();

        assert_eq!(
            error.to_string(),
            "`columns.city.scale` applies to numeric columns, but `city` is categorical"
        );
    }

    #[test]
    fn rejects_overrides_for_unknown_columns_and_the_target() {
        let mut unknown = recipe();
        unknown
            .columns
            .insert("zip".into(), ColumnOverride::default());
        assert!(matches!(
            unknown.validate(&frame()),
            Err(RecipeError::UnknownColumn {
                setting: "columns",
                ..
            })
        ));

        let mut target = recipe();
        target
            .columns
            .insert("label".into(), ColumnOverride::default());
        assert!(matches!(
            target.validate(&frame()),
            Err(RecipeError::TargetConfigured { .. })
        ));
    }

    #[test]
    fn rejects_negative_clip_multipliers_and_zero_categories() {
        let mut clip = recipe();
        clip.columns.insert(
            "age".into(),
            ColumnOverride {
                clip_outliers: Some(Some(-1.0)),
                ..ColumnOverride::default()
            },
        );
        assert_eq!(
            clip.validate(&frame()),
            Err(RecipeError::BadClipMultiplier {
                setting: "columns.age.clip_outliers".into(),
                value: -1.0
            })
        );

        let mut categories = recipe();
        categories.one_hot.max_categories = 0;
        assert_eq!(
            categories.validate(&frame()),
            Err(RecipeError::NoCategories {
                setting: "one_hot.max_categories".into()
            })
        );
    }

    #[test]
    fn rejects_a_target_missing_everywhere() {
        let frame = Frame::new(vec![
            Column::numeric("age", vec![Some(1.0), Some(2.0)]),
            Column::categorical("label", vec![None, None]),
        ])
        .unwrap();

        assert_eq!(
            recipe().validate(&frame),
            Err(RecipeError::NoLabelledRows {
                column: "label".into()
            })
        );
    }
}
