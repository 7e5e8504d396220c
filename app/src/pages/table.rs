//! Data fetched from the REST API, as the account and admin pages show it: a table that
//! scrolls sideways on a phone, and a frame that shows either the loaded value or what went
//! wrong.

use leptos::prelude::*;

use crate::http::ApiFailure;

/// A table with a header row, inside a box that scrolls sideways when it is too wide.
#[component]
pub(crate) fn DataTable(
    /// The table's class, which the stylesheet and the tests address it by.
    class: &'static str,
    /// Column headings; an empty one for a column of buttons.
    headers: &'static [&'static str],
    /// The body rows.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class=class>
                <thead>
                    <tr>{headers.iter().map(|header| view! { <th>{*header}</th> }).collect_view()}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// Shows a failure, or nothing.
pub(crate) fn failure_view(failure: Option<ApiFailure>) -> impl IntoView {
    failure.map(|failure| view! { <p class="error" role="alert">{failure.message}</p> })
}

/// What a `Suspense` shows for `resource`: nothing while loading, then `render` of the value
/// or the failure's message.
pub(crate) fn loaded<T, V>(
    resource: LocalResource<Result<T, ApiFailure>>,
    render: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl Fn() -> Option<AnyView> + Send + Sync + 'static
where
    T: Clone + 'static,
    V: IntoView + 'static,
{
    move || {
        resource.get().map(|result| match result {
            Ok(value) => render(value).into_any(),
            Err(failure) => failure_view(Some(failure)).into_any(),
        })
    }
}
