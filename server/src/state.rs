//! What every request handler can reach: the database pool, the accounts settings, the
//! dataset service, the training workers' wake-up signal and the Leptos options.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::SqlitePool;

use crate::auth::AuthSettings;
use crate::auth::sign_in::SignInContext;
use crate::config::Config;
use crate::dataset::Datasets;
use crate::jobs::JobSignal;
use crate::production::Production;
use crate::telemetry::Telemetry;
use lepton_app::assets::AssetManifest;

/// Shared, cheaply cloned application state.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) leptos: LeptosOptions,
    pub(crate) pool: SqlitePool,
    pub(crate) assets: AssetManifest,
    pub(crate) auth: AuthSettings,
    pub(crate) datasets: Datasets,
    /// Wakes this process's idle training workers when a job is queued.
    pub(crate) jobs: JobSignal,
    /// Telemetry ingest.
    pub(crate) telemetry: Telemetry,
    /// Live production KPIs.
    pub(crate) production: Production,
}

impl AppState {
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one shared service, built in order by main"
    )]
    pub(crate) fn new(
        config: &Config,
        pool: SqlitePool,
        assets: AssetManifest,
        auth: AuthSettings,
        datasets: Datasets,
        jobs: JobSignal,
        telemetry: Telemetry,
        production: Production,
    ) -> Self {
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
            auth,
            datasets,
            jobs,
            telemetry,
            production,
        }
    }

    /// What signing in needs.
    pub(crate) fn sign_in_context(&self) -> SignInContext<'_> {
        SignInContext {
            pool: &self.pool,
            passwords: &self.auth.passwords,
            limits: self.auth.limits,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
