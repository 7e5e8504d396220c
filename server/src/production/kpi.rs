//! The KPI formulas of the two sites, from sums of their telemetry over a window.
//!
//! The manufacturing figures follow the usual OEE breakdown (Nakajima, *Introduction to TPM*,
//! 1988): availability is run time over planned time, performance is output over what the
//! run time allows at nameplate rate, quality is good units over output; OEE is their
//! product, which reduces to good units over nameplate capacity. The logistics figures are
//! per-delivery means. Every formula is also written out in words for the dashboard.

use lepton_protocol::production::{Kpi, KpiUnit};

/// Sums of a manufacturing line's step reports over a window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct LineTotals {
    /// Units made.
    pub(crate) output: f64,
    /// Units that failed inspection.
    pub(crate) scrap: f64,
    /// Units the machines could have made at nameplate rate in the planned time.
    pub(crate) capacity: f64,
    /// Machine-seconds running.
    pub(crate) run_seconds: f64,
    /// Machine-seconds stopped for repair or service.
    pub(crate) down_seconds: f64,
    /// Euros spent on energy, repairs and service.
    pub(crate) cost: f64,
    /// Failures.
    pub(crate) failures: f64,
}

/// A logistics fleet's deliveries over a window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct FleetTotals {
    /// Deliveries made.
    pub(crate) deliveries: f64,
    /// Sum of their minutes from pickup to delivery.
    pub(crate) transport_minutes: f64,
    /// Sum of their costs, euros.
    pub(crate) cost: f64,
    /// Deliveries made by their due time.
    pub(crate) on_time: f64,
    /// Sum of the deliveries' satisfaction scores (see [`satisfaction`]).
    pub(crate) satisfaction: f64,
}

/// A customer's satisfaction with one delivery, from 5 (on time) down to 1: a point less for
/// every 15 minutes late.
pub(crate) fn satisfaction(lateness_minutes: f64) -> f64 {
    5.0 - (lateness_minutes.max(0.0) / 15.0).min(4.0)
}

