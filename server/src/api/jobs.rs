//! `/api/v1/jobs`: queue training jobs, follow them, cancel them.
//!
//! A request is checked whole before anything is queued: settings in range, a dataset the
//! caller may read, a target that exists and has at least two classes, no free-text columns
//! left for the default recipe, and a split with validation and test rows. Each refusal is
//! 422 with the reason. Jobs are private to whoever queued them (and admins), like datasets.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use lepton_protocol::account::{ErrorBody, Role};
use lepton_protocol::dataset::PreparedRecipe;
use lepton_protocol::job::{ClassWeights, Job, JobKind, JobLogEntry, JobRequest, TrialSummary};
use lepton_protocol::lab::Task;
use lepton_protocol::profile::{ColumnKind, DatasetProfile, TargetTask};
use serde::Deserialize;
use utoipa::IntoParams;

use super::datasets::find_readable;
use super::error::ApiError;
use super::json::ApiJson;
use super::me::caller;
use crate::auth::audit::{Action, Actor};
use crate::auth::client::Client;
use crate::auth::principal::Principal;
use crate::auth::user::User;
use crate::dataset::catalog::StoredVersion;
use crate::dataset::{self, name, prepare};
use crate::jobs::queue::{self, CancelOutcome, NewJob};
use crate::registry;
use crate::state::AppState;

/// Most jobs a list answers.
const LIST_LIMIT: u32 = 200;
/// Events one poll of the stream reads at most.
const EVENTS_PER_POLL: u32 = 500;
/// How often an open stream looks for new events.
const STREAM_POLL: Duration = Duration::from_millis(250);

/// Queue a training job.
///
/// Trains the dataset version's recipe-prepared rows with the given architecture and
/// hyper-parameters, checkpointing every epoch; evaluates once on the test part; registers
/// the model as a new version in the registry. Follow it with `GET /api/v1/jobs/{id}/events`.
#[utoipa::path(
    post,
    path = "/api/v1/jobs",
    tag = "jobs",
    request_body = JobRequest,
    responses(
        (status = 201, body = Job),
        (status = 403, description = "The model is someone else's", body = ErrorBody),
        (status = 404, description = "No such dataset", body = ErrorBody),
        (
            status = 422,
            description = "A setting out of range, an unknown or single-class target, text \
                           columns without a recipe, or a split without validation or test rows",
            body = ErrorBody
        ),
    )
)]
pub(crate) async fn jobs_create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    ApiJson(mut request): ApiJson<JobRequest>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let user = caller(&principal)?;
    request
        .validate()
        .map_err(|error| ApiError::unprocessable("invalid_setting", error.to_string()))?;
    if let Some(model) = request.model.take() {
        request.model = Some(name::check(&model)?.to_owned());
    }
    let version = find_readable(&state, user, &request.dataset).await?;
    let model = match &request.model {
        Some(model) => model.clone(),
        None => name::check(&version.name)?.to_owned(),
    };
    check_model_owner(&state, user, &model).await?;
    let task = check_data(&version, request.target.as_deref())?;
    check_class_weights(&request, task)?;

    let id = uuid::Uuid::new_v4().to_string();
    let label = prepare::label_of(&version);
    queue::insert(
        &state.pool,
        &NewJob {
            id: &id,
            kind: if request.search.is_some() {
                JobKind::Search
            } else {
                JobKind::Train
            },
            trial: None,
            owner_id: &user.id,
            dataset_id: &version.id,
            dataset_label: &label,
            request: &request,
            task,
        },
    )
    .await?;
    state.jobs.job_queued();

    tracing::info!(job = %id, dataset = %version.id, "job queued");
    Actor::user(user, &client.ip)
        .record(&state.pool, Action::JobQueued, &label, &id)
        .await;
    let (job, _) = queue::find(&state.pool, &id)
        .await?
        .ok_or_else(|| ApiError::internal(&"a job vanished right after it was queued"))?;
    Ok((StatusCode::CREATED, Json(job)))
}

