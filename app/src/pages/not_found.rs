//! The page for any path the router does not know; the server answers it with status 404.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The 404 page.
#[component]
pub(crate) fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p class="lead">"There is no page at this address."</p>
        <p>
            <A href="/">"Back to the overview"</A>
        </p>
    }
}
