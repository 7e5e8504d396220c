//! The REST API under `/api/v1`, and every other non-page route, registered through
//! `utoipa-axum` so that each one is in the OpenAPI document by construction.

pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod datasets;
pub(crate) mod error;
pub(crate) mod jobs;
pub(crate) mod json;
pub(crate) mod lab_models;
pub(crate) mod me;
pub(crate) mod models;
pub(crate) mod openapi;
pub(crate) mod production;
pub(crate) mod telemetry;
pub(crate) mod tokens;
pub(crate) mod users;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use crate::{forms, health};

/// Every non-page route with its documentation.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(forms::sign_in_submit))
        .routes(routes!(forms::sign_out_submit))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(me::me_get))
        .routes(routes!(me::me_password_update))
        .routes(routes!(me::me_sessions_list, me::me_sessions_delete_all))
        .routes(routes!(me::me_sessions_delete))
        .routes(routes!(tokens::tokens_list, tokens::tokens_create))
        .routes(routes!(tokens::tokens_delete))
        .routes(routes!(users::users_list, users::users_create))
        .routes(routes!(users::users_update))
        .routes(routes!(users::users_password_reset))
        .routes(routes!(audit::audit_list))
        .routes(routes!(datasets::datasets_list, datasets::datasets_create))
        .routes(routes!(
            datasets::datasets_get,
            datasets::datasets_update,
            datasets::datasets_delete
        ))
        .routes(routes!(datasets::datasets_profile))
        .routes(routes!(datasets::datasets_rows))
        .routes(routes!(datasets::datasets_download))
        .routes(routes!(
            datasets::datasets_recipe_get,
            datasets::datasets_recipe_put
        ))
        .routes(routes!(datasets::datasets_recipe_preview))
        .routes(routes!(datasets::datasets_prepared))
        .routes(routes!(
            lab_models::lab_models_list,
            lab_models::lab_models_create
        ))
        .routes(routes!(lab_models::lab_models_get))
        .routes(routes!(jobs::jobs_list, jobs::jobs_create))
        .routes(routes!(jobs::jobs_get))
        .routes(routes!(jobs::jobs_cancel))
        .routes(routes!(jobs::jobs_events))
        .routes(routes!(jobs::jobs_trials))
        .routes(routes!(models::models_list))
        .routes(routes!(models::models_get))
        .routes(routes!(models::models_import))
        .routes(routes!(models::models_version_get))
        .routes(routes!(models::models_stage))
        .routes(routes!(models::models_artifact))
        .routes(routes!(telemetry::telemetry_ingest))
        .routes(routes!(telemetry::sites_list))
        .routes(routes!(telemetry::anomalies_list))
        .routes(routes!(production::production_get))
        .routes(routes!(production::production_stream))
}
