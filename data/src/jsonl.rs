//! One line of a JSON Lines file as a row of cells.
//!
//! Each line is one object; its keys name columns, and a key not seen before adds a column
//! (the columns are the union of the keys, in the order they first appear). Values are read
//! as written, without building a `serde_json::Value`: strings without escapes and all
//! numbers are borrowed straight from the line, so `1.50` stays `1.50` and `1e309` reaches
//! the profile as text instead of failing as an out-of-range double. Nested objects and
//! arrays are refused: a table has no place for them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::{DataError, quoted};
use crate::limits::Limits;

/// The columns of a JSON Lines file, growing as new keys appear or fixed in advance.
#[derive(Debug, Clone)]
pub(crate) struct JsonColumns {
    names: Vec<String>,
    index: HashMap<String, usize>,
    growable: bool,
    limits: Limits,
}

impl JsonColumns {
    /// Columns discovered from the keys, up to the limits.
    pub(crate) fn growable(limits: Limits) -> Self {
        Self {
            names: Vec::new(),
            index: HashMap::new(),
            growable: true,
            limits,
        }
    }

    /// The columns of a file profiled before; other keys are ignored.
    pub(crate) fn fixed(names: &[String], limits: Limits) -> Self {
        let index = names
            .iter()
            .enumerate()
            .map(|(column, name)| (name.clone(), column))
            .collect();
        Self {
            names: names.to_vec(),
            index,
            growable: false,
            limits,
        }
    }

    /// The column names so far.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// The column of `key`, adding it if new; none for an unknown key of fixed columns.
    fn resolve(
        &mut self,
        key: &str,
        line: u64,
        row: &mut JsonRow,
    ) -> Result<Option<usize>, DataError> {
        // Objects mostly list their keys in the same order, so the column after the previous
        // key is usually the one.
        if self
            .names
            .get(row.next_guess)
            .is_some_and(|name| name == key)
        {
            row.next_guess += 1;
            return Ok(Some(row.next_guess - 1));
        }
        if let Some(&column) = self.index.get(key) {
            row.next_guess = column + 1;
            return Ok(Some(column));
        }
        if !self.growable {
            return Ok(None);
        }

        let column = self.names.len();
        if key.trim().is_empty() {
            return Err(DataError::EmptyColumnName {
                line,
                column: column + 1,
            });
        }
        if column >= self.limits.max_columns {
            return Err(DataError::TooManyColumns {
                line,
                found: column + 1,
                limit: self.limits.max_columns,
            });
        }
        if key.len() > self.limits.max_cell_bytes {
            return Err(DataError::CellTooLong {
                line,
                column: column + 1,
                limit: self.limits.max_cell_bytes,
            });
        }

        self.names.push(key.to_owned());
        self.index.insert(key.to_owned(), column);
        row.spans.push(None);
        row.filled.push(0);
        row.next_guess = column + 1;
        Ok(Some(column))
    }
}

/// The cells of the current line, reused from line to line.
#[derive(Debug, Clone, Default)]
pub(crate) struct JsonRow {
    text: String,
    spans: Vec<Option<(u32, u32)>>,
    /// The line stamp of the last line that filled each column, to catch a repeated key.
    filled: Vec<u64>,
    stamp: u64,
    next_guess: usize,
}

impl JsonRow {
    /// The cell of `column`: none when the key was absent or `null`.
    #[cfg(test)]
    pub(crate) fn cell(&self, column: usize) -> Option<&str> {
        let (start, end) = self.spans.get(column).copied().flatten()?;
        self.text.get(start as usize..end as usize)
    }

    /// Cells in the row, present or not.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The text the cells are spans of.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Each cell's span of the text; none for a missing cell.
    pub(crate) fn spans(&self) -> &[Option<(u32, u32)>] {
        &self.spans
    }

    fn begin(&mut self, columns: usize) {
        self.text.clear();
        self.spans.clear();
        self.spans.resize(columns, None);
        self.filled.resize(columns, 0);
        self.stamp += 1;
        self.next_guess = 0;
    }
}

