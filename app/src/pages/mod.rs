//! One module per page of the dashboard.

mod account;
mod admin_audit;
mod admin_users;
mod datasets;
mod lab;
mod models;
mod not_found;
mod overview;
mod production;
mod sign_in;
mod table;
mod training;

pub(crate) use account::Account;
pub(crate) use admin_audit::AdminAudit;
pub(crate) use admin_users::AdminUsers;
pub(crate) use datasets::{DatasetPage, Datasets};
pub(crate) use lab::Lab;
pub(crate) use models::{Compare, ModelPage, Models};
pub(crate) use not_found::NotFound;
pub(crate) use overview::Overview;
pub(crate) use production::Production;
pub(crate) use sign_in::SignIn;
pub(crate) use training::{JobPage, Training};

use leptos::prelude::*;
use leptos_meta::Title;

/// The frame of a page whose feature has not been built yet: what it will hold, said plainly.
#[component]
fn Planned(
    /// The page's title and heading.
    title: &'static str,
    /// One sentence on what the page is for.
    summary: &'static str,
    /// What a person will be able to do here.
    plans: &'static [&'static str],
) -> impl IntoView {
    view! {
        <Title text=title />
        <h1>{title}</h1>
        <p class="lead">{summary}</p>
        <section class="card planned" aria-labelledby="planned-heading">
            <h2 id="planned-heading">"Not built yet"</h2>
            <p>"This page does not hold data yet. When it is built, you will be able to:"</p>
            <ul>{plans.iter().map(|plan| view! { <li>{*plan}</li> }).collect_view()}</ul>
        </section>
    }
}
