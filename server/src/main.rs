//! `lepton`: the Lepton server binary.
//!
//! Parses the configuration, prepares the data directory and database, then serves the
//! dashboard and the API until SIGINT or SIGTERM. A start-up problem (bad address, port in
//! use, unusable data directory) is one line on stderr and exit code 2, never a panic.

mod anomaly;
mod api;
mod assets;
mod auth;
mod body_limit;
mod commands;
mod config;
mod database;
mod dataset;
mod forms;
mod health;
mod jobs;
mod lab;
mod logging;
mod production;
mod registry;
mod router;
mod shutdown;
mod simulation;
mod state;
mod telemetry;
mod timestamp;

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use tokio::net::TcpListener;

use crate::auth::AuthSettings;
use crate::auth::password::Passwords;
use crate::auth::session::{self, SessionLimits};
use crate::config::{Cli, Command, Config, StartupError};
use crate::state::AppState;

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    if let Some(Command::Routes { json }) = cli.command {
        return finish_command(commands::routes(json));
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&StartupError::Runtime(error)),
    };

    if let Some(Command::Admin(command)) = cli.command.take() {
        let data_dir = cli.data_dir.clone();
        return finish_command(runtime.block_on(commands::admin(&data_dir, command)));
    }

    if let Some(Command::Worker) = cli.command {
        return match runtime.block_on(work(cli)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(&error),
        };
    }

    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

#[expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "commands answer the operator on the terminal"
)]
fn finish_command(result: Result<String, commands::CommandError>) -> ExitCode {
    match result {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("lepton: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Shows the first admin's generated password once. It goes to the terminal, not to the log:
/// log lines are collected and kept, and a password must not be.
#[expect(
    clippy::print_stderr,
    reason = "the one-time password is for the operator's eyes only"
)]
fn announce_first_admin(password: &str) {
    eprintln!(
        "\n  A new installation: the first admin account was created.\n\
         \n    username: {}\n    password: {password}\n\
         \n  This password is shown only now. Sign in and change it on My account;\n  \
         `lepton admin reset-password --username admin` sets a new one.\n",
        auth::bootstrap::FIRST_ADMIN
    );
}

#[expect(
    clippy::print_stderr,
    reason = "the one place start-up errors reach the operator"
)]
fn fail(error: &StartupError) -> ExitCode {
    eprintln!("lepton: {error}");
    ExitCode::from(2)
}

fn worker_settings(config: &Config) -> jobs::WorkerSettings {
    jobs::WorkerSettings {
        concurrency: config.workers,
        lease: config.job_lease,
        poll: std::time::Duration::from_secs(1),
    }
}

/// `lepton worker`: training workers on the data directory's queue, without HTTP, until
/// SIGINT or SIGTERM; a job in training goes back to the queue with its checkpoint.
async fn work(cli: Cli) -> Result<(), StartupError> {
    let config = Config::from_cli(cli)?;
    logging::init(config.log_format);

    config::prepare_data_dir(&config.data_dir)?;
    let pool = database::open(&config.data_dir).await?;
    let datasets = dataset::Datasets::open(&config.data_dir, config.max_upload_bytes)?;
    let settings = jobs::WorkerSettings {
        concurrency: config.workers.max(1),
        ..worker_settings(&config)
    };
    let workers = jobs::Workers::start(
        pool.clone(),
        datasets,
        jobs::open_device(config.device)?,
        settings,
        &jobs::JobSignal::default(),
    );

    shutdown::signal().await;
    workers.shut_down().await;
    pool.close().await;
    tracing::info!("lepton worker stopped");
    Ok(())
}

async fn run(cli: Cli) -> Result<(), StartupError> {
    let config = Config::from_cli(cli)?;
    logging::init(config.log_format);

    config::prepare_data_dir(&config.data_dir)?;
    let pool = database::open(&config.data_dir).await?;
    let assets = assets::load(&config.site_dir);

    let passwords = Passwords::new().await?;
    if let Some(password) = auth::bootstrap::first_admin(&pool, &passwords).await? {
        announce_first_admin(&password);
    }
    let limits = SessionLimits {
        idle: config.session_idle,
        absolute: config.session_max,
    };
    match session::purge_expired(&pool, limits).await {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "expired sessions removed"),
        Err(error) => tracing::warn!(%error, "cannot remove expired sessions"),
    }
    let auth = AuthSettings {
        passwords,
        limits,
        trust_proxy: config.trust_proxy,
    };

    let datasets = dataset::Datasets::open(&config.data_dir, config.max_upload_bytes)?;
    let removed = datasets.clean_leftovers(&pool).await?;
    if removed > 0 {
        tracing::info!(removed, "leftovers of interrupted uploads removed");
    }
    dataset::install_samples(&datasets, &pool).await;

    let telemetry = telemetry::Telemetry::open(pool.clone(), config.telemetry_raw_days)
        .await
        .map_err(StartupError::Telemetry)?;
    let retention = telemetry::rollup::Retention {
        raw_days: config.telemetry_raw_days,
        rollup_days: config.telemetry_rollup_days,
    };
    let rollups = tokio::spawn(telemetry::rollup::run(
        pool.clone(),
        telemetry.rewind(),
        retention,
    ));
    let production = production::Production::start(pool.clone(), telemetry.monitor().clone())
        .await
        .map_err(StartupError::Telemetry)?;

    let signal = jobs::JobSignal::default();
    let workers = jobs::Workers::start(
        pool.clone(),
        datasets.clone(),
        jobs::open_device(config.device)?,
        worker_settings(&config),
        &signal,
    );

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
        max_upload_bytes = config.max_upload_bytes,
        trust_proxy = config.trust_proxy,
        session_idle_s = config.session_idle.as_secs(),
        session_max_s = config.session_max.as_secs(),
        "lepton listening on http://{}",
        config.addr,
    );

    // The simulators post to this very listener, so they start once it is bound.
    let simulators = match config.simulation {
        Some(settings) => {
            let addr = listener.local_addr().unwrap_or(config.addr);
            simulation::Simulators::start(&pool, &auth.passwords, addr, settings).await?
        }
        None => None,
    };

    let live = production.clone();
    let state = AppState::new(
        &config,
        pool.clone(),
        assets,
        auth,
        datasets,
        signal,
        telemetry,
        production,
    );
    let app = router::build(state, &config).into_make_service_with_connect_info::<SocketAddr>();

    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown::signal().await;
            live.stop();
        })
        .await
        .map_err(StartupError::Serve)?;

    if let Some(simulators) = simulators {
        simulators.stop().await;
    }
    rollups.abort();
    workers.shut_down().await;
    pool.close().await;
    tracing::info!("lepton stopped");
    Ok(())
}
