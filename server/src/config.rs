//! Command-line flags with environment fallbacks, and the checks that turn them into a
//! [`Config`] the server can trust.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use lepton_protocol::account::Role;

/// The Lepton server: dashboard, datasets, training and models over HTTP.
///
/// Every flag can also be set through the environment variable shown with it.
#[derive(Debug, Parser)]
#[command(
    name = "lepton",
    version,
    about,
    after_help = "The log filter is read from RUST_LOG, for example RUST_LOG=lepton=debug,info."
)]
pub(crate) struct Cli {
    /// Without a command, the server starts.
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    /// Address and port to listen on.
    #[arg(long, env = "LEPTON_ADDR", default_value = "127.0.0.1:3000")]
    addr: String,

    /// Directory for the database and stored files; created when missing.
    #[arg(
        long,
        env = "LEPTON_DATA_DIR",
        default_value = "./lepton-data",
        global = true
    )]
    pub(crate) data_dir: PathBuf,

    /// Directory of the built site: `pkg/` with the browser bundles, plus public files.
    #[arg(long, env = "LEPTON_SITE_DIR", default_value = "target/site")]
    site_dir: PathBuf,

    /// Log line format.
    #[arg(long, env = "LEPTON_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    /// Largest request body accepted, in bytes; larger requests get 413.
    #[arg(long, env = "LEPTON_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    max_body_bytes: usize,

    /// Largest dataset upload accepted, in bytes; larger uploads get 413. Uploads stream to
    /// storage, so this bounds disk use, not memory.
    #[arg(long, env = "LEPTON_MAX_UPLOAD_BYTES", default_value_t = 2 * 1024 * 1024 * 1024)]
    max_upload_bytes: u64,

    /// Trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy in front of Lepton
    /// (client addresses in the audit log, Secure cookies behind HTTPS). Only set it when every
    /// request passes through such a proxy.
    #[arg(long, env = "LEPTON_TRUST_PROXY")]
    trust_proxy: bool,

    /// Minutes without a request after which a browser session ends.
    #[arg(long, env = "LEPTON_SESSION_IDLE_MINUTES", default_value_t = 12 * 60,
          value_parser = clap::value_parser!(u64).range(1..=525_600))]
    session_idle_minutes: u64,

    /// Hours after sign-in at which a browser session ends, however active.
    #[arg(long, env = "LEPTON_SESSION_MAX_HOURS", default_value_t = 7 * 24,
          value_parser = clap::value_parser!(u64).range(1..=8760))]
    session_max_hours: u64,

    /// Training jobs this process trains at the same time; 0 leaves them to `lepton worker`
    /// processes on the same data directory.
    #[arg(long, env = "LEPTON_WORKERS", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(0..=64))]
    workers: u64,

    /// Seconds a worker's claim on a job lasts without renewal: how long the job of a worker
    /// that died waits before another takes it up.
    #[arg(long, env = "LEPTON_JOB_LEASE_SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    job_lease_seconds: u64,

    /// Days raw telemetry points are accepted and kept.
    #[arg(long, env = "LEPTON_TELEMETRY_RAW_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    telemetry_raw_days: u32,

    /// Days one-minute roll-ups of telemetry are kept.
    #[arg(long, env = "LEPTON_TELEMETRY_ROLLUP_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(1..=36500))]
    telemetry_rollup_days: u32,

    /// The device training jobs run on.
    #[arg(long, env = "LEPTON_DEVICE", value_enum, default_value_t = DeviceKind::Cpu)]
    device: DeviceKind,

    /// Run the two simulated sites, which send telemetry to this server (`--simulate false`
    /// for none).
    #[arg(long, env = "LEPTON_SIMULATE", default_value_t = true,
          action = clap::ArgAction::Set)]
    simulate: bool,

    /// Seed of the simulated sites: the same seed replays the same readings.
    #[arg(long, env = "LEPTON_SIM_SEED", default_value_t = 42)]
    sim_seed: u64,

    /// Simulated seconds per wall-clock second (1 to 3600).
    #[arg(long, env = "LEPTON_SIM_SPEEDUP", default_value_t = 60.0,
          value_parser = parse_speedup)]
    sim_speedup: f64,
}

