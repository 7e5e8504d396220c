//! A fitted recipe: the recipe with every parameter it learnt, and the split it drew.
//!
//! [`Fitted`] is what is stored with a trained model and shipped to the tab and to
//! prediction. It is self-contained: it names the input columns and roles it expects, the
//! features it makes, the classes and the part of the split every row of the fitted dataset
//! went to, so it needs nothing else to turn a frame or a single row into model inputs.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::encode::{Cell, Encoder, FittedColumn};
use super::error::RecipeError;
use super::frame::{self, Column, ColumnData, ColumnRole, Frame};
use super::split::{Assignment, Part};
use super::target::TargetEncoder;
use super::{Recipe, Task};

/// A recipe fitted on the training rows of one dataset version.
///
/// In JSON the split is one character per fitted row (`0` training, `1` validation, `2` test,
/// `-` no target) plus, with folds, each training row's fold in ascending row order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fitted {
    format: Format,
    recipe: Recipe,
    task: Task,
    target_role: ColumnRole,
    columns: Vec<FittedColumn>,
    feature_names: Vec<String>,
    class_labels: Vec<String>,
    split: FittedSplit,
}

/// The rows of the fitted dataset in each part, and the training rows' folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FittedSplit {
    assignment: Assignment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    folds: Option<Vec<usize>>,
}

/// Features in row-major order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    /// How many rows.
    pub rows: usize,
    /// How many features per row.
    pub cols: usize,
    /// `rows × cols` values, row after row.
    pub values: Vec<f32>,
    /// One name per feature.
    pub feature_names: Vec<String>,
}

/// The rows of one part of the split, ready for a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subset {
    /// The rows of the frame, ascending.
    pub rows: Vec<usize>,
    /// Their features.
    pub features: Matrix,
    /// Their targets: the class index as `f32`, or the regression value.
    pub targets: Vec<f32>,
}

/// A dataset turned into model inputs by a fitted recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prepared {
    /// The rows to learn from.
    pub train: Subset,
    /// The rows for tuning and early stopping.
    pub validation: Subset,
    /// The rows held back for the final score.
    pub test: Subset,
    /// With k-fold, the fold of each training row, aligned with `train.rows`.
    pub folds: Option<Vec<usize>>,
    /// One name per feature.
    pub feature_names: Vec<String>,
    /// The class of each target index; empty for regression.
    pub class_labels: Vec<String>,
    /// What kind of prediction the targets are for.
    pub task: Task,
}

/// The version of the fitted recipe's JSON layout; a reader refuses layouts it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Format;

impl Format {
    const VERSION: u32 = 1;
}

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(Self::VERSION)
    }
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let version = u32::deserialize(deserializer)?;
        if version == Self::VERSION {
            Ok(Self)
        } else {
            Err(serde::de::Error::custom(format!(
                "fitted recipe format {version} is not supported (expected {}): fit the \
                 recipe again",
                Self::VERSION
            )))
        }
    }
}

impl Matrix {
    /// The features of row `index`, if there is one.
    pub fn row(&self, index: usize) -> Option<&[f32]> {
        let start = index.checked_mul(self.cols)?;
        self.values.get(start..start.checked_add(self.cols)?)
    }
}

impl Fitted {
    pub(crate) fn new(
        recipe: Recipe,
        task: Task,
        target_role: ColumnRole,
        columns: Vec<FittedColumn>,
        class_labels: Vec<String>,
        assignment: Assignment,
        folds: Option<Vec<usize>>,
    ) -> Self {
        let feature_names = columns
            .iter()
            .flat_map(FittedColumn::feature_names)
            .collect();

        Self {
            format: Format,
            recipe,
            task,
            target_role,
            columns,
            feature_names,
            class_labels,
            split: FittedSplit { assignment, folds },
        }
    }

