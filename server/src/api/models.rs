//! `/api/v1/models`: the model registry — models, versions, stages and artifacts.
//!
//! Every signed-in user reads the registry. The model's owner (or an admin) moves versions
//! between stages and imports Lab uploads as versions; each stage change is audited.
//! Promoting a version to Production archives the one that held it; rolling back is
//! promoting the earlier version again.

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lepton_protocol::account::{ErrorBody, Role};
use lepton_protocol::registry::{
    ImportLabModel, ModelDetail, ModelSummary, ModelVersion, StageChange, VersionSource,
};
use serde::Deserialize;

use super::error::ApiError;
use super::json::ApiJson;
use super::me::caller;
use crate::auth::audit::{Action, Actor};
use crate::auth::client::Client;
use crate::auth::principal::Principal;
use crate::auth::user::User;
use crate::dataset::name;
use crate::lab;
use crate::registry::{self, NewVersion, RegistryError, catalog};
use crate::state::AppState;

impl From<RegistryError> for ApiError {
    fn from(error: RegistryError) -> Self {
        match error {
            error @ RegistryError::NotOwner { .. } => {
                Self::forbidden("forbidden", error.to_string())
            }
            other => Self::internal(&other),
        }
    }
}

/// Every registered model with its newest and Production versions.
#[utoipa::path(
    get,
    path = "/api/v1/models",
    tag = "models",
    responses((status = 200, body = Vec<ModelSummary>))
)]
pub(crate) async fn models_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Vec<ModelSummary>>, ApiError> {
    caller(&principal)?;
    Ok(Json(catalog::list(&state.pool).await?))
}

/// One model with every version, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/models/{name}",
    tag = "models",
    params(("name" = String, Path, description = "The model's name")),
    responses(
        (status = 200, body = ModelDetail),
        (status = 404, description = "No such model", body = ErrorBody),
    )
)]
pub(crate) async fn models_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(model): Path<String>,
) -> Result<Json<ModelDetail>, ApiError> {
    caller(&principal)?;
    let (summary, _) = catalog::find_model(&state.pool, &model)
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    let versions = catalog::versions(&state.pool, &summary.name).await?;
    Ok(Json(ModelDetail { summary, versions }))
}

async fn find_version(
    state: &AppState,
    model: &str,
    version: u32,
) -> Result<ModelVersion, ApiError> {
    catalog::find_version(&state.pool, model, version)
        .await?
        .ok_or_else(|| ApiError::not_found("model version"))
}

/// One version: how it was made and how well it does.
#[utoipa::path(
    get,
    path = "/api/v1/models/{name}/versions/{version}",
    tag = "models",
    params(
        ("name" = String, Path, description = "The model's name"),
        ("version" = u32, Path, description = "The version number"),
    ),
    responses(
        (status = 200, body = ModelVersion),
        (status = 404, description = "No such version", body = ErrorBody),
    )
)]
pub(crate) async fn models_version_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((model, version)): Path<(String, u32)>,
) -> Result<Json<ModelVersion>, ApiError> {
    caller(&principal)?;
    Ok(Json(find_version(&state, &model, version).await?))
}

/// The model's owner, or an admin: 403 for anyone else (everyone may read the registry).
async fn check_owner(state: &AppState, user: &User, model: &str) -> Result<String, ApiError> {
    let (summary, owner_id) = catalog::find_model(&state.pool, model)
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    if owner_id != user.id && user.role != Role::Admin {
        return Err(ApiError::forbidden(
            "forbidden",
            "only the model's owner or an admin may change it",
        ));
    }
    Ok(summary.name)
}

/// Move a version to another stage.
///
/// `production` makes it the one version that serves, archiving the previous Production
/// version (the answer's `archived` says which); promoting an archived version again is a
/// rollback. Stages are `none`, `staging`, `production` and `archived`.
#[utoipa::path(
    post,
    path = "/api/v1/models/{name}/versions/{version}/stage",
    tag = "models",
    params(
        ("name" = String, Path, description = "The model's name"),
        ("version" = u32, Path, description = "The version number"),
    ),
    request_body = StageChange,
    responses(
        (status = 200, body = ModelVersion),
        (status = 403, description = "Not the model's owner", body = ErrorBody),
        (status = 404, description = "No such version", body = ErrorBody),
        (status = 422, description = "Not a stage", body = ErrorBody),
    )
)]
pub(crate) async fn models_stage(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Path((model, version)): Path<(String, u32)>,
    ApiJson(change): ApiJson<StageChange>,
) -> Result<Json<ModelVersion>, ApiError> {
    let user = caller(&principal)?;
    let model = check_owner(&state, user, &model).await?;
    let before = find_version(&state, &model, version).await?;

    let archived = catalog::set_stage(&state.pool, &model, version, change.stage).await?;
    let detail = match archived {
        Some(old) => format!(
            "{} → {}; version {old} archived",
            before.stage.as_str(),
            change.stage.as_str()
        ),
        None => format!("{} → {}", before.stage.as_str(), change.stage.as_str()),
    };
    tracing::info!(model = %model, version, stage = change.stage.as_str(), ?archived, "stage changed");
    Actor::user(user, &client.ip)
        .record(
            &state.pool,
            Action::ModelStageChanged,
            &format!("{model} v{version}"),
            &detail,
        )
        .await;
    Ok(Json(find_version(&state, &model, version).await?))
}

