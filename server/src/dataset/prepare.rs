//! Fitting a preparation recipe to a stored dataset version.
//!
//! The recipe code is the shared model crate's (`lepton_ml::recipe`), the one the tab, server
//! training and prediction apply, so a recipe fitted here transforms rows the same way
//! everywhere. Fitting needs every row in memory as a column frame: versions larger than
//! [`PREPARE_CELLS_MAX`] cells are refused with a message rather than risking the server's
//! memory. A streaming fit, one pass per statistic, would lift that bound.

use lepton_ml::recipe::{self, ColumnRole, Fitted, Frame, Part, Recipe, RecipeError};
use lepton_protocol::dataset::{PreparedRecipe, SplitRows};
use lepton_protocol::lab::{MAX_FEATURES, MAX_ROWS, PreparedData, PreparedRows, Task};
use lepton_protocol::profile::{ColumnKind, DatasetProfile};

use super::catalog::StoredVersion;
use super::{DatasetError, Datasets};

/// Most cells (rows × columns) a version may have for a recipe to be fitted to it.
pub(crate) const PREPARE_CELLS_MAX: u64 = 20_000_000;

/// Why a recipe could not be fitted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PrepareError {
    /// The recipe is invalid for this data; the message names the setting or column.
    #[error(transparent)]
    Recipe(#[from] RecipeError),
    /// The version is too large to fit in memory.
    #[error(
        "this version has {cells} cells; recipes are fitted in memory up to {PREPARE_CELLS_MAX} \
         cells: drop columns or upload a sample"
    )]
    TooLarge {
        /// Rows × columns.
        cells: u64,
    },
    /// Neither a saved recipe nor a target to build the default one from.
    #[error("set the dataset's target column or save a recipe before training on it")]
    NoTarget,
    /// More rows or features than a browser tab trains on.
    #[error(
        "{rows} rows × {features} features is more than the Lab trains in a tab ({MAX_ROWS} rows \
         × {MAX_FEATURES} features): train it on the server from the Training page"
    )]
    TooLargeForTab {
        /// Training and validation rows.
        rows: usize,
        /// Feature columns after preparation.
        features: usize,
    },
    /// Reading the version failed.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// Stored JSON could not be read or written.
    #[error("recipe JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The preparation task was cancelled or panicked (the server is shutting down).
    #[error("preparing the rows was interrupted: {0}")]
    Interrupted(String),
}

/// The frame role of a profiled column: numbers stay numbers (booleans become 0 and 1), the
/// rest are categories.
fn role_of(kind: ColumnKind) -> ColumnRole {
    match kind {
        ColumnKind::Numeric | ColumnKind::Integer | ColumnKind::Boolean => ColumnRole::Numeric,
        ColumnKind::Categorical | ColumnKind::Text | ColumnKind::Datetime => {
            ColumnRole::Categorical
        }
    }
}

/// Reads every row of `version` into a frame typed by its profile.
///
/// # Errors
///
/// [`PrepareError::TooLarge`] over the bound; read failures otherwise.
pub(crate) async fn frame_of(
    datasets: &Datasets,
    version: &StoredVersion,
) -> Result<Frame, PrepareError> {
    let profile: DatasetProfile = serde_json::from_str(&version.profile)?;
    let rows = u64::try_from(version.rows).unwrap_or_default();
    let cells = rows.saturating_mul(profile.columns.len() as u64);
    if cells > PREPARE_CELLS_MAX {
        return Err(PrepareError::TooLarge { cells });
    }

    let names: Vec<String> = profile
        .columns
        .iter()
        .map(|column| column.name.clone())
        .collect();
    let roles: Vec<ColumnRole> = profile
        .columns
        .iter()
        .map(|column| role_of(column.kind))
        .collect();
    let rows = datasets.all_rows(version).await?;
    let rows = rows.into_iter().map(|row| {
        row.into_iter()
            .map(|cell| cell.filter(|text| !lepton_data::is_missing(text)))
            .collect()
    });
    Ok(Frame::from_rows(&names, &roles, rows).map_err(RecipeError::from)?)
}

/// Fits `recipe` to `frame` and describes the result.
///
/// # Errors
///
/// [`PrepareError::Recipe`] when the recipe does not fit the data.
pub(crate) fn fit(
    recipe: &Recipe,
    frame: &Frame,
) -> Result<(Fitted, PreparedRecipe), PrepareError> {
    let fitted = recipe.fit(frame)?;
    let preview = fitted.preview(frame)?;

    let count = |part| fitted.rows(part).len() as u64;
    let prepared = PreparedRecipe {
        recipe: serde_json::to_value(fitted.recipe())?,
        fitted: serde_json::to_value(&fitted)?,
        preview: serde_json::to_value(&preview)?,
        features: fitted.feature_names().to_vec(),
        split_rows: SplitRows {
            train: count(Part::Train),
            validation: count(Part::Validation),
            test: count(Part::Test),
        },
        saved: false,
    };
    Ok((fitted, prepared))
}

