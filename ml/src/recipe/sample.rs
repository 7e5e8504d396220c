//! A small customer table the recipe's tests share: numbers, categories, gaps and an
//! imbalanced target, each cell a plain function of its row so the tests can reason about it.

use super::frame::{Column, Frame};

/// Rows in [`frame`].
pub(crate) const ROWS: usize = 60;

/// `age` (every seventh missing), `visits`, `weather` (every eleventh missing, one rare
/// value), `id`, and `label`: `churn` on every third row, else `stay`.
pub(crate) fn frame() -> Frame {
    let age = (0..ROWS)
        .map(|row| (row % 7 != 3).then(|| 20.0 + (row * 13 % 41) as f64))
        .collect();
    let visits = (0..ROWS).map(|row| Some((row % 5) as f64)).collect();
    let weather = (0..ROWS)
        .map(|row| {
            let value = match row {
                _ if row % 11 == 5 => return None,
                17 => "hail",
                _ => ["sun", "rain", "sun", "fog"][row % 4],
            };
            Some(value.to_owned())
        })
        .collect();
    let id = (0..ROWS).map(|row| Some(row as f64)).collect();
    let label = (0..ROWS)
        .map(|row| Some(if row % 3 == 0 { "churn" } else { "stay" }.to_owned()))
        .collect();

    Frame::new(vec![
        Column::numeric("age", age),
        Column::numeric("visits", visits),
        Column::categorical("weather", weather),
        Column::numeric("id", id),
        Column::categorical("label", label),
    ])
    .expect("the sample columns are equally long and uniquely named")
}

/// `frame` with the numeric `column` of `row` set to `value`.
pub(crate) fn with_number(frame: &Frame, column: &str, row: usize, value: f64) -> Frame {
    let columns = frame
        .columns()
        .iter()
        .cloned()
        .map(|mut candidate| {
            if candidate.name == column
                && let super::ColumnData::Numeric(values) = &mut candidate.data
            {
                values[row] = Some(value);
            }
            candidate
        })
        .collect();

    Frame::new(columns).expect("changing one value keeps the frame valid")
}
