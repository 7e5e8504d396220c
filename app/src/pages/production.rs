//! The Production page: live KPIs of the two case-study sites (not built yet).

use leptos::prelude::*;

use super::Planned;

/// The production page.
#[component]
pub(crate) fn Production() -> impl IntoView {
    view! {
        <Planned
            title="Production"
            summary="Live figures from a manufacturing line and a logistics fleet."
            plans=&[
                "follow efficiency, utilisation, cost and downtime of the manufacturing line",
                "follow transport time, delivery cost and on-time rate of the logistics fleet",
                "see anomalies in sensor telemetry, with alerts you can acknowledge",
            ]
        />
    }
}
