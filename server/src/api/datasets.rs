//! `/api/v1/datasets`: upload (raw body or multipart), list, inspect, share, page through,
//! download and delete dataset versions.
//!
//! Someone who may not read a version is told it does not exist (404). Uploads stream: the
//! body is never held whole, and a refused file leaves nothing stored.

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use lepton_ml::recipe::Recipe;
use lepton_protocol::account::ErrorBody;
use lepton_protocol::dataset::{
    DatasetDetail, DatasetUpdate, DatasetVersion, PreparedRecipe, RowsPage, Visibility,
};
use lepton_protocol::lab::PreparedData;
use lepton_protocol::profile::DatasetProfile;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use super::json::ApiJson;
use super::me::caller;
use crate::auth::audit::{Action, Actor};
use crate::auth::client::Client;
use crate::auth::principal::Principal;
use crate::auth::user::User;
use crate::dataset::catalog::{self, StoredVersion};
use crate::dataset::prepare::{self, PrepareError};
use crate::dataset::upload::UploadError;
use crate::dataset::{self, DatasetError, UploadRequest, name};
use crate::state::AppState;

/// Rows a page holds when `limit` is not given.
const ROWS_PAGE_DEFAULT: usize = 50;

impl From<DatasetError> for ApiError {
    fn from(error: DatasetError) -> Self {
        match error {
            DatasetError::Upload(UploadError::Data(error)) | DatasetError::Data(error) => {
                Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    error.code(),
                    error.to_string(),
                )
            }
            DatasetError::Upload(error @ UploadError::TooLarge { .. }) => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                error.to_string(),
            ),
            DatasetError::Upload(error @ UploadError::Interrupted(_)) => Self::new(
                StatusCode::BAD_REQUEST,
                "upload_interrupted",
                error.to_string(),
            ),
            other => Self::internal(&other),
        }
    }
}

impl From<name::NameError> for ApiError {
    fn from(error: name::NameError) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
            error.to_string(),
        )
    }
}

/// Settings of an upload, as query parameters (or multipart fields before the file).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UploadQuery {
    /// The dataset's name; uploading to a name you already have makes its next version.
    /// Defaults to the uploaded file's name without its extension.
    name: Option<String>,
    /// A column to analyse as the target: class counts, imbalance and leakage warnings.
    target: Option<String>,
    /// `private` (the default) or `shared` with every signed-in user; applies when the
    /// upload creates the dataset.
    visibility: Option<String>,
    /// The uploaded file's name, for a raw body (multipart parts carry their own).
    file_name: Option<String>,
}

/// Paging of `/rows`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RowsQuery {
    /// Index of the first row, from 0.
    #[serde(default)]
    offset: u64,
    /// Rows to return, 1 to 500 (default 50).
    limit: Option<usize>,
}

/// Target of `/profile`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ProfileQuery {
    /// Analyse this column as the target instead of the stored one.
    target: Option<String>,
}

/// Datasets I can read.
///
/// The newest version of every dataset the caller may read: their own, those shared with
/// everyone, and the samples; admins see all. Newest upload first.
#[utoipa::path(
    get,
    path = "/api/v1/datasets",
    tag = "datasets",
    responses((status = 200, body = Vec<DatasetVersion>))
)]
pub(crate) async fn datasets_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Vec<DatasetVersion>>, ApiError> {
    let user = caller(&principal)?;
    let versions = catalog::list_readable(&state.pool, user).await?;
    Ok(Json(versions.iter().map(StoredVersion::summary).collect()))
}

