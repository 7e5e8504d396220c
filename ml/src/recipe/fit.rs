//! Fitting a recipe: splitting the rows, then learning every step's parameters from the
//! training rows alone.
//!
//! Validation and test rows never touch a fitted statistic, so scores on them measure how the
//! model does on data it has not seen, preparation included.

use super::encode::{CategoricalColumn, Fences, FittedColumn, FittedScale, NumericColumn};
use super::error::RecipeError;
use super::fitted::Fitted;
use super::frame::{Column, ColumnData, Frame};
use super::split::{self, Part};
use super::{ColumnSettings, Impute, ImputeCategorical, Recipe, Scale, UNKNOWN_CATEGORY, stats};
use crate::rng::SplitMix64;

impl Recipe {
    /// Splits `frame`'s rows and fits every step on the training rows.
    ///
    /// Rows without a target value join no part. The training, validation and test rows and
    /// the folds follow from `split.seed` alone, so fitting again gives the same result.
    ///
    /// # Errors
    ///
    /// Whatever [`Recipe::validate`] reports, [`RecipeError::NoObservedValues`] when a column
    /// needs a statistic and has no values in the training rows, and
    /// [`RecipeError::NonFiniteStatistic`] when its values are too large for one.
    pub fn fit(&self, frame: &Frame) -> Result<Fitted, RecipeError> {
        let plan = self.plan(frame)?;

        let mut rng = SplitMix64::new(self.split.seed);
        let assignment = split::assign(&plan.strata, &plan.counts, &mut rng);
        let folds = self.folds.map(|folds| {
            let strata = plan.counts.len();
            split::assign_folds(&assignment, &plan.strata, strata, folds, &mut rng)
        });

        let train_rows = assignment.rows(Part::Train);
        let columns = plan
            .features
            .iter()
            .map(|column| fit_column(column, &self.settings_for(&column.name), &train_rows))
            .collect::<Result<Vec<_>, _>>()?;

        Ok(Fitted::new(
            self.clone(),
            plan.task,
            plan.target.role(),
            columns,
            plan.class_labels,
            assignment,
            folds,
        ))
    }
}

fn fit_column(
    column: &Column,
    settings: &ColumnSettings,
    train_rows: &[usize],
) -> Result<FittedColumn, RecipeError> {
    let fitted = match &column.data {
        ColumnData::Numeric(values) => {
            let values: Vec<Option<f64>> = train_rows.iter().map(|&row| values[row]).collect();
            FittedColumn::Numeric(fit_numeric(&column.name, &values, settings)?)
        }
        ColumnData::Categorical(values) => {
            let values: Vec<Option<&str>> = train_rows
                .iter()
                .map(|&row| values[row].as_deref())
                .collect();
            FittedColumn::Categorical(fit_categorical(&column.name, &values, settings)?)
        }
    };
    Ok(fitted)
}

/// Fits imputation on the observed values, fences on the observed values, and scaling on
/// the values as imputed and clipped.
fn fit_numeric(
    name: &str,
    values: &[Option<f64>],
    settings: &ColumnSettings,
) -> Result<NumericColumn, RecipeError> {
    let no_values = || RecipeError::NoObservedValues {
        column: name.to_owned(),
    };
    let observed: Vec<f64> = values.iter().flatten().copied().collect();

    let impute = match settings.impute_numeric {
        Impute::Mean => Some(stats::mean(&observed).ok_or_else(no_values)?),
        Impute::Median => Some(stats::median(&observed).ok_or_else(no_values)?),
        Impute::Constant(value) => Some(value),
        Impute::None => None,
    };

    let clip = match settings.clip_outliers {
        Some(multiplier) => {
            let (q1, q3) = stats::quartiles(&observed).ok_or_else(no_values)?;
            let reach = multiplier * (q3 - q1);
            Some(Fences {
                low: q1 - reach,
                high: q3 + reach,
            })
        }
        None => None,
    };

    let mut column = NumericColumn {
        name: name.to_owned(),
        impute,
        clip,
        scale: None,
    };
    let prepared: Vec<f64> = values
        .iter()
        .filter_map(|value| column.impute_and_clip(*value))
        .collect();
    column.scale = match settings.scale {
        Scale::Standard => {
            let summary = stats::summarize(&prepared).ok_or_else(no_values)?;
            Some(FittedScale::Standard {
                mean: summary.mean,
                std: summary.std,
            })
        }
        Scale::MinMax => {
            let (min, max) = stats::range(&prepared).ok_or_else(no_values)?;
            Some(FittedScale::MinMax { min, max })
        }
        Scale::None => None,
    };

    check_finite(&column)?;
    Ok(column)
}

