//! The guard: the middleware in front of every route that authenticates the caller, checks
//! CSRF, applies the route's rule from [`policy`](super::policy), and hands the handler the
//! [`Principal`] and [`Client`].
//!
//! Refusals take the form the caller can use: JSON errors for `/api/`, a redirect to Sign in
//! (and back) for a signed-out visitor of a page, a short page for a forbidden one.

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use lepton_app::Viewer;

use super::client::Client;
use super::csrf;
use super::policy::{self, Access, Decision};
use super::principal::{self, AuthenticateError, Principal};
use super::{session, token};
use crate::api::error::ApiError;
use crate::state::AppState;

/// Authenticates, checks and authorizes one request, then runs the handler.
pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(route) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
    else {
        // Route layers only see routed requests, which always have a matched path.
        return ApiError::internal(&"routed request without a matched path").into_response();
    };
    let method = request.method().clone();
    let Some(rule) = policy::rule_for(&method, &route) else {
        if policy::knows_path(&route) {
            // Another method of a known route: the router answers 405.
            return next.run(request).await;
        }
        tracing::error!(%method, route, "route has no access rule; refusing it");
        return ApiError::internal(&format!("no access rule for {method} {route}")).into_response();
    };
    let is_api = route.starts_with("/api/");
    let client = Client::of(&request, state.auth.trust_proxy);

    let authentication =
        match principal::authenticate(&state.pool, request.headers(), state.auth.limits).await {
            Ok(authentication) => authentication,
            Err(AuthenticateError::Credentials(error)) => {
                return ApiError::unauthenticated(error.code(), error.to_string()).into_response();
            }
            Err(AuthenticateError::Database(error)) => {
                return ApiError::internal(&error).into_response();
            }
        };
    let principal = authentication.principal;

    let mut request = request;
    if csrf::is_unsafe(&method) {
        let needs_token = rule.access != Access::Public;
        request = match csrf::check(request, &principal, needs_token).await {
            Ok(request) => request,
            Err(error) => {
                return ApiError::forbidden("csrf", error.to_string()).into_response();
            }
        };
    }

    match policy::decide(rule, &principal) {
        Decision::Allow => {}
        Decision::Unauthenticated if is_api => {
            let message = "sign in or send 'Authorization: Bearer <token>'";
            return ApiError::unauthenticated("unauthenticated", message).into_response();
        }
        Decision::Unauthenticated => {
            let next_path = (method == Method::GET).then(|| request.uri().to_string());
            return redirect_to_sign_in(next_path.as_deref(), authentication.stale_cookie);
        }
        Decision::Forbidden(reason) if is_api => {
            return ApiError::forbidden("forbidden", reason).into_response();
        }
        Decision::Forbidden(reason) => return forbidden_page(&state, &reason),
    }

    record_use(&state, &principal).await;
    if let Principal::Session(session) = &principal {
        request.extensions_mut().insert(Viewer {
            username: session.user.username.clone(),
            role: session.user.role,
            csrf_token: session.csrf_token.clone(),
        });
    }
    let signed_in = principal.user().is_some();
    request.extensions_mut().insert(principal);
    request.extensions_mut().insert(client.clone());

    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if authentication.stale_cookie && !headers.contains_key(SET_COOKIE) {
        let clear = principal::clear_session_cookie(client.https);
        if let Ok(value) = HeaderValue::from_str(&clear) {
            headers.append(SET_COOKIE, value);
        }
    }
    if signed_in && !headers.contains_key(CACHE_CONTROL) {
        // A page or answer made for one person must not be kept by shared caches.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    response
}

/// Notes when a session or token was last used; a failure here must not fail the request.
async fn record_use(state: &AppState, principal: &Principal) {
    let result = match principal {
        Principal::Anonymous => Ok(()),
        Principal::Session(session) => session::touch(&state.pool, session).await,
        Principal::Token(token) => token::touch(&state.pool, token).await,
    };
    if let Err(error) = result {
        tracing::warn!(%error, "cannot record session or token use");
    }
}

/// 303 to Sign in, remembering the page asked for.
fn redirect_to_sign_in(next_path: Option<&str>, clear_cookie: bool) -> Response {
    let location = match next_path {
        Some(path) => format!(
            "/sign-in?next={}",
            form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
        ),
        None => "/sign-in".to_owned(),
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    if clear_cookie
        && let Ok(value) = HeaderValue::from_str(&principal::clear_session_cookie(false))
    {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

/// 403 for a page the signed-in user may not see.
fn forbidden_page(state: &AppState, reason: &str) -> Response {
    let css = &state.assets.css;
    let reason = escape_html(reason);
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Not allowed · Lepton</title><link rel=\"stylesheet\" href=\"/pkg/{css}\">\
         </head><body><main class=\"page\"><h1>Not allowed</h1>\
         <p class=\"lead\">You are signed in, but {reason}.</p>\
         <p><a href=\"/\">Back to the overview</a></p></main></body></html>"
    );
    (StatusCode::FORBIDDEN, Html(body)).into_response()
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_redirect_keeps_the_page_asked_for() {
        let response = redirect_to_sign_in(Some("/datasets?page=2"), false);
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            response.headers()[LOCATION],
            "/sign-in?next=%2Fdatasets%3Fpage%3D2"
        );
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape_html("<b>\"&"), "&lt;b&gt;&quot;&amp;");
    }
}
