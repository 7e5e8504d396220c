// The Lab's decision-boundary heatmap: a full-screen triangle whose fragments colour the plane
// by the model's prediction on a square grid of cells, blended bilinearly between cells.
//
// Bind group 0:
//   binding 0, uniform `params`: grid side length in cells and the output size in pixels;
//   binding 1, storage (read) `cells`: `side × side` pairs (class, strength), row 0 at the
//              top, each class a palette index and each strength in [0, 1];
//   binding 2, uniform `palette`: one RGBA colour per class.
// The same colouring is computed on the host for the canvas-2D fallback (worker/src/heatmap).

struct Params {
    side: u32,
    width: f32,
    height: f32,
    _padding: u32,
}

struct Palette {
    colours: array<vec4<f32>, 8>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> cells: array<vec2<f32>>;
@group(0) @binding(2) var<uniform> palette: Palette;

// How far a cell's colour moves from white at full strength.
const TINT: f32 = 0.8;

@vertex
fn vertex_main(@builtin(vertex_index) index: u32) -> @builtin(position) vec4<f32> {
    // One triangle covering the viewport: (-1, -1), (3, -1), (-1, 3).
    let x = f32(index & 1u) * 4.0 - 1.0;
    let y = f32(index >> 1u) * 4.0 - 1.0;
    return vec4<f32>(x, y, 0.0, 1.0);
}

fn cell_colour(column: u32, row: u32) -> vec3<f32> {
    let last = params.side - 1u;
    let cell = cells[min(row, last) * params.side + min(column, last)];
    let index = min(u32(cell.x), 7u);
    let strength = clamp(cell.y, 0.0, 1.0);
    return mix(vec3<f32>(1.0), palette.colours[index].rgb, strength * TINT);
}

@fragment
fn fragment_main(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
    if (params.side == 0u) {
        return vec4<f32>(1.0);
    }

    // Cell centres sit at (i + 0.5) / side of the output; blend the four around the pixel.
    let side = f32(params.side);
    let u = clamp(position.x / params.width * side - 0.5, 0.0, side - 1.0);
    let v = clamp(position.y / params.height * side - 0.5, 0.0, side - 1.0);
    let column = u32(floor(u));
    let row = u32(floor(v));
    let fx = u - floor(u);
    let fy = v - floor(v);

    let top = mix(cell_colour(column, row), cell_colour(column + 1u, row), fx);
    let bottom = mix(cell_colour(column, row + 1u), cell_colour(column + 1u, row + 1u), fx);
    return vec4<f32>(mix(top, bottom, fy), 1.0);
}
