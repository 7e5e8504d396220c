//! The `jobs`, `job_events` and `job_checkpoints` tables: the durable queue.
//!
//! A worker claims the oldest waiting job, or a running one whose lease ran out (its worker
//! died), in one `UPDATE … RETURNING`, which SQLite runs alone: two workers, in one process or
//! in several on the same database, never claim the same job. A worker renews its lease while
//! it trains and writes its checkpoint only while it still holds the lease, so a worker that
//! lost its job cannot overwrite the work of the one that took it over.

use std::time::Duration;

use lepton_protocol::job::{
    Job, JobEvent, JobKind, JobLogEntry, JobRequest, JobStatus, TrialOutcome, TrialParam,
    TrialSummary,
};
use lepton_protocol::lab::Task;
use sqlx::{FromRow, SqlitePool};

use crate::timestamp;

/// A job that crashed its worker this many times is failed instead of claimed again.
pub(crate) const MAX_ATTEMPTS: i64 = 3;

/// What a new job stores.
#[derive(Debug)]
pub(crate) struct NewJob<'a> {
    pub(crate) id: &'a str,
    pub(crate) kind: JobKind,
    /// A trial's search, its position in it and its point.
    pub(crate) trial: Option<(&'a str, usize, &'a [f64])>,
    pub(crate) owner_id: &'a str,
    pub(crate) dataset_id: &'a str,
    pub(crate) dataset_label: &'a str,
    pub(crate) request: &'a JobRequest,
    pub(crate) task: Task,
}

/// A job a worker has claimed.
#[derive(Debug, Clone)]
pub(crate) struct Claimed {
    pub(crate) id: String,
    pub(crate) kind: JobKind,
    /// A trial's search.
    pub(crate) parent_id: Option<String>,
    /// A person asked to cancel it (a search sees this when it is claimed).
    pub(crate) cancel_requested: bool,
    /// What the model predicts, as estimated when the job was queued.
    pub(crate) task: Task,
    pub(crate) owner_id: String,
    pub(crate) dataset_id: String,
    pub(crate) dataset_label: String,
    pub(crate) request: JobRequest,
    /// 1 on the first try.
    pub(crate) attempts: u32,
    /// Seconds of training the earlier attempts spent.
    pub(crate) training_seconds: f64,
    /// When this attempt began: its training time counts from here.
    pub(crate) claimed_at: std::time::Instant,
}

impl Claimed {
    /// Seconds of training over every attempt, this one included.
    pub(crate) fn seconds_so_far(&self) -> f64 {
        self.training_seconds + self.claimed_at.elapsed().as_secs_f64()
    }
}

/// Whether a worker still holds its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lease {
    /// Held; `cancel` when a person asked to cancel.
    Held {
        /// A cancel was requested.
        cancel: bool,
    },
    /// Another worker took it over, or it reached a final status.
    Lost,
}

/// What a cancel request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CancelOutcome {
    /// It was waiting and is now cancelled.
    Cancelled,
    /// It is running; its worker stops at the next check.
    Requested,
    /// It had finished already.
    AlreadyFinished(JobStatus),
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn now() -> String {
    timestamp::format(chrono::Utc::now())
}

