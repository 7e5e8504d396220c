//! The plane of a two-feature experiment: the heatmap canvas the worker draws on, the
//! training points over it, and a click anywhere to ask the model about that point.

use lepton_protocol::lab::PlanePoints;
use leptos::html::Canvas;
use leptos::prelude::*;

use super::state::LabState;

/// Side of the SVG overlay's coordinate box.
const SIDE: f32 = 400.0;
/// Most points drawn; the worker sends at most this many anyway.
const POINTS_DRAWN: usize = 1500;

/// The heatmap and its points.
#[component]
pub(crate) fn Plane(
    state: LabState,
    /// Where the canvas element is, for handing it to the worker.
    canvas: NodeRef<Canvas>,
    /// Called with `[x, y]` when the person clicks the plane.
    on_point: Callback<Vec<f32>>,
) -> impl IntoView {
    let click = move |event: leptos::ev::MouseEvent| {
        let Some(points) = state.points.get_untracked() else {
            return;
        };
        if let Some((u, v)) = relative_position(&event) {
            let [x_min, x_max, y_min, y_max] = points.bounds;
            on_point.run(vec![
                x_min + u * (x_max - x_min),
                y_max - v * (y_max - y_min),
            ]);
        }
    };

    view! {
        <div
            class="plane"
            data-testid="plane"
            data-heatmap=move || state.heatmap.get().unwrap_or_default()
        >
            {move || {
                // A canvas is handed to a worker once; Reset renders a fresh element.
                state.canvas_generation.get();
                view! {
                    <canvas
                        class="heatmap"
                        width="64"
                        height="64"
                        node_ref=canvas
                        aria-label="Decision boundary heatmap"
                    ></canvas>
                }
            }}
            <svg
                class="points"
                viewBox=format!("0 0 {SIDE} {SIDE}")
                preserveAspectRatio="none"
                role="img"
                aria-label="Training points; click to predict"
                on:click=click
            >
                {move || state.points.get().map(|points| points_view(&points))}
            </svg>
        </div>
    }
}

/// Where in the clicked element the click fell, as fractions of its width and height.
#[cfg(feature = "hydrate")]
fn relative_position(event: &leptos::ev::MouseEvent) -> Option<(f32, f32)> {
    use wasm_bindgen::JsCast;

    let target = event
        .current_target()?
        .dyn_into::<web_sys::Element>()
        .ok()?;
    let rect = target.get_bounding_client_rect();
    if rect.width() <= 0.0 || rect.height() <= 0.0 {
        return None;
    }
    let u = (f64::from(event.client_x()) - rect.left()) / rect.width();
    let v = (f64::from(event.client_y()) - rect.top()) / rect.height();
    Some((u as f32, v as f32))
}

/// Clicks happen only in the browser.
#[cfg(not(feature = "hydrate"))]
fn relative_position(_event: &leptos::ev::MouseEvent) -> Option<(f32, f32)> {
    None
}

fn points_view(points: &PlanePoints) -> impl IntoView + use<> {
    let [x_min, x_max, y_min, y_max] = points.bounds;
    let (low, high) = points
        .targets
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(low, high), &t| {
            (low.min(t), high.max(t))
        });
    let whole = points.targets.iter().all(|t| t.fract() == 0.0 && *t < 8.0);

    points
        .coordinates
        .chunks_exact(2)
        .zip(&points.targets)
        .take(POINTS_DRAWN)
        .map(|(point, &target)| {
            let cx = (point[0] - x_min) / (x_max - x_min) * SIDE;
            let cy = (y_max - point[1]) / (y_max - y_min) * SIDE;
            let class = if whole {
                target as usize
            } else {
                // Regression targets: the lower half of the range in one colour, the upper in
                // the other, as on the heatmap.
                usize::from((target - low) / (high - low).max(f32::EPSILON) >= 0.5)
            };
            view! {
                <circle
                    class=format!("point class-{class}")
                    cx=format!("{cx:.1}")
                    cy=format!("{cy:.1}")
                    r="3"
                />
            }
        })
        .collect_view()
}
