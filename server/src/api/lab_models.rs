//! `/api/v1/lab/models`: model files uploaded from the Lab — upload, list, download.
//!
//! An upload is read whole (at most 64 MiB) and checked as the tab checks a file it loads:
//! format, version, settings, names and every layer's shape and values. A file that fails is
//! refused with the reason (422) and nothing is stored. Someone who may not read an upload is
//! told it does not exist (404).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use lepton_protocol::account::{ErrorBody, Role};
use lepton_protocol::lab::StoredLabModel;
use lepton_protocol::registry::headline_score;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;

use super::error::ApiError;
use super::me::caller;
use crate::auth::audit::{Action, Actor};
use crate::auth::client::Client;
use crate::auth::principal::Principal;
use crate::dataset::name;
use crate::lab::catalog;
use crate::state::AppState;
use crate::timestamp;

/// Query of an upload.
#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct UploadQuery {
    /// The name to list the model under; default `lab-model`.
    name: Option<String>,
}

/// Upload a model file from the Lab.
///
/// The body is the JSON model file the Lab's *Download model* writes (`lepton-model` format
/// 1). It is checked whole before it is stored.
#[utoipa::path(
    post,
    path = "/api/v1/lab/models",
    tag = "lab",
    params(UploadQuery),
    request_body(
        content = Object,
        description = "A Lab model file",
        content_type = "application/json"
    ),
    responses(
        (status = 201, body = StoredLabModel),
        (status = 413, description = "Larger than 64 MiB", body = ErrorBody),
        (
            status = 422,
            description = "Not a valid model file or name: the message says why",
            body = ErrorBody
        ),
    )
)]
pub(crate) async fn lab_models_create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Query(query): Query<UploadQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<StoredLabModel>), ApiError> {
    let user = caller(&principal)?;
    let name = name::check(query.name.as_deref().unwrap_or("lab-model"))
        .map_err(|error| ApiError::unprocessable("invalid_name", error.to_string()))?
        .to_owned();
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::unprocessable("invalid_model_file", "the model file is not UTF-8 text")
    })?;

    let (file, _) = lepton_ml::read_model_file(text)
        .map_err(|error| ApiError::unprocessable("invalid_model_file", error.to_string()))?;

    let score = file.evaluation.as_ref().map(headline_score);
    let stored = StoredLabModel {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        owner: user.username.clone(),
        task: file.task,
        features: u32::try_from(file.features.len()).unwrap_or(u32::MAX),
        epochs: u32::try_from(file.epochs_trained).unwrap_or(u32::MAX),
        score: score.filter(|score| score.is_finite()),
        backend: file.backend,
        size_bytes: text.len() as u64,
        sha256: format!("{:x}", Sha256::digest(text.as_bytes())),
        created_at: timestamp::format(Utc::now()),
    };
    catalog::insert(&state.pool, &user.id, &stored, text).await?;

    tracing::info!(
        model = %stored.id,
        name = %stored.name,
        bytes = text.len(),
        "lab model uploaded"
    );
    Actor::user(user, &client.ip)
        .record(
            &state.pool,
            Action::LabModelUploaded,
            &stored.name,
            &stored.id,
        )
        .await;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// My uploaded Lab models (an admin sees everyone's), newest first.
#[utoipa::path(
    get,
    path = "/api/v1/lab/models",
    tag = "lab",
    responses((status = 200, body = Vec<StoredLabModel>))
)]
pub(crate) async fn lab_models_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Vec<StoredLabModel>>, ApiError> {
    let user = caller(&principal)?;

    let owner = (user.role != Role::Admin).then_some(user.id.as_str());
    Ok(Json(catalog::list(&state.pool, owner).await?))
}

/// Download an uploaded model file, exactly as it was uploaded.
#[utoipa::path(
    get,
    path = "/api/v1/lab/models/{id}",
    tag = "lab",
    params(("id" = String, Path, description = "The upload's id")),
    responses(
        (status = 200, description = "The model file", content_type = "application/json"),
        (status = 404, description = "No such model, or not yours", body = ErrorBody),
    )
)]
pub(crate) async fn lab_models_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = caller(&principal)?;
    let Some((model, owner_id, file)) = catalog::find(&state.pool, &id).await? else {
        return Err(ApiError::not_found("model"));
    };
    if owner_id != user.id && user.role != Role::Admin {
        return Err(ApiError::not_found("model"));
    }

    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // The name holds only letters, digits, spaces and `_ - . ( )`, so it is safe in a header.
    if let Ok(value) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}.json\"", model.name))
    {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok((headers, file).into_response())
}