    /// Reads a fitted recipe from JSON and checks that its parts agree.
    ///
    /// # Errors
    ///
    /// [`RecipeError::InvalidJson`] for malformed JSON or an unknown format, and
    /// [`RecipeError::Inconsistent`] when the feature names or the folds contradict the rest.
    pub fn from_json(json: &str) -> Result<Self, RecipeError> {
        let fitted: Self = serde_json::from_str(json).map_err(RecipeError::from_json)?;

        let names: Vec<String> = fitted
            .columns
            .iter()
            .flat_map(FittedColumn::feature_names)
            .collect();
        if names != fitted.feature_names {
            return Err(RecipeError::Inconsistent {
                reason: "the feature names do not match the columns",
            });
        }
        fitted.checked_folds()?;
        Ok(fitted)
    }

    /// Writes the fitted recipe as JSON.
    ///
    /// # Errors
    ///
    /// [`RecipeError::InvalidJson`] in theory only: every field serializes.
    pub fn to_json(&self) -> Result<String, RecipeError> {
        serde_json::to_string(self).map_err(RecipeError::from_json)
    }

    /// The recipe as written.
    pub fn recipe(&self) -> &Recipe {
        &self.recipe
    }

    /// The task, inferred at fitting time if the recipe left it out.
    pub fn task(&self) -> Task {
        self.task
    }

    /// The fitted parameters of every input column, in feature order.
    pub fn columns(&self) -> &[FittedColumn] {
        &self.columns
    }

    /// The output features' names, such as `age` or `weather=rain`.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The label of each class index, sorted; empty for regression.
    ///
    /// Taken from every row of the fitted dataset, not the training rows only: the label set
    /// is not a learnt statistic, and a class the split kept out of training must still be
    /// scoreable.
    pub fn class_labels(&self) -> &[String] {
        &self.class_labels
    }

    /// The rows of the fitted dataset in `part`, ascending.
    pub fn rows(&self, part: Part) -> Vec<usize> {
        self.split.assignment.rows(part)
    }

    /// The part row `row` of the fitted dataset went to; `None` for a row without a target.
    pub fn part_of(&self, row: usize) -> Option<Part> {
        self.split.assignment.part(row)
    }

    /// With k-fold, the fold of each training row in ascending row order.
    pub fn folds(&self) -> Option<&[usize]> {
        self.split.folds.as_deref()
    }

    /// Turns every row of `frame` into features. Columns the recipe does not read are
    /// ignored, whatever their order.
    ///
    /// # Errors
    ///
    /// [`RecipeError::MissingColumn`] or [`RecipeError::WrongRole`] when the frame lacks an
    /// input column or has it with another role, [`RecipeError::MissingValue`] for a gap in
    /// a column without imputation, and [`RecipeError::OutOfRange`] for a feature beyond
    /// `f32`.
    pub fn transform(&self, frame: &Frame) -> Result<Matrix, RecipeError> {
        let rows: Vec<usize> = (0..frame.row_count()).collect();
        self.transform_rows(frame, &rows)
    }

    /// Turns one prediction-time row, given as column name and cell text, into features.
    ///
    /// Cells are read as [`Frame::from_rows`] reads them, so a row gives the same features
    /// here as in a frame. Unknown categories land in the unknown bucket, missing or blank
    /// cells are imputed, and names the recipe does not read (the target, say) are ignored.
    ///
    /// # Errors
    ///
    /// [`RecipeError::MissingColumn`] when the row lacks an input column (pass it with `None`
    /// to have it imputed), [`RecipeError::RepeatedColumn`], [`RecipeError::NotANumber`],
    /// and the errors of [`Fitted::transform`].
    pub fn transform_row(&self, row: &[(String, Option<String>)]) -> Result<Vec<f32>, RecipeError> {
        let index_of: HashMap<&str, usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| (column.name(), index))
            .collect();
        let mut given: Vec<Option<Option<&str>>> = vec![None; self.columns.len()];
        for (name, value) in row {
            let Some(&index) = index_of.get(name.as_str()) else {
                continue;
            };
            if given[index].replace(value.as_deref()).is_some() {
                return Err(RecipeError::RepeatedColumn {
                    column: name.clone(),
                });
            }
        }

        let cells = self
            .columns
            .iter()
            .zip(given)
            .map(|(column, value)| read_cell(column, value))
            .collect::<Result<Vec<Cell<'_>>, _>>()?;