/// Upload a dataset.
///
/// Send the file as the raw body (`Content-Type: text/csv`, `application/x-ndjson` or
/// anything else: the format is detected) with the settings as query parameters, or as
/// `multipart/form-data` with the file in a part named `file` and the settings as fields
/// before it. CSV (delimiter and header detected, UTF-8 with or without BOM, quoted fields,
/// CRLF) and JSON Lines are read. The file is streamed: hashed, stored and profiled in one
/// pass, and refused files leave nothing behind. Uploading to a name you already have makes
/// its next version.
#[utoipa::path(
    post,
    path = "/api/v1/datasets",
    tag = "datasets",
    params(UploadQuery),
    request_body(
        content = String,
        content_type = "text/csv",
        description = "The file: CSV or JSON Lines as the raw body, or multipart/form-data"
    ),
    responses(
        (status = 201, body = DatasetDetail),
        (status = 400, description = "The upload was interrupted", body = ErrorBody),
        (status = 413, description = "Larger than the upload limit", body = ErrorBody),
        (status = 422, description = "Not a dataset: the message names line and column",
         body = ErrorBody),
    )
)]
pub(crate) async fn datasets_create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Query(query): Query<UploadQuery>,
    request: Request,
) -> Result<(StatusCode, Json<DatasetDetail>), ApiError> {
    let user = caller(&principal)?.clone();
    let is_multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));

    let stored = if is_multipart {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|rejection| {
                ApiError::new(rejection.status(), "bad_multipart", rejection.body_text())
            })?;
        upload_multipart(&state, &user, query, multipart).await?
    } else {
        let settings = Settings::from_query(query, None)?;
        let body = request.into_body().into_data_stream();
        store_upload(&state, &user, &settings, body).await?
    };

    let version = find_readable(&state, &user, &stored.id).await?;
    tracing::info!(
        dataset = %version.id,
        name = %version.name,
        version = version.version,
        rows = version.rows,
        bytes = version.size_bytes,
        deduplicated = stored.deduplicated,
        "dataset stored"
    );
    let detail = format!("version {} · {} rows", version.version, version.rows);
    Actor::user(&user, &client.ip)
        .record(&state.pool, Action::DatasetUploaded, &version.name, &detail)
        .await;
    Ok((
        StatusCode::CREATED,
        Json(detail_of(&state, &user, &version).await?),
    ))
}

/// Checked upload settings.
struct Settings {
    name: String,
    target: Option<String>,
    visibility: Visibility,
    file_name: Option<String>,
}

impl Settings {
    fn from_query(query: UploadQuery, part_file_name: Option<&str>) -> Result<Self, ApiError> {
        let file_name = part_file_name
            .map(str::to_owned)
            .or(query.file_name)
            .map(|file_name| {
                file_name
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(255)
                    .collect()
            });
        let name = match query.name.as_deref() {
            Some(given) => name::check(given)?.to_owned(),
            None => file_name
                .as_deref()
                .and_then(name::from_file_name)
                .ok_or(name::NameError::Empty)?,
        };
        let visibility = match query.visibility.as_deref() {
            None => Visibility::Private,
            Some(given) => Visibility::parse(given).ok_or_else(|| {
                ApiError::invalid(format!(
                    "visibility must be 'private' or 'shared', not {given:?}"
                ))
            })?,
        };
        let target = query.target.filter(|target| !target.trim().is_empty());

        Ok(Self {
            name,
            target,
            visibility,
            file_name,
        })
    }
}

async fn upload_multipart(
    state: &AppState,
    user: &User,
    mut query: UploadQuery,
    mut multipart: Multipart,
) -> Result<dataset::Stored, ApiError> {
    let bad = |error: axum::extract::multipart::MultipartError| {
        ApiError::new(error.status(), "bad_multipart", error.body_text())
    };

    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let field_name = field.name().unwrap_or_default().to_owned();
        if field_name == "file" {
            let file_name = field.file_name().map(str::to_owned);
            let settings = Settings::from_query(query, file_name.as_deref())?;
            // The field's errors keep their cause, so a body over the limit still reads as
            // 413 rather than as an interrupted upload.
            return store_upload(state, user, &settings, field).await;
        }

        let value = field.text().await.map_err(bad)?;
        let slot = match field_name.as_str() {
            "name" => &mut query.name,
            "target" => &mut query.target,
            "visibility" => &mut query.visibility,
            _ => continue,
        };
        // Query parameters win over fields.
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    Err(ApiError::invalid(
        "the multipart body has no part named 'file'",
    ))
}

async fn store_upload<S, E>(
    state: &AppState,
    user: &User,
    settings: &Settings,
    body: S,
) -> Result<dataset::Stored, ApiError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::error::Error + Send + Sync + 'static,
{
    let request = UploadRequest {
        owner_id: Some(&user.id),
        name: &settings.name,
        visibility: settings.visibility,
        target: settings.target.as_deref(),
        file_name: settings.file_name.as_deref(),
    };
    Ok(state.datasets.upload(&state.pool, body, &request).await?)
}

