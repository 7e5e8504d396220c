//! Server training jobs: a durable queue in the database ([`queue`]), worker loops that
//! claim jobs with a lease, and the runner that trains each one ([`runner`]).
//!
//! The server runs `--workers` loops itself; `lepton worker` runs more in other processes on
//! the same data directory. Each loop claims one job at a time, trains it on a blocking
//! thread while a keeper task renews the lease, and records how it ended. A worker that dies
//! stops renewing; once its lease runs out another loop takes the job up again and resumes
//! from the last checkpoint. A worker that is shut down hands its job back to the queue at
//! once.

pub(crate) mod queue;
pub(crate) mod runner;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use lepton_ml::accelerator::{self, Accelerator};
use lepton_protocol::job::{JobEvent, JobKind, JobStatus};
use sqlx::SqlitePool;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

use self::queue::{Claimed, Lease};
use self::runner::{Ending, Runner, Signals};
use crate::config::{DeviceKind, StartupError};
use crate::dataset::Datasets;

/// The device `kind` names, proven to compute.
///
/// # Errors
///
/// The GPU asked for is missing or unusable.
pub(crate) fn open_device(kind: DeviceKind) -> Result<Accelerator, StartupError> {
    Ok(match kind {
        DeviceKind::Cpu => accelerator::cpu(),
        #[cfg(feature = "wgpu")]
        DeviceKind::Wgpu => accelerator::wgpu()?,
        #[cfg(feature = "cuda")]
        DeviceKind::Cuda => accelerator::cuda(0)?,
    })
}

/// How the worker loops run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WorkerSettings {
    /// Jobs trained at the same time by this process.
    pub(crate) concurrency: usize,
    /// How long a claim lasts without renewal; a dead worker's job waits this long.
    pub(crate) lease: Duration,
    /// How often an idle loop looks for work queued by other processes.
    pub(crate) poll: Duration,
}

/// The handle the API uses to wake idle workers when it queues a job.
#[derive(Debug, Clone, Default)]
pub(crate) struct JobSignal {
    wake: Arc<Notify>,
}

impl JobSignal {
    /// Wakes one idle worker loop of this process.
    pub(crate) fn job_queued(&self) {
        self.wake.notify_one();
    }
}

/// The running worker loops of this process.
pub(crate) struct Workers {
    tasks: JoinSet<()>,
    stop: watch::Sender<bool>,
}

impl Workers {
    /// Starts the loops. Each trains one job at a time on `device`.
    pub(crate) fn start(
        pool: SqlitePool,
        datasets: Datasets,
        device: Accelerator,
        settings: WorkerSettings,
        signal: &JobSignal,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let process = uuid::Uuid::new_v4().simple().to_string();
        let mut tasks = JoinSet::new();
        for index in 0..settings.concurrency {
            let runner = Runner {
                pool: pool.clone(),
                datasets: datasets.clone(),
                handle: tokio::runtime::Handle::current(),
                worker: format!("{}-{}", &process[..8], index + 1),
                device: device.clone(),
            };
            tasks.spawn(work(runner, settings, signal.wake.clone(), stopped.clone()));
        }
        tracing::info!(
            workers = settings.concurrency,
            device = %device.label,
            lease_s = settings.lease.as_secs(),
            "training workers started"
        );
        Self { tasks, stop }
    }

