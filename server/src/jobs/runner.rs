//! One job's work, on a blocking thread. A plain job prepares the rows, trains epoch by epoch
//! with a checkpoint after each, evaluates once on the test part and registers the model. A
//! trial trains the same way, stops early by the median rule, and reports its validation
//! loss. A search proposes trials while it has room and, once every trial ended, evaluates
//! and registers the winner.
//!
//! The thread reads two flags between batches of steps, set by the worker's lease keeper: a
//! cancel request, and a lost lease (another worker took the job over, so this one stops
//! without writing anything more). Database calls go through the runtime's handle; the
//! training itself is plain burn on the job's device.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use lepton_ml::accelerator::Accelerator;
use lepton_ml::ensemble;
use lepton_ml::recipe::{Fitted, Prepared, Subset};
use lepton_ml::search::{self, Observation};
use lepton_ml::{Dataset, DenseLayer, Split, TrainError, Trainer};
use lepton_ml::{decode_layers, encode_layers};
use lepton_protocol::job::{
    CrossValidation, EpochProgress, JobEvent, JobKind, JobResult, TrialOutcome,
};
use lepton_protocol::lab::{
    DataSource, Evaluation, LayerWeights, MODEL_FORMAT, MODEL_VERSION, ModelFile, Task,
};
use lepton_protocol::registry::{VersionSource, headline_score};
use lepton_protocol::search::{MedianStopping, SearchSpec};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tokio::runtime::Handle;

use super::queue::{self, Checkpoint, Claimed, NewJob};
use crate::dataset::catalog::StoredVersion;
use crate::dataset::{Datasets, catalog, prepare};
use crate::registry::{self, NewVersion};

/// Optimiser steps between two looks at the cancel and lease flags.
const STEPS_PER_CHECK: usize = 64;

/// What the lease keeper tells the training thread.
#[derive(Debug, Default)]
pub(crate) struct Signals {
    /// A person asked to cancel the job.
    pub(crate) cancel: AtomicBool,
    /// This worker no longer holds the job.
    pub(crate) lost: AtomicBool,
    /// This worker is shutting down and hands the job back.
    pub(crate) shutdown: AtomicBool,
}

/// How a run ended.
#[derive(Debug)]
pub(crate) enum Ending {
    /// Trained, evaluated and registered.
    Succeeded(Box<JobResult>),
    /// Stopped by a cause a person can act on.
    Failed(String),
    /// Stopped on request.
    Cancelled,
    /// The lease was lost: another worker has the job, and this one writes nothing more.
    Abandoned,
    /// The worker is shutting down: the job goes back to the queue with its checkpoint.
    Interrupted,
    /// A trial finished; its search reads the outcome.
    TrialDone(Box<TrialOutcome>),
    /// A search queued what it could and waits for its trials; the number that ended.
    Waiting(usize),
}

/// What a checkpoint holds after the epoch it is for.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    /// The weights now.
    layers: Vec<LayerWeights>,
    /// The epoch with the lowest validation loss so far.
    best: Option<Best>,
    /// Epochs since the best one.
    since_best: usize,
    /// Scores of the cross-validation folds finished so far.
    #[serde(default)]
    folds: Vec<f64>,
    /// The weights of the ensemble members finished so far.
    #[serde(default)]
    members: Vec<Vec<LayerWeights>>,
}

/// The best epoch under early stopping.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Best {
    epoch: usize,
    validation_loss: f32,
    layers: Vec<LayerWeights>,
}

/// Everything one run needs, shared by the worker loops.
#[derive(Clone)]
pub(crate) struct Runner {
    pub(crate) pool: SqlitePool,
    pub(crate) datasets: Datasets,
    pub(crate) handle: Handle,
    pub(crate) worker: String,
    /// The device jobs train on, and its name for job records.
    pub(crate) device: Accelerator,
}