fn lease_until(lease: Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Plain data with string keys: serialising cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// Queues a job and logs its first event.
///
/// # Errors
///
/// Database errors; nothing is queued then.
pub(crate) async fn insert(pool: &SqlitePool, job: &NewJob<'_>) -> Result<(), sqlx::Error> {
    let at = now();
    let mut transaction = pool.begin().await?;
    sqlx::query(
        "INSERT INTO jobs (id, kind, parent_id, trial_index, trial_point, owner_id, dataset_id, \
         dataset_label, request, task, status, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
    )
    .bind(job.id)
    .bind(job.kind.as_str())
    .bind(job.trial.map(|(parent, _, _)| parent))
    .bind(
        job.trial
            .map(|(_, index, _)| i64::try_from(index).unwrap_or(i64::MAX)),
    )
    .bind(job.trial.map(|(_, _, point)| to_json(&point)))
    .bind(job.owner_id)
    .bind(job.dataset_id)
    .bind(job.dataset_label)
    .bind(to_json(job.request))
    .bind(to_json(&job.task))
    .bind(&at)
    .execute(&mut *transaction)
    .await?;
    let message = match job.trial {
        Some((_, index, _)) => format!("trial {index} queued"),
        None => format!("queued to train on {}", job.dataset_label),
    };
    let event = JobEvent::Status {
        status: JobStatus::Queued,
        message,
    };
    sqlx::query("INSERT INTO job_events (job_id, seq, at, event) VALUES (?, 1, ?, ?)")
        .bind(job.id)
        .bind(&at)
        .bind(to_json(&event))
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await
}

#[derive(Debug, FromRow)]
struct ClaimedRow {
    id: String,
    kind: String,
    parent_id: Option<String>,
    cancel_requested: bool,
    task: String,
    owner_id: String,
    dataset_id: String,
    dataset_label: String,
    request: String,
    attempts: i64,
    training_seconds: f64,
}

/// Claims the oldest waiting job, or a running one whose worker's lease ran out, for
/// `worker` until `lease` from now. Jobs that crashed their worker [`MAX_ATTEMPTS`] times
/// are failed first.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn claim(
    pool: &SqlitePool,
    worker: &str,
    lease: Duration,
) -> Result<Option<Claimed>, sqlx::Error> {
    let expired_ms = now_ms();
    fail_crashed(pool, expired_ms).await?;

    let row: Option<ClaimedRow> = sqlx::query_as(
        "UPDATE jobs SET status = 'running', lease_owner = ?, lease_until = ?, wake = 0, \
         attempts = attempts + 1, started_at = COALESCE(started_at, ?) \
         WHERE id = (SELECT id FROM jobs WHERE status = 'queued' \
         OR (status = 'running' AND lease_until < ?) ORDER BY created_at LIMIT 1) \
         RETURNING id, kind, parent_id, cancel_requested, task, owner_id, dataset_id, \
         dataset_label, request, attempts, training_seconds",
    )
    .bind(worker)
    .bind(lease_until(lease))
    .bind(now())
    .bind(expired_ms)
    .fetch_optional(pool)
    .await?;

    let Some(row) = row else {
        return Ok(None);
    };
    let request = match serde_json::from_str(&row.request) {
        Ok(request) => request,
        Err(error) => {
            // Only a database edited by hand gets here; the job cannot run as it is.
            let message = format!("the stored request cannot be read: {error}");
            finish(
                pool,
                &row.id,
                worker,
                JobStatus::Failed,
                Some(&message),
                None,
            )
            .await?;
            return Ok(None);
        }
    };
    Ok(Some(Claimed {
        id: row.id,
        kind: JobKind::parse(&row.kind).unwrap_or(JobKind::Train),
        parent_id: row.parent_id,
        cancel_requested: row.cancel_requested,
        task: serde_json::from_str(&row.task).unwrap_or(Task::Binary),
        owner_id: row.owner_id,
        dataset_id: row.dataset_id,
        dataset_label: row.dataset_label,
        request,
        attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        training_seconds: row.training_seconds,
        claimed_at: std::time::Instant::now(),
    }))
}

/// Fails the running jobs whose lease ran out after [`MAX_ATTEMPTS`] claims: their worker
/// died that many times on them. Each is failed with its event, its checkpoint dropped and
/// its search woken, in one transaction.
async fn fail_crashed(pool: &SqlitePool, expired_ms: i64) -> Result<(), sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let doomed: Vec<(String, Option<String>)> = sqlx::query_as(
        "UPDATE jobs SET status = 'failed', lease_owner = NULL, lease_until = NULL, \
         finished_at = ?, error = 'the worker training this job stopped ' || attempts || \
         ' times; it may need more memory than the server has' \
         WHERE status = 'running' AND lease_until < ? AND attempts >= ? \
         RETURNING id, parent_id",
    )
    .bind(now())
    .bind(expired_ms)
    .bind(MAX_ATTEMPTS)
    .fetch_all(&mut *transaction)
    .await?;
    for (id, parent) in &doomed {
        sqlx::query("DELETE FROM job_checkpoints WHERE job_id = ?")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        if let Some(parent) = parent {
            wake(&mut transaction, parent).await?;
        }
        let event = JobEvent::Status {
            status: JobStatus::Failed,
            message: format!("its worker stopped {MAX_ATTEMPTS} times"),
        };
        append_event_in(&mut transaction, id, &event).await?;
    }
    transaction.commit().await
}

/// Extends `worker`'s lease on a job and says whether a cancel was requested.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn renew(
    pool: &SqlitePool,
    id: &str,
    worker: &str,
    lease: Duration,
) -> Result<Lease, sqlx::Error> {
    let row: Option<(bool,)> = sqlx::query_as(
        "UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running' \
         RETURNING cancel_requested",
    )
    .bind(lease_until(lease))
    .bind(id)
    .bind(worker)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some((cancel,)) => Lease::Held { cancel },
        None => Lease::Lost,
    })
}

