//! The table a recipe reads: named numeric and categorical columns in which any cell may be
//! missing.
//!
//! The server builds a [`Frame`] from parsed CSV rows and the tab from its copy of the same
//! file, through the same parser, so both hand the recipe the same values. A frame is checked
//! once, when built: equal column lengths, unique names and finite numbers, so no later step
//! meets a NaN.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// Why a frame could not be built from the given columns or rows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrameError {
    /// Two columns share a name; rename one of them in the source.
    #[error("two columns are named `{name}`: column names must be unique")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// A column holds a different number of values from the first column.
    #[error("column `{column}` has {len} values but column `{first}` has {expected}")]
    RaggedColumn {
        /// The column whose length differs.
        column: String,
        /// How many values it holds.
        len: usize,
        /// The first column, whose length is the reference.
        first: String,
        /// How many values the first column holds.
        expected: usize,
    },
    /// The caller gave a different number of column roles from column names.
    #[error("{names} column names but {roles} column roles: give one role per column")]
    RoleCount {
        /// How many names were given.
        names: usize,
        /// How many roles were given.
        roles: usize,
    },
    /// A row has more or fewer cells than there are columns.
    #[error("data row {} has {len} cells but there are {expected} columns", .row + 1)]
    RowWidth {
        /// The row, counted from zero (messages count from one, as a spreadsheet does below
        /// its header).
        row: usize,
        /// How many cells the row has.
        len: usize,
        /// How many columns there are.
        expected: usize,
    },
    /// A cell of a numeric column is not a number: fix the cell, or make the column
    /// categorical.
    #[error(
        "data row {}, column `{column}`: `{value}` is not a number (leave the cell empty to \
         mark it missing, or treat the column as categorical)",
        .row + 1
    )]
    NotANumber {
        /// The row, counted from zero.
        row: usize,
        /// The column's name.
        column: String,
        /// The cell as written.
        value: String,
    },
    /// A number is NaN or infinite; leave the cell empty to mark it missing.
    #[error(
        "data row {}, column `{column}` is not a finite number: leave the cell empty to mark \
         it missing",
        .row + 1
    )]
    NonFinite {
        /// The row, counted from zero.
        row: usize,
        /// The column's name.
        column: String,
    },
}

/// Whether a column holds numbers or categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// Numbers, with `true`/`yes` read as 1 and `false`/`no` as 0.
    Numeric,
    /// Labels from a set of values.
    Categorical,
}

/// A column's values; `None` is a missing cell.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Finite numbers.
    Numeric(Vec<Option<f64>>),
    /// Labels; a blank label is stored as missing.
    Categorical(Vec<Option<String>>),
}

/// A named column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header name.
    pub name: String,
    /// The values, one per row.
    pub data: ColumnData,
}

/// A table of equally long, uniquely named columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    columns: Vec<Column>,
}

/// Why one cell could not be read as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellProblem {
    NotANumber,
    NonFinite,
}

impl ColumnRole {
    /// The role's name as the UI and the messages spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Numeric => "numeric",
            Self::Categorical => "categorical",
        }
    }
}

