//! How well a trained model does on held-out rows, in figures the page draws.
//!
//! The worker (and later the server) computes these with `lepton_ml::evaluation`; the page
//! only renders them, so they are plain data here.

use serde::{Deserialize, Serialize};

/// Figures of one model on one set of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evaluation {
    /// A binary or multi-class classifier.
    Classification(ClassificationReport),
    /// A regressor.
    Regression(RegressionReport),
}

/// Accuracy, the confusion matrix and per-class figures of a classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Rows scored.
    pub rows: usize,
    /// Share of rows classified correctly.
    pub accuracy: f64,
    /// `confusion[actual][predicted]` counts.
    pub confusion: Vec<Vec<u64>>,
    /// Precision, recall, F1 and support of each class, class 0 first.
    pub per_class: Vec<ClassMetrics>,
    /// Unweighted mean of the per-class F1 scores.
    pub macro_f1: f64,
    /// Mean negative log-likelihood of the true class (probabilities clamped to 1e-7).
    pub log_loss: f64,
    /// The ROC curve of the positive class (binary) or of each class against the rest
    /// (multi-class), with its area.
    pub roc: Vec<RocCurve>,
    /// The precision–recall curves of the same classes, with their average precision.
    #[serde(default)]
    pub pr: Vec<PrCurve>,
}

/// A precision–recall curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrCurve {
    /// The class scored as positive.
    pub class: usize,
    /// `(recall, precision)` at each distinct score threshold, from the highest score down,
    /// thinned to at most a few hundred points.
    pub points: Vec<(f32, f32)>,
    /// Average precision: the sum over thresholds of the recall gained times the precision
    /// there (scikit-learn's `average_precision_score`, no interpolation).
    pub average_precision: f64,
}

/// Precision, recall and F1 of one class against all others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// Share of rows predicted as this class that are this class (0 when none are).
    pub precision: f64,
    /// Share of rows of this class that were predicted as it (0 when there are none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Rows truly of this class.
    pub support: u64,
}

/// A receiver operating characteristic curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    /// The class scored as positive.
    pub class: usize,
    /// `(false positive rate, true positive rate)` from (0, 0) to (1, 1), one point per
    /// distinct score (ties form one step), thinned to at most a few hundred points.
    pub points: Vec<(f32, f32)>,
    /// Area under the curve by the trapezoidal rule over every distinct score, which counts
    /// a tie between a positive and a negative as one half (the Mann–Whitney statistic).
    pub auc: f64,
}

/// Error figures of a regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionReport {
    /// Rows scored.
    pub rows: usize,
    /// Mean squared error.
    pub mse: f64,
    /// Root of the mean squared error, in the target's unit.
    #[serde(default)]
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Coefficient of determination: 1 − residual / total sum of squares (0 when the
    /// targets are constant).
    pub r2: f64,
}

impl Evaluation {
    /// Accuracy for classifiers, `None` for regressors.
    pub fn accuracy(&self) -> Option<f64> {
        match self {
            Self::Classification(report) => Some(report.accuracy),
            Self::Regression(_) => None,
        }
    }
}
