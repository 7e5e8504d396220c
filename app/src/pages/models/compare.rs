//! The Compare page: two or more registered versions side by side — their figures in one
//! table, and their ROC and precision–recall curves overlaid on shared axes.
//!
//! The versions come from the URL (`/compare?versions=lateness:1,lateness:3`), so a
//! comparison can be linked to.

use lepton_protocol::lab::{Evaluation, RocCurve};
use lepton_protocol::registry::ModelVersion;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::format;
use crate::http::{self, ApiFailure, encode_component};
use crate::pages::table::loaded;

const SIDE: f64 = 240.0;

/// The points of one curve of an evaluation, when it has that curve.
type CurveOf = fn(&Evaluation) -> Option<Vec<(f32, f32)>>;

/// `name:version` pairs from the query, in order.
fn picked(query: &str) -> Vec<(String, u32)> {
    query
        .split(',')
        .filter_map(|item| {
            let (name, version) = item.rsplit_once(':')?;
            Some((name.to_owned(), version.parse().ok()?))
        })
        .collect()
}

/// The compare page.
#[component]
pub(crate) fn Compare() -> impl IntoView {
    let query = use_query_map();
    let versions = LocalResource::new(move || {
        let wanted = picked(&query.with(|query| query.get("versions").unwrap_or_default()));
        async move {
            let mut found = Vec::new();
            for (name, version) in wanted {
                let path = format!(
                    "/api/v1/models/{}/versions/{version}",
                    encode_component(&name)
                );
                found.push(http::get::<ModelVersion>(&path).await?);
            }
            if found.len() < 2 {
                return Err(ApiFailure {
                    status: 0,
                    message: "Pick two or more versions on a model's page to compare them."
                        .to_owned(),
                });
            }
            Ok(found)
        }
    });

    view! {
        <Title text="Compare versions" />
        <h1>"Compare versions"</h1>
        <Suspense fallback=|| view! { <p>"Loading the versions…"</p> }>
            {loaded(versions, |list: Vec<ModelVersion>| view! { <Comparison versions=list /> })}
        </Suspense>
    }
}

/// One named figure of every version.
fn figure_row(
    label: &'static str,
    versions: &[ModelVersion],
    pick: impl Fn(&Evaluation) -> Option<f64>,
    digits: usize,
) -> AnyView {
    let cells: Vec<String> = versions
        .iter()
        .map(|version| {
            let value = version.evaluation.as_ref().and_then(&pick);
            value
                .map(|value| format::number(value, digits))
                .unwrap_or_default()
        })
        .collect();
    view! {
        <tr>
            <th scope="row">{label}</th>
            {cells.into_iter().map(|cell| view! { <td class="number">{cell}</td> }).collect_view()}
        </tr>
    }
    .into_any()
}

fn classification<T>(
    pick: impl Fn(&lepton_protocol::lab::ClassificationReport) -> T,
) -> impl Fn(&Evaluation) -> Option<T> {
    move |evaluation| match evaluation {
        Evaluation::Classification(report) => Some(pick(report)),
        Evaluation::Regression(_) => None,
    }
}

fn regression(
    pick: impl Fn(&lepton_protocol::lab::RegressionReport) -> f64,
) -> impl Fn(&Evaluation) -> Option<f64> {
    move |evaluation| match evaluation {
        Evaluation::Regression(report) => Some(pick(report)),
        Evaluation::Classification(_) => None,
    }
}

fn mean_auc(curves: &[RocCurve]) -> f64 {
    curves.iter().map(|curve| curve.auc).sum::<f64>() / curves.len().max(1) as f64
}

