//! A dataset's quality profile as people read it: warnings first, most severe on top, then
//! the target's classes, then one card per column with its type, figures and a histogram or
//! its most frequent values.

use lepton_protocol::profile::{
    ColumnKind, ColumnProfile, DatasetProfile, Histogram, NumericSummary, Severity, TargetProfile,
    ValueCount, Warning,
};
use leptos::prelude::*;

use crate::format;

/// Height of the histogram's drawing, in its own units (the width is one unit per bin).
const HISTOGRAM_HEIGHT: f64 = 40.0;

/// The whole profile.
#[component]
pub(crate) fn ProfileView(profile: DatasetProfile) -> impl IntoView {
    let duplicates = (profile.duplicate_rows > 0).then(|| {
        let bound = if profile.duplicates_exact {
            ""
        } else {
            "at least "
        };
        format!(
            "{bound}{} duplicate rows",
            format::count(profile.duplicate_rows)
        )
    });

    view! {
        <section class="card" aria-labelledby="warnings-heading">
            <h2 id="warnings-heading">"Warnings"</h2>
            {warnings_view(profile.warnings)}
            {duplicates.map(|text| view! { <p class="hint">{text}</p> })}
        </section>
        {profile.target.map(|target| view! { <TargetCard target=target /> })}
        <section class="card" aria-labelledby="columns-heading">
            <h2 id="columns-heading">{format!("Columns ({})", profile.columns.len())}</h2>
            <div class="column-grid">
                {profile.columns.into_iter().map(column_card).collect_view()}
            </div>
        </section>
    }
}

