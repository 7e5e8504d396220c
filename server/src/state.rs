//! What every request handler can reach: the database pool and the Leptos options.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;

use crate::config::Config;
use lepton_app::assets::AssetManifest;

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) leptos: LeptosOptions,
    pub(crate) pool: SqlitePool,
    pub(crate) assets: AssetManifest,
}

impl AppState {
    pub(crate) fn new(config: &Config, pool: SqlitePool, assets: AssetManifest) -> Self {
        let leptos = LeptosOptions::builder()
            .output_name("lepton")
            .site_root(config.site_dir.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(config.addr)
            .build();

        Self {
            leptos,
            pool,
            assets,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