#[component]
fn Comparison(versions: Vec<ModelVersion>) -> impl IntoView {
    let headers = versions
        .iter()
        .enumerate()
        .map(|(index, version)| {
            view! {
                <th scope="col">
                    <span class=format!("swatch compare-{}", index % 6)></span>
                    {format!("{} v{} ({})", version.model, version.version, version.evaluated_on)}
                </th>
            }
        })
        .collect_view();
    let text_row = |label: &'static str, text: fn(&ModelVersion) -> String| {
        let cells: Vec<String> = versions.iter().map(text).collect();
        view! {
            <tr>
                <th scope="row">{label}</th>
                {cells.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}
            </tr>
        }
        .into_any()
    };

    view! {
        <section class="card">
            <div class="table-scroll">
                <table class="compare" data-testid="compare-table">
                    <thead><tr><th></th>{headers}</tr></thead>
                    <tbody>
                        {text_row("Stage", |version| version.stage.label().to_owned())}
                        {text_row("Data", |version| version.dataset_label.clone().unwrap_or_default())}
                        {text_row("Hidden layers", |version| format!("{:?}", version.training.hidden))}
                        {text_row("Learning rate", |version| version.training.learning_rate.to_string())}
                        {text_row("Epochs", |version| version.epochs.to_string())}
                        {text_row("Device", |version| version.device.clone())}
                        {figure_row("Accuracy", &versions, classification(|report| report.accuracy), 4)}
                        {figure_row("Macro F1", &versions, classification(|report| report.macro_f1), 4)}
                        {figure_row("ROC AUC", &versions, classification(|report| mean_auc(&report.roc)), 4)}
                        {figure_row(
                            "Average precision",
                            &versions,
                            classification(|report| {
                                report.pr.iter().map(|curve| curve.average_precision).sum::<f64>()
                                    / report.pr.len().max(1) as f64
                            }),
                            4,
                        )}
                        {figure_row("Log loss", &versions, classification(|report| report.log_loss), 4)}
                        {figure_row("MAE", &versions, regression(|report| report.mae), 4)}
                        {figure_row("RMSE", &versions, regression(|report| report.rmse), 4)}
                        {figure_row("R²", &versions, regression(|report| report.r2), 4)}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card charts" aria-label="Curves">
            {overlay("ROC", "false positive rate", "true positive rate", &versions, |evaluation| {
                match evaluation {
                    Evaluation::Classification(report) => {
                        report.roc.first().map(|curve| curve.points.clone())
                    }
                    Evaluation::Regression(_) => None,
                }
            })}
            {overlay("Precision–recall", "recall", "precision", &versions, |evaluation| {
                match evaluation {
                    Evaluation::Classification(report) => {
                        report.pr.first().map(|curve| curve.points.clone())
                    }
                    Evaluation::Regression(_) => None,
                }
            })}
        </section>
    }
}

/// One curve per version on shared unit axes.
fn overlay(
    title: &'static str,
    x_label: &'static str,
    y_label: &'static str,
    versions: &[ModelVersion],
    curve: CurveOf,
) -> AnyView {
    let lines = versions
        .iter()
        .enumerate()
        .filter_map(|(index, version)| {
            let points = curve(version.evaluation.as_ref()?)?;
            let text: Vec<String> = points
                .iter()
                .map(|(x, y)| {
                    format!(
                        "{:.1},{:.1}",
                        f64::from(*x) * SIDE,
                        (1.0 - f64::from(*y)) * SIDE
                    )
                })
                .collect();
            Some(view! {
                <polyline class=format!("compare-curve compare-{}", index % 6) points=text.join(" ") />
            })
        })
        .collect_view();
    view! {
        <figure class="chart-figure" data-testid=format!("compare-{}", title.to_lowercase())>
            <svg class="chart roc" viewBox=format!("-8 -8 {} {}", SIDE + 16.0, SIDE + 16.0) role="img"
                aria-label=format!("{title} curves of the compared versions")>
                <rect class="frame" x="0" y="0" width=SIDE.to_string() height=SIDE.to_string() />
                {lines}
            </svg>
            <figcaption>{format!("{title}: {y_label} against {x_label}")}</figcaption>
        </figure>
    }
    .into_any()
}