        let mut features = Vec::with_capacity(self.feature_names.len());
        Encoder::new(&self.columns).encode_row(|index| cells[index], None, &mut features)?;
        Ok(features)
    }

    /// The target of every row of `frame`: the class index as `f32`, or the regression value.
    ///
    /// # Errors
    ///
    /// [`RecipeError::MissingColumn`] or [`RecipeError::WrongRole`] for the target column,
    /// [`RecipeError::MissingTarget`] for a row without one, [`RecipeError::UnknownClass`]
    /// for a class the recipe was not fitted with.
    pub fn targets(&self, frame: &Frame) -> Result<Vec<f32>, RecipeError> {
        let target = self.target_column(frame)?;
        let encoder = TargetEncoder::new(self.task, &self.recipe.target, &self.class_labels);

        (0..frame.row_count())
            .map(|row| encoder.encode(&target.data, row))
            .collect()
    }

    /// Splits the fitted dataset into its parts and turns each into features and targets.
    ///
    /// `frame` must be the dataset the recipe was fitted on; rows without a target are left
    /// out.
    ///
    /// # Errors
    ///
    /// [`RecipeError::RowCountMismatch`] for a frame of another length, and the errors of
    /// [`Fitted::transform`] and [`Fitted::targets`].
    pub fn prepare(&self, frame: &Frame) -> Result<Prepared, RecipeError> {
        self.check_rows(frame)?;

        let target = self.target_column(frame)?;
        let encoder = TargetEncoder::new(self.task, &self.recipe.target, &self.class_labels);
        let subset = |part: Part| -> Result<Subset, RecipeError> {
            let rows = self.rows(part);
            let features = self.transform_rows(frame, &rows)?;
            let targets = rows
                .iter()
                .map(|&row| encoder.encode(&target.data, row))
                .collect::<Result<_, _>>()?;
            Ok(Subset {
                rows,
                features,
                targets,
            })
        };

        Ok(Prepared {
            train: subset(Part::Train)?,
            validation: subset(Part::Validation)?,
            test: subset(Part::Test)?,
            folds: self.checked_folds()?.map(<[usize]>::to_vec),
            feature_names: self.feature_names.clone(),
            class_labels: self.class_labels.clone(),
            task: self.task,
        })
    }

    /// Turns the given rows of `frame` into features, in that order.
    pub(crate) fn transform_rows(
        &self,
        frame: &Frame,
        rows: &[usize],
    ) -> Result<Matrix, RecipeError> {
        let sources = self
            .columns
            .iter()
            .map(|fitted| input_column(frame, fitted.name(), fitted.role()).map(|c| &c.data))
            .collect::<Result<Vec<_>, _>>()?;
        let encoder = Encoder::new(&self.columns);
        let cols: usize = self.columns.iter().map(FittedColumn::width).sum();

        let mut values = Vec::with_capacity(rows.len() * cols);
        for &row in rows {
            encoder.encode_row(|index| cell_at(sources[index], row), Some(row), &mut values)?;
        }

        Ok(Matrix {
            rows: rows.len(),
            cols,
            values,
            feature_names: self.feature_names.clone(),
        })
    }

    /// Rejects a frame that cannot be the one the split was drawn on.
    pub(crate) fn check_rows(&self, frame: &Frame) -> Result<(), RecipeError> {
        let expected = self.split.assignment.len();
        if frame.row_count() == expected {
            Ok(())
        } else {
            Err(RecipeError::RowCountMismatch {
                expected,
                found: frame.row_count(),
            })
        }
    }

    fn target_column<'f>(&self, frame: &'f Frame) -> Result<&'f Column, RecipeError> {
        input_column(frame, &self.recipe.target, self.target_role)
    }

    /// The folds, after checking there is one per training row.
    fn checked_folds(&self) -> Result<Option<&[usize]>, RecipeError> {
        let Some(folds) = self.split.folds.as_deref() else {
            return Ok(None);
        };

        let count = self.recipe.folds.unwrap_or(0);
        if folds.len() != self.rows(Part::Train).len() || folds.iter().any(|fold| *fold >= count) {
            return Err(RecipeError::Inconsistent {
                reason: "the folds do not match the training rows",
            });
        }
        Ok(Some(folds))
    }
}

