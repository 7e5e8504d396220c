//! Binary classification metrics computed from predicted probabilities and true labels.
//!
//! Kept as plain arithmetic on host values so the tab, the server and the tests agree to the
//! last bit; the model produces probabilities, this module turns them into figures.

/// Counts of the four outcomes of a binary decision at a threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConfusionMatrix {
    /// Predicted 1, truly 1.
    pub true_positives: u64,
    /// Predicted 1, truly 0.
    pub false_positives: u64,
    /// Predicted 0, truly 0.
    pub true_negatives: u64,
    /// Predicted 0, truly 1.
    pub false_negatives: u64,
}

/// Accuracy, precision, recall and F1 of a binary classifier.
///
/// Precision, recall and F1 are 0 when their denominator is 0 (no predicted or no actual
/// positives), the convention scikit-learn reports with a warning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinaryMetrics {
    /// The outcome counts the figures come from.
    pub confusion: ConfusionMatrix,
    /// Share of rows classified correctly.
    pub accuracy: f64,
    /// Share of predicted positives that are positive.
    pub precision: f64,
    /// Share of actual positives that were found.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl ConfusionMatrix {
    /// Tallies predictions (`probability >= threshold` means 1) against 0/1 labels.
    ///
    /// # Panics
    ///
    /// When the two slices differ in length: that is a bug in the caller, not bad input.
    pub fn from_probabilities(probabilities: &[f32], labels: &[f32], threshold: f32) -> Self {
        assert_eq!(
            probabilities.len(),
            labels.len(),
            "one probability per label"
        );

        let mut matrix = Self::default();
        for (&probability, &label) in probabilities.iter().zip(labels) {
            let predicted = probability >= threshold;
            let actual = label >= 0.5;

            match (predicted, actual) {
                (true, true) => matrix.true_positives += 1,
                (true, false) => matrix.false_positives += 1,
                (false, false) => matrix.true_negatives += 1,
                (false, true) => matrix.false_negatives += 1,
            }
        }
        matrix
    }

    /// How many rows were tallied.
    pub fn total(&self) -> u64 {
        self.true_positives + self.false_positives + self.true_negatives + self.false_negatives
    }
}

impl BinaryMetrics {
    /// Derives the figures from a confusion matrix.
    pub fn from_confusion(confusion: ConfusionMatrix) -> Self {
        let ratio = |numerator: u64, denominator: u64| {
            if denominator == 0 {
                0.0
            } else {
                numerator as f64 / denominator as f64
            }
        };

        let accuracy = ratio(
            confusion.true_positives + confusion.true_negatives,
            confusion.total(),
        );
        let precision = ratio(
            confusion.true_positives,
            confusion.true_positives + confusion.false_positives,
        );
        let recall = ratio(
            confusion.true_positives,
            confusion.true_positives + confusion.false_negatives,
        );
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };

        Self {
            confusion,
            accuracy,
            precision,
            recall,
            f1,
        }
    }

    /// Tallies and derives in one go, at the usual 0.5 threshold.
    pub fn from_probabilities(probabilities: &[f32], labels: &[f32]) -> Self {
        Self::from_confusion(ConfusionMatrix::from_probabilities(
            probabilities,
            labels,
            0.5,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_hand_computed_confusion_matrix() {
        // Rows: TP, TP, FP, TN, TN, TN, FN.
        let probabilities = [0.9, 0.6, 0.7, 0.1, 0.4, 0.2, 0.3];
        let labels = [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];

        let metrics = BinaryMetrics::from_probabilities(&probabilities, &labels);

        assert_eq!(
            metrics.confusion,
            ConfusionMatrix {
                true_positives: 2,
                false_positives: 1,
                true_negatives: 3,
                false_negatives: 1
            }
        );
        assert!((metrics.accuracy - 5.0 / 7.0).abs() < 1e-12);
        assert!((metrics.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((metrics.recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((metrics.f1 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn asymmetric_errors_give_distinct_precision_and_recall() {
        // TP = 1, FP = 3, TN = 0, FN = 0: precision 1/4, recall 1, F1 = 2·0.25/1.25 = 0.4.
        let metrics =
            BinaryMetrics::from_probabilities(&[0.8, 0.8, 0.8, 0.8], &[1.0, 0.0, 0.0, 0.0]);

        assert!((metrics.precision - 0.25).abs() < 1e-12);
        assert!((metrics.recall - 1.0).abs() < 1e-12);
        assert!((metrics.f1 - 0.4).abs() < 1e-12);
        assert!((metrics.accuracy - 0.25).abs() < 1e-12);
    }

    #[test]
    fn no_predicted_positives_gives_zero_precision_not_nan() {
        let metrics = BinaryMetrics::from_probabilities(&[0.1, 0.2], &[1.0, 0.0]);

        assert_eq!(metrics.precision, 0.0);
        assert_eq!(metrics.recall, 0.0);
        assert_eq!(metrics.f1, 0.0);
        assert!((metrics.accuracy - 0.5).abs() < 1e-12);
    }

    #[test]
    fn threshold_is_inclusive() {
        let matrix = ConfusionMatrix::from_probabilities(&[0.5], &[1.0], 0.5);
        assert_eq!(matrix.true_positives, 1);
    }
}