/// One dataset version.
///
/// The version with its dataset's history. 404 when it does not exist or is not yours to see.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id")),
    responses(
        (status = 200, body = DatasetDetail),
        (status = 404, description = "No such dataset", body = ErrorBody),
    )
)]
pub(crate) async fn datasets_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<DatasetDetail>, ApiError> {
    let user = caller(&principal)?;
    let version = find_readable(&state, user, &id).await?;
    Ok(Json(detail_of(&state, user, &version).await?))
}

/// Share a dataset or choose its target.
///
/// `visibility` applies to every version of the dataset; `target` re-analyses this version's
/// profile for that column (`""` clears it). Owners and admins only.
#[utoipa::path(
    patch,
    path = "/api/v1/datasets/{id}",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id")),
    request_body = DatasetUpdate,
    responses(
        (status = 200, body = DatasetDetail),
        (status = 403, description = "Shared with you, but not yours to change", body = ErrorBody),
        (status = 404, description = "No such dataset", body = ErrorBody),
        (status = 422, description = "Unknown or single-class target", body = ErrorBody),
    )
)]
pub(crate) async fn datasets_update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<DatasetUpdate>,
) -> Result<Json<DatasetDetail>, ApiError> {
    let user = caller(&principal)?;
    let version = find_modifiable(&state, user, &id).await?;

    if let Some(target) = update.target.as_deref() {
        let target = target.trim();
        let (target, profile) = if target.is_empty() {
            let mut profile: DatasetProfile = serde_json::from_str(&version.profile)
                .map_err(|error| ApiError::internal(&error))?;
            profile.target = None;
            profile
                .warnings
                .retain(|warning| !lepton_data::is_target_warning(warning));
            (None, profile)
        } else {
            (Some(target), dataset::analyse_target(&version, target)?)
        };
        let json = serde_json::to_string(&profile).map_err(|error| ApiError::internal(&error))?;
        let warnings = dataset::warning_count(&profile);
        catalog::set_target(&state.pool, &version.id, target, &json, warnings).await?;
    }
    if let Some(visibility) = update.visibility {
        catalog::set_visibility(&state.pool, &version.dataset_id, visibility).await?;
        Actor::user(user, &client.ip)
            .record(
                &state.pool,
                Action::DatasetVisibilityChanged,
                &version.name,
                visibility.as_str(),
            )
            .await;
    }

    let version = find_readable(&state, user, &id).await?;
    Ok(Json(detail_of(&state, user, &version).await?))
}

/// Delete a dataset version.
///
/// Deleting the last version deletes the dataset. The bytes are removed when no other
/// version uses them. Owners and admins only; audited.
#[utoipa::path(
    delete,
    path = "/api/v1/datasets/{id}",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Shared with you, but not yours to delete", body = ErrorBody),
        (status = 404, description = "No such dataset", body = ErrorBody),
    )
)]
pub(crate) async fn datasets_delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = caller(&principal)?;
    let version = find_modifiable(&state, user, &id).await?;

    state.datasets.delete(&state.pool, &version).await?;
    tracing::info!(dataset = %version.id, name = %version.name, "dataset version deleted");
    let detail = format!("version {}", version.version);
    Actor::user(user, &client.ip)
        .record(&state.pool, Action::DatasetDeleted, &version.name, &detail)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// A version's quality profile.
///
/// Per column: inferred type, count, missing, distinct, min, max, mean, standard deviation,
/// quantiles, histogram or top values, outliers; duplicate rows; for the target, class counts
/// and imbalance; warnings ranked by severity. Computed during the upload in one pass.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/profile",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id"), ProfileQuery),
    responses(
        (status = 200, body = DatasetProfile),
        (status = 404, description = "No such dataset", body = ErrorBody),
        (status = 422, description = "Unknown or single-class target", body = ErrorBody),
    )
)]
pub(crate) async fn datasets_profile(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(query): Query<ProfileQuery>,
) -> Result<Response, ApiError> {
    let user = caller(&principal)?;
    let version = find_readable(&state, user, &id).await?;

    let target = query.target.filter(|target| !target.trim().is_empty());
    match target {
        Some(target) => Ok(Json(dataset::analyse_target(&version, target.trim())?).into_response()),
        // The stored JSON is sent as it is: no need to parse and re-serialize it.
        None => Ok(([(CONTENT_TYPE, "application/json")], version.profile).into_response()),
    }
}

