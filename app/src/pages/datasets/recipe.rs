//! The preparation card of a dataset page: the recipe as JSON, a preview of its effect
//! (statistics of every column before, and of every feature after, on the training rows),
//! and saving it with the version.

use lepton_protocol::dataset::PreparedRecipe;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::format;
use crate::http::{self, ApiFailure};
use crate::pages::table::{DataTable, failure_view};

/// The recipe editor and preview.
#[component]
pub(crate) fn RecipeCard(
    /// The version's id.
    id: String,
    /// The stored target, which a new recipe starts from.
    target: Option<String>,
    /// Whether the viewer may save a recipe.
    can_modify: bool,
    /// Whether one is saved already, to load instead of the starter.
    has_recipe: bool,
) -> impl IntoView {
    let starter = serde_json::json!({
        "target": target.unwrap_or_default(),
        "drop": [],
        "impute_numeric": "mean",
        "impute_categorical": "most_frequent",
        "scale": "standard",
        "one_hot": { "max_categories": 32 },
        "clip_outliers": 1.5,
        "split": { "train": 0.7, "validation": 0.15, "test": 0.15, "seed": 42, "stratify": true },
        "folds": 5
    });
    let text = RwSignal::new(serde_json::to_string_pretty(&starter).unwrap_or_default());
    let (outcome, set_outcome) = signal(None::<Result<PreparedRecipe, ApiFailure>>);
    let (busy, set_busy) = signal(false);

    // A saved recipe replaces the starter once it has loaded.
    let stored_path = format!("/api/v1/datasets/{id}/recipe");
    let stored = LocalResource::new({
        let path = stored_path.clone();
        move || {
            let path = path.clone();
            async move {
                if has_recipe {
                    Some(http::get::<PreparedRecipe>(&path).await)
                } else {
                    None
                }
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Some(Ok(stored))) = stored.get() {
            text.set(serde_json::to_string_pretty(&stored.recipe).unwrap_or_default());
            set_outcome.set(Some(Ok(stored)));
        }
    });

    let run = move |dry_run: bool| {
        // Previewing changes nothing, so anyone who can read the dataset may; saving is PUT.
        let (method, path) = if dry_run {
            ("POST", format!("{stored_path}/preview"))
        } else {
            ("PUT", stored_path.clone())
        };
        let body: Value = match serde_json::from_str(&text.get_untracked()) {
            Ok(body) => body,
            Err(error) => {
                set_outcome.set(Some(Err(ApiFailure {
                    status: 0,
                    message: format!("The recipe is not valid JSON: {error}"),
                })));
                return;
            }
        };
        set_busy.set(true);
        spawn_local(async move {
            let result = http::send_json::<_, PreparedRecipe>(method, &path, &body).await;
            set_outcome.set(Some(result));
            set_busy.set(false);
        });
    };
    let preview = {
        let run = run.clone();
        move |_| run(true)
    };
    let save = move |_| run(false);

    view! {
        <section class="card" aria-labelledby="recipe-heading">
            <h2 id="recipe-heading">"Preparation recipe"</h2>
            <p class="hint">
                "Drop columns, impute, clip outliers, scale, one-hot encode and split. Every \
                 statistic is fitted on the training rows only; the same recipe prepares rows \
                 in the Lab, in server training and at prediction time."
            </p>
            <label class="recipe-editor">
                "Recipe (JSON)"
                <textarea rows="14" spellcheck="false" bind:value=text></textarea>
            </label>
            <div class="actions">
                <button class="secondary" on:click=preview disabled=move || busy.get()>"Preview"</button>
                {can_modify.then(|| view! {
                    <button class="secondary" on:click=save.clone() disabled=move || busy.get()>
                        "Save recipe"
                    </button>
                })}
            </div>
            {move || match outcome.get() {
                None => ().into_any(),
                Some(Err(failure)) => failure_view(Some(failure)).into_any(),
                Some(Ok(prepared)) => effect_view(prepared).into_any(),
            }}
        </section>
    }
}

fn effect_view(prepared: PreparedRecipe) -> impl IntoView {
    let split = prepared.split_rows;
    let summary = format!(
        "{}{} features · train {} · validation {} · test {} rows",
        if prepared.saved {
            "Saved. "
        } else {
            "Preview. "
        },
        prepared.features.len(),
        format::count(split.train),
        format::count(split.validation),
        format::count(split.test),
    );
    let columns = prepared.preview.as_array().cloned().unwrap_or_default();

    view! {
        <p class="notice" role="status">{summary}</p>
        <DataTable
            class="columns recipe-effect"
            headers=&["Column", "Use", "Missing before", "Mean ± sd before", "Features after (mean ± sd, min – max)"]
        >
            {columns.into_iter().map(effect_row).collect_view()}
        </DataTable>
    }
}

fn effect_row(column: Value) -> impl IntoView {
    let number = |value: &Value| {
        value
            .as_f64()
            .map_or_else(|| "–".to_owned(), |v| format::number(v, 3))
    };
    let before = &column["before"];
    let after: Vec<String> = column["after"]
        .as_array()
        .map(|features| {
            features
                .iter()
                .map(|feature| {
                    format!(
                        "{}: {} ± {}, {} – {}",
                        feature["feature"].as_str().unwrap_or_default(),
                        number(&feature["mean"]),
                        number(&feature["std"]),
                        number(&feature["min"]),
                        number(&feature["max"]),
                    )
                })
                .collect()
        })
        .unwrap_or_default();

    view! {
        <tr>
            <td>{column["column"].as_str().unwrap_or_default().to_owned()}</td>
            <td>{column["usage"].as_str().unwrap_or_default().to_owned()}</td>
            <td class="number">{before["missing"].as_u64().unwrap_or_default()}</td>
            <td>{format!("{} ± {}", number(&before["mean"]), number(&before["std"]))}</td>
            <td>
                <ul class="features">
                    {after.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
            </td>
        </tr>
    }
}