/// Checks what can be checked from the stored profile and recipe; returns the task.
fn check_data(version: &StoredVersion, target: Option<&str>) -> Result<Task, ApiError> {
    let saved: Option<PreparedRecipe> = match &version.recipe {
        Some(text) => Some(serde_json::from_str(text).map_err(|error| ApiError::internal(&error))?),
        None => None,
    };
    let saved_target = saved
        .as_ref()
        .and_then(|recipe| recipe.recipe.get("target"))
        .and_then(|target| target.as_str())
        .map(str::to_owned);
    let target = target
        .map(str::to_owned)
        .or(saved_target.clone())
        .or(version.target.clone())
        .ok_or_else(|| {
            ApiError::unprocessable(
                "no_target",
                "name the column to predict (target), or set the dataset's target or recipe",
            )
        })?;

    let profile = dataset::analyse_target(version, &target)?;
    let recipe_applies = saved.is_some() && saved_target.as_deref() == Some(target.as_str());
    if !recipe_applies {
        check_columns(&profile, &target)?;
    }
    if let Some(recipe) = saved.as_ref().filter(|_| recipe_applies) {
        if recipe.split_rows.validation == 0 {
            return Err(ApiError::unprocessable(
                "no_validation_rows",
                "the saved recipe holds out no validation rows: give its split a validation share",
            ));
        }
        if recipe.split_rows.test == 0 {
            return Err(ApiError::unprocessable(
                "no_test_rows",
                "the saved recipe holds out no test rows: give its split a test share",
            ));
        }
    }

    let Some(analysis) = profile.target else {
        return Err(ApiError::unprocessable(
            "unknown_target",
            format!("no column named '{target}'"),
        ));
    };
    Ok(match analysis.task {
        TargetTask::Regression => Task::Regression,
        TargetTask::Classification if analysis.classes.len() <= 2 => Task::Binary,
        TargetTask::Classification => Task::Multiclass {
            classes: analysis.classes.len(),
        },
    })
}

/// A job may add a version to a model of the caller's (or any, for an admin), or create one.
async fn check_model_owner(state: &AppState, user: &User, model: &str) -> Result<(), ApiError> {
    match registry::catalog::find_model(&state.pool, model).await? {
        Some((summary, owner_id)) if owner_id != user.id && user.role != Role::Admin => {
            Err(ApiError::forbidden(
                "forbidden",
                format!(
                    "the model '{}' belongs to {}: name another model for this job",
                    summary.name, summary.owner
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Class weights need a classifier, and given weights one per class.
fn check_class_weights(request: &JobRequest, task: Task) -> Result<(), ApiError> {
    let Some(weights) = &request.class_weights else {
        return Ok(());
    };
    let classes = match task {
        Task::Binary => 2,
        Task::Multiclass { classes } => classes,
        Task::Regression => {
            return Err(ApiError::unprocessable(
                "invalid_setting",
                "class_weights: the target is a number, so there are no classes to weight",
            ));
        }
    };
    match weights {
        ClassWeights::Given(given) if given.len() != classes => Err(ApiError::unprocessable(
            "invalid_setting",
            format!("class_weights: the target has {classes} classes; give one weight for each"),
        )),
        _ => Ok(()),
    }
}

/// The default recipe one-hot encodes categories and drops identifiers, but cannot use free
/// text.
fn check_columns(profile: &DatasetProfile, target: &str) -> Result<(), ApiError> {
    let text = profile
        .columns
        .iter()
        .find(|column| column.name != target && column.kind == ColumnKind::Text && !column.id_like);
    match text {
        Some(column) => Err(ApiError::unprocessable(
            "non_numeric_features",
            format!(
                "column '{}' holds free text, which a model cannot take as it is: save a \
                 recipe for this dataset that drops it",
                column.name
            ),
        )),
        None => Ok(()),
    }
}

/// Query of the job list.
#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct ListQuery {
    /// `all` lists everyone's jobs (admins only); default the caller's.
    scope: Option<String>,
}

/// List training jobs, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/jobs",
    tag = "jobs",
    params(ListQuery),
    responses((status = 200, body = Vec<Job>))
)]
pub(crate) async fn jobs_list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<Job>>, ApiError> {
    let user = caller(&principal)?;
    let everyone = query.scope.as_deref() == Some("all") && user.role == Role::Admin;
    let owner = (!everyone).then_some(user.id.as_str());
    Ok(Json(queue::list(&state.pool, owner, LIST_LIMIT).await?))
}

async fn find_visible(state: &AppState, user: &User, id: &str) -> Result<Job, ApiError> {
    match queue::find(&state.pool, id).await? {
        Some((job, owner_id)) if owner_id == user.id || user.role == Role::Admin => Ok(job),
        _ => Err(ApiError::not_found("job")),
    }
}

/// One training job: status, progress, result or error.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{id}",
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses(
        (status = 200, body = Job),
        (status = 404, description = "No such job", body = ErrorBody),
    )
)]
pub(crate) async fn jobs_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    let user = caller(&principal)?;
    Ok(Json(find_visible(&state, user, &id).await?))
}

