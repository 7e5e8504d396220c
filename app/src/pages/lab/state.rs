//! What the Lab page knows about the experiment, as signals, and how each worker event
//! changes it.

use lepton_protocol::lab::{
    BackendInfo, EpochSummary, Evaluation, LabConfig, LabEvent, PlanePoints, Progress, Task,
};
use leptos::prelude::*;

/// Where a run stands, as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RunState {
    /// Nothing has run yet (or the page was reset).
    Idle,
    /// The worker is loading or building the data.
    Loading,
    /// Epochs are running.
    Training,
    /// Held by the person.
    Paused {
        /// The epoch in progress.
        epoch: usize,
    },
    /// Every epoch done, or stopped early.
    Finished {
        /// Epochs completed.
        epochs: usize,
        /// Whether the person stopped it.
        stopped: bool,
        /// Wall time.
        seconds: f64,
    },
    /// A model was loaded from a file.
    Loaded {
        /// Epochs it had been trained for.
        epochs: usize,
    },
    /// Training or a request failed; the message says why.
    Failed(String),
}

impl RunState {
    /// Loading, training or paused.
    fn is_busy(&self) -> bool {
        matches!(self, Self::Loading | Self::Training | Self::Paused { .. })
    }
}

/// Where an exported model file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportFor {
    /// A file download in the browser.
    Download,
    /// `POST /api/v1/lab/models` under this name.
    Upload,
}

/// Every signal of the Lab page; `Copy`, so closures take it whole.
#[derive(Clone, Copy)]
pub(crate) struct LabState {
    /// The experiment the controls show.
    pub(crate) config: RwSignal<LabConfig>,
    pub(crate) run: RwSignal<RunState>,
    pub(crate) backend: RwSignal<Option<BackendInfo>>,
    pub(crate) task: RwSignal<Task>,
    pub(crate) feature_count: RwSignal<usize>,
    pub(crate) epochs: RwSignal<Vec<EpochSummary>>,
    pub(crate) progress: RwSignal<Option<Progress>>,
    pub(crate) points: RwSignal<Option<PlanePoints>>,
    /// The renderer of the last heatmap drawn ("webgpu" or "canvas2d").
    pub(crate) heatmap: RwSignal<Option<String>>,
    pub(crate) evaluation: RwSignal<Option<Evaluation>>,
    /// Training rows per second over the finished run.
    pub(crate) throughput: RwSignal<Option<f64>>,
    /// The last prediction, in words.
    pub(crate) prediction: RwSignal<Option<String>>,
    /// Counts answers to predictions, so a repeated identical answer is still seen as new.
    pub(crate) predictions: RwSignal<u32>,
    /// A note that does not stop anything (a backend change, a failed request).
    pub(crate) notice: RwSignal<Option<String>>,
    /// Whether the worker holds a model that answers predictions and exports.
    pub(crate) has_model: RwSignal<bool>,
    /// The model file text the worker exported last, waiting to be downloaded or uploaded.
    pub(crate) exported: RwSignal<Option<String>>,
    /// What the next export is for.
    pub(crate) export_for: RwSignal<ExportFor>,
    /// The outcome of the last upload to the server, in words.
    pub(crate) upload_result: RwSignal<Option<String>>,
    /// Bumped by Reset so a fresh canvas element replaces the one given to the old worker.
    pub(crate) canvas_generation: RwSignal<u32>,
}

impl LabState {
    /// Fresh state for `config`.
    pub(crate) fn new(config: LabConfig) -> Self {
        // A stored dataset's task is known once its rows arrive; binary until then.
        let task = config.task().unwrap_or(Task::Binary);
        Self {
            config: RwSignal::new(config),
            run: RwSignal::new(RunState::Idle),
            backend: RwSignal::new(None),
            task: RwSignal::new(task),
            feature_count: RwSignal::new(2),
            epochs: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            points: RwSignal::new(None),
            heatmap: RwSignal::new(None),
            evaluation: RwSignal::new(None),
            throughput: RwSignal::new(None),
            prediction: RwSignal::new(None),
            predictions: RwSignal::new(0),
            notice: RwSignal::new(None),
            has_model: RwSignal::new(false),
            exported: RwSignal::new(None),
            export_for: RwSignal::new(ExportFor::Download),
            upload_result: RwSignal::new(None),
            canvas_generation: RwSignal::new(0),
        }
    }

