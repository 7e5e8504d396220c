//! The Training page: server-side jobs and hyper-parameter search (not built yet).

use leptos::prelude::*;

use super::Planned;

/// The training page.
#[component]
pub(crate) fn Training() -> impl IntoView {
    view! {
        <Planned
            title="Training"
            summary="Heavy training jobs that run on the server, not in your tab."
            plans=&[
                "queue jobs that survive a restart and watch their progress live",
                "search hyper-parameters by grid, random or Bayesian search, with early stopping",
                "train ensembles and cross-validate, then evaluate on a held-out test split",
            ]
        />
    }
}
