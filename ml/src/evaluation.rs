//! Evaluation figures computed from a model's outputs and the true targets.
//!
//! Plain arithmetic on host values, so the tab, the server and the tests agree to the last
//! bit: the model produces probabilities or values, this module turns them into accuracy,
//! per-class precision, recall and F1, the confusion matrix, ROC curves with their area, log
//! loss, or MSE, MAE and R². Precision, recall and F1 are 0 where their denominator is 0, the
//! convention scikit-learn reports with a warning.

use lepton_protocol::lab::{
    ClassMetrics, ClassificationReport, Evaluation, PrCurve, RegressionReport, RocCurve, Task,
};

/// Most points kept on a ROC curve sent to the page; the area uses every point.
const ROC_POINTS_MAX: usize = 200;
/// Probabilities are clamped to `[EPSILON, 1 - EPSILON]` in the log loss, as scikit-learn
/// does, so one confident mistake cannot make it infinite.
const EPSILON: f64 = 1e-7;

/// Scores `outputs` (as [`crate::Mlp::predict`] gives them, `task.outputs()` per row) against
/// `targets`.
///
/// # Panics
///
/// When the lengths disagree: that is a bug in the caller, not bad input.
pub fn evaluate(outputs: &[f32], targets: &[f32], task: Task) -> Evaluation {
    assert_eq!(
        outputs.len(),
        targets.len() * task.outputs(),
        "outputs per row must match the task"
    );

    match task {
        Task::Binary => {
            let probabilities: Vec<f32> = outputs
                .iter()
                .flat_map(|&positive| [1.0 - positive, positive])
                .collect();
            Evaluation::Classification(classification(&probabilities, targets, 2))
        }
        Task::Multiclass { classes } => {
            Evaluation::Classification(classification(outputs, targets, classes))
        }
        Task::Regression => Evaluation::Regression(regression(outputs, targets)),
    }
}

/// The figures of a classifier from one probability per class per row.
fn classification(probabilities: &[f32], targets: &[f32], classes: usize) -> ClassificationReport {
    let rows = targets.len();
    let mut confusion = vec![vec![0u64; classes]; classes];
    let mut log_loss = 0.0;

    for (row, &target) in probabilities.chunks(classes).zip(targets) {
        let actual = target as usize;
        confusion[actual][argmax(row)] += 1;

        let probability = f64::from(row[actual]).clamp(EPSILON, 1.0 - EPSILON);
        log_loss -= probability.ln();
    }

    let per_class: Vec<ClassMetrics> = (0..classes)
        .map(|class| class_metrics(&confusion, class))
        .collect();
    let correct: u64 = (0..classes).map(|class| confusion[class][class]).sum();

    let scored: Vec<usize> = if classes == 2 {
        vec![1]
    } else {
        (0..classes).collect()
    };
    let (roc, pr) = scored
        .into_iter()
        .map(|class| {
            let scores: Vec<f32> = probabilities
                .chunks(classes)
                .map(|row| row[class])
                .collect();
            let positives: Vec<bool> = targets.iter().map(|&t| t as usize == class).collect();
            (
                roc_curve(class, &scores, &positives),
                pr_curve(class, &scores, &positives),
            )
        })
        .unzip();

    ClassificationReport {
        rows,
        accuracy: ratio(correct, rows as u64),
        macro_f1: per_class.iter().map(|metrics| metrics.f1).sum::<f64>() / classes as f64,
        per_class,
        confusion,
        log_loss: if rows == 0 {
            0.0
        } else {
            log_loss / rows as f64
        },
        roc,
        pr,
    }
}

fn argmax(row: &[f32]) -> usize {
    // On equal values the later class wins, so a binary probability of exactly 0.5 predicts
    // class 1: the usual `p >= 0.5` convention.
    let mut best = 0;
    for (index, &value) in row.iter().enumerate() {
        if value >= row[best] {
            best = index;
        }
    }
    best
}

fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