    /// Tells every loop to stop, hands running jobs back to the queue, and waits for them.
    pub(crate) async fn shut_down(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// One worker loop: claim, train, record; sleep when there is nothing to do.
async fn work(
    runner: Runner,
    settings: WorkerSettings,
    wake: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    while !*stopped.borrow() {
        match queue::claim(&runner.pool, &runner.worker, settings.lease).await {
            Ok(Some(job)) => {
                let span = tracing::info_span!("job", job = %job.id, worker = %runner.worker);
                run_one(&runner, job, settings, stopped.clone())
                    .instrument(span)
                    .await;
            }
            Ok(None) => {
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(settings.poll) => {}
                    _ = stopped.changed() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, worker = %runner.worker, "cannot claim a job");
                tokio::time::sleep(settings.poll).await;
            }
        }
    }
}

/// Trains one claimed job while a keeper renews its lease, then records the ending.
async fn run_one(
    runner: &Runner,
    job: Claimed,
    settings: WorkerSettings,
    stopped: watch::Receiver<bool>,
) {
    tracing::info!(
        attempt = job.attempts,
        kind = job.kind.as_str(),
        "job claimed"
    );
    // A search is claimed each time it proposes trials: only its status changes are logged.
    if job.kind != JobKind::Search {
        let event = JobEvent::Status {
            status: JobStatus::Running,
            message: format!(
                "training on {} (attempt {})",
                runner.device.label, job.attempts
            ),
        };
        if let Err(error) = queue::append_event(&runner.pool, &job.id, &event).await {
            tracing::warn!(%error, "cannot log the start of a job");
        }
    }

    let signals = Arc::new(Signals::default());
    let keeper = tokio::spawn(keep_lease(
        runner.pool.clone(),
        job.id.clone(),
        runner.worker.clone(),
        settings.lease,
        Arc::clone(&signals),
        stopped,
    ));
    if job.cancel_requested && job.kind != JobKind::Search {
        // Cancelled while its previous worker had it: stop at the first check.
        signals.cancel.store(true, Ordering::Relaxed);
    }
    let training = {
        let (runner, job, signals) = (runner.clone(), job.clone(), Arc::clone(&signals));
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| runner.run(&job, &signals)))
    };
    let ending = training.await;
    keeper.abort();

    let finish = |status, message: String, result: Option<String>| {
        let pool = runner.pool.clone();
        let (id, worker) = (job.id.clone(), runner.worker.clone());
        async move {
            queue::finish(
                &pool,
                &id,
                &worker,
                status,
                Some(&message),
                result.as_deref(),
            )
            .await
        }
    };
    let recorded = match ending {
        Ok(Ok(Ending::Succeeded(result))) => {
            let message = format!(
                "trained and registered as {} version {}",
                result.model, result.version
            );
            let json = serde_json::to_string(&*result).ok();
            finish(JobStatus::Succeeded, message, json).await
        }
        Ok(Ok(Ending::TrialDone(outcome))) => {
            let message = format!(
                "trial finished: best validation loss {:.5}{}",
                outcome.best_loss,
                if outcome.pruned {
                    " (stopped by the median rule)"
                } else {
                    ""
                }
            );
            let json = serde_json::to_string(&*outcome).ok();
            finish(JobStatus::Succeeded, message, json).await
        }
        Ok(Ok(Ending::Waiting(ended))) => {
            queue::wait(&runner.pool, &job.id, &runner.worker, ended).await
        }
        Ok(Ok(Ending::Failed(message))) => finish(JobStatus::Failed, message, None).await,
        Ok(Ok(Ending::Cancelled)) => {
            finish(
                JobStatus::Cancelled,
                "cancelled on request".to_owned(),
                None,
            )
            .await
        }
        Ok(Ok(Ending::Abandoned)) => Ok(false),
        Ok(Ok(Ending::Interrupted)) => queue::release(&runner.pool, &job.id, &runner.worker).await,
        Ok(Err(error)) => {
            tracing::warn!(%error, "a job could not go on; it is retried once its lease runs out");
            Ok(false)
        }
        Err(error) => {
            tracing::error!(%error, "training panicked");
            let message = "training stopped unexpectedly (a bug, which has been logged)";
            finish(JobStatus::Failed, message.to_owned(), None).await
        }
    };
    match recorded {
        Ok(true) => tracing::info!("job ended"),
        Ok(false) => tracing::info!("job left to whoever holds it now"),
        Err(error) => tracing::warn!(%error, "cannot record how a job ended"),
    }
}

/// Renews the lease every third of its length until the job ends. On shutdown, or when the
/// lease is lost, it flags the training thread to stop.
async fn keep_lease(
    pool: SqlitePool,
    id: String,
    worker: String,
    lease: Duration,
    signals: Arc<Signals>,
    mut stopped: watch::Receiver<bool>,
) {
    let every = lease / 3;
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stopped.changed() => {
                signals.shutdown.store(true, Ordering::Relaxed);
                return;
            }
        }
        match queue::renew(&pool, &id, &worker, lease).await {
            Ok(Lease::Held { cancel }) => signals.cancel.store(cancel, Ordering::Relaxed),
            Ok(Lease::Lost) => {
                signals.lost.store(true, Ordering::Relaxed);
                return;
            }
            Err(error) => tracing::warn!(%error, job = %id, "cannot renew a job's lease"),
        }
    }
}
