//! `/api/v1/telemetry` and `/api/v1/sites`: sites send telemetry; anyone signed in lists the
//! sites.
//!
//! A batch is stored whole or not at all. The answer comes after the commit, so a client that
//! got 200 may forget the batch; a client that got anything else may send it again (points
//! already stored are replaced, not doubled).

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::StatusCode;
use lepton_protocol::account::ErrorBody;
use lepton_protocol::telemetry::{Anomaly, IngestReceipt, Site, TelemetryPoint};

use super::error::ApiError;
use super::me::caller;
use crate::auth::principal::Principal;
use crate::state::AppState;
use crate::telemetry::IngestError;
use crate::telemetry::batch::BatchError;

/// What a refused batch is told to wait before retrying.
const RETRY_AFTER: Duration = Duration::from_secs(1);

impl From<IngestError> for ApiError {
    fn from(error: IngestError) -> Self {
        let message = error.to_string();
        match error {
            IngestError::Batch(BatchError::Malformed(_) | BatchError::Empty) => {
                Self::new(StatusCode::BAD_REQUEST, "malformed_batch", message)
            }
            IngestError::Batch(BatchError::TooLarge { .. }) => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large", message)
            }
            IngestError::Batch(BatchError::UnknownSite { .. }) => {
                Self::unprocessable("unknown_site", message)
            }
            IngestError::Batch(BatchError::Invalid { .. }) => {
                Self::unprocessable("invalid_point", message)
            }
            IngestError::Busy => Self::too_many_requests(message, RETRY_AFTER),
            IngestError::Database(error) => Self::internal(&error),
        }
    }
}

/// Send a batch of telemetry points.
///
/// The body is a JSON array of points or JSON Lines (one point per line), at most 10 000
/// points. Every point is checked first: a registered site, names of letters, digits and
/// `_ - . : /`, at most 16 tags, a timestamp (RFC 3339 or epoch milliseconds) within the raw
/// retention window and at most 5 minutes ahead, a finite value. One bad point refuses the
/// batch, naming it. An accepted batch is committed in one transaction before the answer.
#[utoipa::path(
    post,
    path = "/api/v1/telemetry",
    tag = "telemetry",
    request_body(content = Vec<TelemetryPoint>, description = "A JSON array of points, or \
        JSON Lines", content_type = "application/json"),
    responses(
        (status = 200, description = "Committed", body = IngestReceipt),
        (status = 400, description = "Not JSON, or no points", body = ErrorBody),
        (status = 413, description = "More than 10 000 points, or a body over the limit",
         body = ErrorBody),
        (status = 422, description = "A point breaks a rule or names an unknown site; the \
         message names the point", body = ErrorBody),
        (status = 429, description = "Too many batches waiting; see Retry-After",
         body = ErrorBody),
    )
)]
pub(crate) async fn telemetry_ingest(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Bytes,
) -> Result<Json<IngestReceipt>, ApiError> {
    caller(&principal)?;
    let receipt = state.telemetry.ingest(&body).await?;
    tracing::debug!(
        points = receipt.accepted,
        series = receipt.series,
        "telemetry batch stored"
    );
    Ok(Json(receipt))
}

/// The registered sites, with how many points and series each has stored.
#[utoipa::path(
    get,
    path = "/api/v1/sites",
    tag = "telemetry",
    responses((status = 200, body = Vec<Site>))
)]
pub(crate) async fn sites_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Vec<Site>>, ApiError> {
    caller(&principal)?;
    Ok(Json(state.telemetry.sites().await?))
}

/// Query of the anomaly list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub(crate) struct AnomalyQuery {
    /// Only this site's anomalies.
    site: Option<String>,
}

/// The latest anomalies the streaming detector found in sensor readings.
///
/// Every stored reading of a sensor metric (temperature, pressure, vibration, power, speed)
/// is scored against its series' baseline; three anomalous readings in a row make an
/// anomaly. Ongoing ones come first, then the newest; at most 200 are kept, in memory.
#[utoipa::path(
    get,
    path = "/api/v1/anomalies",
    tag = "telemetry",
    params(AnomalyQuery),
    responses((status = 200, body = Vec<Anomaly>))
)]
pub(crate) async fn anomalies_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(query): Query<AnomalyQuery>,
) -> Result<Json<Vec<Anomaly>>, ApiError> {
    caller(&principal)?;
    let site = query.site.as_deref();
    Ok(Json(state.telemetry.monitor().recent(site, usize::MAX)))
}