/// A page of a version's rows.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/rows",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id"), RowsQuery),
    responses(
        (status = 200, body = RowsPage),
        (status = 404, description = "No such dataset", body = ErrorBody),
        (status = 422, description = "A limit outside 1 to 500", body = ErrorBody),
    )
)]
pub(crate) async fn datasets_rows(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(query): Query<RowsQuery>,
) -> Result<Json<RowsPage>, ApiError> {
    let user = caller(&principal)?;
    let limit = query.limit.unwrap_or(ROWS_PAGE_DEFAULT);
    if !(1..=dataset::ROWS_PAGE_MAX).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be between 1 and {}",
            dataset::ROWS_PAGE_MAX
        )));
    }
    let version = find_readable(&state, user, &id).await?;

    Ok(Json(
        state.datasets.rows(&version, query.offset, limit).await?,
    ))
}

/// Download a version as CSV.
///
/// Streamed. Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
/// `@`, tab or carriage return, and not a number) get a leading `'`.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/download",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id")),
    responses(
        (status = 200, description = "The rows as CSV", content_type = "text/csv"),
        (status = 404, description = "No such dataset", body = ErrorBody),
    )
)]
pub(crate) async fn datasets_download(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = caller(&principal)?;
    let version = find_readable(&state, user, &id).await?;

    let stream = state.datasets.export_csv(&version).await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    // Names hold only letters, digits, spaces and `_ - . ( )`, which need no escaping.
    let file_name = format!("{}-v{}.csv", version.name, version.version);
    let disposition = format!("attachment; filename=\"{}\"", file_name.replace(' ', "_"));
    if let Ok(value) = disposition.parse() {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok((headers, Body::from_stream(stream)).into_response())
}

/// The version `id` if `user` may read it; 404 otherwise, whether it exists or not.
pub(crate) async fn find_readable(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<StoredVersion, ApiError> {
    match catalog::find(&state.pool, id).await? {
        Some(version) if version.owned().readable_by(user) => Ok(version),
        _ => Err(ApiError::not_found("dataset")),
    }
}

/// The version `id` if `user` may change it: 404 if they may not even read it, 403 if they
/// may read but not change it.
async fn find_modifiable(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<StoredVersion, ApiError> {
    let version = find_readable(state, user, id).await?;
    if !version.owned().modifiable_by(user) {
        return Err(ApiError::forbidden(
            "forbidden",
            "only the dataset's owner or an admin may change it",
        ));
    }
    Ok(version)
}

async fn detail_of(
    state: &AppState,
    user: &User,
    version: &StoredVersion,
) -> Result<DatasetDetail, ApiError> {
    let versions = catalog::versions_of(&state.pool, &version.dataset_id).await?;
    Ok(DatasetDetail {
        dataset: version.summary(),
        versions,
        can_modify: version.owned().modifiable_by(user),
    })
}

impl From<PrepareError> for ApiError {
    fn from(error: PrepareError) -> Self {
        match error {
            PrepareError::Recipe(error) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_recipe",
                error.to_string(),
            ),
            error @ PrepareError::TooLarge { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "too_large_to_prepare",
                error.to_string(),
            ),
            error @ PrepareError::TooLargeForTab { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "too_large_for_tab",
                error.to_string(),
            ),
            error @ PrepareError::NoTarget => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_target",
                error.to_string(),
            ),
            PrepareError::Dataset(error) => error.into(),
            PrepareError::Json(error) => Self::internal(&error),
            error @ PrepareError::Interrupted(_) => Self::internal(&error),
        }
    }
}

/// The version's preparation recipe.
///
/// The stored recipe with its fitted parameters, the preview of its effect and the split.
/// 404 when none is saved.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/recipe",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id")),
    responses(
        (status = 200, body = PreparedRecipe),
        (status = 404, description = "No such dataset, or no recipe saved", body = ErrorBody),
    )
)]
pub(crate) async fn datasets_recipe_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<PreparedRecipe>, ApiError> {
    let user = caller(&principal)?;
    let version = find_readable(&state, user, &id).await?;

    let Some(stored) = &version.recipe else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_recipe",
            "no recipe is saved for this version; PUT one",
        ));
    };
    let prepared: PreparedRecipe =
        serde_json::from_str(stored).map_err(|error| ApiError::internal(&error))?;
    Ok(Json(prepared))
}

