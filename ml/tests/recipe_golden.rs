//! Golden output of the preparation recipe: a fixed table and recipe, and the exact `f32`
//! bits they must give.
//!
//! The fixture was generated natively; the same tests also run compiled to wasm32 (`make
//! test-wasm`, under Node through `wasm-bindgen-test-runner`), which proves that the tab and
//! the server prepare data identically, bit for bit. [`golden_check`] uses only std,
//! serde_json and the crate, and reads the fixture with `include_str!`, so it runs unchanged
//! in both. After a deliberate change to the recipe's arithmetic, regenerate the fixture with
//! `cargo test -p lepton-ml --test recipe_golden -- --ignored` and review the diff.

use lepton_ml::recipe::{ColumnRole, Fitted, Frame, Recipe};
use serde_json::Value;

/// The stored expectations.
const FIXTURE: &str = include_str!("fixtures/recipe_golden.json");

/// Exercises every step: median, mean and constant imputation, clipping (and an override
/// that turns it off), standard, min-max and no scaling, one-hot with a category limit and a
/// constant category, a stratified three-way split and folds.
const RECIPE: &str = r#"{
    "target": "plan",
    "drop": ["id"],
    "impute_numeric": "median",
    "scale": "standard",
    "clip_outliers": 1.5,
    "one_hot": {"max_categories": 3},
    "columns": {
        "income": {"impute_numeric": "mean", "scale": "min_max"},
        "member": {"impute_numeric": {"constant": 0.5}, "scale": "none", "clip_outliers": null},
        "city": {"impute_categorical": {"constant": "elsewhere"}, "max_categories": 2}
    },
    "split": {"train": 0.6, "validation": 0.2, "test": 0.2, "seed": 2024},
    "folds": 3
}"#;

const NAMES: [&str; 7] = ["id", "age", "income", "member", "weather", "city", "plan"];

const ROLES: [ColumnRole; 7] = [
    ColumnRole::Numeric,
    ColumnRole::Numeric,
    ColumnRole::Numeric,
    ColumnRole::Numeric,
    ColumnRole::Categorical,
    ColumnRole::Categorical,
    ColumnRole::Categorical,
];

/// Thirty customers; an empty cell is missing. Row 7 is an outlier in age and income.
const ROWS: [[&str; 7]; 30] = [
    ["1", "34", "52310.5", "yes", "sun", "Oslo", "pro"],
    ["2", "", "48000", "no", "rain", "Rome", "basic"],
    ["3", "29", "", "yes", "sun", "Oslo", "basic"],
    ["4", "41", "61250.75", "no", "", "Lima", "team"],
    ["5", "38", "57000", "yes", "fog", "Oslo", "pro"],
    ["6", "23", "31000.2", "no", "sun", "Rome", "basic"],
    ["7", "95", "250000", "yes", "rain", "Oslo", "team"],
    ["8", "31", "45500", "", "sun", "Kyiv", "basic"],
    ["9", "27", "39999.99", "no", "hail", "Rome", "basic"],
    ["10", "52", "72000", "yes", "rain", "Lima", "pro"],
    ["11", "46", "", "no", "sun", "", "team"],
    ["12", "33", "50500", "yes", "fog", "Rome", "pro"],
    ["13", "", "43000", "no", "sun", "Oslo", "basic"],
    ["14", "36.5", "58800.4", "yes", "rain", "Quito", "pro"],
    ["15", "44", "66000", "no", "", "Lima", "team"],
    ["16", "25", "33300.3", "no", "sun", "Rome", "basic"],
    ["17", "39", "59000", "yes", "sun", "Oslo", "pro"],
    ["18", "58", "81000", "yes", "rain", "", "team"],
    ["19", "30", "41000", "no", "fog", "Rome", "basic"],
    ["20", "35", "54321", "yes", "sun", "Lima", "pro"],
    ["21", "48", "69000.5", "", "rain", "Oslo", "team"],
    ["22", "26", "", "no", "sun", "Rome", "basic"],
    ["23", "37", "56000", "yes", "snow", "Oslo", "pro"],
    ["24", "42.25", "62500", "no", "sun", "Lima", "team"],
    ["25", "28", "38500", "no", "rain", "Rome", "basic"],
    ["26", "", "55500", "yes", "sun", "Oslo", "pro"],
    ["27", "50", "74000", "yes", "fog", "Lima", "team"],
    ["28", "24", "32000", "no", "sun", "Rome", "basic"],
    ["29", "40", "60000.01", "yes", "rain", "Oslo", "pro"],
    ["30", "47", "70500", "no", "sun", "Oslo", "team"],
];

/// One row as text cells, blanks as `None`, the way a CSV parser hands them over.
fn cells(row: &[&str; 7]) -> Vec<Option<String>> {
    row.iter()
        .map(|cell| (!cell.is_empty()).then(|| (*cell).to_owned()))
        .collect()
}

fn golden_frame() -> Result<Frame, String> {
    let names: Vec<String> = NAMES.iter().map(|name| (*name).to_owned()).collect();
    Frame::from_rows(&names, &ROLES, ROWS.iter().map(cells)).map_err(|error| error.to_string())
}

/// Everything the fixture pins down, computed now.
struct Output {
    fitted: Fitted,
    features: Vec<Vec<f32>>,
    targets: Vec<f32>,
}

