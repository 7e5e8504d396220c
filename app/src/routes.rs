//! The router: one route per page of the product, and the 404 page for everything else.
//!
//! The server's access guard decides who may load a page. Links inside the app navigate in
//! the browser without asking the server, so protected pages are wrapped in [`Protected`],
//! which applies the same minimum role on the client and otherwise sends the browser to Sign in.

use lepton_protocol::account::Role;
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;

use crate::nav::Nav;
use crate::pages::{
    Account, AdminAudit, AdminUsers, Compare, DatasetPage, Datasets, JobPage, Lab, ModelPage,
    Models, NotFound, Overview, Production, SignIn, Training,
};
use crate::viewer::{self, use_viewer};

/// The whole dashboard: navigation and the page the URL names.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    viewer::provide();

    view! {
        <Title formatter=|page: String| format!("{page} · Lepton") />
        <Router>
            <div class="layout">
                <Nav />
                <main class="page">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Overview />
                        <Route path=path!("/lab") view=Lab />
                        <Route path=path!("/sign-in") view=SignIn />
                        <Route
                            path=path!("/datasets")
                            view=|| view! { <Protected role=Role::Viewer><Datasets /></Protected> }
                        />
                        <Route
                            path=path!("/datasets/:id")
                            view=|| view! { <Protected role=Role::Viewer><DatasetPage /></Protected> }
                        />
                        <Route
                            path=path!("/training")
                            view=|| view! { <Protected role=Role::Viewer><Training /></Protected> }
                        />
                        <Route
                            path=path!("/training/:id")
                            view=|| view! { <Protected role=Role::Viewer><JobPage /></Protected> }
                        />
                        <Route
                            path=path!("/models")
                            view=|| view! { <Protected role=Role::Viewer><Models /></Protected> }
                        />
                        <Route
                            path=path!("/compare")
                            view=|| view! { <Protected role=Role::Viewer><Compare /></Protected> }
                        />
                        <Route
                            path=path!("/models/:name")
                            view=|| view! { <Protected role=Role::Viewer><ModelPage /></Protected> }
                        />
                        <Route
                            path=path!("/production")
                            view=|| view! { <Protected role=Role::Viewer><Production /></Protected> }
                        />
                        <Route
                            path=path!("/account")
                            view=|| view! { <Protected role=Role::Viewer><Account /></Protected> }
                        />
                        <Route
                            path=path!("/admin/users")
                            view=|| view! { <Protected role=Role::Admin><AdminUsers /></Protected> }
                        />
                        <Route
                            path=path!("/admin/audit")
                            view=|| view! { <Protected role=Role::Admin><AdminAudit /></Protected> }
                        />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// Shows `children` to viewers with at least `role`; sends signed-out visitors to Sign in
/// (and back), and tells signed-in ones without the role that the page is not theirs.
#[component]
fn Protected(
    /// The lowest role that may see the page.
    role: Role,
    children: ChildrenFn,
) -> impl IntoView {
    let location = use_location();
    move || match use_viewer() {
        Some(viewer) if viewer.role >= role => children().into_any(),
        Some(viewer) => view! {
            <Title text="Not allowed" />
            <h1>"Not allowed"</h1>
            <p class="lead">
                {format!(
                    "This page needs the {} role; you are {}.",
                    role.as_str(),
                    viewer.role.as_str(),
                )}
            </p>
        }
        .into_any(),
        None => {
            let here = format!("{}{}", location.pathname.get(), location.search.get());
            let next = crate::http::encode_component(&here);
            view! { <Redirect path=format!("/sign-in?next={next}") /> }.into_any()
        }
    }
}
