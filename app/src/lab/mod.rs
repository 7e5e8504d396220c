//! The Lab's link to its training worker.
//!
//! The page starts the worker script named by the `lepton-worker` meta tag as a module Web
//! Worker, posts `LabRequest`s and turns each message into a `LabEvent`. On the server there
//! is no worker: [`LabWorker`] exists only in the browser build. The chart geometry below is
//! shared by both builds, so the server renders the same empty charts the browser fills.

#[cfg(feature = "hydrate")]
mod client;

#[cfg(feature = "hydrate")]
pub(crate) use client::LabWorker;

/// Loss curves as SVG polyline points, scaled into a `width` × `height` box.
///
/// Every series shares the y-scale (0 to the largest value) so the curves compare.
pub(crate) fn polyline_points(series: &[f32], max: f32, width: f32, height: f32) -> String {
    if series.is_empty() || max.is_nan() || max <= 0.0 {
        return String::new();
    }

    let step = if series.len() > 1 {
        width / (series.len() - 1) as f32
    } else {
        0.0
    };
    series
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let x = index as f32 * step;
            let y = height - (value / max).clamp(0.0, 1.0) * height;
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_points_into_the_box() {
        assert_eq!(
            polyline_points(&[1.0, 0.5, 0.0], 1.0, 100.0, 50.0),
            "0.0,0.0 50.0,25.0 100.0,50.0"
        );
    }

    #[test]
    fn empty_or_flat_zero_series_draw_nothing() {
        assert_eq!(polyline_points(&[], 1.0, 100.0, 50.0), "");
        assert_eq!(polyline_points(&[0.0], 0.0, 100.0, 50.0), "");
    }
}