/// Fit a preparation recipe and save it with the version.
///
/// The body is a recipe (only `target` is required): dropped columns, imputation, scaling,
/// one-hot encoding with an unknown bucket, outlier clipping, a seeded train / validation /
/// test split stratified by the target, and k-fold assignment. Every statistic is fitted on
/// the training split only. The answer holds the fitted parameters and the before/after
/// statistics of every column.
#[utoipa::path(
    put,
    path = "/api/v1/datasets/{id}/recipe",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id")),
    request_body(
        content = Object,
        description = "A recipe, for example {\"target\": \"late\", \"drop\": [\"delivery_id\"]}"
    ),
    responses(
        (status = 200, body = PreparedRecipe),
        (status = 403, description = "Shared with you, but not yours to change", body = ErrorBody),
        (status = 404, description = "No such dataset", body = ErrorBody),
        (
            status = 422,
            description = "The recipe does not fit the data: the message names the setting or column",
            body = ErrorBody
        ),
    )
)]
pub(crate) async fn datasets_recipe_put(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<PreparedRecipe>, ApiError> {
    let user = caller(&principal)?;
    let version = find_modifiable(&state, user, &id).await?;

    let mut prepared = fit_recipe(&state, &version, &body).await?;

    prepared.saved = true;
    let json = serde_json::to_string(&prepared).map_err(|error| ApiError::internal(&error))?;
    catalog::set_recipe(&state.pool, &version.id, &json).await?;
    tracing::info!(dataset = %version.id, features = prepared.features.len(), "recipe saved");
    Ok(Json(prepared))
}

/// Fit a preparation recipe without saving it.
///
/// The same answer as `PUT /recipe`, for anyone who can read the dataset: a preview of the
/// recipe's effect that changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/datasets/{id}/recipe/preview",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id")),
    request_body(content = Object, description = "A recipe, as for PUT /recipe"),
    responses(
        (status = 200, body = PreparedRecipe),
        (status = 404, description = "No such dataset", body = ErrorBody),
        (
            status = 422,
            description = "The recipe does not fit the data: the message names the setting or column",
            body = ErrorBody
        ),
    )
)]
pub(crate) async fn datasets_recipe_preview(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<PreparedRecipe>, ApiError> {
    let user = caller(&principal)?;
    let version = find_readable(&state, user, &id).await?;
    Ok(Json(fit_recipe(&state, &version, &body).await?))
}

/// Parses `body` as a recipe and fits it to the version's rows on a blocking thread.
/// The version's training and validation rows, prepared for the Lab.
///
/// The saved recipe (or, without one, the default recipe for the version's target) turns
/// the rows into numbers: features and targets of the recipe's training and validation
/// parts, the feature and class names, and the fitted recipe a saved model carries. The test
/// part stays on the server. At most 100 000 rows and 100 features: a larger version is 422
/// with a pointer to server training.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{id}/prepared",
    tag = "datasets",
    params(("id" = String, Path, description = "The version's id")),
    responses(
        (status = 200, body = PreparedData),
        (status = 404, description = "No such dataset", body = ErrorBody),
        (
            status = 422,
            description = "No target or recipe, a recipe that does not fit, or too large for a tab",
            body = ErrorBody
        ),
    )
)]
pub(crate) async fn datasets_prepared(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<PreparedData>, ApiError> {
    let user = caller(&principal)?;
    let version = find_readable(&state, user, &id).await?;

    let prepared = prepare::prepared_data(&state.datasets, &version).await?;
    tracing::debug!(dataset = %version.id, rows = prepared.rows(), "rows prepared for the lab");
    Ok(Json(prepared))
}

async fn fit_recipe(
    state: &AppState,
    version: &StoredVersion,
    body: &serde_json::Value,
) -> Result<PreparedRecipe, ApiError> {
    let recipe = Recipe::from_json(&body.to_string()).map_err(PrepareError::from)?;
    let frame = prepare::frame_of(&state.datasets, version).await?;
    let (_, prepared) = tokio::task::spawn_blocking(move || prepare::fit(&recipe, &frame))
        .await
        .map_err(|error| ApiError::internal(&error))??;
    Ok(prepared)
}
