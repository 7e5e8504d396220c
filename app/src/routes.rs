//! The router: one route per page of the product, and the 404 page for everything else.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::nav::Nav;
use crate::pages::{Datasets, Lab, Models, NotFound, Overview, Production, SignIn, Training};

/// The whole dashboard: navigation and the page the URL names.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=|page: String| format!("{page} · Lepton") />
        <Router>
            <div class="layout">
                <Nav />
                <main class="page">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Overview />
                        <Route path=path!("/lab") view=Lab />
                        <Route path=path!("/datasets") view=Datasets />
                        <Route path=path!("/training") view=Training />
                        <Route path=path!("/models") view=Models />
                        <Route path=path!("/production") view=Production />
                        <Route path=path!("/sign-in") view=SignIn />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}
