//! The Production page: live KPIs of the manufacturing line and the logistics fleet.
//!
//! The figures arrive as server-sent events from `/api/v1/production/stream`: a snapshot at
//! once, then one each time the server recomputes them (every 2 seconds). The server computes
//! them once for every open page, so a wall of dashboards costs it one set of queries. Each KPI
//! shows its value over the last window, its trend against the window before, its target and
//! its formula.

use lepton_protocol::production::{Kpi, KpiUnit, PolicyKpis, ProductionSnapshot, SiteKpis};
use lepton_protocol::telemetry::{Anomaly, SiteKind};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::format;

/// The production page.
#[component]
pub(crate) fn Production() -> impl IntoView {
    let snapshot = RwSignal::new(None::<ProductionSnapshot>);
    let updates = RwSignal::new(0_u32);
    let connected = RwSignal::new(true);
    let stopped = RwSignal::new(false);
    stream::open(snapshot, updates, connected, stopped);

    view! {
        <Title text="Production" />
        <h1>"Production"</h1>
        <p class="lead">
            "Live figures of the two case-study sites, simulated on this server and sent through "
            "the telemetry API like a real site. The simulated clock runs faster than yours: "
            "by default a minute here is an hour there."
        </p>
        <LiveStatus snapshot=snapshot updates=updates connected=connected stopped=stopped />
        <Sites snapshot=snapshot />
    }
}

/// Where the live feed stands, and how many snapshots it brought.
#[component]
fn LiveStatus(
    snapshot: RwSignal<Option<ProductionSnapshot>>,
    updates: RwSignal<u32>,
    connected: RwSignal<bool>,
    stopped: RwSignal<bool>,
) -> impl IntoView {
    let text = move || match (snapshot.get(), connected.get()) {
        _ if stopped.get() => {
            "The live feed stopped: reload the page, signing in again if your session ended."
                .to_owned()
        }
        (_, false) => "The live feed dropped; reconnecting…".to_owned(),
        (None, true) => "Connecting to the live feed…".to_owned(),
        (Some(snapshot), true) => format!(
            "Live: the last {} minutes, updated at {} UTC",
            snapshot.window_minutes,
            snapshot.at.get(11..19).unwrap_or(&snapshot.at),
        ),
    };
    view! {
        <p class="live-status" data-updates=move || updates.get().to_string()>
            {text}
        </p>
    }
    .into_any()
}

/// A card per site, redrawn with each snapshot.
#[component]
fn Sites(snapshot: RwSignal<Option<ProductionSnapshot>>) -> impl IntoView {
    let cards = move || {
        snapshot.get().map(|snapshot| {
            snapshot
                .sites
                .into_iter()
                .map(|site| view! { <SiteCard site=site /> })
                .collect_view()
                .into_any()
        })
    };
    view! { <div class="sites">{cards}</div> }.into_any()
}

#[component]
fn SiteCard(site: SiteKpis) -> impl IntoView {
    let purpose = match site.kind {
        SiteKind::Manufacturing => "Predictive maintenance of a line of machines.",
        SiteKind::Logistics => "Dispatch of a delivery fleet on a road network.",
    };
    let empty = site.policies.is_empty();
    let anomalies = site.anomalies;
    view! {
        <section class="card site" data-site=site.site>
            <h2>{site.name}</h2>
            <p class="muted">{purpose}</p>
            {empty.then(|| view! { <p>"No telemetry in the window yet."</p> })}
            <div class="policies">
                {site
                    .policies
                    .into_iter()
                    .map(|policy| view! { <PolicyColumn policy=policy /> })
                    .collect_view()}
            </div>
            <Anomalies anomalies=anomalies />
        </section>
    }
    .into_any()
}

