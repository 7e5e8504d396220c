//! The navigation bar shared by every page: the workflow's pages, and who is signed in.

use lepton_protocol::account::Role;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::viewer::use_viewer;

/// Pages in the order of the lab-to-production workflow, with their paths.
pub(crate) const PAGES: [(&str, &str); 6] = [
    ("/", "Overview"),
    ("/lab", "Lab"),
    ("/datasets", "Datasets"),
    ("/training", "Training"),
    ("/models", "Models"),
    ("/production", "Production"),
];

/// Administration pages, shown to admins.
const ADMIN_PAGES: [(&str, &str); 2] = [("/admin/users", "Users"), ("/admin/audit", "Audit log")];

/// Links to every page; the router marks the current one with `aria-current="page"`.
#[component]
pub(crate) fn Nav() -> impl IntoView {
    let viewer = use_viewer();
    let is_admin = viewer
        .as_ref()
        .is_some_and(|viewer| viewer.role == Role::Admin);

    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">
                "Lepton"
            </A>
            <nav aria-label="Main">
                <ul>
                    {PAGES
                        .into_iter()
                        .chain(ADMIN_PAGES.into_iter().filter(|_| is_admin))
                        .map(|(href, label)| view! { <li><A href=href>{label}</A></li> })
                        .collect_view()}
                </ul>
            </nav>
            {match viewer {
                Some(viewer) => {
                    view! {
                        <div class="account-menu">
                            <A href="/account" attr:class="user-name" attr:title="My account">
                                {viewer.username}
                            </A>
                            <form method="post" action="/sign-out" class="sign-out">
                                <input type="hidden" name="csrf" value=viewer.csrf_token />
                                <button type="submit">"Sign out"</button>
                            </form>
                        </div>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <A href="/sign-in" attr:class="sign-in">
                            "Sign in"
                        </A>
                    }
                        .into_any()
                }
            }}
        </header>
    }
}