/// The trials of a hyper-parameter search, in the order they were proposed.
///
/// Each trial's varied settings, status, best validation loss and score; sort by either to
/// read the results table. A job that is not a search has none.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{id}/trials",
    tag = "jobs",
    params(("id" = String, Path, description = "The search job's id")),
    responses(
        (status = 200, body = Vec<TrialSummary>),
        (status = 404, description = "No such job", body = ErrorBody),
    )
)]
pub(crate) async fn jobs_trials(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Vec<TrialSummary>>, ApiError> {
    let user = caller(&principal)?;
    let job = find_visible(&state, user, &id).await?;
    let Some(search) = &job.request.search else {
        return Ok(Json(Vec::new()));
    };
    let parameters: Vec<_> = search.space.iter().map(|range| range.parameter).collect();
    let trials = queue::trials(&state.pool, &job.id).await?;
    Ok(Json(
        trials
            .iter()
            .map(|trial| trial.summary(&parameters))
            .collect(),
    ))
}

/// Cancel a training job.
///
/// A queued job is cancelled at once; a running one stops at its next check (within a few
/// batches) and keeps nothing; a search cancels its unfinished trials. Cancelling a finished
/// job is 409.
#[utoipa::path(
    post,
    path = "/api/v1/jobs/{id}/cancel",
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses(
        (status = 202, body = Job),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 409, description = "The job has finished", body = ErrorBody),
    )
)]
pub(crate) async fn jobs_cancel(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(client): Extension<Client>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let user = caller(&principal)?;
    let job = find_visible(&state, user, &id).await?;

    match queue::cancel(&state.pool, &job.id, &user.username).await? {
        CancelOutcome::AlreadyFinished(status) => {
            return Err(ApiError::conflict(
                "job_finished",
                format!("the job has {} already", status.as_str()),
            ));
        }
        CancelOutcome::Cancelled | CancelOutcome::Requested => {}
    }
    Actor::user(user, &client.ip)
        .record(
            &state.pool,
            Action::JobCancelled,
            &job.dataset_label,
            &job.id,
        )
        .await;
    Ok((
        StatusCode::ACCEPTED,
        Json(find_visible(&state, user, &id).await?),
    ))
}

/// Query of the event stream.
#[derive(Debug, Deserialize, IntoParams)]
pub(crate) struct EventsQuery {
    /// Start after this event (the `Last-Event-ID` header wins when both are given).
    after: Option<u64>,
}

/// Follow a job's log as server-sent events.
///
/// Every event of the job's log, oldest first, then new ones as they happen: `status`,
/// `log` and `epoch` events whose data is a JSON `JobLogEntry` and whose id is its position,
/// so a reconnecting client (with `Last-Event-ID`) misses nothing. The stream ends after the
/// job's final status.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{id}/events",
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id"), EventsQuery),
    responses(
        (status = 200, description = "An event stream of JobLogEntry", content_type = "text/event-stream"),
        (status = 404, description = "No such job", body = ErrorBody),
    )
)]
pub(crate) async fn jobs_events(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let user = caller(&principal)?;
    let job = find_visible(&state, user, &id).await?;
    let after = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .or(query.after)
        .unwrap_or(0);

    let stream = follow(state.pool.clone(), job.id, after);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Where a followed log stands.
struct Follow {
    pool: sqlx::SqlitePool,
    id: String,
    after: u64,
    pending: std::collections::VecDeque<JobLogEntry>,
    /// The job's final status event was sent.
    ended: bool,
    /// The job was seen over; one more read delivers what committed with its end.
    draining: bool,
}

fn follow(
    pool: sqlx::SqlitePool,
    id: String,
    after: u64,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let start = Follow {
        pool,
        id,
        after,
        pending: std::collections::VecDeque::new(),
        ended: false,
        draining: false,
    };
    futures_util::stream::unfold(start, |mut follow| async move {
        loop {
            if let Some(entry) = follow.pending.pop_front() {
                follow.after = entry.seq;
                if let lepton_protocol::job::JobEvent::Status { status, .. } = &entry.event {
                    follow.ended = status.is_final();
                }
                return Some((Ok(event_of(&entry)), follow));
            }
            if follow.ended {
                return None;
            }
            let read =
                queue::events_after(&follow.pool, &follow.id, follow.after, EVENTS_PER_POLL).await;
            match read {
                Ok(entries) if !entries.is_empty() => follow.pending.extend(entries),
                // A reconnect after the final event (Last-Event-ID) finds nothing more: the
                // job's status ends the stream, after one last read.
                Ok(_) if follow.draining => return None,
                Ok(_) => match queue::is_over(&follow.pool, &follow.id).await {
                    Ok(true) => follow.draining = true,
                    Ok(false) => tokio::time::sleep(STREAM_POLL).await,
                    Err(error) => {
                        tracing::warn!(%error, job = %follow.id, "cannot read a job's status");
                        return None;
                    }
                },
                Err(error) => {
                    tracing::warn!(%error, job = %follow.id, "cannot read a job's events");
                    return None;
                }
            }
        }
    })
}

fn event_of(entry: &JobLogEntry) -> Event {
    let data = serde_json::to_string(entry).unwrap_or_default();
    Event::default()
        .event(entry.event.name())
        .id(entry.seq.to_string())
        .data(data)
}
