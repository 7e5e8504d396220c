//! The landing page: what Lepton does and where each step of the workflow lives.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Each workflow stage and the page that carries it.
const STAGES: [(&str, &str, &str); 5] = [
    (
        "Lab",
        "/lab",
        "Train a model in this browser tab and watch it learn.",
    ),
    (
        "Datasets",
        "/datasets",
        "Upload data, profile its quality and prepare it.",
    ),
    (
        "Training",
        "/training",
        "Run heavy training and tuning jobs on the server.",
    ),
    (
        "Models",
        "/models",
        "Version, evaluate and promote models to production.",
    ),
    (
        "Production",
        "/production",
        "Watch the live KPIs of the two case-study sites.",
    ),
];

/// The overview page.
#[component]
pub(crate) fn Overview() -> impl IntoView {
    view! {
        <Title text="Overview" />
        <h1>"Overview"</h1>
        <p class="lead">
            "Lepton takes machine-learning models from the lab to production: clean and prepare "
            "data, train in your tab or on the server, evaluate honestly, keep every version in a "
            "registry, serve it, and watch it in production."
        </p>
        <ul class="stages">
            {STAGES
                .into_iter()
                .map(|(name, href, text)| {
                    view! {
                        <li class="card stage">
                            <h2>
                                <A href=href>{name}</A>
                            </h2>
                            <p>{text}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