fn class_metrics(confusion: &[Vec<u64>], class: usize) -> ClassMetrics {
    let true_positives = confusion[class][class];
    let predicted: u64 = confusion.iter().map(|row| row[class]).sum();
    let support: u64 = confusion[class].iter().sum();

    let precision = ratio(true_positives, predicted);
    let recall = ratio(true_positives, support);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };

    ClassMetrics {
        precision,
        recall,
        f1,
        support,
    }
}

/// The ROC curve of `scores` against `positives`, one point per distinct score.
///
/// Rows are sorted by descending score and every run of equal scores is taken as one step, so
/// a tie between a positive and a negative adds a diagonal segment worth one half of a pair:
/// the trapezoidal area then equals the Mann–Whitney U statistic, the probability that a
/// random positive outscores a random negative. With no positives or no negatives the curve
/// is undefined; the area is then reported as 0.5 and the curve as the diagonal.
pub fn roc_curve(class: usize, scores: &[f32], positives: &[bool]) -> RocCurve {
    let total_positives = positives.iter().filter(|&&positive| positive).count() as f64;
    let total_negatives = positives.len() as f64 - total_positives;
    if total_positives == 0.0 || total_negatives == 0.0 {
        return RocCurve {
            class,
            points: vec![(0.0, 0.0), (1.0, 1.0)],
            auc: 0.5,
        };
    }

    let mut points = vec![(0.0f64, 0.0f64)];
    for (true_positives, false_positives) in thresholds(scores, positives) {
        points.push((
            false_positives / total_negatives,
            true_positives / total_positives,
        ));
    }

    let auc = points
        .windows(2)
        .map(|pair| (pair[1].0 - pair[0].0) * (pair[1].1 + pair[0].1) / 2.0)
        .sum();

    RocCurve {
        class,
        points: thin(&points),
        auc,
    }
}

/// Counts of positives and negatives at or above each distinct score, highest score first:
/// one `(true positives, false positives)` pair per threshold.
fn thresholds(scores: &[f32], positives: &[bool]) -> Vec<(f64, f64)> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));

    let mut counts = Vec::new();
    let (mut true_positives, mut false_positives) = (0.0, 0.0);
    let mut index = 0;
    while index < order.len() {
        let score = scores[order[index]];
        while index < order.len() && scores[order[index]] == score {
            if positives[order[index]] {
                true_positives += 1.0;
            } else {
                false_positives += 1.0;
            }
            index += 1;
        }
        counts.push((true_positives, false_positives));
    }
    counts
}

/// The precision–recall curve of `scores` against `positives`, one point per distinct score,
/// and its average precision. Without positives the curve is empty and the average 0.
pub fn pr_curve(class: usize, scores: &[f32], positives: &[bool]) -> PrCurve {
    let total_positives = positives.iter().filter(|&&positive| positive).count() as f64;
    if total_positives == 0.0 {
        return PrCurve {
            class,
            points: Vec::new(),
            average_precision: 0.0,
        };
    }

    let mut points = Vec::new();
    let mut average_precision = 0.0;
    let mut previous_recall = 0.0;
    for (true_positives, false_positives) in thresholds(scores, positives) {
        let recall = true_positives / total_positives;
        let precision = true_positives / (true_positives + false_positives);
        average_precision += (recall - previous_recall) * precision;
        previous_recall = recall;
        points.push((recall, precision));
    }

    PrCurve {
        class,
        points: thin(&points),
        average_precision,
    }
}

/// Keeps at most [`ROC_POINTS_MAX`] points, always the first and the last.
fn thin(points: &[(f64, f64)]) -> Vec<(f32, f32)> {
    let step = points.len().div_ceil(ROC_POINTS_MAX).max(1);
    let mut kept: Vec<(f32, f32)> = points
        .iter()
        .step_by(step)
        .map(|&(x, y)| (x as f32, y as f32))
        .collect();
    if let Some(&(x, y)) = points.last()
        && kept.last() != Some(&(x as f32, y as f32))
    {
        kept.push((x as f32, y as f32));
    }
    kept
}