/// A speed-up factor between 1 and 3 600 (an hour of simulated time per second).
fn parse_speedup(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(speedup) if (1.0..=3600.0).contains(&speedup) => Ok(speedup),
        _ => Err(format!("'{text}' is not a number from 1 to 3600")),
    }
}

/// Where training jobs run. The GPU backends exist in builds with the matching cargo feature
/// (`cargo build --features wgpu`, `--features cuda`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DeviceKind {
    /// burn's pure-Rust CPU backend.
    Cpu,
    /// burn's wgpu backend on the preferred adapter (Vulkan, Metal or DirectX 12).
    #[cfg(feature = "wgpu")]
    Wgpu,
    /// burn's CUDA backend on the first NVIDIA GPU.
    #[cfg(feature = "cuda")]
    Cuda,
}

/// What `lepton` does besides serving.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Manage users from the server's machine (works while the server runs).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// List every route the server answers, with the access rule that guards it.
    Routes {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Train queued jobs without serving HTTP: run as many of these as the machines allow,
    /// on the same data directory as the server (`--workers` sets the jobs per process).
    Worker,
}

/// `lepton admin …`.
#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Create a user. Prints a generated password unless --password-stdin is given.
    CreateUser {
        /// The sign-in name: 3 to 64 of a-z, 0-9, '.', '_', '-'.
        #[arg(long)]
        username: String,
        /// The role.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for a user and end their sessions. Prints a generated password
    /// unless --password-stdin is given.
    ResetPassword {
        /// The user.
        #[arg(long)]
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn parse_role(name: &str) -> Result<Role, String> {
    Role::parse(name).ok_or_else(|| "expected viewer, editor or admin".to_owned())
}

/// How log lines are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) addr: SocketAddr,
    pub(crate) data_dir: PathBuf,
    pub(crate) site_dir: PathBuf,
    pub(crate) log_format: LogFormat,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_upload_bytes: u64,
    pub(crate) trust_proxy: bool,
    pub(crate) session_idle: Duration,
    pub(crate) session_max: Duration,
    pub(crate) workers: usize,
    pub(crate) job_lease: Duration,
    pub(crate) device: DeviceKind,
    pub(crate) telemetry_raw_days: u32,
    pub(crate) telemetry_rollup_days: u32,
    /// The simulated sites to run, if any.
    pub(crate) simulation: Option<crate::simulation::SimulationSettings>,
}

/// Why the server could not start; each message names what to fix.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartupError {
    /// `--addr` is not `IP:PORT`.
    #[error("invalid --addr '{addr}': expected IP:PORT, for example 127.0.0.1:3000")]
    Address {
        /// What was given.
        addr: String,
    },
    /// The data directory path exists but is a file (or something else).
    #[error("data dir {} exists but is not a directory", .path.display())]
    DataDirNotDirectory {
        /// The path given.
        path: PathBuf,
    },
    /// The data directory cannot be created or written to.
    #[error("data dir {} is not writable: {source}", .path.display())]
    DataDirNotWritable {
        /// The path given.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] crate::database::DatabaseError),
    /// The address is taken, or not ours to bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the operating system said (for example "Address already in use").
        source: std::io::Error,
    },
    /// The async runtime could not start (out of threads or memory).
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Password hashing could not be set up.
    #[error(transparent)]
    Passwords(#[from] crate::auth::password::PasswordError),
    /// The dataset store could not be opened.
    #[error("cannot open the dataset store: {0}")]
    DatasetStore(#[from] crate::dataset::store::StoreError),
    /// What interrupted uploads left could not be cleaned up.
    #[error("cannot clean up after interrupted uploads: {0}")]
    DatasetCleanup(#[from] crate::dataset::DatasetError),
    /// The first admin could not be created.
    #[error(transparent)]
    Bootstrap(#[from] crate::auth::bootstrap::BootstrapError),
    /// The telemetry sites could not be read.
    #[error("cannot read the telemetry sites: {0}")]
    Telemetry(sqlx::Error),
    /// The simulated sites could not start.
    #[error(transparent)]
    Simulation(#[from] crate::simulation::SimulationError),
    /// `--device` names a GPU this machine cannot use.
    #[error("cannot train on the device asked for: {0}")]
    Device(#[from] lepton_ml::accelerator::AcceleratorError),
    /// Serving failed after start-up.
    #[error("server stopped with an error: {0}")]
    Serve(std::io::Error),
}

impl Config {
    /// Checks the flags.
    ///
    /// # Errors
    ///
    /// [`StartupError::Address`] when `--addr` does not parse.
    pub(crate) fn from_cli(cli: Cli) -> Result<Self, StartupError> {
        let addr = cli
            .addr
            .trim()
            .parse()
            .map_err(|_| StartupError::Address { addr: cli.addr })?;

        Ok(Self {
            addr,
            data_dir: cli.data_dir,
            site_dir: cli.site_dir,
            log_format: cli.log_format,
            max_body_bytes: cli.max_body_bytes,
            max_upload_bytes: cli.max_upload_bytes,
            trust_proxy: cli.trust_proxy,
            session_idle: Duration::from_secs(cli.session_idle_minutes * 60),
            session_max: Duration::from_secs(cli.session_max_hours * 3600),
            workers: usize::try_from(cli.workers).unwrap_or(1),
            job_lease: Duration::from_secs(cli.job_lease_seconds),
            device: cli.device,
            telemetry_raw_days: cli.telemetry_raw_days,
            telemetry_rollup_days: cli.telemetry_rollup_days,
            simulation: cli
                .simulate
                .then_some(crate::simulation::SimulationSettings {
                    seed: cli.sim_seed,
                    speedup: cli.sim_speedup,
                }),
        })
    }
}

/// Creates the data directory when missing and proves it is writable.
///
/// # Errors
///
/// [`StartupError::DataDirNotDirectory`] or [`StartupError::DataDirNotWritable`].
pub(crate) fn prepare_data_dir(path: &Path) -> Result<(), StartupError> {
    if path.exists() && !path.is_dir() {
        return Err(StartupError::DataDirNotDirectory {
            path: path.to_owned(),
        });
    }

    let not_writable = |source| StartupError::DataDirNotWritable {
        path: path.to_owned(),
        source,
    };
    std::fs::create_dir_all(path).map_err(not_writable)?;

    // Permission bits do not tell the whole story (read-only mounts, root in containers):
    // writing a file does.
    let probe = path.join(".write-probe");
    std::fs::write(&probe, b"lepton").map_err(not_writable)?;
    std::fs::remove_file(&probe).map_err(not_writable)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        Cli::parse_from(std::iter::once("lepton").chain(args.iter().copied()))
    }

    #[test]
    fn rejects_an_unparsable_address() {
        let error = Config::from_cli(cli(&["--addr", "localhost:http"])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid --addr 'localhost:http': expected IP:PORT, for example 127.0.0.1:3000"
        );
    }

    #[test]
    fn accepts_ipv6_addresses() {
        let config = Config::from_cli(cli(&["--addr", "[::1]:8080"])).unwrap();
        assert_eq!(config.addr.port(), 8080);
    }

    #[test]
    fn a_file_is_not_a_data_dir() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let error = prepare_data_dir(file.path()).unwrap_err();
        assert!(matches!(error, StartupError::DataDirNotDirectory { .. }));
    }

    #[test]
    fn creates_a_missing_data_dir() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("nested/data");

        prepare_data_dir(&dir).unwrap();
        assert!(dir.is_dir());
    }
}