/// Rejects parameters that overflowed, which only values near `f64::MAX` can cause.
fn check_finite(column: &NumericColumn) -> Result<(), RecipeError> {
    let scale = match column.scale {
        Some(FittedScale::Standard { mean, std }) => [mean, std],
        Some(FittedScale::MinMax { min, max }) => [min, max - min],
        None => [0.0, 0.0],
    };
    let fences = column
        .clip
        .map_or([0.0, 0.0], |fences| [fences.low, fences.high]);

    let finite = [column.impute.unwrap_or(0.0)]
        .iter()
        .chain(&scale)
        .chain(&fences)
        .all(|value| value.is_finite());
    if finite {
        Ok(())
    } else {
        Err(RecipeError::NonFiniteStatistic {
            column: column.name.clone(),
        })
    }
}

/// Fits imputation on the observed categories, then the vocabulary on the imputed ones.
fn fit_categorical(
    name: &str,
    values: &[Option<&str>],
    settings: &ColumnSettings,
) -> Result<CategoricalColumn, RecipeError> {
    let impute = match &settings.impute_categorical {
        ImputeCategorical::MostFrequent => {
            let ranked = stats::ranked(values.iter().flatten().copied());
            let (commonest, _) = ranked
                .first()
                .ok_or_else(|| RecipeError::NoObservedValues {
                    column: name.to_owned(),
                })?;
            Some((*commonest).to_owned())
        }
        ImputeCategorical::Constant(value) => Some(value.clone()),
        ImputeCategorical::None => None,
    };

    let imputed = values
        .iter()
        .filter_map(|value| value.or(impute.as_deref()))
        .filter(|value| *value != UNKNOWN_CATEGORY);
    let categories = stats::ranked(imputed)
        .into_iter()
        .take(settings.max_categories)
        .map(|(category, _)| category.to_owned())
        .collect();

    Ok(CategoricalColumn {
        name: name.to_owned(),
        impute,
        categories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::{ColumnOverride, Frame, sample};

    fn settings(recipe: &Recipe) -> ColumnSettings {
        recipe.settings_for("x")
    }

    fn numbers(values: &[Option<f64>], recipe: &Recipe) -> NumericColumn {
        fit_numeric("x", values, &settings(recipe)).unwrap()
    }

    #[test]
    fn mean_imputation_uses_observed_values() {
        let column = numbers(&[Some(1.0), None, Some(2.0), Some(6.0)], &Recipe::new("y"));

        assert_eq!(column.impute, Some(3.0));
        // Imputed: 1, 3, 2, 6; mean 3; squared deviations 4 + 0 + 1 + 9 over 4.
        assert_eq!(
            column.scale,
            Some(FittedScale::Standard {
                mean: 3.0,
                std: 3.5_f64.sqrt()
            })
        );
    }

    #[test]
    fn median_imputation_takes_the_middle_value() {
        let mut recipe = Recipe::new("y");
        recipe.impute_numeric = Impute::Median;
        recipe.scale = Scale::MinMax;

        let column = numbers(
            &[Some(10.0), None, Some(1.0), Some(4.0), Some(3.0)],
            &recipe,
        );

        assert_eq!(column.impute, Some(3.5));
        assert_eq!(
            column.scale,
            Some(FittedScale::MinMax {
                min: 1.0,
                max: 10.0
            })
        );
    }

    #[test]
    fn constant_imputation_feeds_the_scaler() {
        let mut recipe = Recipe::new("y");
        recipe.impute_numeric = Impute::Constant(0.0);
        recipe.scale = Scale::MinMax;

        let column = numbers(&[Some(4.0), None, Some(8.0)], &recipe);

        assert_eq!(column.impute, Some(0.0));
        assert_eq!(
            column.scale,
            Some(FittedScale::MinMax { min: 0.0, max: 8.0 })
        );
    }

    #[test]
    fn clipping_fences_follow_the_interquartile_range() {
        let mut recipe = Recipe::new("y");
        recipe.clip_outliers = Some(1.5);
        recipe.scale = Scale::MinMax;
        // 1..=8 and an outlier at 100: Q1 = 3, Q3 = 7 (ranks 2 and 6), IQR 4, fences -3 and 13.
        let mut values: Vec<Option<f64>> = (1..=8).map(|v| Some(f64::from(v))).collect();
        values.push(Some(100.0));

        let column = numbers(&values, &recipe);

        assert_eq!(
            column.clip,
            Some(Fences {
                low: -3.0,
                high: 13.0
            })
        );
        assert_eq!(
            column.scale,
            Some(FittedScale::MinMax {
                min: 1.0,
                max: 13.0
            })
        );
    }

    #[test]
    fn a_column_without_training_values_asks_for_a_constant() {
        let error = fit_numeric("x", &[None, None], &settings(&Recipe::new("y"))).unwrap_err();

        assert_eq!(error, RecipeError::NoObservedValues { column: "x".into() });
    }

    #[test]
    fn huge_values_are_reported_not_turned_into_infinity() {
        let error = fit_numeric(
            "x",
            &[Some(f64::MAX), Some(f64::MAX)],
            &settings(&Recipe::new("y")),
        )
        .unwrap_err();

        assert_eq!(
            error,
            RecipeError::NonFiniteStatistic { column: "x".into() }
        );
    }

    fn words(values: &[Option<&str>], recipe: &Recipe) -> CategoricalColumn {
        fit_categorical("x", values, &settings(recipe)).unwrap()
    }

    #[test]
    fn most_frequent_ties_go_to_the_first_in_byte_order() {
        let values = [Some("rain"), Some("sun"), None, Some("sun"), Some("rain")];

        let column = words(&values, &Recipe::new("y"));

        assert_eq!(column.impute.as_deref(), Some("rain"));
        // The imputed cell makes rain the commonest.
        assert_eq!(column.categories, vec!["rain", "sun"]);
    }

    #[test]
    fn vocabulary_keeps_the_commonest_categories() {
        let mut recipe = Recipe::new("y");
        recipe.columns.insert(
            "x".into(),
            ColumnOverride {
                max_categories: Some(2),
                impute_categorical: Some(ImputeCategorical::Constant("none".into())),
                ..ColumnOverride::default()
            },
        );
        let values = [
            Some("b"),
            Some("a"),
            None,
            None,
            None,
            Some("b"),
            Some("c"),
            Some(UNKNOWN_CATEGORY),
        ];

        let column = words(&values, &recipe);

        assert_eq!(column.impute.as_deref(), Some("none"));
        assert_eq!(column.categories, vec!["none", "b"]);
    }

    #[test]
    fn no_imputation_leaves_missing_categories_out_of_the_vocabulary() {
        let mut recipe = Recipe::new("y");
        recipe.impute_categorical = ImputeCategorical::None;

        let column = words(&[None, None, Some("a")], &recipe);

        assert_eq!(column.impute, None);
        assert_eq!(column.categories, vec!["a"]);
    }

    fn labels_of(frame: &Frame, rows: &[usize]) -> Vec<String> {
        let Some(ColumnData::Categorical(labels)) =
            frame.column("label").map(|column| &column.data)
        else {
            panic!("the sample has a categorical label");
        };
        rows.iter()
            .map(|&row| labels[row].clone().unwrap())
            .collect()
    }

    #[test]
    fn stratified_split_keeps_class_proportions() {
        let frame = sample::frame();
        let fitted = Recipe::new("label").fit(&frame).unwrap();

        // 20 churn and 40 stay rows; each part should hold its share of each to one row.
        for part in [Part::Train, Part::Validation, Part::Test] {
            let rows = fitted.rows(part);
            let fraction = Recipe::new("label").split.fraction(part);
            let labels = labels_of(&frame, &rows);
            for (class, size) in [("churn", 20.0), ("stay", 40.0)] {
                let count = labels.iter().filter(|label| *label == class).count() as f64;
                assert!(
                    (count - size * fraction).abs() <= 1.0,
                    "{part}: {count} {class} rows for a share of {}",
                    size * fraction
                );
            }
        }
        assert_eq!(fitted.rows(Part::Train).len(), 42);
        assert_eq!(fitted.rows(Part::Validation).len(), 9);
        assert_eq!(fitted.rows(Part::Test).len(), 9);
    }

    #[test]
    fn equal_seeds_give_equal_splits_and_other_seeds_differ() {
        let frame = sample::frame();
        let mut recipe = Recipe::new("label");
        recipe.folds = Some(3);

        let first = recipe.fit(&frame).unwrap();
        let again = recipe.fit(&frame).unwrap();
        recipe.split.seed = 43;
        let other = recipe.fit(&frame).unwrap();

        assert_eq!(first, again);
        assert_ne!(first.rows(Part::Train), other.rows(Part::Train));
        assert_ne!(first.rows(Part::Test), other.rows(Part::Test));
    }

    #[test]
    fn the_split_without_strata_is_plain_random() {
        let frame = sample::frame();
        let mut recipe = Recipe::new("label");
        recipe.split.stratify = false;

        let fitted = recipe.fit(&frame).unwrap();
        let stratified = Recipe::new("label").fit(&frame).unwrap();

        assert_eq!(fitted.rows(Part::Validation).len(), 9);
        assert_ne!(fitted.rows(Part::Train), stratified.rows(Part::Train));
    }

    #[test]
    fn folds_are_balanced_and_stratified() {
        let frame = sample::frame();
        let mut recipe = Recipe::new("label");
        recipe.folds = Some(4);

        let fitted = recipe.fit(&frame).unwrap();
        let train = fitted.rows(Part::Train);
        let folds = fitted.folds().unwrap();
        let labels = labels_of(&frame, &train);

        assert_eq!(folds.len(), train.len());
        let sizes: Vec<usize> = (0..4)
            .map(|fold| folds.iter().filter(|f| **f == fold).count())
            .collect();
        assert!(
            sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
            "{sizes:?}"
        );
        for class in ["churn", "stay"] {
            let per_fold: Vec<usize> = (0..4)
                .map(|fold| {
                    folds
                        .iter()
                        .zip(&labels)
                        .filter(|(f, label)| **f == fold && *label == class)
                        .count()
                })
                .collect();
            let spread = per_fold.iter().max().unwrap() - per_fold.iter().min().unwrap();
            assert!(spread <= 1, "{class}: {per_fold:?}");
        }
    }

    #[test]
    fn rows_without_a_target_join_no_part() {
        let mut columns = sample::frame().columns().to_vec();
        if let ColumnData::Categorical(labels) = &mut columns[4].data {
            labels[0] = None;
            labels[1] = None;
        }
        let frame = Frame::new(columns).unwrap();

        let fitted = Recipe::new("label").fit(&frame).unwrap();

        assert_eq!(fitted.part_of(0), None);
        assert_eq!(fitted.part_of(1), None);
        let assigned: usize = [Part::Train, Part::Validation, Part::Test]
            .iter()
            .map(|part| fitted.rows(*part).len())
            .sum();
        assert_eq!(assigned, sample::ROWS - 2);
    }

    #[test]
    fn statistics_come_from_the_training_rows_only() {
        let frame = sample::frame();
        let recipe = Recipe::new("label");
        let fitted = recipe.fit(&frame).unwrap();
        let validation_row = fitted.rows(Part::Validation)[0];

        let extreme = sample::with_number(&frame, "age", validation_row, 1e9);
        let refitted = recipe.fit(&extreme).unwrap();

        assert_eq!(refitted, fitted);
        let FittedColumn::Numeric(age) = &fitted.columns()[0] else {
            panic!("age is numeric");
        };
        let Some(ColumnData::Numeric(ages)) = frame.column("age").map(|c| &c.data) else {
            panic!("age is numeric");
        };
        let observed: Vec<f64> = fitted
            .rows(Part::Train)
            .iter()
            .filter_map(|&row| ages[row])
            .collect();
        assert_eq!(
            age.impute,
            Some(observed.iter().sum::<f64>() / observed.len() as f64)
        );
    }
}