fn regression(predictions: &[f32], targets: &[f32]) -> RegressionReport {
    let rows = targets.len();
    if rows == 0 {
        return RegressionReport {
            rows,
            mse: 0.0,
            rmse: 0.0,
            mae: 0.0,
            r2: 0.0,
        };
    }

    let count = rows as f64;
    let mean = targets.iter().map(|&t| f64::from(t)).sum::<f64>() / count;
    let (mut squared, mut absolute, mut total) = (0.0, 0.0, 0.0);
    for (&prediction, &target) in predictions.iter().zip(targets) {
        let error = f64::from(prediction) - f64::from(target);
        squared += error * error;
        absolute += error.abs();
        total += (f64::from(target) - mean).powi(2);
    }

    RegressionReport {
        rows,
        mse: squared / count,
        rmse: (squared / count).sqrt(),
        mae: absolute / count,
        r2: if total == 0.0 {
            0.0
        } else {
            1.0 - squared / total
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(evaluation: Evaluation) -> ClassificationReport {
        match evaluation {
            Evaluation::Classification(report) => report,
            Evaluation::Regression(_) => panic!("a classification was expected"),
        }
    }

    #[test]
    fn average_precision_matches_a_hand_computation_with_ties() {
        // Scores, highest first: 0.9 (+), 0.8 (+, -), 0.3 (-), 0.2 (+).
        let scores = [0.9, 0.8, 0.8, 0.3, 0.2];
        let positives = [true, true, false, false, true];
        let curve = pr_curve(1, &scores, &positives);

        // Thresholds: 0.9 → R 1/3, P 1; 0.8 → R 2/3, P 2/3; 0.3 → R 2/3, P 1/2;
        // 0.2 → R 1, P 3/5. AP = 1/3 · 1 + 1/3 · 2/3 + 0 + 1/3 · 3/5.
        let expected = 1.0 / 3.0 + (1.0 / 3.0) * (2.0 / 3.0) + (1.0 / 3.0) * 0.6;
        assert!(
            (curve.average_precision - expected).abs() < 1e-12,
            "{curve:?}"
        );
        assert_eq!(curve.points.len(), 4);
        assert_eq!(curve.points[0], (1.0 / 3.0, 1.0));
        assert_eq!(pr_curve(1, &[0.5], &[false]).average_precision, 0.0);
    }

    #[test]
    fn regression_reports_the_root_mean_squared_error() {
        let Evaluation::Regression(report) = evaluate(&[1.0, 3.0], &[2.0, 5.0], Task::Regression)
        else {
            panic!("a regression report was expected");
        };
        assert!((report.mse - 2.5).abs() < 1e-12);
        assert!((report.rmse - 2.5f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn matches_a_hand_computed_binary_confusion_matrix() {
        // Rows: TP, TP, FP, TN, TN, TN, FN.
        let probabilities = [0.9, 0.6, 0.7, 0.1, 0.4, 0.2, 0.3];
        let labels = [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];

        let report = report(evaluate(&probabilities, &labels, Task::Binary));

        // confusion[actual][predicted]: TN 3, FP 1 / FN 1, TP 2.
        assert_eq!(report.confusion, vec![vec![3, 1], vec![1, 2]]);
        assert!((report.accuracy - 5.0 / 7.0).abs() < 1e-12);
        let positive = &report.per_class[1];
        assert!((positive.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((positive.recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((positive.f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(positive.support, 3);
        // Class 0: precision 3/4, recall 3/4.
        assert!((report.per_class[0].f1 - 0.75).abs() < 1e-12);
        assert!((report.macro_f1 - (0.75 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn asymmetric_errors_give_distinct_precision_and_recall() {
        // TP = 1, FP = 3: precision 1/4, recall 1, F1 = 2·0.25/1.25 = 0.4.
        let report = report(evaluate(
            &[0.8, 0.8, 0.8, 0.8],
            &[1.0, 0.0, 0.0, 0.0],
            Task::Binary,
        ));
        let positive = &report.per_class[1];

        assert!((positive.precision - 0.25).abs() < 1e-12);
        assert!((positive.recall - 1.0).abs() < 1e-12);
        assert!((positive.f1 - 0.4).abs() < 1e-12);
        assert!((report.accuracy - 0.25).abs() < 1e-12);
    }

    #[test]
    fn no_predicted_positives_gives_zero_precision_not_nan() {
        let report = report(evaluate(&[0.1, 0.2], &[1.0, 0.0], Task::Binary));

        assert_eq!(report.per_class[1].precision, 0.0);
        assert_eq!(report.per_class[1].f1, 0.0);
        assert!((report.accuracy - 0.5).abs() < 1e-12);
    }

    #[test]
    fn a_probability_of_one_half_predicts_the_positive_class() {
        let report = report(evaluate(&[0.5], &[1.0], Task::Binary));
        assert_eq!(report.confusion, vec![vec![0, 0], vec![0, 1]]);
    }

    #[test]
    fn auc_of_a_hand_computed_case_with_ties() {
        // Positives score 0.9, 0.5, 0.5; negatives 0.5, 0.1. Pairs (positive, negative):
        // 0.9 beats both (2), each 0.5 ties 0.5 (2 × ½) and beats 0.1 (2): 5 of 6 pairs.
        let scores = [0.9, 0.5, 0.5, 0.5, 0.1];
        let positives = [true, true, true, false, false];

        let curve = roc_curve(1, &scores, &positives);

        assert!((curve.auc - 5.0 / 6.0).abs() < 1e-12, "{}", curve.auc);
        // (0,0), after 0.9: (0, 1/3), after the three 0.5s: (1/2, 1), after 0.1: (1, 1).
        assert_eq!(curve.points.len(), 4);
        assert_eq!(curve.points[1], (0.0, 1.0 / 3.0));
        assert_eq!(curve.points[2], (0.5, 1.0));
        assert_eq!(curve.points[3], (1.0, 1.0));
    }

    #[test]
    fn perfect_and_reversed_rankings_give_one_and_zero() {
        let positives = [true, true, false, false];
        assert_eq!(roc_curve(1, &[0.9, 0.8, 0.2, 0.1], &positives).auc, 1.0);
        assert_eq!(roc_curve(1, &[0.1, 0.2, 0.8, 0.9], &positives).auc, 0.0);
        assert_eq!(roc_curve(1, &[0.5, 0.5, 0.5, 0.5], &positives).auc, 0.5);
    }

    #[test]
    fn one_class_only_gives_the_diagonal() {
        let curve = roc_curve(1, &[0.3, 0.7], &[true, true]);
        assert_eq!(curve.auc, 0.5);
    }

    #[test]
    fn multi_class_confusion_and_one_vs_rest_curves() {
        // Three rows, three classes: the third row (class 2) is mistaken for class 0.
        let outputs = [
            0.8, 0.1, 0.1, //
            0.1, 0.7, 0.2, //
            0.5, 0.2, 0.3,
        ];
        let report = report(evaluate(
            &outputs,
            &[0.0, 1.0, 2.0],
            Task::Multiclass { classes: 3 },
        ));

        assert_eq!(
            report.confusion,
            vec![vec![1, 0, 0], vec![0, 1, 0], vec![1, 0, 0]]
        );
        assert!((report.accuracy - 2.0 / 3.0).abs() < 1e-12);
        assert!((report.per_class[0].precision - 0.5).abs() < 1e-12);
        assert_eq!(report.per_class[2].recall, 0.0);
        assert_eq!(report.roc.len(), 3);
        let expected = -(0.8f64.ln() + 0.7f64.ln() + 0.3f64.ln()) / 3.0;
        assert!((report.log_loss - expected).abs() < 1e-6);
    }

    #[test]
    fn regression_figures_match_hand_computed_values() {
        // Errors 1, -1, 0, 2: MSE 6/4, MAE 4/4; targets 1..4 have mean 2.5 and total sum of
        // squares 5, so R² = 1 - 6/5.
        let evaluation = evaluate(
            &[2.0, 1.0, 3.0, 6.0],
            &[1.0, 2.0, 3.0, 4.0],
            Task::Regression,
        );
        let Evaluation::Regression(report) = evaluation else {
            panic!("a regression was expected");
        };

        assert!((report.mse - 1.5).abs() < 1e-12);
        assert!((report.mae - 1.0).abs() < 1e-12);
        assert!((report.r2 - (1.0 - 6.0 / 5.0)).abs() < 1e-12);
    }
}
