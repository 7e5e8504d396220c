//! `/api/v1/tokens`: the caller's API tokens — list, create (secret shown once), revoke.

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use lepton_protocol::account::{ErrorBody, Scope, TokenCreateRequest, TokenCreated, TokenInfo};

use super::error::ApiError;
use super::json::ApiJson;
use super::me::caller;
use crate::auth::audit::{Action, Actor};
use crate::auth::client::Client;
use crate::auth::principal::Principal;
use crate::auth::token::{self, NewToken};
use crate::state::AppState;

/// Longest token name.
const NAME_MAX: usize = 100;
/// Longest lifetime of a token with an expiry, in days (ten years).
const EXPIRY_MAX_DAYS: u32 = 3650;
/// Live tokens one user may hold: enough for every script, few enough to review.
const TOKENS_MAX: usize = 100;

/// My API tokens.
///
/// Tokens that are neither revoked nor expired, newest first, without their secrets.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    responses((status = 200, body = Vec<TokenInfo>))
)]
pub(crate) async fn tokens_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    let user = caller(&principal)?;
    Ok(Json(token::list(&state.pool, &user.id).await?))
}

/// Create an API token.
///
/// The answer holds the secret, shown this once; the server keeps only its SHA-256. Scopes
/// must be within the caller's role, and within the caller's token when created with one.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    request_body = TokenCreateRequest,
    responses(
        (status = 201, body = TokenCreated),
        (status = 403, description = "A scope beyond the caller's", body = ErrorBody),
        (status = 409, description = "Too many live tokens", body = ErrorBody),
        (status = 422, description = "Bad name, scopes or expiry", body = ErrorBody),
    )
)]
pub(crate) async fn tokens_create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    ApiJson(body): ApiJson<TokenCreateRequest>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    let user = caller(&principal)?;
    let name = check_name(&body.name)?;
    check_scopes(&body.scopes, &principal.scopes())?;
    let expires_at = match body.expires_in_days {
        None => None,
        Some(days) if (1..=EXPIRY_MAX_DAYS).contains(&days) => {
            Some(chrono::Utc::now() + chrono::Duration::days(i64::from(days)))
        }
        Some(_) => {
            return Err(ApiError::invalid(format!(
                "expires_in_days must be between 1 and {EXPIRY_MAX_DAYS}, or left out"
            )));
        }
    };
    if token::list(&state.pool, &user.id).await?.len() >= TOKENS_MAX {
        return Err(ApiError::conflict(
            "too_many_tokens",
            format!("you hold {TOKENS_MAX} live tokens already; revoke some first"),
        ));
    }

    let new = NewToken {
        user_id: &user.id,
        name,
        scopes: &body.scopes,
        expires_at,
    };
    let (info, secret) = token::create(&state.pool, &new).await?;

    tracing::info!(user = %user.username, token = %info.id, "api token created");
    let scopes: Vec<&str> = info.scopes.iter().map(|scope| scope.as_str()).collect();
    let detail = format!("scopes: {}", scopes.join(" "));
    let actor = Actor::user(user, &client.ip);
    actor
        .record(&state.pool, Action::TokenCreated, name, &detail)
        .await;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            token: info,
            secret,
        }),
    ))
}

fn check_name(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(ApiError::invalid(format!(
            "the name must have 1 to {NAME_MAX} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "the name may not contain control characters",
        ));
    }
    Ok(name)
}

fn check_scopes(asked: &[Scope], held: &[Scope]) -> Result<(), ApiError> {
    if asked.is_empty() {
        return Err(ApiError::invalid("give the token at least one scope"));
    }
    if let Some(beyond) = asked.iter().find(|scope| !held.contains(scope)) {
        return Err(ApiError::forbidden(
            "scope_not_allowed",
            format!("you cannot grant the '{}' scope", beyond.as_str()),
        ));
    }
    Ok(())
}

/// Revoke an API token.
///
/// The token stops working with the next request. Tokens of other users are not found (404).
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    params(("id" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such live token of yours", body = ErrorBody),
    )
)]
pub(crate) async fn tokens_delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = caller(&principal)?;
    let Some(name) = token::revoke(&state.pool, &user.id, &id).await? else {
        return Err(ApiError::not_found("token"));
    };

    tracing::info!(user = %user.username, token = %id, "api token revoked");
    let actor = Actor::user(user, &client.ip);
    actor
        .record(&state.pool, Action::TokenRevoked, &name, "")
        .await;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  ci  ").unwrap(), "ci");
        assert!(check_name("   ").is_err());
        assert!(check_name(&"x".repeat(101)).is_err());
        assert!(check_name("a\u{7}b").is_err());
    }

    #[test]
    fn scopes_stay_within_what_the_caller_holds() {
        let held = [Scope::Read, Scope::Write];
        assert!(check_scopes(&[Scope::Read], &held).is_ok());
        assert!(check_scopes(&[], &held).is_err());
        let error = check_scopes(&[Scope::Admin], &held).unwrap_err();
        assert_eq!(error.status(), StatusCode::FORBIDDEN);
        assert_eq!(error.message(), "you cannot grant the 'admin' scope");
    }
}
