//! `lepton`: the Lepton server binary.
//!
//! Parses the configuration, prepares the data directory and database, then serves the
//! dashboard and the API until SIGINT or SIGTERM. A start-up problem (bad address, port in
//! use, unusable data directory) is one line on stderr and exit code 2, never a panic.

mod assets;
mod config;
mod database;
mod health;
mod logging;
mod router;
mod shutdown;
mod state;

use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;

use crate::config::{Cli, Config, StartupError};
use crate::state::AppState;

fn main() -> ExitCode {
    let cli = Cli::parse();

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&StartupError::Runtime(error)),
    };

    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

#[expect(
    clippy::print_stderr,
    reason = "the one place start-up errors reach the operator"
)]
fn fail(error: &StartupError) -> ExitCode {
    eprintln!("lepton: {error}");
    ExitCode::from(2)
}

async fn run(cli: Cli) -> Result<(), StartupError> {
    let config = Config::from_cli(cli)?;
    logging::init(config.log_format);

    config::prepare_data_dir(&config.data_dir)?;
    let pool = database::open(&config.data_dir).await?;
    let assets = assets::load(&config.site_dir);

    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartupError::Bind {
            addr: config.addr,
            source,
        })?;

    tracing::info!(
        addr = %config.addr,
        data_dir = %config.data_dir.display(),
        site_dir = %config.site_dir.display(),
        max_body_bytes = config.max_body_bytes,
        "lepton listening on http://{}",
        config.addr,
    );

    let state = AppState::new(&config, pool.clone(), assets);
    let app = router::build(state, &config);

    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown::signal())
        .await
        .map_err(StartupError::Serve)?;

    pool.close().await;
    tracing::info!("lepton stopped");
    Ok(())
}
