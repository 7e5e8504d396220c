//! Liveness and readiness probes for load balancers and orchestrators.
//!
//! `/healthz` says the process is up and serving; `/readyz` also asks the database, so traffic
//! is only sent to an instance that can do real work.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// How long `/readyz` waits for the database before reporting not ready.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: 200 while the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "Up")))]
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: 200 when the database answers, 503 otherwise.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "meta",
    responses(
        (status = 200, description = "Ready"),
        (status = 503, description = "The database does not answer"),
    )
)]
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match crate::database::ping(&state.pool, DATABASE_TIMEOUT).await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok" })),
        ),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            let body = json!({ "status": "not ready", "database": "unavailable" });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body))
        }
    }
}