#[component]
fn PolicyColumn(policy: PolicyKpis) -> impl IntoView {
    let heading = format!("Policy: {}", policy.policy);
    view! {
        <div class="policy" data-policy=policy.policy>
            <h3>{heading}</h3>
            <ul class="kpis">
                {policy.kpis.into_iter().map(|kpi| view! { <KpiTile kpi=kpi /> }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

#[component]
fn KpiTile(kpi: Kpi) -> impl IntoView {
    let value = kpi
        .value
        .map_or_else(|| "–".to_owned(), |value| show(value, kpi.unit));
    let target = kpi
        .target
        .map(|target| format!("target {}", show(target, kpi.unit)));
    let (arrow, verdict) = trend(&kpi);
    view! {
        <li class="kpi" data-kpi=kpi.key>
            <span class="kpi-name">{kpi.name}</span>
            <span class="kpi-value">{value}</span>
            <span class=format!("kpi-trend {verdict}")>{arrow}</span>
            <span class="kpi-target">{target}</span>
            <p class="formula">{kpi.formula}</p>
        </li>
    }
    .into_any()
}

/// The site's latest anomalies in sensor readings.
#[component]
fn Anomalies(anomalies: Vec<Anomaly>) -> impl IntoView {
    let none = anomalies.is_empty();
    view! {
        <div class="anomalies">
            <h3>"Sensor anomalies"</h3>
            {none.then(|| view! { <p class="muted">"None so far."</p> })}
            <ul>
                {anomalies
                    .into_iter()
                    .map(|anomaly| {
                        let state = if anomaly.ongoing { "ongoing" } else { "ended" };
                        let text = format!(
                            "{} {}: {} readings, peak {} σ, from {} to {} UTC",
                            anomaly.source,
                            anomaly.metric,
                            anomaly.readings,
                            format::number(anomaly.peak_score, 1),
                            anomaly.started_at.get(11..19).unwrap_or(&anomaly.started_at),
                            anomaly.last_at.get(11..19).unwrap_or(&anomaly.last_at),
                        );
                        view! {
                            <li class=format!("anomaly {state}")>
                                <span class="badge">{state}</span>
                                " "
                                {text}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

/// A value in its unit: `87.5 %`, `€0.42`, `3.2 h`.
fn show(value: f64, unit: KpiUnit) -> String {
    match unit {
        KpiUnit::Ratio => format!("{} %", format::number(value * 100.0, 1)),
        KpiUnit::Euros => format!("€{}", format::number(value, 2)),
        KpiUnit::Hours => format!("{} h", format::number(value, 1)),
        KpiUnit::Minutes => format!("{} min", format::number(value, 1)),
        KpiUnit::Count => format::number(value, 0),
        KpiUnit::Score => format!("{} / 5", format::number(value, 2)),
    }
}

/// An arrow for the change since the window before, and whether the change is good.
fn trend(kpi: &Kpi) -> (&'static str, &'static str) {
    let (Some(now), Some(before)) = (kpi.value, kpi.previous) else {
        return ("", "flat");
    };
    let change = now - before;
    if change.abs() <= 1e-9 * before.abs().max(1.0) {
        return ("→", "flat");
    }
    let arrow = if change > 0.0 { "▲" } else { "▼" };
    let good = (change > 0.0) == kpi.higher_is_better;
    (arrow, if good { "better" } else { "worse" })
}

/// The browser's `EventSource` on the production stream.
mod stream {
    use lepton_protocol::production::ProductionSnapshot;
    use leptos::prelude::RwSignal;

    /// Opens the stream for as long as the page lives.
    #[cfg(feature = "hydrate")]
    pub(super) fn open(
        snapshot: RwSignal<Option<ProductionSnapshot>>,
        updates: RwSignal<u32>,
        connected: RwSignal<bool>,
        stopped: RwSignal<bool>,
    ) {
        use leptos::prelude::{Set, StoredValue, Update, WithValue, on_cleanup};
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(source) = web_sys::EventSource::new("/api/v1/production/stream") else {
            connected.set(false);
            return;
        };
        let on_snapshot =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                if let Ok(next) = serde_json::from_str::<ProductionSnapshot>(&text) {
                    snapshot.set(Some(next));
                    updates.update(|count| *count += 1);
                    connected.set(true);
                }
            });
        // The browser reconnects by itself after a dropped connection, and the page says so
        // meanwhile; after a refusal (a session that ended) it gives up, and so does the page.
        let watched = source.clone();
        let on_error = Closure::<dyn Fn(web_sys::Event)>::new(move |_| {
            connected.set(false);
            if watched.ready_state() == web_sys::EventSource::CLOSED {
                stopped.set(true);
            }
        });
        let _ = source
            .add_event_listener_with_callback("snapshot", on_snapshot.as_ref().unchecked_ref());
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        // The source and its listeners live exactly as long as the page.
        let held = StoredValue::new_local((source, on_snapshot, on_error));
        on_cleanup(move || {
            let _ = held.try_with_value(|(source, _, _)| source.close());
        });
    }

    /// Server rendering opens nothing.
    #[cfg(not(feature = "hydrate"))]
    pub(super) fn open(
        _snapshot: RwSignal<Option<ProductionSnapshot>>,
        _updates: RwSignal<u32>,
        _connected: RwSignal<bool>,
        _stopped: RwSignal<bool>,
    ) {
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kpi(value: Option<f64>, previous: Option<f64>, higher_is_better: bool) -> Kpi {
        Kpi {
            key: "k".into(),
            name: "K".into(),
            value,
            previous,
            target: Some(1.0),
            unit: KpiUnit::Ratio,
            higher_is_better,
            formula: "f".into(),
        }
    }

    #[test]
    fn trends_say_whether_the_change_is_good() {
        assert_eq!(trend(&kpi(Some(0.9), Some(0.8), true)), ("▲", "better"));
        assert_eq!(trend(&kpi(Some(0.9), Some(0.8), false)), ("▲", "worse"));
        assert_eq!(trend(&kpi(Some(0.7), Some(0.8), false)), ("▼", "better"));
        assert_eq!(trend(&kpi(Some(0.8), Some(0.8), true)), ("→", "flat"));
        assert_eq!(trend(&kpi(Some(0.8), None, true)), ("", "flat"));
    }

    #[test]
    fn values_show_in_their_unit() {
        assert_eq!(show(0.875, KpiUnit::Ratio), "87.5 %");
        assert_eq!(show(0.4213, KpiUnit::Euros), "€0.42");
        assert_eq!(show(4.25, KpiUnit::Score), "4.25 / 5");
        assert_eq!(show(3.0, KpiUnit::Count), "3");
    }
}
