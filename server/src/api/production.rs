//! `/api/v1/production`: the sites' live KPIs, as one answer or as a stream of snapshots.
//!
//! Both read what the production task computed last (see `crate::production`), so any number
//! of open dashboards costs the database nothing more. Another window than the default is
//! computed on request.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use lepton_protocol::account::ErrorBody;
use lepton_protocol::production::ProductionSnapshot;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::me::caller;
use crate::auth::principal::Principal;
use crate::production::WINDOW_MINUTES;
use crate::state::AppState;

/// The longest window one may ask for: six hours. Windows are summed from raw points, which
/// a longer window would make every request scan by the million.
const MAX_WINDOW_MINUTES: u32 = 6 * 60;

/// Query of the KPI snapshot.
#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct WindowQuery {
    /// Wall-clock minutes the KPIs cover, 1 to 360 (default 15); the trend compares them
    /// with as many minutes before.
    minutes: Option<u32>,
}

/// Every site's KPIs now.
///
/// Each KPI has its value over the window, its value over the window before (the trend),
/// its target, whether higher is better, and its formula. KPIs are grouped by the policy
/// (maintenance or dispatch) that produced the readings, so policies compare side by side.
#[utoipa::path(
    get,
    path = "/api/v1/production",
    tag = "production",
    params(WindowQuery),
    responses(
        (status = 200, body = ProductionSnapshot),
        (status = 422, description = "A window outside 1 to 360 minutes", body = ErrorBody),
    )
)]
pub(crate) async fn production_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(query): Query<WindowQuery>,
) -> Result<Json<ProductionSnapshot>, ApiError> {
    caller(&principal)?;
    match query.minutes {
        None | Some(WINDOW_MINUTES) => Ok(Json((*state.production.latest()).clone())),
        Some(minutes) if (1..=MAX_WINDOW_MINUTES).contains(&minutes) => Ok(Json(
            state
                .production
                .over(minutes)
                .await
                .map_err(|error| ApiError::internal(&error))?,
        )),
        Some(minutes) => Err(ApiError::invalid(format!(
            "a window of {minutes} minutes is outside 1 to {MAX_WINDOW_MINUTES}"
        ))),
    }
}

/// Follow every site's KPIs as server-sent events.
///
/// A `snapshot` event with the current `ProductionSnapshot` (default window) at once, then
/// one each time the KPIs are recomputed, every 2 seconds.
#[utoipa::path(
    get,
    path = "/api/v1/production/stream",
    tag = "production",
    responses(
        (status = 200, description = "An event stream of ProductionSnapshot",
         content_type = "text/event-stream"),
    )
)]
pub(crate) async fn production_stream(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller(&principal)?;
    let mut latest = state.production.subscribe();
    latest.mark_changed();
    let stream = futures_util::stream::unfold(latest, |mut latest| async move {
        latest.changed().await.ok()?;
        let snapshot: Arc<ProductionSnapshot> = latest.borrow_and_update().clone();
        let data = serde_json::to_string(&*snapshot).unwrap_or_default();
        Some((Ok(Event::default().event("snapshot").data(data)), latest))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
