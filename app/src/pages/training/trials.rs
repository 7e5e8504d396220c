//! A search's results: the trials table, sortable by validation loss or score with the best
//! trial marked, and one scatter plot per varied setting against the validation loss.

use lepton_protocol::job::{JobStatus, TrialSummary};
use lepton_protocol::search::{Range, SearchSpec};
use leptos::prelude::*;

use crate::format;
use crate::http;
use crate::pages::table::loaded;

const PLOT_WIDTH: f64 = 260.0;
const PLOT_HEIGHT: f64 = 160.0;

/// How the table is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Index,
    Loss,
    Score,
}

/// The trials of the search `id`, reloaded whenever `changes` changes.
#[component]
pub(crate) fn TrialsView(id: String, search: SearchSpec, changes: Signal<usize>) -> impl IntoView {
    let trials = LocalResource::new(move || {
        changes.track();
        let id = id.clone();
        async move { http::get::<Vec<TrialSummary>>(&format!("/api/v1/jobs/{id}/trials")).await }
    });
    let order = RwSignal::new(Order::Loss);
    let space = StoredValue::new(search.space.clone());

    view! {
        <section class="card" aria-labelledby="trials-heading">
            <h2 id="trials-heading">
                {format!("Trials ({} search, {} trials)", strategy(&search), search.trials)}
            </h2>
            <label class="inline">
                "Sort by "
                <select on:change=move |event| {
                    order.set(match event_target_value(&event).as_str() {
                        "index" => Order::Index,
                        "score" => Order::Score,
                        _ => Order::Loss,
                    });
                }>
                    <option value="loss">"validation loss"</option>
                    <option value="score">"score"</option>
                    <option value="index">"trial number"</option>
                </select>
            </label>
            <Suspense fallback=|| view! { <p>"Loading trials…"</p> }>
                {loaded(trials, move |list: Vec<TrialSummary>| {
                    let plots = space
                        .get_value()
                        .iter()
                        .enumerate()
                        .map(|(index, range)| plot(&list, index, range))
                        .collect_view();
                    view! {
                        {move || table(list.clone(), &space.get_value(), order.get())}
                        <div class="trial-plots">{plots}</div>
                    }
                })}
            </Suspense>
        </section>
    }
}

fn strategy(search: &SearchSpec) -> &'static str {
    match search.strategy {
        lepton_protocol::search::Strategy::Grid => "grid",
        lepton_protocol::search::Strategy::Random => "random",
        lepton_protocol::search::Strategy::Bayesian => "Bayesian",
    }
}

/// The index of the finished trial with the lowest loss.
fn best_index(list: &[TrialSummary]) -> Option<u32> {
    list.iter()
        .filter_map(|trial| Some((trial.index, trial.best_loss?)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(index, _)| index)
}

fn table(mut list: Vec<TrialSummary>, space: &[Range], order: Order) -> AnyView {
    let best = best_index(&list);
    let missing_last = |value: Option<f64>, worst: f64| value.unwrap_or(worst);
    match order {
        Order::Index => list.sort_by_key(|trial| trial.index),
        Order::Loss => list.sort_by(|a, b| {
            missing_last(a.best_loss, f64::INFINITY)
                .total_cmp(&missing_last(b.best_loss, f64::INFINITY))
        }),
        Order::Score => list.sort_by(|a, b| {
            missing_last(b.score, f64::NEG_INFINITY)
                .total_cmp(&missing_last(a.score, f64::NEG_INFINITY))
        }),
    }
    let headers: Vec<String> = ["Trial".to_owned()]
        .into_iter()
        .chain(
            space
                .iter()
                .map(|range| range.parameter.as_str().to_owned()),
        )
        .chain(["Status", "Epochs", "Validation loss", "Score"].map(str::to_owned))
        .collect();

    // The columns depend on the search's space, so this is DataTable's markup with headers
    // built at run time.
    view! {
        <div class="table-scroll">
        <table class="trials">
            <thead>
                <tr>{headers.into_iter().map(|header| view! { <th>{header}</th> }).collect_view()}</tr>
            </thead>
            <tbody>
            {list
                .into_iter()
                .map(|trial| {
                    let is_best = Some(trial.index) == best;
                    let status = match (trial.status, trial.pruned) {
                        (JobStatus::Succeeded, true) => "stopped early".to_owned(),
                        (status, _) => status.as_str().to_owned(),
                    };
                    view! {
                        <tr class:best=is_best data-trial=trial.index>
                            <td class="number">
                                {format!("{}{}", trial.index, if is_best { " ★ best" } else { "" })}
                            </td>
                            {trial
                                .params
                                .iter()
                                .map(|param| view! { <td class="number">{format::number(param.value, 5)}</td> })
                                .collect_view()}
                            <td title=trial.error.clone().unwrap_or_default()>{status}</td>
                            <td class="number">{trial.epochs}</td>
                            <td class="number">{trial.best_loss.map(|loss| format::number(loss, 5)).unwrap_or_default()}</td>
                            <td class="number">{trial.score.map(|score| format::number(score, 3)).unwrap_or_default()}</td>
                        </tr>
                    }
                })
                .collect_view()}
            </tbody>
        </table>
        </div>
    }
    .into_any()
}

/// A scatter of one setting's value (log-scaled for log ranges) against validation loss.
fn plot(list: &[TrialSummary], dimension: usize, range: &Range) -> AnyView {
    let points: Vec<(f64, f64, bool)> = list
        .iter()
        .filter_map(|trial| {
            let value = trial.params.get(dimension)?.value;
            let x = if range.log {
                value.max(f64::MIN_POSITIVE).ln()
            } else {
                value
            };
            Some((x, trial.best_loss?, Some(trial.index) == best_index(list)))
        })
        .filter(|(x, loss, _)| x.is_finite() && loss.is_finite())
        .collect();
    let bounds = |pick: fn(&(f64, f64, bool)) -> f64| {
        let low = points.iter().map(pick).fold(f64::INFINITY, f64::min);
        let high = points.iter().map(pick).fold(f64::NEG_INFINITY, f64::max);
        if high > low {
            (low, high)
        } else {
            (low - 1.0, low + 1.0)
        }
    };
    let (x_low, x_high) = bounds(|point| point.0);
    let (y_low, y_high) = bounds(|point| point.1);
    let name = range.parameter.as_str();

    view! {
        <figure class="chart-figure" data-testid=format!("trial-plot-{name}")>
            <svg
                class="chart"
                viewBox=format!("-8 -8 {} {}", PLOT_WIDTH + 16.0, PLOT_HEIGHT + 16.0)
                role="img"
                aria-label=format!("Validation loss against {name}")
            >
                {points
                    .into_iter()
                    .map(|(x, loss, best)| {
                        let cx = (x - x_low) / (x_high - x_low) * PLOT_WIDTH;
                        let cy = PLOT_HEIGHT - (loss - y_low) / (y_high - y_low) * PLOT_HEIGHT;
                        view! {
                            <circle
                                class=if best { "trial-point best" } else { "trial-point" }
                                cx=format!("{cx:.1}")
                                cy=format!("{cy:.1}")
                                r="4"
                            />
                        }
                    })
                    .collect_view()}
            </svg>
            <figcaption>
                {format!(
                    "{name}{} against validation loss (lower is better)",
                    if range.log { " (log scale)" } else { "" }
                )}
            </figcaption>
        </figure>
    }
    .into_any()
}