/// Every row of `version` prepared by its saved recipe, or, without one or when `target`
/// names another column, by the default recipe for the target; with the fitted recipe.
///
/// The frame is read once and the recipe applied in memory, under the same bound as fitting.
///
/// # Errors
///
/// [`PrepareError::NoTarget`] without a recipe or target, and the errors of reading and
/// fitting.
pub(crate) async fn prepare_version(
    datasets: &Datasets,
    version: &StoredVersion,
    target: Option<String>,
) -> Result<(Fitted, recipe::Prepared), PrepareError> {
    let frame = frame_of(datasets, version).await?;
    let stored = version.recipe.clone();
    let default_target = version.target.clone();
    let profile: DatasetProfile = serde_json::from_str(&version.profile)?;

    let blocking = move || -> Result<(Fitted, recipe::Prepared), PrepareError> {
        let saved = match stored {
            Some(stored) => {
                let prepared: PreparedRecipe = serde_json::from_str(&stored)?;
                Some(Fitted::from_json(&prepared.fitted.to_string())?)
            }
            None => None,
        };
        let fitted = match (saved, target) {
            (Some(saved), None) => saved,
            (Some(saved), Some(target)) if saved.recipe().target == target => saved,
            (Some(saved), Some(target)) => {
                let mut recipe = saved.recipe().clone();
                recipe.target = target;
                recipe.fit(&frame)?
            }
            (None, target) => {
                let target = target.or(default_target).ok_or(PrepareError::NoTarget)?;
                default_recipe(&profile, target).fit(&frame)?
            }
        };
        let prepared = fitted.prepare(&frame)?;
        Ok((fitted, prepared))
    };
    tokio::task::spawn_blocking(blocking)
        .await
        .map_err(|error| PrepareError::Interrupted(error.to_string()))?
}

/// The recipe for `target` used when a version has none saved: the defaults, with every
/// ID-like column (all values distinct: row numbers, order ids) dropped, since an identifier
/// tells a model nothing about new rows.
pub(crate) fn default_recipe(profile: &DatasetProfile, target: String) -> Recipe {
    let mut recipe = Recipe::new(target);
    recipe.drop = profile
        .columns
        .iter()
        .filter(|column| column.id_like && column.name != recipe.target)
        .map(|column| column.name.clone())
        .collect();
    recipe
}

/// The task of prepared rows in the protocol's terms.
pub(crate) fn task_of(prepared: &recipe::Prepared) -> Task {
    match prepared.task {
        recipe::Task::Binary => Task::Binary,
        recipe::Task::Multiclass => Task::Multiclass {
            classes: prepared.class_labels.len(),
        },
        recipe::Task::Regression => Task::Regression,
    }
}

/// The training and validation rows of `version` prepared by its saved recipe (or, without
/// one, by the default recipe for its target), for the Lab.
///
/// # Errors
///
/// [`PrepareError::TooLargeForTab`] over the Lab's limits, and the errors of
/// [`prepare_version`].
pub(crate) async fn prepared_data(
    datasets: &Datasets,
    version: &StoredVersion,
) -> Result<PreparedData, PrepareError> {
    let (fitted, prepared) = prepare_version(datasets, version, None).await?;

    let rows = prepared.train.targets.len() + prepared.validation.targets.len();
    let features = prepared.feature_names.len();
    if rows > MAX_ROWS || features > MAX_FEATURES {
        return Err(PrepareError::TooLargeForTab { rows, features });
    }

    let task = task_of(&prepared);
    let part = |subset: recipe::Subset| PreparedRows {
        features: subset.features.values,
        targets: subset.targets,
    };
    Ok(PreparedData {
        dataset: version.id.clone(),
        label: label_of(version),
        task,
        features: prepared.feature_names,
        classes: prepared.class_labels,
        train: part(prepared.train),
        validation: part(prepared.validation),
        recipe: serde_json::to_value(&fitted)?,
    })
}

/// A version's name for people: "deliveries v3".
pub(crate) fn label_of(version: &StoredVersion) -> String {
    format!("{} v{}", version.name, version.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_numbers_and_dates_categories() {
        assert_eq!(role_of(ColumnKind::Boolean), ColumnRole::Numeric);
        assert_eq!(role_of(ColumnKind::Integer), ColumnRole::Numeric);
        assert_eq!(role_of(ColumnKind::Datetime), ColumnRole::Categorical);
        assert_eq!(role_of(ColumnKind::Text), ColumnRole::Categorical);
    }

    #[test]
    fn fitting_describes_features_and_splits() {
        let names = ["x".to_owned(), "colour".to_owned(), "label".to_owned()];
        let roles = [
            ColumnRole::Numeric,
            ColumnRole::Categorical,
            ColumnRole::Categorical,
        ];
        let rows = (0..40).map(|row| {
            vec![
                Some(format!("{}", row % 7)),
                Some(if row % 2 == 0 { "red" } else { "blue" }.to_owned()),
                Some(if row % 4 == 0 { "yes" } else { "no" }.to_owned()),
            ]
        });
        let frame = Frame::from_rows(&names, &roles, rows).unwrap();

        let (fitted, prepared) = fit(&Recipe::new("label"), &frame).unwrap();
        assert_eq!(prepared.features, fitted.feature_names());
        assert!(prepared.features.iter().any(|name| name == "colour=red"));
        let split = prepared.split_rows;
        assert_eq!(split.train + split.validation + split.test, 40);
        assert_eq!(prepared.preview.as_array().unwrap().len(), 3);
    }
}
