//! The decision surface of a two-feature model, as the Lab's heatmap draws it.
//!
//! The model predicts a [`GRID`] × [`GRID`] lattice over the plane ([`lattice`]); each point
//! becomes a cell of a class and a strength ([`cells`]), and a cell's colour is white tinted
//! towards its class's colour by its strength ([`colour`]). The WGSL shader
//! `shaders/heatmap.wgsl` computes the same colours on the GPU; this is the host's copy, used
//! by the canvas-2D fallback and by the tests.

use lepton_protocol::lab::Task;

/// Cells along each side of the lattice.
pub const GRID: usize = 64;
/// How far a cell's colour moves from white at full strength (as in the shader).
pub const TINT: f32 = 0.8;
/// One colour per class, sRGB in [0, 1]: amber, blue, green, then spares.
pub const PALETTE: [[f32; 4]; 8] = [
    [0.96, 0.62, 0.04, 1.0],
    [0.15, 0.39, 0.92, 1.0],
    [0.09, 0.64, 0.29, 1.0],
    [0.86, 0.15, 0.47, 1.0],
    [0.49, 0.23, 0.93, 1.0],
    [0.05, 0.58, 0.53, 1.0],
    [0.55, 0.55, 0.55, 1.0],
    [0.20, 0.20, 0.20, 1.0],
];

/// The square `[x_min, x_max, y_min, y_max]` that holds every `(x, y)` point of `points`
/// (row-major pairs) with a tenth of margin on each side; `[-1, 1, -1, 1]` for no points.
pub fn plane_bounds(points: &[f32]) -> [f32; 4] {
    let mut low = [f32::INFINITY; 2];
    let mut high = [f32::NEG_INFINITY; 2];
    for point in points.chunks_exact(2) {
        for axis in 0..2 {
            low[axis] = low[axis].min(point[axis]);
            high[axis] = high[axis].max(point[axis]);
        }
    }
    if !low[0].is_finite() {
        return [-1.0, 1.0, -1.0, 1.0];
    }

    let half = ((high[0] - low[0]).max(high[1] - low[1]) / 2.0).max(0.5) * 1.1;
    let centre = [(low[0] + high[0]) / 2.0, (low[1] + high[1]) / 2.0];
    [
        centre[0] - half,
        centre[0] + half,
        centre[1] - half,
        centre[1] + half,
    ]
}

/// The lattice points, row-major, row 0 at the top (largest y): `GRID²` pairs.
pub fn lattice(bounds: [f32; 4]) -> Vec<f32> {
    let [x_min, x_max, y_min, y_max] = bounds;
    let step =
        |low: f32, high: f32, index: usize| low + (high - low) * (index as f32 + 0.5) / GRID as f32;

    (0..GRID)
        .flat_map(|row| {
            (0..GRID).flat_map(move |column| [step(x_min, x_max, column), step(y_max, y_min, row)])
        })
        .collect()
}

/// Turns the model's outputs on the lattice into `(class, strength)` cells.
///
/// Binary: the likelier class, strength `|2p − 1|`. Multi-class: the likeliest class,
/// strength from its margin over a uniform guess. Regression: the value scaled into
/// `value_range`, shown as the two ends of a diverging ramp.
pub fn cells(outputs: &[f32], task: Task, value_range: (f32, f32)) -> Vec<[f32; 2]> {
    match task {
        Task::Binary => outputs
            .iter()
            .map(|&p| [f32::from(p >= 0.5), (2.0 * p - 1.0).abs()])
            .collect(),
        Task::Multiclass { classes } => outputs
            .chunks(classes)
            .map(|row| {
                let (class, best) = row.iter().enumerate().fold((0, f32::MIN), |acc, (i, &p)| {
                    if p > acc.1 { (i, p) } else { acc }
                });
                let uniform = 1.0 / classes as f32;
                [
                    class as f32,
                    ((best - uniform) / (1.0 - uniform)).clamp(0.0, 1.0),
                ]
            })
            .collect(),
        Task::Regression => {
            let (low, high) = value_range;
            let span = (high - low).max(f32::EPSILON);
            outputs
                .iter()
                .map(|&value| {
                    let t = ((value - low) / span).clamp(0.0, 1.0);
                    [f32::from(t >= 0.5), (2.0 * t - 1.0).abs()]
                })
                .collect()
        }
    }
}

/// The colour of one cell, as the shader computes it.
pub fn colour(cell: [f32; 2]) -> [u8; 3] {
    let class = (cell[0] as usize).min(PALETTE.len() - 1);
    let strength = cell[1].clamp(0.0, 1.0) * TINT;
    let channel = |index: usize| {
        let value = 1.0 + (PALETTE[class][index] - 1.0) * strength;
        (value * 255.0).round() as u8
    };
    [channel(0), channel(1), channel(2)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_covers_the_plane_top_row_first() {
        let points = lattice([0.0, 64.0, 0.0, 64.0]);
        assert_eq!(points.len(), GRID * GRID * 2);
        assert_eq!(&points[..2], &[0.5, 63.5]);
        assert_eq!(&points[points.len() - 2..], &[63.5, 0.5]);
    }

    #[test]
    fn bounds_are_a_square_with_margin() {
        let bounds = plane_bounds(&[0.0, 0.0, 2.0, 1.0]);
        for (actual, expected) in bounds.iter().zip([-0.1, 2.1, -0.6, 1.6]) {
            assert!((actual - expected).abs() < 1e-6, "{bounds:?}");
        }
        assert_eq!(plane_bounds(&[]), [-1.0, 1.0, -1.0, 1.0]);
    }

    #[test]
    fn binary_cells_pick_the_likelier_class() {
        let cells = cells(&[0.75, 0.5, 0.0], Task::Binary, (0.0, 1.0));
        assert_eq!(cells, vec![[1.0, 0.5], [1.0, 0.0], [0.0, 1.0]]);
    }

    #[test]
    fn an_undecided_cell_is_white_and_a_certain_one_is_tinted() {
        assert_eq!(colour([1.0, 0.0]), [255, 255, 255]);
        // Blue at 80 %: 255 + (0.15 · 255 − 255) · 0.8 = 81.6.
        assert_eq!(colour([1.0, 1.0])[0], 82);
    }

    #[test]
    fn multi_class_and_regression_cells() {
        let task = Task::Multiclass { classes: 3 };
        let cells_3 = cells(&[0.2, 0.2, 0.6, 1.0, 0.0, 0.0], task, (0.0, 1.0));
        assert_eq!(cells_3[0][0], 2.0);
        assert!((cells_3[0][1] - 0.4).abs() < 1e-6);
        assert_eq!(cells_3[1], [0.0, 1.0]);

        let values = cells(&[-1.0, 0.0, 3.0], Task::Regression, (-1.0, 1.0));
        assert_eq!(values, vec![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]);
    }
}