/// Appends an event to a job's log; returns its position.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn append_event(
    pool: &SqlitePool,
    id: &str,
    event: &JobEvent,
) -> Result<u64, sqlx::Error> {
    let mut connection = pool.acquire().await?;
    append_event_in(&mut connection, id, event).await
}

/// [`append_event`] inside a transaction, so an event and the change it reports commit
/// together.
async fn append_event_in(
    connection: &mut sqlx::SqliteConnection,
    id: &str,
    event: &JobEvent,
) -> Result<u64, sqlx::Error> {
    let (seq,): (i64,) = sqlx::query_as(
        "INSERT INTO job_events (job_id, seq, at, event) VALUES (?, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job_id = ?), ?, ?) RETURNING seq",
    )
    .bind(id)
    .bind(id)
    .bind(now())
    .bind(to_json(event))
    .fetch_one(connection)
    .await?;
    Ok(u64::try_from(seq).unwrap_or_default())
}

/// The events of a job after position `after`, oldest first, at most `limit`.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn events_after(
    pool: &SqlitePool,
    id: &str,
    after: u64,
    limit: u32,
) -> Result<Vec<JobLogEntry>, sqlx::Error> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT seq, at, event FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    )
    .bind(id)
    .bind(i64::try_from(after).unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(seq, at, event)| {
            Some(JobLogEntry {
                seq: u64::try_from(seq).ok()?,
                at,
                event: serde_json::from_str(&event).ok()?,
            })
        })
        .collect())
}

/// What a checkpoint holds besides its epoch: JSON the runner writes and reads.
#[derive(Debug, Clone)]
pub(crate) struct Checkpoint {
    /// Epochs finished.
    pub(crate) epoch: usize,
    /// The runner's state after it.
    pub(crate) state: String,
}

/// Replaces a job's checkpoint and its progress figures, only while `worker` holds it.
/// Returns whether it was written (false: the lease was lost).
///
/// # Errors
///
/// Database errors; the old checkpoint stays then.
pub(crate) async fn save_checkpoint(
    pool: &SqlitePool,
    id: &str,
    worker: &str,
    checkpoint: &Checkpoint,
    progress: &str,
    training_seconds: f64,
) -> Result<bool, sqlx::Error> {
    let epoch = i64::try_from(checkpoint.epoch).unwrap_or(i64::MAX);
    let mut transaction = pool.begin().await?;
    let held = sqlx::query(
        "UPDATE jobs SET epochs_done = ?, progress = ?, training_seconds = ? \
         WHERE id = ? AND lease_owner = ? AND status = 'running'",
    )
    .bind(epoch)
    .bind(progress)
    .bind(training_seconds)
    .bind(id)
    .bind(worker)
    .execute(&mut *transaction)
    .await?
    .rows_affected()
        == 1;
    if !held {
        transaction.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO job_checkpoints (job_id, epoch, state, written_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (job_id) DO UPDATE SET epoch = excluded.epoch, state = excluded.state, \
         written_at = excluded.written_at",
    )
    .bind(id)
    .bind(epoch)
    .bind(&checkpoint.state)
    .bind(now())
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(true)
}

/// A job's newest checkpoint.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn checkpoint(
    pool: &SqlitePool,
    id: &str,
) -> Result<Option<Checkpoint>, sqlx::Error> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT epoch, state FROM job_checkpoints WHERE job_id = ?")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(epoch, state)| Checkpoint {
        epoch: usize::try_from(epoch).unwrap_or_default(),
        state,
    }))
}

/// Ends a job `worker` holds with a final status, logging it; the checkpoint is dropped.
/// Returns whether the worker still held it.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn finish(
    pool: &SqlitePool,
    id: &str,
    worker: &str,
    status: JobStatus,
    message: Option<&str>,
    result: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let mut transaction = pool.begin().await?;
    let ended: Option<(Option<String>,)> = sqlx::query_as(
        "UPDATE jobs SET status = ?, error = ?, result = ?, finished_at = ?, \
         lease_owner = NULL, lease_until = NULL \
         WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING parent_id",
    )
    .bind(status.as_str())
    .bind(message.filter(|_| status != JobStatus::Succeeded))
    .bind(result)
    .bind(now())
    .bind(id)
    .bind(worker)
    .fetch_optional(&mut *transaction)
    .await?;
    let held = ended.is_some();
    if let Some((parent,)) = ended {
        sqlx::query("DELETE FROM job_checkpoints WHERE job_id = ?")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        if let Some(parent) = parent {
            wake(&mut transaction, &parent).await?;
        }
        let event = JobEvent::Status {
            status,
            message: message.unwrap_or("finished").to_owned(),
        };
        append_event_in(&mut transaction, id, &event).await?;
    }
    transaction.commit().await?;
    Ok(held)
}

