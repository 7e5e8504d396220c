//! `/api/v1/users`: user administration, for admins.

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use lepton_protocol::account::{
    ErrorBody, PasswordReset, PasswordResetRequest, UserCreateRequest, UserCreated, UserInfo,
    UserUpdateRequest,
};

use super::error::ApiError;
use super::json::ApiJson;
use super::me::caller;
use crate::auth::admin::{self, AdminError};
use crate::auth::audit::Actor;
use crate::auth::client::Client;
use crate::auth::principal::Principal;
use crate::auth::user;
use crate::state::AppState;

impl From<AdminError> for ApiError {
    fn from(error: AdminError) -> Self {
        match error {
            AdminError::Username(_) | AdminError::Password(_) => Self::invalid(error.to_string()),
            AdminError::Taken(_) => Self::conflict("username_taken", error.to_string()),
            AdminError::NotFound => Self::not_found("user"),
            AdminError::LastAdmin => Self::conflict("last_admin", error.to_string()),
            AdminError::SelfDisable => Self::conflict("self_disable", error.to_string()),
            AdminError::Database(_) | AdminError::Hashing(_) => Self::internal(&error),
        }
    }
}

fn actor<'a>(principal: &'a Principal, client: &'a Client) -> Result<Actor<'a>, ApiError> {
    Ok(Actor::user(caller(principal)?, &client.ip))
}

/// All users.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    responses((status = 200, body = Vec<UserInfo>))
)]
pub(crate) async fn users_list(
    State(state): State<AppState>,
) -> Result<Json<Vec<UserInfo>>, ApiError> {
    let users = user::list(&state.pool).await?;
    Ok(Json(users.iter().map(user::User::info).collect()))
}

/// Create a user.
///
/// Without a password in the request, the server generates one and returns it this once.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    request_body = UserCreateRequest,
    responses(
        (status = 201, body = UserCreated),
        (status = 409, description = "The username is taken", body = ErrorBody),
        (status = 422, description = "Bad username, role or password", body = ErrorBody),
    )
)]
pub(crate) async fn users_create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    ApiJson(body): ApiJson<UserCreateRequest>,
) -> Result<(StatusCode, Json<UserCreated>), ApiError> {
    let actor = actor(&principal, &client)?;
    let (created, password) = admin::create_user(
        &state.pool,
        &state.auth.passwords,
        actor,
        &body.username,
        body.role,
        body.password,
    )
    .await?;
    let body = UserCreated {
        user: created.info(),
        password,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// Change a user's role or disable them.
///
/// Disabling ends the user's sessions and stops their tokens at once. The last enabled admin
/// cannot be demoted or disabled, and nobody can disable themselves.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    request_body = UserUpdateRequest,
    responses(
        (status = 200, body = UserInfo),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "Last admin, or disabling oneself", body = ErrorBody),
    )
)]
pub(crate) async fn users_update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserUpdateRequest>,
) -> Result<Json<UserInfo>, ApiError> {
    let actor = actor(&principal, &client)?;
    let updated = admin::update_user(&state.pool, actor, &id, body.role, body.disabled).await?;
    Ok(Json(updated.info()))
}

/// Reset a user's password.
///
/// Ends the user's sessions. Without a password in the request, the server generates one and
/// returns it this once.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/password",
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    request_body = PasswordResetRequest,
    responses(
        (status = 200, body = PasswordReset),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "The password breaks the policy", body = ErrorBody),
    )
)]
pub(crate) async fn users_password_reset(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PasswordResetRequest>,
) -> Result<Json<PasswordReset>, ApiError> {
    let actor = actor(&principal, &client)?;
    let target = user::find_by_id(&state.pool, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    let password = admin::reset_password(
        &state.pool,
        &state.auth.passwords,
        actor,
        &target,
        body.password,
    )
    .await?;
    Ok(Json(PasswordReset { password }))
}
