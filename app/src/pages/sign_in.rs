//! The Sign in page: a plain HTML form posted to the server, so it works before (and
//! without) the browser bundle. Errors come back as a code in the query string.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::viewer::use_viewer;

/// The sign-in page.
#[component]
pub(crate) fn SignIn() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with(|query| query.get(name));
    let next = move || param("next").unwrap_or_else(|| "/".to_owned());
    let message = move || match param("error").as_deref() {
        Some("invalid") => Some(("error", "Wrong username or password.".to_owned())),
        Some("throttled") => {
            let seconds = param("retry")
                .and_then(|retry| retry.parse::<u64>().ok())
                .unwrap_or(30);
            Some((
                "error",
                format!(
                    "Too many failed attempts. Try again in {}.",
                    wait_in_words(seconds)
                ),
            ))
        }
        Some(_) => Some((
            "error",
            "Signing in failed on the server. Try again.".to_owned(),
        )),
        None if param("signed_out").is_some() => Some(("notice", "You are signed out.".to_owned())),
        None => None,
    };

    view! {
        <Title text="Sign in" />
        <h1>"Sign in"</h1>
        {move || {
            use_viewer()
                .map(|viewer| {
                    view! {
                        <p class="lead">
                            "You are signed in as " <strong>{viewer.username}</strong> "."
                        </p>
                    }
                })
        }}
        <form class="card form sign-in-form" method="post" action="/sign-in">
            {move || {
                message()
                    .map(|(kind, text)| {
                        view! { <p class=kind role="alert">{text}</p> }
                    })
            }}
            <label>
                "Username" <input name="username" autocomplete="username" required autofocus />
            </label>
            <label>
                "Password"
                <input name="password" type="password" autocomplete="current-password" required />
            </label>
            <input type="hidden" name="next" value=next />
            <button type="submit">"Sign in"</button>
            <p class="hint">
                "Accounts are created by an administrator. Forgot your password? Ask one to reset it."
            </p>
        </form>
    }
}

/// "45 seconds", "2 minutes".
fn wait_in_words(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".to_owned(),
        2..=90 => format!("{seconds} seconds"),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(wait_in_words(1), "a second");
        assert_eq!(wait_in_words(30), "30 seconds");
        assert_eq!(wait_in_words(240), "4 minutes");
    }
}
