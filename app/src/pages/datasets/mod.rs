//! The Datasets page: upload, profile and prepare data (not built yet).

use leptos::prelude::*;

use super::Planned;

/// The datasets page.
#[component]
pub(crate) fn Datasets() -> impl IntoView {
    view! {
        <Planned
            title="Datasets"
            summary="Your data, its versions and what is wrong with it."
            plans=&[
                "upload CSV or JSON Lines from the browser or from scripts, streamed to the server",
                "see each column's type, missing values, outliers and class balance at a glance",
                "impute, scale and encode columns, and split rows with a seed for training",
            ]
        />
    }
}