fn warnings_view(warnings: Vec<Warning>) -> impl IntoView {
    if warnings.is_empty() {
        return view! { <p class="notice">"Nothing looks wrong with this data."</p> }.into_any();
    }
    view! {
        <ul class="warnings">
            {warnings
                .into_iter()
                .map(|warning| {
                    let severity = match warning.severity {
                        Severity::High => "high",
                        Severity::Medium => "medium",
                        Severity::Low => "low",
                    };
                    view! {
                        <li class=severity data-code=warning.code>
                            <span class="severity">{severity}</span>
                            {warning.message}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn TargetCard(target: TargetProfile) -> impl IntoView {
    let imbalance = target.imbalance_ratio.map(|ratio| {
        format!(
            "Imbalance: {} majority rows per minority row.",
            format::number(ratio, 1)
        )
    });
    let missing = (target.missing > 0).then(|| {
        format!(
            "{} rows have no target value.",
            format::count(target.missing)
        )
    });
    let total: u64 = target.classes.iter().map(|class| class.count).sum();

    view! {
        <section class="card" aria-labelledby="target-heading">
            <h2 id="target-heading">{format!("Target: {}", target.column)}</h2>
            <p>{imbalance} " " {missing}</p>
            {top_values_view(target.classes, total)}
        </section>
    }
}

fn column_card(column: ColumnProfile) -> impl IntoView {
    let kind = match column.kind {
        ColumnKind::Numeric => "numeric",
        ColumnKind::Integer => "integer",
        ColumnKind::Boolean => "boolean",
        ColumnKind::Categorical => "categorical",
        ColumnKind::Text => "text",
        ColumnKind::Datetime => "datetime",
    };
    let rows = column.count + column.missing;
    let missing_share = if rows > 0 {
        100.0 * column.missing as f64 / rows as f64
    } else {
        0.0
    };
    let distinct = if column.distinct_exact {
        format::count(column.distinct)
    } else {
        format!("≈ {}", format::count(column.distinct))
    };
    let mut flags = Vec::new();
    if column.constant {
        flags.push("constant");
    }
    if column.id_like {
        flags.push("ID-like");
    }
    let flags = (!flags.is_empty()).then(|| format!(" · {}", flags.join(", ")));

    view! {
        <article class="column-card" data-column=column.name.clone()>
            <h3>{column.name.clone()}</h3>
            <span class="kind">{kind} {flags}</span>
            <dl>
                <dt>"Values"</dt><dd>{format::count(column.count)}</dd>
                <dt>"Missing"</dt>
                <dd>{format!("{} ({}%)", format::count(column.missing), format::number(missing_share, 1))}</dd>
                <dt>"Distinct"</dt><dd>{distinct}</dd>
                {column.datetime.map(|range| view! {
                    <dt>"From"</dt><dd>{range.min}</dd>
                    <dt>"To"</dt><dd>{range.max}</dd>
                })}
            </dl>
            {column.numeric.map(numeric_view)}
            {(!column.top_values.is_empty()).then(|| top_values_view(column.top_values, column.count))}
        </article>
    }
}

fn numeric_view(summary: NumericSummary) -> impl IntoView {
    let approximate = if summary.quantiles_exact { "" } else { " ≈" };
    let outliers = if summary.outliers_exact {
        format::count(summary.outliers)
    } else {
        format!("≈ {}", format::count(summary.outliers))
    };
    let quantiles = summary.quantiles;

    view! {
        {histogram_view(&summary.histogram)}
        <dl>
            <dt>"Min / max"</dt>
            <dd>{format!("{} / {}", format::number(summary.min, 4), format::number(summary.max, 4))}</dd>
            <dt>"Mean ± sd"</dt>
            <dd>{format!("{} ± {}", format::number(summary.mean, 4), format::number(summary.std_dev, 4))}</dd>
            <dt>{format!("Quartiles{approximate}")}</dt>
            <dd>{format!(
                "{} · {} · {}",
                format::number(quantiles.p25, 4),
                format::number(quantiles.p50, 4),
                format::number(quantiles.p75, 4),
            )}</dd>
            <dt>"5% – 95%"</dt>
            <dd>{format!("{} – {}", format::number(quantiles.p5, 4), format::number(quantiles.p95, 4))}</dd>
            <dt>"Outliers (IQR)"</dt><dd>{outliers}</dd>
        </dl>
    }
}

/// Bars of equal width, heights relative to the fullest bin.
fn histogram_view(histogram: &Histogram) -> impl IntoView + use<> {
    let fullest = histogram
        .bins
        .iter()
        .map(|bin| bin.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let width = histogram.bins.len().max(1);
    let label = match (histogram.bins.first(), histogram.bins.last()) {
        (Some(first), Some(last)) => format!(
            "Histogram from {} to {}",
            format::number(first.start, 4),
            format::number(last.end, 4)
        ),
        _ => "Histogram".to_owned(),
    };
    let bars: Vec<_> = histogram
        .bins
        .iter()
        .enumerate()
        .filter(|(_, bin)| bin.count > 0)
        .map(|(index, bin)| {
            let height = HISTOGRAM_HEIGHT * bin.count as f64 / fullest as f64;
            let title = format!(
                "{} – {}: {}",
                format::number(bin.start, 4),
                format::number(bin.end, 4),
                format::count(bin.count)
            );
            view! {
                <rect
                    x=format!("{}", index as f64 + 0.08)
                    y=format!("{}", HISTOGRAM_HEIGHT - height)
                    width="0.84"
                    height=format!("{height}")
                >
                    <title>{title}</title>
                </rect>
            }
        })
        .collect();

    view! {
        <svg
            class="histogram"
            role="img"
            aria-label=label
            viewBox=format!("0 0 {width} {HISTOGRAM_HEIGHT}")
            preserveAspectRatio="none"
        >
            {bars}
        </svg>
    }
}

fn top_values_view(values: Vec<ValueCount>, total: u64) -> impl IntoView {
    let total = total.max(1) as f64;
    view! {
        <ul class="top-values">
            {values
                .into_iter()
                .take(8)
                .map(|value| {
                    let share = 100.0 * value.count as f64 / total;
                    view! {
                        <li>
                            <span class="bar" style=format!("width: {share:.1}%")></span>
                            <span class="value" title=value.value.clone()>{value.value.clone()}</span>
                            <span>{format!("{} · {}%", format::count(value.count), format::number(share, 1))}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