/// Tells a search that one of its trials ended: a waiting search is queued again, a running
/// one looks at its trials once more before it waits.
async fn wake(transaction: &mut sqlx::SqliteConnection, parent: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET wake = 1, \
         status = CASE WHEN status = 'waiting' THEN 'queued' ELSE status END WHERE id = ?",
    )
    .bind(parent)
    .execute(transaction)
    .await?;
    Ok(())
}

/// Puts a search `worker` holds to wait for its trials, or back in the queue when a trial
/// ended while it was looking. Returns whether the worker still held it.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn wait(
    pool: &SqlitePool,
    id: &str,
    worker: &str,
    trials_done: usize,
) -> Result<bool, sqlx::Error> {
    let held = sqlx::query(
        "UPDATE jobs SET status = CASE WHEN wake = 1 OR cancel_requested = 1 THEN 'queued' \
         ELSE 'waiting' END, \
         wake = 0, lease_owner = NULL, lease_until = NULL, attempts = attempts - 1, \
         epochs_done = ? WHERE id = ? AND lease_owner = ? AND status = 'running'",
    )
    .bind(i64::try_from(trials_done).unwrap_or(i64::MAX))
    .bind(id)
    .bind(worker)
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    Ok(held)
}

/// A trial of a search as the search reads it.
#[derive(Debug, Clone)]
pub(crate) struct TrialRow {
    pub(crate) id: String,
    pub(crate) index: usize,
    pub(crate) status: JobStatus,
    pub(crate) point: Vec<f64>,
    pub(crate) outcome: Option<TrialOutcome>,
    pub(crate) error: Option<String>,
    pub(crate) epochs_done: usize,
}

impl TrialRow {
    /// The table row the API shows, naming each value by the search's space.
    pub(crate) fn summary(
        &self,
        parameters: &[lepton_protocol::search::Parameter],
    ) -> TrialSummary {
        TrialSummary {
            index: u32::try_from(self.index).unwrap_or(u32::MAX),
            job: self.id.clone(),
            status: self.status,
            params: parameters
                .iter()
                .zip(&self.point)
                .map(|(&parameter, &value)| TrialParam { parameter, value })
                .collect(),
            best_loss: self.outcome.as_ref().map(|outcome| outcome.best_loss),
            score: self.outcome.as_ref().map(|outcome| outcome.score),
            epochs: self
                .outcome
                .as_ref()
                .map_or(self.epochs_done, |outcome| outcome.epochs),
            pruned: self.outcome.as_ref().is_some_and(|outcome| outcome.pruned),
            error: self.error.clone(),
        }
    }
}

/// Every trial of the search `parent`, in order.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn trials(pool: &SqlitePool, parent: &str) -> Result<Vec<TrialRow>, sqlx::Error> {
    /// A trial's columns as stored.
    #[derive(FromRow)]
    struct Stored {
        id: String,
        trial_index: i64,
        status: String,
        trial_point: Option<String>,
        result: Option<String>,
        error: Option<String>,
        epochs_done: i64,
    }

    let rows: Vec<Stored> = sqlx::query_as(
        "SELECT id, trial_index, status, trial_point, result, error, epochs_done FROM jobs \
         WHERE parent_id = ? ORDER BY trial_index",
    )
    .bind(parent)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| TrialRow {
            id: row.id,
            index: usize::try_from(row.trial_index).unwrap_or_default(),
            status: JobStatus::parse(&row.status).unwrap_or(JobStatus::Failed),
            point: row
                .trial_point
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or_default(),
            outcome: row.result.and_then(|text| serde_json::from_str(&text).ok()),
            error: row.error,
            epochs_done: usize::try_from(row.epochs_done).unwrap_or_default(),
        })
        .collect())
}

/// Seconds every trial of a search spent training.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn trial_seconds(pool: &SqlitePool, parent: &str) -> Result<f64, sqlx::Error> {
    let (seconds,): (f64,) =
        sqlx::query_as("SELECT COALESCE(SUM(training_seconds), 0.0) FROM jobs WHERE parent_id = ?")
            .bind(parent)
            .fetch_one(pool)
            .await?;
    Ok(seconds)
}