/// Parses `text`, line number `line`, into `row`, adding any new columns to `columns`.
///
/// # Errors
///
/// [`DataError::InvalidJson`] for a line that is not one JSON object; for its keys and values
/// [`DataError::NestedValue`], [`DataError::DuplicateColumn`], [`DataError::EmptyColumnName`],
/// [`DataError::TooManyColumns`] and [`DataError::CellTooLong`].
pub(crate) fn parse_line(
    text: &str,
    line: u64,
    columns: &mut JsonColumns,
    row: &mut JsonRow,
) -> Result<(), DataError> {
    row.begin(columns.names.len());

    let mut refusal = None;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let visitor = LineVisitor {
        columns,
        row,
        line,
        refusal: &mut refusal,
    };
    let parsed = deserializer
        .deserialize_map(visitor)
        .and_then(|()| deserializer.end());

    match parsed {
        Ok(()) => Ok(()),
        Err(error) => Err(refusal.unwrap_or_else(|| invalid_json(line, &error))),
    }
}

fn invalid_json(line: u64, error: &serde_json::Error) -> DataError {
    let text = error.to_string();
    // serde_json ends its messages with " at line 1 column N"; within one line only the
    // column means anything.
    let detail = text.split(" at line ").next().unwrap_or(&text);
    DataError::InvalidJson {
        line,
        message: format!(
            "not a valid JSON object ({detail}, at character {})",
            error.column()
        ),
    }
}

struct LineVisitor<'a> {
    columns: &'a mut JsonColumns,
    row: &'a mut JsonRow,
    line: u64,
    refusal: &'a mut Option<DataError>,
}

impl LineVisitor<'_> {
    fn put(&mut self, key: &str, raw: &str) -> Result<(), DataError> {
        let Some(column) = self.columns.resolve(key, self.line, self.row)? else {
            return Ok(());
        };
        if self.row.filled[column] == self.row.stamp {
            return Err(DataError::DuplicateColumn {
                line: self.line,
                column: column + 1,
                name: quoted(key),
            });
        }
        self.row.filled[column] = self.row.stamp;

        let raw = raw.trim_ascii();
        let value: Cow<'_, str> = match raw.as_bytes().first() {
            Some(b'"') => match raw.get(1..raw.len() - 1) {
                Some(inner) if !inner.contains('\\') => Cow::Borrowed(inner),
                _ => Cow::Owned(
                    serde_json::from_str::<String>(raw)
                        .map_err(|error| invalid_json(self.line, &error))?,
                ),
            },
            Some(b'{' | b'[') => {
                return Err(DataError::NestedValue {
                    line: self.line,
                    column: column + 1,
                    name: quoted(key),
                });
            }
            Some(b'n') | None => return Ok(()),
            Some(_) => Cow::Borrowed(raw),
        };

        if value.len() > self.columns.limits.max_cell_bytes {
            return Err(DataError::CellTooLong {
                line: self.line,
                column: column + 1,
                limit: self.columns.limits.max_cell_bytes,
            });
        }
        let start = self.row.text.len();
        self.row.text.push_str(&value);
        self.row.spans[column] = Some((start as u32, self.row.text.len() as u32));
        Ok(())
    }
}

impl<'de> Visitor<'de> for LineVisitor<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<M: MapAccess<'de>>(mut self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value: &'de RawValue = map.next_value()?;
            if let Err(refusal) = self.put(&key.0, value.get()) {
                *self.refusal = Some(refusal);
                return Err(de::Error::custom("refused"));
            }
        }
        Ok(())
    }
}

