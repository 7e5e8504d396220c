//! The Sign in and Sign out forms: plain HTML form posts, so signing in and out works without
//! JavaScript. Each answers with a redirect (post/redirect/get); errors travel back to the
//! Sign in page as a short code in its query string, never as the input.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Extension, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::auth::end_session;
use crate::auth::client::Client;
use crate::auth::principal::{self, Principal};
use crate::auth::sign_in::{self, SignInError};
use crate::state::AppState;

/// The fields of the Sign in form.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct SignInForm {
    /// The sign-in name.
    username: String,
    /// The password.
    password: String,
    /// Where to go after signing in: a path on this site; anything else means `/`.
    #[serde(default)]
    next: String,
}

/// The fields of the Sign out form.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct SignOutForm {
    /// The session's CSRF token (checked by the guard).
    #[expect(dead_code, reason = "read by the CSRF guard before the handler runs")]
    csrf: String,
}

/// Sign in from the HTML form.
///
/// On success: a new session cookie and a redirect to `next`. On failure: a redirect back to
/// the Sign in page with `error=invalid` (wrong username or password) or `error=throttled`
/// and `retry=<seconds>`. Cross-site posts are refused (login CSRF).
#[utoipa::path(
    post,
    path = "/sign-in",
    tag = "browser",
    request_body(content = SignInForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Redirect to `next`, or back to Sign in with an error"))
)]
pub(crate) async fn sign_in_submit(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return see_other("/sign-in?error=invalid", None);
    };
    let next = safe_next(&form.next);
    let previous = principal::session_cookie(&headers);

    let result = sign_in::sign_in(
        state.sign_in_context(),
        &form.username,
        form.password,
        &client,
        previous,
    )
    .await;
    let back = |query: String| {
        let next = form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>();
        format!("/sign-in?{query}&next={next}")
    };
    match result {
        Ok(signed_in) => {
            let cookie = principal::set_session_cookie(
                &signed_in.session.secret,
                state.auth.limits.absolute.as_secs(),
                client.https,
            );
            see_other(next, Some(&cookie))
        }
        Err(SignInError::Invalid) => see_other(&back("error=invalid".into()), None),
        Err(SignInError::Throttled(wait)) => {
            let seconds = wait.as_secs().max(1);
            see_other(&back(format!("error=throttled&retry={seconds}")), None)
        }
        Err(error) => {
            tracing::error!(%error, "sign-in failed");
            see_other(&back("error=unavailable".into()), None)
        }
    }
}

/// Sign out from the HTML form.
///
/// Ends the session, clears the cookie and redirects to the Sign in page.
#[utoipa::path(
    post,
    path = "/sign-out",
    tag = "browser",
    request_body(content = SignOutForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Signed out; redirect to Sign in"))
)]
pub(crate) async fn sign_out_submit(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
) -> Response {
    if let Err(error) = end_session(&state, &principal, &client).await {
        return error.into_response();
    }
    let cookie = principal::clear_session_cookie(client.https);
    see_other("/sign-in?signed_out=1", Some(&cookie))
}

/// A path on this site to return to, or `/`: never another site (open redirect).
pub(crate) fn safe_next(next: &str) -> &str {
    let on_this_site = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if on_this_site { next } else { "/" }
}

fn see_other(location: &str, cookie: Option<&str>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(LOCATION, value);
    }
    if let Some(value) = cookie.and_then(|cookie| HeaderValue::from_str(cookie).ok()) {
        headers.insert(SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/datasets?page=2"), "/datasets?page=2");
        for outside in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "",
            "x",
        ] {
            assert_eq!(safe_next(outside), "/", "{outside}");
        }
    }
}