/// Cancels every unfinished trial of a search: waiting ones at once, running ones at their
/// next check.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn cancel_trials(pool: &SqlitePool, parent: &str) -> Result<(), sqlx::Error> {
    let mut transaction = pool.begin().await?;
    cancel_trials_in(&mut transaction, parent).await?;
    transaction.commit().await
}

/// [`cancel_trials`] inside a transaction; a job without trials is left as it is.
async fn cancel_trials_in(
    connection: &mut sqlx::SqliteConnection,
    parent: &str,
) -> Result<(), sqlx::Error> {
    let cancelled: Vec<(String,)> = sqlx::query_as(
        "UPDATE jobs SET status = 'cancelled', error = 'its search was cancelled', \
         finished_at = ? WHERE parent_id = ? AND status = 'queued' RETURNING id",
    )
    .bind(now())
    .bind(parent)
    .fetch_all(&mut *connection)
    .await?;
    for (id,) in &cancelled {
        let event = JobEvent::Status {
            status: JobStatus::Cancelled,
            message: "its search was cancelled".to_owned(),
        };
        append_event_in(&mut *connection, id, &event).await?;
    }
    sqlx::query("UPDATE jobs SET cancel_requested = 1 WHERE parent_id = ? AND status = 'running'")
        .bind(parent)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Records a trial's best loss so far at `epoch` and returns the other trials' best losses
/// at the same epoch.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn trial_epoch(
    pool: &SqlitePool,
    parent: &str,
    id: &str,
    epoch: usize,
    best_loss: f64,
) -> Result<Vec<f64>, sqlx::Error> {
    let epoch = i64::try_from(epoch).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT OR REPLACE INTO trial_epochs (parent_id, job_id, epoch, best_loss) \
         VALUES (?, ?, ?, ?)",
    )
    .bind(parent)
    .bind(id)
    .bind(epoch)
    .bind(best_loss)
    .execute(pool)
    .await?;
    let others: Vec<(f64,)> = sqlx::query_as(
        "SELECT best_loss FROM trial_epochs WHERE parent_id = ? AND epoch = ? AND job_id != ?",
    )
    .bind(parent)
    .bind(epoch)
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(others.into_iter().map(|(loss,)| loss).collect())
}

/// Hands a job `worker` holds back to the queue with its checkpoint, for a worker that
/// shuts down: the next worker resumes it without waiting for the lease to run out.
/// Returns whether the worker still held it.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn release(
    pool: &SqlitePool,
    id: &str,
    worker: &str,
) -> Result<bool, sqlx::Error> {
    let released = sqlx::query(
        // A clean hand-back is not a crash: it does not count against MAX_ATTEMPTS.
        "UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_until = NULL, \
         attempts = attempts - 1 WHERE id = ? AND lease_owner = ? AND status = 'running'",
    )
    .bind(id)
    .bind(worker)
    .execute(pool)
    .await?
    .rows_affected()
        == 1;
    if released {
        let event = JobEvent::Status {
            status: JobStatus::Queued,
            message: "handed back to the queue: its worker shut down".to_owned(),
        };
        append_event(pool, id, &event).await?;
    }
    Ok(released)
}