/// `numerator / denominator`, or nothing for an empty window.
fn share(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

/// One KPI without its previous value.
struct Figure {
    key: &'static str,
    name: &'static str,
    value: Option<f64>,
    target: Option<f64>,
    unit: KpiUnit,
    higher_is_better: bool,
    formula: &'static str,
}

/// Pairs this window's figures with the window before's.
fn compare(now: Vec<Figure>, before: Vec<Figure>) -> Vec<Kpi> {
    now.into_iter()
        .zip(before)
        .map(|(figure, previous)| Kpi {
            key: figure.key.to_owned(),
            name: figure.name.to_owned(),
            value: figure.value,
            previous: previous.value,
            target: figure.target,
            unit: figure.unit,
            higher_is_better: figure.higher_is_better,
            formula: figure.formula.to_owned(),
        })
        .collect()
}

/// The manufacturing line's KPIs for a window, with the window before for the trend.
pub(crate) fn line(now: &LineTotals, before: &LineTotals) -> Vec<Kpi> {
    compare(line_figures(now), line_figures(before))
}

fn line_figures(totals: &LineTotals) -> Vec<Figure> {
    let planned = totals.run_seconds + totals.down_seconds;
    let good = totals.output - totals.scrap;
    let availability = share(totals.run_seconds, planned);
    let empty = planned <= 0.0;
    // A × P × Q reduces to good units over capacity, which also holds when the line stood
    // still the whole window (availability 0 leaves performance undefined, OEE 0).
    let oee = if empty {
        None
    } else {
        share(good, totals.capacity)
    };

    vec![
        Figure {
            key: "efficiency",
            name: "Efficiency",
            value: share(totals.output, totals.capacity),
            target: Some(0.9),
            unit: KpiUnit::Ratio,
            higher_is_better: true,
            formula: "units made ÷ (nameplate units per hour × planned hours)",
        },
        Figure {
            key: "oee",
            name: "OEE",
            value: oee,
            target: Some(0.85),
            unit: KpiUnit::Ratio,
            higher_is_better: true,
            formula: "availability × performance × quality, where availability = run time ÷ \
                      planned time, performance = units made ÷ (nameplate rate × run time), \
                      quality = good units ÷ units made",
        },
        Figure {
            key: "utilisation",
            name: "Utilisation",
            value: availability,
            target: Some(0.95),
            unit: KpiUnit::Ratio,
            higher_is_better: true,
            formula: "machine run time ÷ planned time (run + repair + service)",
        },
        Figure {
            key: "cost_per_unit",
            name: "Cost per unit",
            value: share(totals.cost, good),
            target: Some(0.6),
            unit: KpiUnit::Euros,
            higher_is_better: false,
            formula: "(energy + repairs + services, €) ÷ good units",
        },
        Figure {
            key: "downtime",
            name: "Downtime",
            value: (!empty).then_some(totals.down_seconds / 3600.0),
            target: Some(0.0),
            unit: KpiUnit::Hours,
            higher_is_better: false,
            formula: "machine-hours stopped for repair or service",
        },
        Figure {
            key: "failures",
            name: "Failures",
            value: (!empty).then_some(totals.failures),
            target: Some(0.0),
            unit: KpiUnit::Count,
            higher_is_better: false,
            formula: "unplanned stops",
        },
    ]
}

/// The logistics fleet's KPIs for a window, with the window before for the trend.
pub(crate) fn fleet(now: &FleetTotals, before: &FleetTotals) -> Vec<Kpi> {
    compare(fleet_figures(now), fleet_figures(before))
}

fn fleet_figures(totals: &FleetTotals) -> Vec<Figure> {
    let deliveries = totals.deliveries;
    vec![
        Figure {
            key: "transport_time",
            name: "Mean transport time",
            value: share(totals.transport_minutes, deliveries),
            target: Some(20.0),
            unit: KpiUnit::Minutes,
            higher_is_better: false,
            formula: "Σ (delivered at − picked up at) ÷ deliveries",
        },
        Figure {
            key: "cost_per_delivery",
            name: "Cost per delivery",
            value: share(totals.cost, deliveries),
            target: Some(30.0),
            unit: KpiUnit::Euros,
            higher_is_better: false,
            formula: "Σ (km × €/km + driver hours × €/h) ÷ deliveries",
        },
        Figure {
            key: "on_time_rate",
            name: "On-time rate",
            value: share(totals.on_time, deliveries),
            target: Some(0.95),
            unit: KpiUnit::Ratio,
            higher_is_better: true,
            formula: "deliveries by their due time ÷ deliveries",
        },
        Figure {
            key: "satisfaction",
            name: "Satisfaction",
            value: share(totals.satisfaction, deliveries),
            target: Some(4.5),
            unit: KpiUnit::Score,
            higher_is_better: true,
            formula: "mean over deliveries of 5 − min(4, minutes late ÷ 15)",
        },
        Figure {
            key: "deliveries",
            name: "Deliveries",
            value: Some(deliveries),
            target: None,
            unit: KpiUnit::Count,
            higher_is_better: true,
            formula: "deliveries completed in the window",
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(kpis: &[Kpi], key: &str) -> Option<f64> {
        kpis.iter()
            .find(|kpi| kpi.key == key)
            .and_then(|kpi| kpi.value)
    }

    fn close(actual: Option<f64>, expected: f64) {
        let actual = actual.expect("a value");
        assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
    }

    /// Two machines over one planned hour at 100 units/h nameplate: one ran the whole hour
    /// and made 90 units (3 scrap); the other failed after 30 minutes (repair €1 000) having
    /// made 40 units (1 scrap). Energy cost €13.
    #[test]
    fn line_kpis_match_a_hand_computed_hour() {
        let hour = LineTotals {
            output: 130.0,
            scrap: 4.0,
            capacity: 200.0,
            run_seconds: 5_400.0,
            down_seconds: 1_800.0,
            cost: 1_013.0,
            failures: 1.0,
        };
        let kpis = line(&hour, &LineTotals::default());

        // Efficiency 130 / 200. Availability 1.5 h / 2 h = 0.75. Performance 130 / (100 × 1.5)
        // = 0.8667. Quality 126 / 130. OEE = 0.75 × 0.8667 × 0.9692 = 126 / 200 = 0.63.
        close(value(&kpis, "efficiency"), 0.65);
        close(value(&kpis, "utilisation"), 0.75);
        close(value(&kpis, "oee"), 0.63);
        close(value(&kpis, "cost_per_unit"), 1_013.0 / 126.0);
        close(value(&kpis, "downtime"), 0.5);
        close(value(&kpis, "failures"), 1.0);
        assert!(kpis.iter().all(|kpi| kpi.previous.is_none()));
        assert!(kpis.iter().all(|kpi| !kpi.formula.is_empty()));
    }

    /// Four deliveries: 20, 30, 10 and 40 minutes in transport, costing €20, €25, €15 and
    /// €40; the last two 0 and 45 minutes late.
    #[test]
    fn fleet_kpis_match_hand_computed_deliveries() {
        let lateness = [0.0, 0.0, 0.0, 45.0];
        let totals = FleetTotals {
            deliveries: 4.0,
            transport_minutes: 100.0,
            cost: 100.0,
            on_time: 3.0,
            satisfaction: lateness.iter().copied().map(satisfaction).sum(),
        };
        let kpis = fleet(&totals, &totals);

        close(value(&kpis, "transport_time"), 25.0);
        close(value(&kpis, "cost_per_delivery"), 25.0);
        close(value(&kpis, "on_time_rate"), 0.75);
        // (5 + 5 + 5 + 2) / 4: 45 minutes late costs 3 points.
        close(value(&kpis, "satisfaction"), 4.25);
        assert_eq!(kpis[0].previous, Some(25.0));
    }

    #[test]
    fn satisfaction_bottoms_out_at_one() {
        assert_eq!(satisfaction(0.0), 5.0);
        assert_eq!(satisfaction(15.0), 4.0);
        assert_eq!(satisfaction(600.0), 1.0);
    }

    #[test]
    fn an_empty_window_has_no_values() {
        let kpis = line(&LineTotals::default(), &LineTotals::default());
        assert!(kpis.iter().all(|kpi| kpi.value.is_none()));
        let kpis = fleet(&FleetTotals::default(), &FleetTotals::default());
        assert_eq!(value(&kpis, "on_time_rate"), None);
        assert_eq!(value(&kpis, "deliveries"), Some(0.0));
    }
}