/// Which object of a version's artifact to download.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ArtifactPart {
    /// The `lepton-model` JSON file, which the Lab loads.
    #[default]
    Model,
    /// The networks as a burn record (burnpack), for `Module::load_record`.
    Record,
    /// The JSON manifest that says how to rebuild the network the record loads into.
    Manifest,
}

/// The `?part=` of an artifact download.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ArtifactQuery {
    /// `model` (the default), `record` or `manifest`.
    #[serde(default)]
    part: ArtifactPart,
}

/// Download a version's artifact: by default the `lepton-model` JSON file with architecture,
/// weights, fitted recipe and figures, which the Lab loads; with `?part=record` the same
/// networks as a burn record (burnpack), and with `?part=manifest` the JSON that describes
/// the network it loads into.
#[utoipa::path(
    get,
    path = "/api/v1/models/{name}/versions/{version}/artifact",
    tag = "models",
    params(
        ("name" = String, Path, description = "The model's name"),
        ("version" = u32, Path, description = "The version number"),
        ArtifactQuery,
    ),
    responses(
        (status = 200, description = "The model file or the manifest (JSON), or the burn \
         record (bytes)", content(("application/json"), ("application/octet-stream"))),
        (status = 400, description = "Not a part: model, record or manifest", body = ErrorBody),
        (status = 404, description = "No such version, or a version registered before burn \
         records were kept", body = ErrorBody),
    )
)]
pub(crate) async fn models_artifact(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((model, version)): Path<(String, u32)>,
    Query(query): Query<ArtifactQuery>,
) -> Result<Response, ApiError> {
    caller(&principal)?;
    let found = find_version(&state, &model, version).await?;
    let (sha256, content_type, extension) = match (query.part, &found.burn) {
        (ArtifactPart::Model, _) => (&found.sha256, "application/json", "json"),
        (ArtifactPart::Record, Some(burn)) => {
            (&burn.record_sha256, "application/octet-stream", "bpk")
        }
        (ArtifactPart::Manifest, Some(burn)) => {
            (&burn.manifest_sha256, "application/json", "manifest.json")
        }
        (ArtifactPart::Record | ArtifactPart::Manifest, None) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "no_burn_record",
                format!(
                    "{} version {} was registered before Lepton kept burn records; only its \
                     model file exists",
                    found.model, found.version
                ),
            ));
        }
    };
    let bytes = state
        .datasets
        .store()
        .artifact(sha256)
        .await
        .map_err(|error| ApiError::internal(&error))?;

    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Model names hold only letters, digits, spaces and `_ - . ( )`: safe in a header.
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}-v{}.{extension}\"",
        found.model, found.version
    )) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok((headers, bytes).into_response())
}

/// Register a Lab upload as a new version of this model.
///
/// The upload (from `POST /api/v1/lab/models`) becomes the next version, its figures those
/// the tab computed on the validation rows. Importing the same upload again answers the
/// version it became the first time. A new name creates the model.
#[utoipa::path(
    post,
    path = "/api/v1/models/{name}/versions",
    tag = "models",
    params(("name" = String, Path, description = "The model's name")),
    request_body = ImportLabModel,
    responses(
        (status = 201, body = ModelVersion),
        (status = 403, description = "Not the model's owner", body = ErrorBody),
        (status = 404, description = "No such Lab upload", body = ErrorBody),
        (status = 422, description = "Not a valid name or model file", body = ErrorBody),
    )
)]
pub(crate) async fn models_import(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Path(model): Path<String>,
    ApiJson(import): ApiJson<ImportLabModel>,
) -> Result<(StatusCode, Json<ModelVersion>), ApiError> {
    let user = caller(&principal)?;
    let model = match catalog::find_model(&state.pool, &model).await? {
        Some(_) => check_owner(&state, user, &model).await?,
        None => name::check(&model)?.to_owned(),
    };
    let Some((upload, owner_id, text)) = lab::catalog::find(&state.pool, &import.lab_model).await?
    else {
        return Err(ApiError::not_found("Lab model"));
    };
    if owner_id != user.id && user.role != Role::Admin {
        return Err(ApiError::not_found("Lab model"));
    }
    let (file, _) = lepton_ml::read_model_file(&text)
        .map_err(|error| ApiError::unprocessable("invalid_model_file", error.to_string()))?;

    let dataset = match &file.data {
        lepton_protocol::lab::DataSource::Dataset { id } => Some(id.as_str()),
        lepton_protocol::lab::DataSource::Toy { .. } => None,
    };
    let registered = registry::register(
        &state.pool,
        state.datasets.store(),
        &NewVersion {
            model: &model,
            trained_by: &owner_id,
            admin: user.role == Role::Admin,
            source: VersionSource::Lab {
                id: upload.id.clone(),
            },
            dataset: dataset.map(|id| (id, id)),
            file: &file,
            evaluation: file.evaluation.as_ref(),
            evaluated_on: "validation",
            device: &file.backend,
            training_seconds: None,
        },
    )
    .await?;

    Actor::user(user, &client.ip)
        .record(
            &state.pool,
            Action::ModelRegistered,
            &format!("{} v{}", registered.model, registered.version),
            &format!("from Lab upload {}", upload.id),
        )
        .await;
    Ok((StatusCode::CREATED, Json(registered)))
}
