//! Finding the built browser files at start, and the caching rules for serving them.
//!
//! The site build names every file in `pkg/` after its content hash and lists them in
//! `pkg/manifest.json`. Such a name never changes meaning, so browsers may keep it for a year;
//! anything without a hash is revalidated.

use std::path::Path;

use lepton_app::assets::AssetManifest;

/// Cache policy for content-hashed files.
pub(crate) const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Cache policy for everything else under `/pkg`: use it, but ask first.
pub(crate) const REVALIDATE: &str = "no-cache";

/// Reads `pkg/manifest.json` under `site_dir`, falling back to cargo-leptos's plain names.
pub(crate) fn load(site_dir: &Path) -> AssetManifest {
    let path = site_dir.join("pkg").join("manifest.json");

    let parsed = std::fs::read(&path)
        .map_err(|error| error.to_string())
        .and_then(|bytes| {
            serde_json::from_slice::<AssetManifest>(&bytes).map_err(|e| e.to_string())
        });

    match parsed {
        Ok(manifest) => {
            tracing::info!(js = %manifest.app_js, worker = ?manifest.worker, "site assets found");
            manifest
        }
        Err(error) => {
            tracing::warn!(
                path = %path.display(),
                %error,
                "no site manifest: pages will not hydrate until `make site` has run",
            );
            AssetManifest::unhashed("lepton")
        }
    }
}

/// Whether a file name carries a content hash: `name.<16 hex digits>.ext`.
pub(crate) fn is_fingerprinted(file_name: &str) -> bool {
    let mut parts = file_name.rsplit('.');
    let _extension = parts.next();

    parts
        .next()
        .is_some_and(|hash| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_hashed_names() {
        assert!(is_fingerprinted("lepton.0123456789abcdef.wasm"));
        assert!(!is_fingerprinted("lepton.js"));
        assert!(!is_fingerprinted("manifest.json"));
        assert!(!is_fingerprinted("lepton.0123456789abcdeg.js"));
    }

    #[test]
    fn missing_manifest_falls_back_to_plain_names() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), AssetManifest::unhashed("lepton"));
    }
}
