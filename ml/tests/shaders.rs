//! Every WGSL file in `shaders/` parses and validates with naga, the shader compiler wgpu
//! uses, so a broken shader fails here rather than in someone's browser; and the heatmap
//! shader colours cells as `lepton_ml::surface` does for the canvas fallback.

use std::fs;
use std::path::PathBuf;

use naga::valid::{Capabilities, ValidationFlags, Validator};

fn shader_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shaders")
}

#[test]
fn every_shader_parses_and_validates() {
    let mut checked = 0;
    for entry in fs::read_dir(shader_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "wgsl") {
            continue;
        }

        let source = fs::read_to_string(&path).unwrap();
        let module = naga::front::wgsl::parse_str(&source).unwrap_or_else(|error| {
            panic!("{}: {}", path.display(), error.emit_to_string(&source))
        });
        Validator::new(ValidationFlags::all(), Capabilities::empty())
            .validate(&module)
            .unwrap_or_else(|error| panic!("{}: {error:?}", path.display()));

        assert!(
            source.lines().all(|line| line.len() <= 100),
            "{}: lines of at most 100 columns",
            path.display()
        );
        checked += 1;
    }
    assert!(
        checked >= 1,
        "no shader found in {}",
        shader_dir().display()
    );
}

#[test]
fn the_heatmap_shader_has_both_entry_points_and_the_host_tint() {
    let source = fs::read_to_string(shader_dir().join("heatmap.wgsl")).unwrap();
    let module = naga::front::wgsl::parse_str(&source).unwrap();

    let names: Vec<&str> = module
        .entry_points
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["vertex_main", "fragment_main"]);
    let tint = format!("const TINT: f32 = {:?};", lepton_ml::surface::TINT);
    assert!(
        source.contains(&tint),
        "the shader's {tint} must match the host's"
    );
}
