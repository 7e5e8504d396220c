//! The Models page: the registry of trained model versions (not built yet).

use leptos::prelude::*;

use super::Planned;

/// The models page.
#[component]
pub(crate) fn Models() -> impl IntoView {
    view! {
        <Planned
            title="Models"
            summary="Every trained model version, how it was made and how well it does."
            plans=&[
                "compare versions by accuracy, precision, recall, F1, ROC and confusion matrices",
                "promote a version from staging to production, and roll back",
                "download a model or load it into the Lab",
            ]
        />
    }
}