fn compute() -> Result<Output, String> {
    let frame = golden_frame()?;
    let recipe = Recipe::from_json(RECIPE).map_err(|error| error.to_string())?;

    let fitted = recipe.fit(&frame).map_err(|error| error.to_string())?;
    let matrix = fitted
        .transform(&frame)
        .map_err(|error| error.to_string())?;
    let targets = fitted.targets(&frame).map_err(|error| error.to_string())?;

    let features = matrix
        .values
        .chunks(matrix.cols)
        .map(<[f32]>::to_vec)
        .collect();
    Ok(Output {
        fitted,
        features,
        targets,
    })
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|value| value.to_bits()).collect()
}

fn as_bits(values: &Value, what: &str) -> Result<Vec<u32>, String> {
    let values = values
        .as_array()
        .ok_or_else(|| format!("the fixture's {what} is not an array"))?;

    values
        .iter()
        .map(|value| {
            value
                .as_u64()
                .and_then(|value| u32::try_from(value).ok())
                .ok_or_else(|| format!("the fixture's {what} holds {value}, not f32 bits"))
        })
        .collect()
}

/// Compares the recipe's output now with the fixture, bit for bit.
///
/// Checks the fitted parameters (every `f64` exactly, through their JSON), every row of
/// `transform`, the same rows through `transform_row` and through the fitted recipe read back
/// from the fixture, and the targets.
///
/// # Errors
///
/// A description of the first difference.
pub fn golden_check(fixture: &str) -> Result<(), String> {
    let fixture: Value = serde_json::from_str(fixture).map_err(|error| error.to_string())?;
    let output = compute()?;

    let fitted = serde_json::to_value(&output.fitted).map_err(|error| error.to_string())?;
    if fitted != fixture["fitted"] {
        return Err(format!(
            "the fitted recipe differs:\n  now   {fitted}\n  fixed {}",
            fixture["fitted"]
        ));
    }

    let frame = golden_frame()?;
    let stored = Fitted::from_json(&fixture["fitted"].to_string()).map_err(|e| e.to_string())?;
    let from_stored = stored
        .transform(&frame)
        .map_err(|error| error.to_string())?;
    let rows = fixture["feature_bits"]
        .as_array()
        .ok_or("the fixture has no feature_bits")?;
    if rows.len() != output.features.len() {
        return Err(format!(
            "{} rows, the fixture has {}",
            output.features.len(),
            rows.len()
        ));
    }
    for (index, (features, expected)) in output.features.iter().zip(rows).enumerate() {
        let expected = as_bits(expected, "feature_bits")?;
        let text: Vec<(String, Option<String>)> = NAMES
            .iter()
            .map(|name| (*name).to_owned())
            .zip(cells(&ROWS[index]))
            .collect();
        let single = output
            .fitted
            .transform_row(&text)
            .map_err(|e| e.to_string())?;
        let stored_row = from_stored
            .row(index)
            .ok_or("the stored recipe lost a row")?;

        for (path, got) in [
            ("transform", features.as_slice()),
            ("transform_row", single.as_slice()),
            ("the stored recipe's transform", stored_row),
        ] {
            if bits(got) != expected {
                return Err(format!(
                    "row {index} through {path}: {got:?} (bits {:?}), expected bits {expected:?}",
                    bits(got)
                ));
            }
        }
    }

    let targets = as_bits(&fixture["target_bits"], "target_bits")?;
    if bits(&output.targets) != targets {
        return Err(format!(
            "targets {:?}, expected bits {targets:?}",
            output.targets
        ));
    }
    Ok(())
}

/// Writes the fixture (natively only: wasm has no file system): one line per row of features
/// (values, then their bits), then the fitted recipe.
#[cfg(not(target_arch = "wasm32"))]
fn render_fixture(output: &Output) -> Result<String, serde_json::Error> {
    let mut values = Vec::new();
    let mut bit_rows = Vec::new();
    for row in &output.features {
        values.push(format!("    {}", serde_json::to_string(row)?));
        bit_rows.push(format!("    {}", serde_json::to_string(&bits(row))?));
    }
    let fitted = serde_json::to_string_pretty(&output.fitted)?.replace('\n', "\n  ");

    Ok(format!(
        "{{\n  \"generated_by\": \"{}\",\n  \"feature_names\": {},\n  \"features\": [\n{}\n  ],\n  \
         \"feature_bits\": [\n{}\n  ],\n  \"targets\": {},\n  \"target_bits\": {},\n  \
         \"fitted\": {fitted}\n}}\n",
        "cargo test -p lepton-ml --test recipe_golden -- --ignored",
        serde_json::to_string(output.fitted.feature_names())?,
        values.join(",\n"),
        bit_rows.join(",\n"),
        serde_json::to_string(&output.targets)?,
        serde_json::to_string(&bits(&output.targets))?,
    ))
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn recipe_output_matches_the_golden_bits() {
    golden_check(FIXTURE).unwrap();
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn golden_check_notices_a_changed_bit() {
    let mut fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let first = fixture["feature_bits"][0][0].as_u64().unwrap();
    fixture["feature_bits"][0][0] = (first ^ 1).into();

    let error = golden_check(&fixture.to_string()).unwrap_err();

    assert!(error.starts_with("row 0 through transform"), "{error}");
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "rewrites the fixture: run only after a deliberate change, then review the diff"]
fn regenerate_golden_fixture() {
    let output = compute().unwrap();
    let text = render_fixture(&output).unwrap();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/recipe_golden.json"
    );

    std::fs::write(path, &text).unwrap();

    golden_check(&text).unwrap();
}
