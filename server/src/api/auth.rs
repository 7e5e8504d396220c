//! `POST /api/v1/auth/login` and `POST /api/v1/auth/logout`: browser sessions over JSON, for
//! single-page clients. Scripts use API tokens instead.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use lepton_protocol::account::{ErrorBody, LoginRequest, LoginResponse};

use super::error::ApiError;
use super::json::ApiJson;
use crate::auth::audit::{Action, Actor};
use crate::auth::client::Client;
use crate::auth::principal::{self, Principal};
use crate::auth::session;
use crate::auth::sign_in::{self, SignInError};
use crate::state::AppState;

/// Sign in with a username and password.
///
/// Starts a browser session: the answer sets the `lepton_session` cookie and returns the
/// session's CSRF token, to send as `X-CSRF-Token` with every state-changing request. Unknown
/// users, wrong passwords and disabled accounts all get the same 401. After five failures for
/// an account (or twenty from an address) sign-in is refused with 429 and `Retry-After`, for a
/// time that doubles with each further failure.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = LoginResponse),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 422, description = "The body is not a login request", body = ErrorBody),
        (status = 429, description = "Too many failures; see Retry-After", body = ErrorBody),
    )
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    Extension(client): Extension<Client>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let previous = principal::session_cookie(&headers);
    let signed_in = sign_in::sign_in(
        state.sign_in_context(),
        &body.username,
        body.password,
        &client,
        previous,
    )
    .await
    .map_err(sign_in_error)?;

    let cookie = principal::set_session_cookie(
        &signed_in.session.secret,
        state.auth.limits.absolute.as_secs(),
        client.https,
    );
    let body = LoginResponse {
        user: signed_in.user.info(),
        csrf_token: signed_in.session.csrf_token,
    };
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), Json(body)).into_response())
}

/// The API answer for a failed sign-in.
pub(crate) fn sign_in_error(error: SignInError) -> ApiError {
    match error {
        SignInError::Invalid => ApiError::unauthenticated("invalid_credentials", error.to_string()),
        SignInError::Throttled(wait) => ApiError::too_many_requests(error.to_string(), wait),
        SignInError::Database(_) | SignInError::Password(_) => ApiError::internal(&error),
    }
}

/// Sign out: end this browser session.
///
/// Ends the session the cookie names and clears the cookie. Other sessions of the same user
/// stay; `DELETE /api/v1/me/sessions` ends them all.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
) -> Result<Response, ApiError> {
    end_session(&state, &principal, &client).await?;
    let cookie = principal::clear_session_cookie(client.https);
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, cookie)]),
    )
        .into_response())
}

/// Ends the caller's session and records it; shared with the Sign out form.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn end_session(
    state: &AppState,
    principal: &Principal,
    client: &Client,
) -> Result<(), ApiError> {
    let Principal::Session(current) = principal else {
        return Ok(());
    };
    let user = &current.user;
    session::revoke(&state.pool, &user.id, &current.id).await?;
    tracing::info!(user = %user.username, "signed out");
    let actor = Actor::user(user, &client.ip);
    actor
        .record(&state.pool, Action::SignOut, &user.username, "")
        .await;
    Ok(())
}