    /// Clears the results of the previous run.
    pub(crate) fn clear_results(&self) {
        self.epochs.set(Vec::new());
        self.progress.set(None);
        self.points.set(None);
        self.heatmap.set(None);
        self.evaluation.set(None);
        self.throughput.set(None);
        self.prediction.set(None);
        self.notice.set(None);
        self.has_model.set(false);
    }

    /// Whether a run is loading, training or paused (the controls are locked then).
    pub(crate) fn is_busy(&self) -> bool {
        self.run.with(RunState::is_busy)
    }

    /// Applies one event from the worker.
    #[cfg_attr(
        not(feature = "hydrate"),
        expect(dead_code, reason = "the worker runs in the browser")
    )]
    pub(crate) fn apply(&self, event: LabEvent) {
        match event {
            LabEvent::Ready => {}
            LabEvent::Started {
                backend,
                task,
                feature_count,
                points,
                ..
            } => {
                self.backend.set(Some(backend));
                self.task.set(task);
                self.feature_count.set(feature_count);
                self.points.set(points);
                self.run.set(RunState::Training);
            }
            LabEvent::Progress(progress) => self.progress.set(Some(progress)),
            LabEvent::Epoch(summary) => {
                self.has_model.set(true);
                self.epochs.update(|epochs| epochs.push(summary));
            }
            LabEvent::Heatmap { renderer, .. } => self.heatmap.set(Some(renderer)),
            LabEvent::Paused { epoch } => self.run.set(RunState::Paused { epoch }),
            LabEvent::Resumed => self.run.set(RunState::Training),
            LabEvent::BackendChanged {
                backend,
                resumed_after_epoch,
            } => {
                self.notice.set(Some(format!(
                    "{} Continuing after epoch {resumed_after_epoch}.",
                    capitalised(&backend.reason)
                )));
                self.epochs
                    .update(|epochs| epochs.truncate(resumed_after_epoch));
                self.backend.set(Some(backend));
            }
            LabEvent::Finished {
                epochs,
                stopped,
                elapsed_ms,
                samples_per_second,
                evaluation,
            } => {
                self.has_model.set(true);
                self.evaluation.set(Some(evaluation));
                self.throughput.set(Some(samples_per_second));
                self.run.set(RunState::Finished {
                    epochs,
                    stopped,
                    seconds: elapsed_ms / 1000.0,
                });
            }
            LabEvent::Prediction { outputs, width } => {
                self.prediction.set(Some(describe_prediction(
                    &outputs,
                    width,
                    self.task.get_untracked(),
                )));
                self.predictions.update(|count| *count += 1);
            }
            LabEvent::Exported { text } => self.exported.set(Some(text)),
            LabEvent::Imported {
                config,
                task,
                feature_count,
                epochs_trained,
                evaluation,
            } => {
                self.clear_results();
                self.config.set(config);
                self.task.set(task);
                self.feature_count.set(feature_count);
                self.evaluation.set(evaluation);
                self.has_model.set(true);
                self.run.set(RunState::Loaded {
                    epochs: epochs_trained,
                });
            }
            LabEvent::Failed { message } => {
                if self.is_busy_untracked() {
                    self.run.set(RunState::Failed(message));
                    self.has_model.set(false);
                } else {
                    self.notice.set(Some(capitalised(&message)));
                }
            }
        }
    }

    fn is_busy_untracked(&self) -> bool {
        self.run.with_untracked(RunState::is_busy)
    }
}

/// One sentence for the prediction of the first row of `outputs`.
pub(crate) fn describe_prediction(outputs: &[f32], width: usize, task: Task) -> String {
    let Some(row) = outputs.get(..width) else {
        return "The model returned nothing.".to_owned();
    };
    match task {
        Task::Binary => {
            let p = row[0];
            let class = usize::from(p >= 0.5);
            format!("Class {class} (probability of class 1: {p:.3})")
        }
        Task::Multiclass { .. } => {
            let (class, p) =
                row.iter().enumerate().fold(
                    (0, f32::MIN),
                    |best, (i, &p)| if p > best.1 { (i, p) } else { best },
                );
            format!("Class {class} (probability {p:.3})")
        }
        Task::Regression => format!("Predicted value {:.4}", row[0]),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictions_read_as_sentences() {
        assert_eq!(
            describe_prediction(&[0.93], 1, Task::Binary),
            "Class 1 (probability of class 1: 0.930)"
        );
        assert_eq!(
            describe_prediction(&[0.1, 0.7, 0.2], 3, Task::Multiclass { classes: 3 }),
            "Class 1 (probability 0.700)"
        );
        assert_eq!(
            describe_prediction(&[], 1, Task::Regression),
            "The model returned nothing."
        );
    }
}
