//! The names of the built browser files, which carry content hashes.
//!
//! The site build writes `pkg/manifest.json`; the server reads it at start and hands it to the
//! shell, which links the hashed files. Without a manifest (a `cargo leptos watch` build) the
//! plain cargo-leptos names are used and the Lab's worker is reported missing.

use serde::{Deserialize, Serialize};

/// Paths, relative to the site's `pkg` directory, of the files a page loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetManifest {
    /// The dashboard's JavaScript glue.
    pub app_js: String,
    /// The dashboard's wasm module.
    pub app_wasm: String,
    /// The stylesheet.
    pub css: String,
    /// The script the Lab starts as a module Web Worker; absent when the worker was not built.
    #[serde(default)]
    pub worker: Option<String>,
}

impl AssetManifest {
    /// The file names cargo-leptos gives an output named `output_name`, without hashes.
    pub fn unhashed(output_name: &str) -> Self {
        Self {
            app_js: format!("{output_name}.js"),
            app_wasm: format!("{output_name}.wasm"),
            css: format!("{output_name}.css"),
            worker: None,
        }
    }
}