/// Why a run stopped early, inside the runner.
enum Stop {
    /// It ended in a way the job records.
    Ending(Ending),
    /// The database failed; the job keeps its status until its lease runs out.
    Database(sqlx::Error),
    /// Something else failed that may work on a retry (the store, a busy database).
    Transient(String),
}

/// Why a run could not record how it ended: the job is left to be taken up again once its
/// lease runs out.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    /// The database failed.
    #[error("job database: {0}")]
    Database(#[from] sqlx::Error),
    /// A step that may succeed on a retry failed.
    #[error("{0}")]
    Transient(String),
}

/// Whether the user `id` is an admin, who may add versions to anyone's model.
async fn owner_is_admin(pool: &SqlitePool, id: &str) -> Result<bool, sqlx::Error> {
    let role: Option<(String,)> = sqlx::query_as("SELECT role FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(role.is_some_and(|(role,)| role == "admin"))
}

impl From<sqlx::Error> for Stop {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}

fn failed(message: impl Into<String>) -> Stop {
    Stop::Ending(Ending::Failed(message.into()))
}

impl From<TrainError> for Stop {
    fn from(error: TrainError) -> Self {
        failed(error.to_string())
    }
}

/// The prepared parts as model inputs.
struct Parts {
    split: Split,
    test: Dataset,
    task: Task,
    features: Vec<String>,
    classes: Vec<String>,
}

impl Runner {
    /// Trains `job` to its end; blocks the calling thread.
    ///
    /// # Errors
    ///
    /// [`RunError`] when the database or the store fails: the job keeps its status and its
    /// lease runs out, so that it is taken up again.
    pub(crate) fn run(&self, job: &Claimed, signals: &Signals) -> Result<Ending, RunError> {
        let ended = match job.kind {
            JobKind::Train => self
                .train(job, signals)
                .map(|result| Ending::Succeeded(Box::new(result))),
            JobKind::Trial => self
                .trial(job, signals)
                .map(|outcome| Ending::TrialDone(Box::new(outcome))),
            JobKind::Search => self.advance(job, signals),
        };
        match ended {
            Ok(ending) | Err(Stop::Ending(ending)) => Ok(ending),
            Err(Stop::Database(error)) => Err(RunError::Database(error)),
            Err(Stop::Transient(reason)) => Err(RunError::Transient(reason)),
        }
    }

    fn block<F: std::future::Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    fn log(&self, job: &Claimed, message: String) -> Result<(), sqlx::Error> {
        tracing::debug!(job = %job.id, line = %message, "job log line");
        let event = JobEvent::Log { message };
        self.block(queue::append_event(&self.pool, &job.id, &event))
            .map(drop)
    }

    fn check(signals: &Signals) -> Result<(), Stop> {
        if signals.shutdown.load(Ordering::Relaxed) {
            return Err(Stop::Ending(Ending::Interrupted));
        }
        if signals.lost.load(Ordering::Relaxed) {
            return Err(Stop::Ending(Ending::Abandoned));
        }
        if signals.cancel.load(Ordering::Relaxed) {
            return Err(Stop::Ending(Ending::Cancelled));
        }
        Ok(())
    }

    /// Reads the dataset version and prepares its rows by the recipe.
    fn prepare(&self, job: &Claimed) -> Result<(StoredVersion, Fitted, Parts), Stop> {
        let version = self
            .block(catalog::find(&self.pool, &job.dataset_id))?
            .ok_or_else(|| failed("the dataset version was deleted before the job ran"))?;
        let (fitted, prepared) = self
            .block(prepare::prepare_version(
                &self.datasets,
                &version,
                job.request.target.clone(),
            ))
            .map_err(|error| failed(error.to_string()))?;
        Ok((version, fitted, parts(prepared)?))
    }

    fn start(&self, job: &Claimed) -> Result<(), Stop> {
        self.block(queue::set_device(&self.pool, &job.id, &self.device.label))?;
        if job.attempts > 1 {
            self.log(job, format!("taken up again (attempt {})", job.attempts))?;
        }
        Ok(())
    }

    /// A plain job: train, evaluate on the test rows, register.
    fn train(&self, job: &Claimed, signals: &Signals) -> Result<JobResult, Stop> {
        self.start(job)?;
        self.log(job, format!("preparing the rows of {}", job.dataset_label))?;
        let (version, fitted, parts) = self.prepare(job)?;
        self.log(
            job,
            format!(
                "{} training, {} validation and {} test rows of {} features on {}",
                parts.split.train.len(),
                parts.split.validation.len(),
                parts.test.len(),
                parts.split.train.feature_count(),
                self.device.label
            ),
        )?;
        Self::check(signals)?;

        let cross_validation = match job.request.folds {
            Some(folds) => Some(self.cross_validate(job, &parts, signals, folds)?),
            None => None,
        };
        let (members, trained) = match job.request.ensemble {
            Some(ensemble) => self.train_members(job, &parts, signals, ensemble.members)?,
            None => {
                let trained = self.fit(job, &parts, signals, None)?;
                (vec![decode(&trained.layers)?], trained)
            }
        };
        let seconds = job.seconds_so_far();
        let mut result = self.finish_model(
            job, &version, &fitted, &parts, &members, &trained, None, seconds,
        )?;
        result.cross_validation = cross_validation;
        Ok(result)
    }

    /// One trial of a search: train (stopping early by the median rule) and report.
    fn trial(&self, job: &Claimed, signals: &Signals) -> Result<TrialOutcome, Stop> {
        self.start(job)?;
        let (_, _, parts) = self.prepare(job)?;
        let parent = job
            .parent_id
            .clone()
            .ok_or_else(|| failed("a trial without its search"))?;
        let search = self
            .block(queue::find(&self.pool, &parent))?
            .and_then(|(search, _)| search.request.search)
            .ok_or_else(|| failed("the trial's search is gone"))?;
        let median = search.median_stopping.map(|rule| (parent, rule));
        Self::check(signals)?;

        let trained = self.fit(job, &parts, signals, median)?;
        let kept = decode(&trained.layers)?;
        let model = self.model(job, &parts, &kept, trained.kept_epoch)?;
        let (_, validation) = self.block(model.evaluate(&parts.split.validation))?;
        Ok(TrialOutcome {
            best_loss: f64::from(trained.best_loss),
            score: headline_score(&validation),
            epochs: trained.epochs,
            kept_epoch: trained.kept_epoch,
            pruned: trained.pruned,
            layers: trained.layers,
        })
    }

    /// A search: propose trials while there is room, or pick the winner once all ended.
    fn advance(&self, job: &Claimed, signals: &Signals) -> Result<Ending, Stop> {
        let search = job
            .request
            .search
            .clone()
            .ok_or_else(|| failed("a search job without a search"))?;
        if job.cancel_requested {
            self.block(queue::cancel_trials(&self.pool, &job.id))?;
            return Ok(Ending::Cancelled);
        }

        let trials = self.block(queue::trials(&self.pool, &job.id))?;
        let finished: Vec<Observation> = trials
            .iter()
            .filter_map(|trial| {
                let outcome = trial.outcome.as_ref()?;
                Some(Observation {
                    point: trial.point.clone(),
                    loss: outcome.best_loss,
                })
            })
            .collect();
        let ended = trials
            .iter()
            .filter(|trial| trial.status.is_final())
            .count();
        let mut active = trials.len() - ended;
        let mut next = trials
            .iter()
            .map(|trial| trial.index + 1)
            .max()
            .unwrap_or(0);
        let seed = job.request.training.seed;
        while active < search.parallel {
            let Some(point) = search::propose(&search, next, &finished, seed) else {
                break;
            };
            let mut request = job.request.clone();
            request.search = None;
            for (range, &value) in search.space.iter().zip(&point) {
                range.parameter.apply(&mut request.training, value);
            }
            if let Err(error) = request.training.validate() {
                // A combination of valid ranges can still be invalid as a whole.
                self.log(job, format!("trial {next} skipped: {error}"))?;
                next += 1;
                continue;
            }
            let id = uuid::Uuid::new_v4().to_string();
            let trial = NewJob {
                id: &id,
                kind: JobKind::Trial,
                trial: Some((&job.id, next, &point)),
                owner_id: &job.owner_id,
                dataset_id: &job.dataset_id,
                dataset_label: &job.dataset_label,
                request: &request,
                task: job.task,
            };
            self.block(queue::insert(&self.pool, &trial))?;
            self.log(
                job,
                format!("trial {next} queued: {}", describe_point(&search, &point)),
            )?;
            active += 1;
            next += 1;
        }
        if active > 0 {
            return Ok(Ending::Waiting(ended));
        }

        let started = Instant::now();
        let winner = trials
            .iter()
            .filter_map(|trial| Some((trial, trial.outcome.as_ref()?)))
            .min_by(|a, b| a.1.best_loss.total_cmp(&b.1.best_loss));
        let Some((trial, outcome)) = winner else {
            let reason = trials
                .iter()
                .find_map(|trial| trial.error.clone())
                .unwrap_or_else(|| "no trial ran".to_owned());
            return Err(failed(format!(
                "no trial finished; the first failure: {reason}"
            )));
        };
        self.log(
            job,
            format!(
                "trial {} wins with validation loss {:.5}; evaluating it on the test rows",
                trial.index, outcome.best_loss
            ),
        )?;
        self.start(job)?;
        let (version, fitted, parts) = self.prepare(job)?;
        Self::check(signals)?;
        let mut winner_job = job.clone();
        let mut request = job.request.clone();
        for (range, &value) in search.space.iter().zip(&trial.point) {
            range.parameter.apply(&mut request.training, value);
        }
        winner_job.request = request;
        let kept = vec![decode(&outcome.layers)?];
        let trained = Trained {
            layers: outcome.layers.clone(),
            kept_epoch: outcome.kept_epoch,
            epochs: outcome.epochs,
            stopped_early: outcome.kept_epoch < outcome.epochs,
            pruned: outcome.pruned,
            best_loss: outcome.best_loss as f32,
        };
        let seconds = self.block(queue::trial_seconds(&self.pool, &job.id))?
            + started.elapsed().as_secs_f64();
        let index = u32::try_from(trial.index).unwrap_or(u32::MAX);
        let result = self.finish_model(
            &winner_job,
            &version,
            &fitted,
            &parts,
            &kept,
            &trained,
            Some(index),
            seconds,
        )?;
        Ok(Ending::Succeeded(Box::new(result)))
    }

    /// The trained model with `layers` on this runner's device.
    fn model(
        &self,
        job: &Claimed,
        parts: &Parts,
        layers: &[DenseLayer],
        epoch: usize,
    ) -> Result<Trainer, Stop> {
        Ok(Trainer::resume(
            job.request.training.clone(),
            parts.split.train.feature_count(),
            parts.task,
            layers,
            epoch,
            &self.device.device,
        )?)
    }

    /// Figures of `members` (their averaged outputs) on `rows`.
    fn score(
        &self,
        job: &Claimed,
        parts: &Parts,
        members: &[Vec<DenseLayer>],
        epoch: usize,
        rows: &Dataset,
    ) -> Result<Evaluation, Stop> {
        let mut outputs = Vec::with_capacity(members.len());
        for layers in members {
            let model = self.model(job, parts, layers, epoch)?;
            outputs.push(self.block(model.predict(rows.features()))?);
        }
        Ok(lepton_ml::evaluate(
            &ensemble::average(&outputs),
            rows.labels(),
            parts.task,
        ))
    }

    /// Evaluates the kept weights (one network, or every member of an ensemble) once on the
    /// test rows and registers them.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site per job kind, all named"
    )]
    fn finish_model(
        &self,
        job: &Claimed,
        version: &StoredVersion,
        fitted: &Fitted,
        parts: &Parts,
        members: &[Vec<DenseLayer>],
        trained: &Trained,
        best_trial: Option<u32>,
        training_seconds: f64,
    ) -> Result<JobResult, Stop> {
        let what = match members.len() {
            1 => format!("epoch {}", trained.kept_epoch),
            count => format!("the {count} members"),
        };
        self.log(job, format!("evaluating {what} on the test rows"))?;
        let test = self.score(job, parts, members, trained.kept_epoch, &parts.test)?;
        let validation = self.score(
            job,
            parts,
            members,
            trained.kept_epoch,
            &parts.split.validation,
        )?;

        let file = model_file(
            job,
            parts,
            fitted,
            members,
            trained.kept_epoch,
            &validation,
            self,
        );
        let model_name = job
            .request
            .model
            .clone()
            .unwrap_or_else(|| version.name.clone());
        let registered = self
            .block(registry::register(
                &self.pool,
                self.datasets.store(),
                &NewVersion {
                    model: &model_name,
                    trained_by: &job.owner_id,
                    admin: self.block(owner_is_admin(&self.pool, &job.owner_id))?,
                    source: VersionSource::Job { id: job.id.clone() },
                    dataset: Some((&job.dataset_id, &job.dataset_label)),
                    file: &file,
                    evaluation: Some(&test),
                    evaluated_on: "test",
                    device: &self.device.label,
                    training_seconds: Some(training_seconds),
                },
            ))
            .map_err(|error| match error {
                error @ (registry::RegistryError::NotOwner { .. }
                | registry::RegistryError::Record(_)) => failed(error.to_string()),
                // A busy database or store: the lease runs out and the job is tried again.
                other => Stop::Transient(other.to_string()),
            })?;
        self.log(
            job,
            format!(
                "registered as {} version {}",
                registered.model, registered.version
            ),
        )?;

        Ok(JobResult {
            test,
            validation,
            cross_validation: None,
            best_epoch: trained.kept_epoch,
            best_trial,
            stopped_early: trained.stopped_early,
            training_seconds,
            model: registered.model,
            version: registered.version,
        })
    }

    /// Bagging: each member trained on its own bootstrap sample of the training rows, with
    /// its own seed; finished members are kept in the checkpoint.
    fn train_members(
        &self,
        job: &Claimed,
        parts: &Parts,
        signals: &Signals,
        count: usize,
    ) -> Result<(Vec<Vec<DenseLayer>>, Trained), Stop> {
        let (_, mut state) = self.load_state(job)?;
        let base = training_config(job, parts);
        let mut last = None;
        while state.members.len() < count {
            let member = state.members.len();
            let seed = ensemble::member_seed(base.seed, member);
            let bag = Parts {
                split: Split {
                    train: ensemble::resample(&parts.split.train, seed)
                        .map_err(|error| failed(error.to_string()))?,
                    validation: parts.split.validation.clone(),
                },
                test: parts.test.clone(),
                task: parts.task,
                features: parts.features.clone(),
                classes: parts.classes.clone(),
            };
            self.log(job, format!("member {} of {count}: training", member + 1))?;
            let config = lepton_protocol::lab::TrainingConfig {
                seed,
                ..base.clone()
            };
            let trained = self.fit_with(job, &bag, signals, None, config)?;

            let (_, mut saved) = self.load_state(job)?;
            saved.members.push(trained.layers.clone());
            saved.layers.clear();
            saved.best = None;
            saved.since_best = 0;
            let checkpoint = Checkpoint {
                epoch: 0,
                state: serde_json::to_string(&saved).unwrap_or_default(),
            };
            let held = self.block(queue::save_checkpoint(
                &self.pool,
                &job.id,
                &self.worker,
                &checkpoint,
                "null",
                job.seconds_so_far(),
            ))?;
            if !held {
                return Err(Stop::Ending(Ending::Abandoned));
            }
            state = saved;
            last = Some(trained);
        }
        let members = state
            .members
            .iter()
            .map(|layers| decode(layers))
            .collect::<Result<Vec<_>, _>>()?;
        let trained = last.unwrap_or(Trained {
            layers: Vec::new(),
            kept_epoch: base.epochs,
            epochs: base.epochs,
            stopped_early: false,
            pruned: false,
            best_loss: f32::NAN,
        });
        Ok((members, trained))
    }

    /// The job's checkpoint: the epoch it was written after and the state, or no epoch and
    /// a fresh state.
    fn load_state(&self, job: &Claimed) -> Result<(Option<usize>, State), Stop> {
        match self.block(queue::checkpoint(&self.pool, &job.id))? {
            Some(checkpoint) => {
                let state = serde_json::from_str(&checkpoint.state)
                    .map_err(|error| failed(format!("the checkpoint cannot be read: {error}")))?;
                Ok((Some(checkpoint.epoch), state))
            }
            None => Ok((None, State::default())),
        }
    }

    /// k-fold cross-validation on the training rows: for each fold, a fresh model trained on
    /// the other folds for the job's epochs and scored on that fold. Finished folds are kept
    /// in the checkpoint, so a restart repeats at most the fold under way.
    fn cross_validate(
        &self,
        job: &Claimed,
        parts: &Parts,
        signals: &Signals,
        folds: usize,
    ) -> Result<CrossValidation, Stop> {
        let (_, mut state) = self.load_state(job)?;
        let train = &parts.split.train;
        let assignment = lepton_ml::folds::assign(train, folds, job.request.training.seed);
        while state.folds.len() < folds {
            let fold = state.folds.len();
            Self::check(signals)?;
            let (learn, held) = lepton_ml::folds::split(train, &assignment, fold)
                .map_err(|error| failed(format!("fold {}: {error}", fold + 1)))?;
            let mut trainer = Trainer::new(
                training_config(job, parts),
                train.feature_count(),
                parts.task,
                &self.device.device,
            )?;
            let steps = trainer.steps_per_epoch(learn.len());
            for _ in 0..job.request.training.epochs {
                let mut done = false;
                while !done {
                    Self::check(signals)?;
                    done = trainer.step(&learn, steps.min(STEPS_PER_CHECK))?;
                }
                self.block(trainer.finish_epoch(&held))?;
            }
            let (_, evaluation) = self.block(trainer.evaluate(&held))?;
            let score = headline_score(&evaluation);
            self.log(
                job,
                format!("fold {} of {folds}: score {score:.4}", fold + 1),
            )?;
            state.folds.push(score);

            let saved = Checkpoint {
                epoch: 0,
                state: serde_json::to_string(&state).unwrap_or_default(),
            };
            let held_lease = self.block(queue::save_checkpoint(
                &self.pool,
                &job.id,
                &self.worker,
                &saved,
                "null",
                job.seconds_so_far(),
            ))?;
            if !held_lease {
                return Err(Stop::Ending(Ending::Abandoned));
            }
        }
        Ok(CrossValidation::of(&state.folds))
    }

    /// Trains epoch by epoch from the job's checkpoint, writing a new one after each epoch;
    /// stops early by the validation loss or, for a trial, by the median rule.
    fn fit(
        &self,
        job: &Claimed,
        parts: &Parts,
        signals: &Signals,
        median: Option<(String, MedianStopping)>,
    ) -> Result<Trained, Stop> {
        self.fit_with(job, parts, signals, median, training_config(job, parts))
    }

    /// [`Self::fit`] with `config` instead of the job's own settings (an ensemble member's).
    fn fit_with(
        &self,
        job: &Claimed,
        parts: &Parts,
        signals: &Signals,
        median: Option<(String, MedianStopping)>,
        config: lepton_protocol::lab::TrainingConfig,
    ) -> Result<Trained, Stop> {
        let feature_count = parts.split.train.feature_count();
        let (epoch, state) = self.load_state(job)?;
        let (mut trainer, mut state) = match epoch {
            Some(epoch) if !state.layers.is_empty() => {
                let layers = decode(&state.layers)?;
                let trainer = Trainer::resume(
                    config.clone(),
                    feature_count,
                    parts.task,
                    &layers,
                    epoch,
                    &self.device.device,
                )?;
                self.log(job, format!("resuming after epoch {epoch}"))?;
                (trainer, state)
            }
            _ => {
                let trainer = Trainer::new(
                    config.clone(),
                    feature_count,
                    parts.task,
                    &self.device.device,
                )?;
                (trainer, state)
            }
        };

        let epochs = config.epochs;
        let first_epoch = trainer.epochs_done();
        let mut this_attempt = 0.0;
        let mut stopped_early = false;
        let mut pruned = false;
        while trainer.epochs_done() < epochs {
            let epoch_started = Instant::now();
            loop {
                Self::check(signals)?;
                if trainer.step(&parts.split.train, STEPS_PER_CHECK)? {
                    break;
                }
            }
            let report = self.block(trainer.finish_epoch(&parts.split.validation))?;
            let layers = self.block(trainer.layers())?;
            let seconds = epoch_started.elapsed().as_secs_f64();
            this_attempt += seconds;

            let done = report.epoch;
            let pace = this_attempt / (done - first_epoch).max(1) as f64;
            let progress = EpochProgress {
                epoch: done,
                epochs,
                train_loss: report.train_loss,
                validation_loss: report.validation_loss,
                validation_score: headline_score(&report.validation),
                samples_per_second: report.samples as f64 / seconds.max(1e-9),
                seconds,
                seconds_left: pace * (epochs - done) as f64,
            };

            state.layers = encode_layers(&layers);
            let improved = state.best.as_ref().is_none_or(|best| {
                let min_delta = job
                    .request
                    .early_stopping
                    .map_or(0.0, |rule| rule.min_delta);
                f64::from(report.validation_loss) < f64::from(best.validation_loss) - min_delta
            });
            if improved {
                state.best = Some(Best {
                    epoch: done,
                    validation_loss: report.validation_loss,
                    layers: state.layers.clone(),
                });
                state.since_best = 0;
            } else {
                state.since_best += 1;
            }
            if let Some(rule) = job.request.early_stopping {
                stopped_early = state.since_best >= rule.patience && done < epochs;
            }
            if let Some((parent, rule)) = &median {
                let best = state
                    .best
                    .as_ref()
                    .map_or(f32::INFINITY, |best| best.validation_loss);
                let others = self.block(queue::trial_epoch(
                    &self.pool,
                    parent,
                    &job.id,
                    done,
                    f64::from(best),
                ))?;
                pruned = done >= rule.grace_epochs
                    && done < epochs
                    && search::median_stops(f64::from(best), &others, rule.min_trials);
            }

            let saved = Checkpoint {
                epoch: done,
                state: serde_json::to_string(&state).unwrap_or_default(),
            };
            let progress_json = serde_json::to_string(&progress).unwrap_or_default();
            let held = self.block(queue::save_checkpoint(
                &self.pool,
                &job.id,
                &self.worker,
                &saved,
                &progress_json,
                job.seconds_so_far(),
            ))?;
            if !held {
                return Err(Stop::Ending(Ending::Abandoned));
            }
            self.block(queue::append_event(
                &self.pool,
                &job.id,
                &JobEvent::Epoch(progress),
            ))?;

            if stopped_early || pruned {
                let best = state.best.as_ref().map_or(done, |best| best.epoch);
                let why = if pruned {
                    "its best validation loss is worse than the median of the other trials"
                        .to_owned()
                } else {
                    format!("no improvement for {} epochs", state.since_best)
                };
                self.log(
                    job,
                    format!("stopped after epoch {done}: {why}; keeping epoch {best}"),
                )?;
                break;
            }
        }
        Self::check(signals)?;

        let epochs_done = trainer.epochs_done();
        let best_loss = state
            .best
            .as_ref()
            .map_or(f32::INFINITY, |best| best.validation_loss);
        // Early stopping and trials keep the best epoch; a plain run keeps the last.
        let keep_best = job.request.early_stopping.is_some() || job.kind == JobKind::Trial;
        let (kept_epoch, layers) = match state.best {
            Some(best) if keep_best => (best.epoch, best.layers),
            _ => (epochs_done, state.layers),
        };
        Ok(Trained {
            layers,
            kept_epoch,
            epochs: epochs_done,
            stopped_early,
            pruned,
            best_loss,
        })
    }
}

