//! The Lab's pictures drawn as SVG: live loss and accuracy curves, and after training the
//! confusion matrix, the ROC curve with its area, and the per-class figures.

use lepton_protocol::lab::{ClassificationReport, EpochSummary, Evaluation, RegressionReport};
use leptos::prelude::*;

use crate::lab::polyline_points;

const CHART_WIDTH: f32 = 480.0;
const CHART_HEIGHT: f32 = 160.0;
const ROC_SIDE: f32 = 220.0;

/// Training and validation curves of one figure per epoch, sharing a y-scale.
#[component]
pub(crate) fn EpochChart(
    epochs: RwSignal<Vec<EpochSummary>>,
    /// `"loss"` or `"accuracy"`: the test id and the label.
    kind: &'static str,
    /// Training and validation figures of an epoch; `None` where it has none.
    pick: fn(&EpochSummary) -> (Option<f32>, Option<f32>),
    /// The top of the y-axis; `None` scales to the largest value.
    fixed_max: Option<f32>,
) -> impl IntoView {
    let series = move |validation: bool| {
        epochs.with(|epochs| {
            let values: Vec<f32> = epochs
                .iter()
                .filter_map(|epoch| {
                    let (train, held_out) = pick(epoch);
                    if validation { held_out } else { train }
                })
                .collect();
            let max = fixed_max.unwrap_or_else(|| {
                epochs
                    .iter()
                    .flat_map(|epoch| {
                        let (train, held_out) = pick(epoch);
                        [train, held_out]
                    })
                    .flatten()
                    .fold(0.0f32, f32::max)
            });
            polyline_points(&values, max, CHART_WIDTH, CHART_HEIGHT)
        })
    };

    view! {
        <figure class="chart-figure" data-testid=format!("{kind}-chart")>
            <svg
                class="chart"
                viewBox=format!("-8 -8 {} {}", CHART_WIDTH + 16.0, CHART_HEIGHT + 16.0)
                role="img"
                aria-label=format!("Training and validation {kind} by epoch")
            >
                <polyline class="series-train" points=move || series(false) />
                <polyline class="series-validation" points=move || series(true) />
            </svg>
            <figcaption class="legend">
                <span class="swatch series-train"></span>
                {format!("training {kind} ")}
                <span class="swatch series-validation"></span>
                {format!("validation {kind}")}
            </figcaption>
        </figure>
    }
}

/// The evaluation of the finished (or loaded) model.
#[component]
pub(crate) fn EvaluationView(evaluation: Evaluation) -> impl IntoView {
    match evaluation {
        Evaluation::Classification(report) => classification_view(report).into_any(),
        Evaluation::Regression(report) => regression_view(&report).into_any(),
    }
}

fn classification_view(report: ClassificationReport) -> impl IntoView {
    let classes = report.per_class.len();
    let confusion = report.confusion.clone();
    let auc =
        report.roc.iter().map(|curve| curve.auc).sum::<f64>() / report.roc.len().max(1) as f64;

    view! {
        <Figures items=vec![
            ("Accuracy", format!("{:.1} %", report.accuracy * 100.0), "evaluation-accuracy"),
            ("Macro F1", format!("{:.3}", report.macro_f1), ""),
            (
                if classes == 2 { "AUC" } else { "Mean one-vs-rest AUC" },
                format!("{auc:.3}"),
                "evaluation-auc",
            ),
            ("Log loss", format!("{:.4}", report.log_loss), ""),
            ("Rows", report.rows.to_string(), ""),
        ] />
        <div class="evaluation-grid">
            <figure>
                <figcaption>"Confusion matrix (rows: actual, columns: predicted)"</figcaption>
                <table class="confusion" data-testid="confusion-matrix">
                    <thead>
                        <tr>
                            <th scope="col"></th>
                            {(0..classes)
                                .map(|class| {
                                    view! { <th scope="col">{format!("pred. {class}")}</th> }
                                })
                                .collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {confusion
                            .into_iter()
                            .enumerate()
                            .map(|(actual, row)| {
                                view! {
                                    <tr>
                                        <th scope="row">{format!("actual {actual}")}</th>
                                        {row
                                            .into_iter()
                                            .enumerate()
                                            .map(|(predicted, count)| {
                                                let class = if predicted == actual {
                                                    "hit"
                                                } else {
                                                    "miss"
                                                };
                                                view! { <td class=class>{count}</td> }
                                            })
                                            .collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </figure>
            <figure data-testid="roc-chart">
                <figcaption>"ROC curve"</figcaption>
                <svg
                    class="chart roc"
                    viewBox=format!("-8 -8 {} {}", ROC_SIDE + 16.0, ROC_SIDE + 16.0)
                    role="img"
                    aria-label="Receiver operating characteristic curve"
                >
                    <line class="diagonal" x1="0" y1=ROC_SIDE x2=ROC_SIDE y2="0" />
                    {report
                        .roc
                        .iter()
                        .map(|curve| {
                            let points = curve
                                .points
                                .iter()
                                .map(|(x, y)| {
                                    format!("{:.1},{:.1}", x * ROC_SIDE, ROC_SIDE - y * ROC_SIDE)
                                })
                                .collect::<Vec<_>>()
                                .join(" ");
                            view! {
                                <polyline
                                    class=format!("roc-curve class-{}", curve.class)
                                    points=points
                                />
                            }
                        })
                        .collect_view()}
                </svg>
            </figure>
        </div>
        <div class="table-scroll">
            <table class="per-class" data-testid="per-class">
                <thead>
                    <tr>
                        <th scope="col">"Class"</th>
                        <th scope="col">"Precision"</th>
                        <th scope="col">"Recall"</th>
                        <th scope="col">"F1"</th>
                        <th scope="col">"Support"</th>
                    </tr>
                </thead>
                <tbody>
                    {report
                        .per_class
                        .iter()
                        .enumerate()
                        .map(|(class, metrics)| {
                            view! {
                                <tr>
                                    <td>{class}</td>
                                    <td>{format!("{:.3}", metrics.precision)}</td>
                                    <td>{format!("{:.3}", metrics.recall)}</td>
                                    <td>{format!("{:.3}", metrics.f1)}</td>
                                    <td>{metrics.support}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn regression_view(report: &RegressionReport) -> impl IntoView {
    view! {
        <Figures items=vec![
            ("R²", format!("{:.4}", report.r2), "evaluation-r2"),
            ("Mean squared error", format!("{:.5}", report.mse), ""),
            ("Mean absolute error", format!("{:.5}", report.mae), ""),
            ("Rows", report.rows.to_string(), ""),
        ] />
    }
}

/// Headline figures as a description list: label, value and (when not empty) a test id.
#[component]
fn Figures(items: Vec<(&'static str, String, &'static str)>) -> impl IntoView {
    view! {
        <dl class="figures" data-testid="evaluation-figures">
            {items
                .into_iter()
                .map(|(label, value, test_id)| {
                    let test_id = (!test_id.is_empty()).then_some(test_id);
                    view! {
                        <div>
                            <dt>{label}</dt>
                            <dd data-testid=test_id>{value}</dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
    }
}
