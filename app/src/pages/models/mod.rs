//! The Models page: the registry's models with their newest and Production versions. One
//! model's versions, figures and stages live on its own page ([`detail`]).

mod compare;
mod detail;

pub(crate) use compare::Compare;
pub(crate) use detail::ModelPage;

use lepton_protocol::registry::ModelSummary;
use leptos::prelude::*;
use leptos_meta::Title;

use super::table::{DataTable, loaded};
use crate::format;
use crate::http;

/// The models page.
#[component]
pub(crate) fn Models() -> impl IntoView {
    let models = LocalResource::new(|| http::get::<Vec<ModelSummary>>("/api/v1/models"));

    view! {
        <Title text="Models" />
        <h1>"Models"</h1>
        <p class="lead">
            "Every registered model and its versions: how each was made, how well it does on \
             held-out rows, and which one is in production."
        </p>
        <section class="card" aria-labelledby="models-heading">
            <h2 id="models-heading">"Registered models"</h2>
            <Suspense fallback=|| view! { <p>"Loading models…"</p> }>
                {loaded(models, |list: Vec<ModelSummary>| model_table(list))}
            </Suspense>
        </section>
    }
}

fn model_table(list: Vec<ModelSummary>) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <p>"No models yet. Train one on the Training page, or save one from the Lab."</p>
        }
        .into_any();
    }
    view! {
        <DataTable
            class="models"
            headers=&["Name", "Versions", "Latest", "Production", "Latest score", "Owner", "Updated"]
        >
            {list.into_iter().map(model_row).collect_view()}
        </DataTable>
    }
    .into_any()
}

fn model_row(model: ModelSummary) -> impl IntoView {
    let production = model
        .production
        .map_or_else(|| "—".to_owned(), |version| format!("v{version}"));
    let score = model
        .latest_score
        .map(|score| format::number(score, 3))
        .unwrap_or_default();
    view! {
        <tr>
            <td><a href=format!("/models/{}", http::encode_component(&model.name))>{model.name.clone()}</a></td>
            <td class="number">{model.versions}</td>
            <td class="number">{format!("v{}", model.latest)}</td>
            <td class="number">{production}</td>
            <td class="number">{score}</td>
            <td>{model.owner}</td>
            <td>{format::minute(&model.updated_at)}</td>
        </tr>
    }
}
