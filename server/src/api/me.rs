//! `/api/v1/me`: the caller's own account — who they are, their password, their sessions.

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Response};
use lepton_protocol::account::{ErrorBody, Me, PasswordChangeRequest, SessionInfo};

use super::error::ApiError;
use super::json::ApiJson;
use crate::auth::audit::{Action, Actor};
use crate::auth::client::Client;
use crate::auth::password;
use crate::auth::principal::{self, Principal};
use crate::auth::session::{self, ActiveSession};
use crate::auth::user::{self, User};
use crate::state::AppState;

/// The signed-in user of a request the guard let through.
pub(crate) fn caller(principal: &Principal) -> Result<&User, ApiError> {
    principal
        .user()
        .ok_or_else(|| ApiError::unauthenticated("unauthenticated", "sign in first"))
}

/// The browser session of a request the guard let through as session-only.
fn current_session(principal: &Principal) -> Result<&ActiveSession, ApiError> {
    match principal {
        Principal::Session(session) => Ok(session),
        _ => Err(ApiError::forbidden(
            "forbidden",
            "this needs a browser session",
        )),
    }
}

/// Who am I?
///
/// The signed-in user, how they authenticated, and the scopes in force.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    responses(
        (status = 200, body = Me),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub(crate) async fn me_get(
    Extension(principal): Extension<Principal>,
) -> Result<Json<Me>, ApiError> {
    let user = caller(&principal)?;
    Ok(Json(Me {
        user: user.info(),
        via: principal.via().to_owned(),
        scopes: principal.scopes(),
    }))
}

/// Change my password.
///
/// Needs the current password. Every other session of the account ends; this one stays.
#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    tag = "account",
    request_body = PasswordChangeRequest,
    responses(
        (status = 204, description = "Changed; other sessions ended"),
        (status = 403, description = "The current password is wrong", body = ErrorBody),
        (status = 422, description = "The new password breaks the policy", body = ErrorBody),
    )
)]
pub(crate) async fn me_password_update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    ApiJson(body): ApiJson<PasswordChangeRequest>,
) -> Result<StatusCode, ApiError> {
    let current = current_session(&principal)?;
    let user = &current.user;
    password::check_policy(&body.new_password)
        .map_err(|error| ApiError::invalid(error.to_string()))?;

    let stored = Some(user.password_hash.clone());
    let matches = state
        .auth
        .passwords
        .verify(body.current_password, stored)
        .await
        .map_err(|error| ApiError::internal(&error))?;
    if !matches {
        return Err(ApiError::forbidden(
            "wrong_password",
            "the current password is wrong",
        ));
    }

    let hash = state
        .auth
        .passwords
        .hash(body.new_password)
        .await
        .map_err(|error| ApiError::internal(&error))?;
    user::set_password_hash(&state.pool, &user.id, &hash).await?;
    session::revoke_others(&state.pool, &user.id, &current.id).await?;

    tracing::info!(user = %user.username, "password changed");
    let actor = Actor::user(user, &client.ip);
    actor
        .record(
            &state.pool,
            Action::PasswordChanged,
            &user.username,
            "other sessions ended",
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// My browser sessions.
///
/// Live sessions of the account, newest first; `current` marks the one making the request.
#[utoipa::path(
    get,
    path = "/api/v1/me/sessions",
    tag = "account",
    responses((status = 200, body = Vec<SessionInfo>))
)]
pub(crate) async fn me_sessions_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    let current = current_session(&principal)?;
    let sessions = session::list(
        &state.pool,
        &current.user.id,
        Some(&current.id),
        state.auth.limits,
    )
    .await?;
    Ok(Json(sessions))
}

/// Sign out everywhere.
///
/// Ends every session of the account, this one included, and clears the cookie.
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions",
    tag = "account",
    responses((status = 204, description = "Every session ended"))
)]
pub(crate) async fn me_sessions_delete_all(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
) -> Result<Response, ApiError> {
    let user = &current_session(&principal)?.user;
    let ended = session::revoke_all(&state.pool, &user.id).await?;

    tracing::info!(user = %user.username, ended, "signed out everywhere");
    let detail = format!("{ended} sessions ended");
    let actor = Actor::user(user, &client.ip);
    actor
        .record(
            &state.pool,
            Action::SignOutEverywhere,
            &user.username,
            &detail,
        )
        .await;

    let cookie = principal::clear_session_cookie(client.https);
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, cookie)]),
    )
        .into_response())
}

/// End one of my sessions.
///
/// The session stops working at once. Sessions of other users are not found (404).
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions/{id}",
    tag = "account",
    params(("id" = String, Path, description = "The session's id from the list")),
    responses(
        (status = 204, description = "Ended"),
        (status = 404, description = "No such session of yours", body = ErrorBody),
    )
)]
pub(crate) async fn me_sessions_delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = &current_session(&principal)?.user;
    if !session::revoke(&state.pool, &user.id, &id).await? {
        return Err(ApiError::not_found("session"));
    }

    let actor = Actor::user(user, &client.ip);
    actor
        .record(&state.pool, Action::SessionRevoked, &user.username, "")
        .await;
    Ok(StatusCode::NO_CONTENT)
}
