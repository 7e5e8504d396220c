//! `GET /api/v1/audit`: the audit log, for admins, newest first, paged by id.

use axum::Json;
use axum::extract::{Query, State};
use lepton_protocol::account::AuditPage;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use crate::auth::audit;
use crate::state::AppState;

/// Page size when none is asked for.
const DEFAULT_LIMIT: u32 = 50;
/// Largest page.
const MAX_LIMIT: u32 = 500;

/// Which page of the log.
#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct AuditQuery {
    /// Only events with a smaller id (the previous page's `next_before`).
    before: Option<i64>,
    /// Events per page, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// The audit log.
///
/// Sign-ins and failed sign-ins, sign-outs, password changes and resets, user creation, role
/// changes, disabling, and token creation and revocation: who, what, when, from where.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "users",
    params(AuditQuery),
    responses((status = 200, body = AuditPage))
)]
pub(crate) async fn audit_list(
    State(state): State<AppState>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(Json(audit::page(&state.pool, query.before, limit).await?))
}