impl std::fmt::Display for ColumnRole {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl ColumnData {
    /// How many rows the column has.
    pub fn len(&self) -> usize {
        match self {
            Self::Numeric(values) => values.len(),
            Self::Categorical(values) => values.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the values are numbers or categories.
    pub fn role(&self) -> ColumnRole {
        match self {
            Self::Numeric(_) => ColumnRole::Numeric,
            Self::Categorical(_) => ColumnRole::Categorical,
        }
    }

    /// Whether the cell in `row` is missing (or beyond the column).
    pub fn is_missing(&self, row: usize) -> bool {
        match self {
            Self::Numeric(values) => values.get(row).is_none_or(Option::is_none),
            Self::Categorical(values) => values.get(row).is_none_or(Option::is_none),
        }
    }
}

impl Column {
    /// A numeric column.
    pub fn numeric(name: impl Into<String>, values: Vec<Option<f64>>) -> Self {
        Self {
            name: name.into(),
            data: ColumnData::Numeric(values),
        }
    }

    /// A categorical column.
    pub fn categorical(name: impl Into<String>, values: Vec<Option<String>>) -> Self {
        Self {
            name: name.into(),
            data: ColumnData::Categorical(values),
        }
    }

    /// Whether the column holds numbers or categories.
    pub fn role(&self) -> ColumnRole {
        self.data.role()
    }
}

impl Frame {
    /// Builds a frame from whole columns. Blank categories become missing.
    ///
    /// # Errors
    ///
    /// [`FrameError::DuplicateName`], [`FrameError::RaggedColumn`], or
    /// [`FrameError::NonFinite`] for a NaN or infinite number.
    pub fn new(mut columns: Vec<Column>) -> Result<Self, FrameError> {
        let mut names = HashSet::new();
        for column in &columns {
            if !names.insert(column.name.as_str()) {
                return Err(FrameError::DuplicateName {
                    name: column.name.clone(),
                });
            }
        }

        if let Some(first) = columns.first() {
            let expected = first.data.len();
            if let Some(ragged) = columns.iter().find(|column| column.data.len() != expected) {
                return Err(FrameError::RaggedColumn {
                    column: ragged.name.clone(),
                    len: ragged.data.len(),
                    first: first.name.clone(),
                    expected,
                });
            }
        }

        for column in &mut columns {
            match &mut column.data {
                ColumnData::Numeric(values) => {
                    if let Some(row) = values
                        .iter()
                        .position(|v| v.is_some_and(|v| !v.is_finite()))
                    {
                        return Err(FrameError::NonFinite {
                            row,
                            column: column.name.clone(),
                        });
                    }
                }
                ColumnData::Categorical(values) => {
                    for value in values.iter_mut() {
                        *value = value.take().filter(|text| !is_blank(text));
                    }
                }
            }
        }

        Ok(Self { columns })
    }

    /// Builds a frame from rows of text cells, as a CSV parser yields them.
    ///
    /// A `None` or blank cell is missing. Numeric cells are trimmed and read as decimal
    /// numbers; `true`/`yes` read as 1 and `false`/`no` as 0, in any letter case. Categorical
    /// cells are kept as written.
    ///
    /// # Errors
    ///
    /// [`FrameError::RoleCount`], [`FrameError::RowWidth`], [`FrameError::NotANumber`] or
    /// [`FrameError::NonFinite`] naming the row and column, and the errors of [`Frame::new`].
    pub fn from_rows(
        names: &[String],
        roles: &[ColumnRole],
        rows: impl IntoIterator<Item = Vec<Option<String>>>,
    ) -> Result<Self, FrameError> {
        if names.len() != roles.len() {
            return Err(FrameError::RoleCount {
                names: names.len(),
                roles: roles.len(),
            });
        }

        let mut columns: Vec<Column> = names
            .iter()
            .zip(roles)
            .map(|(name, role)| match role {
                ColumnRole::Numeric => Column::numeric(name.clone(), Vec::new()),
                ColumnRole::Categorical => Column::categorical(name.clone(), Vec::new()),
            })
            .collect();

        for (row, cells) in rows.into_iter().enumerate() {
            if cells.len() != names.len() {
                return Err(FrameError::RowWidth {
                    row,
                    len: cells.len(),
                    expected: names.len(),
                });
            }
            for (cell, column) in cells.into_iter().zip(&mut columns) {
                push_cell(column, cell, row)?;
            }
        }

        Self::new(columns)
    }

    /// The columns, in the order they were given.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column called `name`, if there is one.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// How many rows the frame has (0 without columns).
    pub fn row_count(&self) -> usize {
        self.columns.first().map_or(0, |column| column.data.len())
    }
}

fn push_cell(column: &mut Column, cell: Option<String>, row: usize) -> Result<(), FrameError> {
    match &mut column.data {
        ColumnData::Numeric(values) => {
            let value = parse_number(cell.as_deref()).map_err(|problem| match problem {
                CellProblem::NotANumber => FrameError::NotANumber {
                    row,
                    column: column.name.clone(),
                    value: cell.clone().unwrap_or_default(),
                },
                CellProblem::NonFinite => FrameError::NonFinite {
                    row,
                    column: column.name.clone(),
                },
            })?;
            values.push(value);
        }
        ColumnData::Categorical(values) => values.push(cell),
    }
    Ok(())
}

/// Reads one numeric cell: `Ok(None)` when it is missing or blank.
///
/// Both [`Frame::from_rows`] and prediction-time rows go through here, so a cell means the
/// same number in both. Rust's float parser rounds correctly on every platform.
pub(crate) fn parse_number(cell: Option<&str>) -> Result<Option<f64>, CellProblem> {
    let Some(text) = cell.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };

    let value = if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("yes") {
        1.0
    } else if text.eq_ignore_ascii_case("false") || text.eq_ignore_ascii_case("no") {
        0.0
    } else {
        text.parse::<f64>().map_err(|_| CellProblem::NotANumber)?
    };

    if value.is_finite() {
        Ok(Some(value))
    } else {
        Err(CellProblem::NonFinite)
    }
}

/// Reads one categorical cell: `None` when it is missing or blank.
pub(crate) fn parse_category(cell: Option<&str>) -> Option<&str> {
    cell.filter(|text| !is_blank(text))
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    fn row(cells: &[&str]) -> Vec<Option<String>> {
        cells
            .iter()
            .map(|cell| (!cell.is_empty()).then(|| cell.to_string()))
            .collect()
    }

    #[test]
    fn reads_numbers_booleans_and_gaps_from_rows() {
        let frame = Frame::from_rows(
            &names(&["age", "member", "city"]),
            &[
                ColumnRole::Numeric,
                ColumnRole::Numeric,
                ColumnRole::Categorical,
            ],
            [
                row(&[" 31 ", "yes", "Oslo"]),
                row(&["", "FALSE", " "]),
                row(&["2.5e1", "True", "Rome"]),
            ],
        )
        .unwrap();

        assert_eq!(frame.row_count(), 3);
        assert_eq!(
            frame.column("age").unwrap().data,
            ColumnData::Numeric(vec![Some(31.0), None, Some(25.0)])
        );
        assert_eq!(
            frame.column("member").unwrap().data,
            ColumnData::Numeric(vec![Some(1.0), Some(0.0), Some(1.0)])
        );
        assert_eq!(
            frame.column("city").unwrap().data,
            ColumnData::Categorical(vec![Some("Oslo".into()), None, Some("Rome".into())])
        );
    }

    #[test]
    fn rejects_a_word_in_a_numeric_column_naming_row_and_column() {
        let error = Frame::from_rows(
            &names(&["age"]),
            &[ColumnRole::Numeric],
            [row(&["3"]), row(&["three"])],
        )
        .unwrap_err();

        assert_eq!(
            error,
            FrameError::NotANumber {
                row: 1,
                column: "age".into(),
                value: "three".into()
            }
        );
        assert!(error.to_string().starts_with("data row 2, column `age`"));
    }

    #[test]
    fn rejects_nan_and_infinity() {
        let error =
            Frame::from_rows(&names(&["x"]), &[ColumnRole::Numeric], [row(&["NaN"])]).unwrap_err();
        assert_eq!(
            error,
            FrameError::NonFinite {
                row: 0,
                column: "x".into()
            }
        );

        let error = Frame::new(vec![Column::numeric("x", vec![Some(f64::INFINITY)])]);
        assert!(matches!(error, Err(FrameError::NonFinite { row: 0, .. })));
    }

    #[test]
    fn rejects_rows_of_the_wrong_width() {
        let error = Frame::from_rows(
            &names(&["a", "b"]),
            &[ColumnRole::Numeric, ColumnRole::Numeric],
            [row(&["1", "2"]), row(&["1"])],
        )
        .unwrap_err();

        assert_eq!(
            error,
            FrameError::RowWidth {
                row: 1,
                len: 1,
                expected: 2
            }
        );
    }

    #[test]
    fn rejects_ragged_columns_and_repeated_names() {
        let ragged = Frame::new(vec![
            Column::numeric("a", vec![Some(1.0), Some(2.0)]),
            Column::numeric("b", vec![Some(1.0)]),
        ]);
        assert!(matches!(
            ragged,
            Err(FrameError::RaggedColumn {
                len: 1,
                expected: 2,
                ..
            })
        ));

        let repeated = Frame::new(vec![
            Column::numeric("a", vec![Some(1.0)]),
            Column::categorical("a", vec![None]),
        ]);
        assert_eq!(
            repeated,
            Err(FrameError::DuplicateName { name: "a".into() })
        );
    }

    #[test]
    fn rejects_more_roles_than_names() {
        let error = Frame::from_rows(
            &names(&["a"]),
            &[ColumnRole::Numeric, ColumnRole::Numeric],
            Vec::new(),
        )
        .unwrap_err();

        assert_eq!(error, FrameError::RoleCount { names: 1, roles: 2 });
    }
}