/// Cancels a waiting job at once, or asks the worker of a running one to stop.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn cancel(
    pool: &SqlitePool,
    id: &str,
    by: &str,
) -> Result<CancelOutcome, sqlx::Error> {
    let message = format!("cancelled by {by}");
    let mut transaction = pool.begin().await?;

    // A waiting job ends here; a search goes through its worker, which cancels its trials.
    let cancelled: Option<(Option<String>,)> = sqlx::query_as(
        "UPDATE jobs SET status = 'cancelled', error = ?, finished_at = ? \
         WHERE id = ? AND status = 'queued' AND kind != 'search' RETURNING parent_id",
    )
    .bind(&message)
    .bind(now())
    .bind(id)
    .fetch_optional(&mut *transaction)
    .await?;
    if let Some((parent,)) = cancelled {
        if let Some(parent) = parent {
            wake(&mut transaction, &parent).await?;
        }
        let event = JobEvent::Status {
            status: JobStatus::Cancelled,
            message,
        };
        append_event_in(&mut transaction, id, &event).await?;
        transaction.commit().await?;
        return Ok(CancelOutcome::Cancelled);
    }

    // A waiting search is queued again so that a worker cancels its trials.
    let requested = sqlx::query(
        "UPDATE jobs SET cancel_requested = 1, \
         status = CASE WHEN status = 'waiting' THEN 'queued' ELSE status END \
         WHERE id = ? AND status IN ('queued', 'running', 'waiting')",
    )
    .bind(id)
    .execute(&mut *transaction)
    .await?
    .rows_affected()
        == 1;
    if requested {
        // A search's trials stop now, not when a busy worker gets to the search.
        cancel_trials_in(&mut transaction, id).await?;
        let event = JobEvent::Log {
            message: format!("{message}: stopping"),
        };
        append_event_in(&mut transaction, id, &event).await?;
        transaction.commit().await?;
        return Ok(CancelOutcome::Requested);
    }

    let (status,): (String,) = sqlx::query_as("SELECT status FROM jobs WHERE id = ?")
        .bind(id)
        .fetch_one(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(CancelOutcome::AlreadyFinished(
        JobStatus::parse(&status).unwrap_or(JobStatus::Failed),
    ))
}

/// Whether the job has reached a final status, or is gone.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn is_over(pool: &SqlitePool, id: &str) -> Result<bool, sqlx::Error> {
    let status: Option<(String,)> = sqlx::query_as("SELECT status FROM jobs WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(status.is_none_or(|(status,)| JobStatus::parse(&status).is_none_or(JobStatus::is_final)))
}

/// The columns a [`Job`] is read from.
const JOB_COLUMNS: &str = "j.id, j.kind, j.parent_id, u.username AS owner, j.owner_id, j.request, j.dataset_label, \
     j.task, j.status, j.cancel_requested, j.epochs_done, j.attempts, j.device, j.progress, \
     j.result, j.error, j.created_at, j.started_at, j.finished_at";
const JOB_FROM: &str = "jobs j JOIN users u ON u.id = j.owner_id";

#[derive(Debug, FromRow)]
struct JobRow {
    id: String,
    kind: String,
    parent_id: Option<String>,
    owner: String,
    owner_id: String,
    request: String,
    dataset_label: String,
    task: String,
    status: String,
    cancel_requested: bool,
    epochs_done: i64,
    attempts: i64,
    device: Option<String>,
    progress: Option<String>,
    result: Option<String>,
    error: Option<String>,
    created_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
}

impl JobRow {
    /// The API's view, or `None` for a row whose request no longer parses.
    fn into_job(self) -> Option<(Job, String)> {
        let job = Job {
            id: self.id,
            owner: self.owner,
            kind: JobKind::parse(&self.kind)?,
            parent: self.parent_id,
            request: serde_json::from_str(&self.request).ok()?,
            dataset_label: self.dataset_label,
            task: serde_json::from_str(&self.task).ok()?,
            status: JobStatus::parse(&self.status)?,
            cancel_requested: self.cancel_requested,
            epochs_done: usize::try_from(self.epochs_done).unwrap_or_default(),
            attempts: u32::try_from(self.attempts).unwrap_or_default(),
            device: self.device,
            progress: self
                .progress
                .and_then(|text| serde_json::from_str(&text).ok()),
            result: self
                .result
                .and_then(|text| serde_json::from_str(&text).ok()),
            error: self.error,
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
        };
        Some((job, self.owner_id))
    }
}

/// A job and its owner's id.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn find(
    pool: &SqlitePool,
    id: &str,
) -> Result<Option<(Job, String)>, sqlx::Error> {
    let query = format!("SELECT {JOB_COLUMNS} FROM {JOB_FROM} WHERE j.id = ?");
    let row: Option<JobRow> = sqlx::query_as(&query).bind(id).fetch_optional(pool).await?;
    Ok(row.and_then(JobRow::into_job))
}

/// The newest `limit` jobs of `owner_id`, or of everyone for `None`, newest first; a
/// search's trials are listed with their search, not here.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn list(
    pool: &SqlitePool,
    owner_id: Option<&str>,
    limit: u32,
) -> Result<Vec<Job>, sqlx::Error> {
    let query = format!(
        "SELECT {JOB_COLUMNS} FROM {JOB_FROM} WHERE (?1 IS NULL OR j.owner_id = ?1) \
         AND j.kind != 'trial' ORDER BY j.created_at DESC LIMIT ?2"
    );
    let rows: Vec<JobRow> = sqlx::query_as(&query)
        .bind(owner_id)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| row.into_job().map(|(job, _)| job))
        .collect())
}

/// Records the device a worker trains a job on.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn set_device(
    pool: &SqlitePool,
    id: &str,
    device: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE jobs SET device = ? WHERE id = ?")
        .bind(device)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}