/// What training left: the kept weights and how it ended.
struct Trained {
    layers: Vec<LayerWeights>,
    kept_epoch: usize,
    epochs: usize,
    stopped_early: bool,
    pruned: bool,
    best_loss: f32,
}

/// `learning_rate 0.001, width 64` for a log line.
fn describe_point(search: &SearchSpec, point: &[f64]) -> String {
    search
        .space
        .iter()
        .zip(point)
        .map(|(range, value)| format!("{} {}", range.parameter.as_str(), short(*value)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn short(value: f64) -> String {
    if value != 0.0 && (value.abs() < 1e-3 || value.abs() >= 1e5) {
        format!("{value:.2e}")
    } else {
        let text = format!("{value:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// The job's settings with its class weights resolved against the training rows.
fn training_config(job: &Claimed, parts: &Parts) -> lepton_protocol::lab::TrainingConfig {
    let mut config = job.request.training.clone();
    if let Some(weights) = &job.request.class_weights
        && parts.task.is_classification()
    {
        let classes = parts.task.outputs().max(2);
        config.class_weights = weights.resolve(parts.split.train.labels(), classes);
    }
    config
}

fn decode(layers: &[LayerWeights]) -> Result<Vec<DenseLayer>, Stop> {
    decode_layers(layers).map_err(|error| failed(format!("the checkpoint is damaged: {error}")))
}

fn dataset(subset: Subset, feature_count: usize, task: Task) -> Result<Dataset, Stop> {
    Dataset::for_task(subset.features.values, subset.targets, feature_count, task)
        .map_err(|error| failed(error.to_string()))
}

fn parts(prepared: Prepared) -> Result<Parts, Stop> {
    let task = prepare::task_of(&prepared);
    let feature_count = prepared.feature_names.len();
    if prepared.validation.targets.is_empty() {
        return Err(failed(
            "the recipe holds out no validation rows: give its split a validation share",
        ));
    }
    if prepared.test.targets.is_empty() {
        return Err(failed(
            "the recipe holds out no test rows: give its split a test share for the evaluation",
        ));
    }
    Ok(Parts {
        split: Split {
            train: dataset(prepared.train, feature_count, task)?,
            validation: dataset(prepared.validation, feature_count, task)?,
        },
        test: dataset(prepared.test, feature_count, task)?,
        task,
        features: prepared.feature_names,
        classes: prepared.class_labels,
    })
}

fn model_file(
    job: &Claimed,
    parts: &Parts,
    fitted: &Fitted,
    members: &[Vec<DenseLayer>],
    epochs: usize,
    validation: &Evaluation,
    runner: &Runner,
) -> ModelFile {
    let (first, rest) = members
        .split_first()
        .map_or((&[][..], &[][..]), |(first, rest)| (first.as_slice(), rest));
    ModelFile {
        format: MODEL_FORMAT.to_owned(),
        version: MODEL_VERSION,
        task: parts.task,
        features: parts.features.clone(),
        classes: parts.classes.clone(),
        training: job.request.training.clone(),
        data: DataSource::Dataset {
            id: job.dataset_id.clone(),
        },
        recipe: serde_json::to_value(fitted).ok(),
        epochs_trained: epochs,
        backend: runner.device.label.clone(),
        evaluation: Some(validation.clone()),
        layers: encode_layers(first),
        members: rest.iter().map(|layers| encode_layers(layers)).collect(),
    }
}