/// The column `name` of `frame`, checked to have `role`.
fn input_column<'f>(
    frame: &'f Frame,
    name: &str,
    role: ColumnRole,
) -> Result<&'f Column, RecipeError> {
    let column = frame
        .column(name)
        .ok_or_else(|| RecipeError::MissingColumn {
            column: name.to_owned(),
        })?;

    if column.role() == role {
        Ok(column)
    } else {
        Err(RecipeError::WrongRole {
            column: name.to_owned(),
            expected: role,
            found: column.role(),
        })
    }
}

fn cell_at(data: &ColumnData, row: usize) -> Cell<'_> {
    match data {
        ColumnData::Numeric(values) => Cell::Numeric(values.get(row).copied().flatten()),
        ColumnData::Categorical(values) => {
            Cell::Categorical(values.get(row).and_then(Option::as_deref))
        }
    }
}

/// Reads a prediction-time cell for `column`; the outer `None` means the row lacks it.
fn read_cell<'a>(
    column: &FittedColumn,
    value: Option<Option<&'a str>>,
) -> Result<Cell<'a>, RecipeError> {
    let value = value.ok_or_else(|| RecipeError::MissingColumn {
        column: column.name().to_owned(),
    })?;

    match column.role() {
        ColumnRole::Numeric => {
            frame::parse_number(value)
                .map(Cell::Numeric)
                .map_err(|_| RecipeError::NotANumber {
                    column: column.name().to_owned(),
                    value: value.unwrap_or_default().to_owned(),
                })
        }
        ColumnRole::Categorical => Ok(Cell::Categorical(frame::parse_category(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::{ColumnOverride, Impute, ImputeCategorical, UNKNOWN_CATEGORY, sample};

    /// Drops `id`, clips outliers, min-max scales `visits` and keeps two weather categories.
    fn recipe() -> Recipe {
        let mut recipe = Recipe::new("label");
        recipe.drop = vec!["id".into()];
        recipe.clip_outliers = Some(1.5);
        recipe.one_hot.max_categories = 2;
        recipe.folds = Some(3);
        recipe.columns.insert(
            "visits".into(),
            ColumnOverride {
                scale: Some(super::super::Scale::MinMax),
                ..ColumnOverride::default()
            },
        );
        recipe
    }

    /// A frame's row as prediction-time text cells, the way a form or an API sends it.
    fn text_row(frame: &Frame, row: usize) -> Vec<(String, Option<String>)> {
        frame
            .columns()
            .iter()
            .map(|column| {
                let text = match &column.data {
                    ColumnData::Numeric(values) => values[row].map(|value| value.to_string()),
                    ColumnData::Categorical(values) => values[row].clone(),
                };
                (column.name.clone(), text)
            })
            .collect()
    }

    #[test]
    fn names_the_features_it_makes() {
        let fitted = recipe().fit(&sample::frame()).unwrap();

        // Sun is half the rows; fog outnumbers rain in seed 42's training rows.
        let unknown = format!("weather={UNKNOWN_CATEGORY}");
        assert_eq!(
            fitted.feature_names(),
            [
                "age",
                "visits",
                "weather=sun",
                "weather=fog",
                unknown.as_str()
            ]
        );
        assert_eq!(fitted.class_labels(), ["churn", "stay"]);
        assert_eq!(fitted.task(), Task::Binary);
    }

    #[test]
    fn transform_row_equals_the_matching_row_of_transform() {
        let frame = sample::frame();
        let fitted = recipe().fit(&frame).unwrap();
        let matrix = fitted.transform(&frame).unwrap();

        assert_eq!((matrix.rows, matrix.cols), (sample::ROWS, 5));
        for row in 0..sample::ROWS {
            let features = fitted.transform_row(&text_row(&frame, row)).unwrap();
            let bits: Vec<u32> = features.iter().map(|value| value.to_bits()).collect();
            let expected: Vec<u32> = matrix
                .row(row)
                .unwrap()
                .iter()
                .map(|v| v.to_bits())
                .collect();
            assert_eq!(bits, expected, "row {row}");
        }
    }

    #[test]
    fn a_standardised_column_has_zero_mean_and_unit_spread_on_training_rows() {
        let frame = sample::frame();
        let fitted = recipe().fit(&frame).unwrap();

        let effects = fitted.preview(&frame).unwrap();

        let age = &effects[0];
        assert_eq!(age.usage, crate::recipe::ColumnUsage::Feature);
        assert_eq!(age.before.count + age.before.missing, 42);
        assert!(age.before.missing > 0);
        assert!(age.after[0].mean.abs() < 1e-6, "{:?}", age.after[0]);
        assert!((age.after[0].std - 1.0).abs() < 0.05, "{:?}", age.after[0]);

        let visits = &effects[1].after[0];
        assert_eq!((visits.min, visits.max), (0.0, 1.0));

        let weather = &effects[2];
        assert_eq!(weather.before.distinct, Some(4));
        assert_eq!(weather.after.len(), 3);
        let shares: f64 = weather.after.iter().map(|feature| feature.mean).sum();
        assert!((shares - 1.0).abs() < 1e-12);

        assert_eq!(effects[3].usage, crate::recipe::ColumnUsage::Dropped);
        assert_eq!(effects[4].usage, crate::recipe::ColumnUsage::Target);
        assert!(effects[4].after.is_empty());
    }

    #[test]
    fn unknown_and_missing_cells_are_handled_at_prediction_time() {
        let fitted = recipe().fit(&sample::frame()).unwrap();
        let row = |weather: Option<&str>| {
            vec![
                ("age".to_owned(), None),
                ("visits".to_owned(), Some(" 2 ".to_owned())),
                ("weather".to_owned(), weather.map(str::to_owned)),
            ]
        };

        let snow = fitted.transform_row(&row(Some("snow"))).unwrap();
        let missing = fitted.transform_row(&row(None)).unwrap();

        assert_eq!(&snow[2..], [0.0, 0.0, 1.0]);
        // The commonest weather in training is sun, so a missing one is sun.
        assert_eq!(&missing[2..], [1.0, 0.0, 0.0]);
        let FittedColumn::Numeric(age) = &fitted.columns()[0] else {
            panic!("age is numeric");
        };
        let mean_age = age.impute.unwrap();
        assert_eq!(snow[0], age.scale.unwrap().apply(mean_age) as f32);
    }

    #[test]
    fn a_prediction_row_must_give_every_input_column() {
        let fitted = recipe().fit(&sample::frame()).unwrap();
        let row = vec![("age".to_owned(), Some("30".to_owned()))];

        assert_eq!(
            fitted.transform_row(&row),
            Err(RecipeError::MissingColumn {
                column: "visits".into()
            })
        );
    }

    #[test]
    fn a_prediction_row_with_a_word_for_a_number_is_rejected() {
        let fitted = recipe().fit(&sample::frame()).unwrap();
        let mut row = text_row(&sample::frame(), 0);
        row[0].1 = Some("old".into());

        assert_eq!(
            fitted.transform_row(&row),
            Err(RecipeError::NotANumber {
                column: "age".into(),
                value: "old".into()
            })
        );

        row.push(("visits".into(), Some("1".into())));
        row[0].1 = None;
        assert_eq!(
            fitted.transform_row(&row),
            Err(RecipeError::RepeatedColumn {
                column: "visits".into()
            })
        );
    }

    #[test]
    fn transform_names_a_missing_or_retyped_column() {
        let frame = sample::frame();
        let fitted = recipe().fit(&frame).unwrap();

        let without_age = Frame::new(frame.columns()[1..].to_vec()).unwrap();
        assert_eq!(
            fitted.transform(&without_age),
            Err(RecipeError::MissingColumn {
                column: "age".into()
            })
        );

        let mut columns = frame.columns().to_vec();
        columns[1] = Column::categorical("visits", vec![None; sample::ROWS]);
        let retyped = Frame::new(columns).unwrap();
        assert_eq!(
            fitted.transform(&retyped),
            Err(RecipeError::WrongRole {
                column: "visits".into(),
                expected: ColumnRole::Numeric,
                found: ColumnRole::Categorical
            })
        );
    }

    #[test]
    fn a_gap_without_imputation_is_an_error_naming_the_row() {
        let mut recipe = recipe();
        recipe.impute_numeric = Impute::None;
        let fitted = recipe.fit(&sample::frame()).unwrap();

        assert_eq!(
            fitted.transform(&sample::frame()),
            Err(RecipeError::MissingValue {
                column: "age".into(),
                row: Some(3)
            })
        );
    }

    #[test]
    fn prepare_gives_each_part_its_rows_targets_and_folds() {
        let frame = sample::frame();
        let fitted = recipe().fit(&frame).unwrap();
        let matrix = fitted.transform(&frame).unwrap();
        let targets = fitted.targets(&frame).unwrap();

        let prepared = fitted.prepare(&frame).unwrap();

        for subset in [&prepared.train, &prepared.validation, &prepared.test] {
            assert_eq!(subset.features.rows, subset.rows.len());
            assert_eq!(subset.targets.len(), subset.rows.len());
            for (index, &row) in subset.rows.iter().enumerate() {
                assert_eq!(subset.features.row(index), matrix.row(row));
                assert_eq!(subset.targets[index], targets[row]);
            }
        }
        assert_eq!(prepared.train.rows.len(), 42);
        assert_eq!(prepared.folds.as_ref().map(Vec::len), Some(42));
        // churn is class 0 and on every third row.
        assert_eq!(targets[0], 0.0);
        assert_eq!(targets[1], 1.0);
    }

    #[test]
    fn prepare_refuses_a_frame_of_another_length() {
        let frame = sample::frame();
        let fitted = recipe().fit(&frame).unwrap();
        let shorter: Vec<Column> = frame
            .columns()
            .iter()
            .map(|column| Column {
                name: column.name.clone(),
                data: match &column.data {
                    ColumnData::Numeric(values) => ColumnData::Numeric(values[1..].to_vec()),
                    ColumnData::Categorical(values) => {
                        ColumnData::Categorical(values[1..].to_vec())
                    }
                },
            })
            .collect();

        assert_eq!(
            fitted.prepare(&Frame::new(shorter).unwrap()),
            Err(RecipeError::RowCountMismatch {
                expected: 60,
                found: 59
            })
        );
    }

    #[test]
    fn json_round_trips_give_identical_output() {
        let frame = sample::frame();
        let recipe = recipe();
        let fitted = recipe.fit(&frame).unwrap();

        let recipe_again = Recipe::from_json(&recipe.to_json().unwrap()).unwrap();
        let fitted_again = Fitted::from_json(&fitted.to_json().unwrap()).unwrap();

        assert_eq!(recipe_again, recipe);
        assert_eq!(fitted_again, fitted);
        let bits = |matrix: Matrix| -> Vec<u32> {
            matrix.values.iter().map(|value| value.to_bits()).collect()
        };
        assert_eq!(
            bits(fitted_again.transform(&frame).unwrap()),
            bits(fitted.transform(&frame).unwrap())
        );
        assert_eq!(recipe_again.fit(&frame).unwrap(), fitted);
    }

    #[test]
    fn stored_fitted_recipes_are_checked_when_read() {
        let fitted = recipe().fit(&sample::frame()).unwrap();
        let mut json: serde_json::Value = serde_json::from_str(&fitted.to_json().unwrap()).unwrap();

        json["feature_names"][0] = "height".into();
        assert!(matches!(
            Fitted::from_json(&json.to_string()),
            Err(RecipeError::Inconsistent { .. })
        ));

        json["format"] = 2.into();
        let Err(RecipeError::InvalidJson { message }) = Fitted::from_json(&json.to_string()) else {
            panic!("a future format must be refused");
        };
        assert!(message.contains("format 2"), "{message}");
    }

    #[test]
    fn a_constant_category_counts_in_the_vocabulary() {
        let mut recipe = recipe();
        recipe.impute_categorical = ImputeCategorical::Constant("none".into());
        recipe.one_hot.max_categories = 32;

        let fitted = recipe.fit(&sample::frame()).unwrap();

        let FittedColumn::Categorical(weather) = &fitted.columns()[2] else {
            panic!("weather is categorical");
        };
        assert!(weather.categories.contains(&"none".to_owned()));
        assert_eq!(weather.categories[0], "sun");
    }
}
