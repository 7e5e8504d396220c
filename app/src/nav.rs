//! The navigation bar shared by every page.

use leptos::prelude::*;
use leptos_router::components::A;

/// Pages in the order of the lab-to-production workflow, with their paths.
pub(crate) const PAGES: [(&str, &str); 6] = [
    ("/", "Overview"),
    ("/lab", "Lab"),
    ("/datasets", "Datasets"),
    ("/training", "Training"),
    ("/models", "Models"),
    ("/production", "Production"),
];

/// Links to every page; the router marks the current one with `aria-current="page"`.
#[component]
pub(crate) fn Nav() -> impl IntoView {
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">
                "Lepton"
            </A>
            <nav aria-label="Main">
                <ul>
                    {PAGES
                        .into_iter()
                        .map(|(href, label)| view! { <li><A href=href>{label}</A></li> })
                        .collect_view()}
                </ul>
            </nav>
            <A href="/sign-in" attr:class="sign-in">
                "Sign in"
            </A>
        </header>
    }
}
