//! The Sign in page (accounts are not built yet).

use leptos::prelude::*;

use super::Planned;

/// The sign-in page.
#[component]
pub(crate) fn SignIn() -> impl IntoView {
    view! {
        <Planned
            title="Sign in"
            summary="Accounts are not built yet: this server has nothing private to protect so far."
            plans=&[
                "sign in with the account an administrator created for you",
                "manage your sessions and API tokens for scripts",
                "keep your datasets and models private, or share them read-only",
            ]
        />
    }
}