/// An object key, borrowed from the line unless it had escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(key)))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(key.to_owned())))
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(key)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = Vec<Vec<Option<String>>>;

    fn parse(lines: &[&str]) -> Result<(JsonColumns, Rows), DataError> {
        let mut columns = JsonColumns::growable(Limits::default());
        let mut row = JsonRow::default();
        let mut rows = Vec::new();
        for (index, text) in lines.iter().enumerate() {
            parse_line(text, index as u64 + 1, &mut columns, &mut row)?;
            rows.push(
                (0..row.len())
                    .map(|column| row.cell(column).map(str::to_owned))
                    .collect(),
            );
        }
        Ok((columns, rows))
    }

    fn cells(values: &[Option<&str>]) -> Vec<Option<String>> {
        values
            .iter()
            .map(|value| value.map(str::to_owned))
            .collect()
    }

    #[test]
    fn columns_are_the_union_of_keys_in_first_seen_order() {
        let (columns, rows) = parse(&[
            r#"{"a": 1, "b": "x"}"#,
            r#"{"b": "y", "c": true}"#,
            r#"{"c": null, "a": 2.50}"#,
        ])
        .unwrap();

        assert_eq!(columns.names(), ["a", "b", "c"]);
        assert_eq!(rows[0], cells(&[Some("1"), Some("x")]));
        assert_eq!(rows[1], cells(&[None, Some("y"), Some("true")]));
        assert_eq!(rows[2], cells(&[Some("2.50"), None, None]));
    }

    #[test]
    fn escaped_strings_and_keys_are_unescaped() {
        let (columns, rows) = parse(&[r#"{"w\u00e9ight": "say \"hi\"\n"}"#]).unwrap();
        assert_eq!(columns.names(), ["wéight"]);
        assert_eq!(rows[0], cells(&[Some("say \"hi\"\n")]));
    }

    #[test]
    fn numbers_keep_their_text_even_beyond_a_double() {
        let (_, rows) = parse(&[r#"{"x": 1e309, "y": -0.10}"#]).unwrap();
        assert_eq!(rows[0], cells(&[Some("1e309"), Some("-0.10")]));
    }

    #[test]
    fn nested_values_are_refused_naming_line_and_key() {
        let error = parse(&[r#"{"a": 1}"#, r#"{"a": 2, "tags": ["x"]}"#]).unwrap_err();
        assert_eq!(error.code(), "nested_value");
        assert_eq!((error.line(), error.column()), (Some(2), Some(2)));
        assert!(error.to_string().contains("`tags`"), "{error}");

        let error = parse(&[r#"{"point": {"x": 1}}"#]).unwrap_err();
        assert_eq!(error.code(), "nested_value");
    }

    #[test]
    fn lines_that_are_not_one_object_are_invalid_json() {
        for text in [
            r#"{"a": 1"#,
            "[1, 2]",
            "42",
            r#"{"a": 1} {"a": 2}"#,
            r#"{"a" 1}"#,
        ] {
            let error = parse(&[r#"{"a": 0}"#, text]).unwrap_err();
            assert_eq!(
                (error.code(), error.line()),
                ("invalid_json", Some(2)),
                "{text}"
            );
        }
    }

    #[test]
    fn repeated_and_empty_keys_are_refused() {
        let error = parse(&[r#"{"a": 1, "b": 2, "a": 3}"#]).unwrap_err();
        assert_eq!(
            (error.code(), error.column()),
            ("duplicate_column", Some(1))
        );

        let error = parse(&[r#"{"a": 1, "": 2}"#]).unwrap_err();
        assert_eq!(
            (error.code(), error.column()),
            ("empty_column_name", Some(2))
        );
    }

    #[test]
    fn keys_beyond_the_column_limit_are_refused() {
        let limits = Limits {
            max_columns: 2,
            ..Limits::default()
        };
        let mut columns = JsonColumns::growable(limits);
        let mut row = JsonRow::default();
        let error = parse_line(r#"{"a": 1, "b": 2, "c": 3}"#, 1, &mut columns, &mut row);
        assert_eq!(error.unwrap_err().code(), "too_many_columns");
    }

    #[test]
    fn fixed_columns_ignore_unknown_keys() {
        let names = ["b".to_owned(), "a".to_owned()];
        let mut columns = JsonColumns::fixed(&names, Limits::default());
        let mut row = JsonRow::default();
        parse_line(r#"{"a": 1, "z": 9, "b": 2}"#, 1, &mut columns, &mut row).unwrap();
        assert_eq!(
            (row.cell(0), row.cell(1), row.len()),
            (Some("2"), Some("1"), 2)
        );
    }
}
