//! The simulated sites a new installation runs, fed through the public ingest API.
//!
//! The two case-study simulators of `lepton-sim` run as background tasks of the server. They
//! are clients like any real site: they hold an API token of the `site-simulator` account (an
//! editor whose password nobody knows) and post their readings over loopback HTTP to
//! `POST /api/v1/telemetry`, never into the database directly, so they exercise exactly the
//! path a real site takes. An admin who disables that account stops them at the next start.
//!
//! The simulated clock runs `speedup` times faster than the wall clock: each step covers
//! `step_seconds` of simulated time and is sent `step_seconds / speedup` wall seconds after the
//! one before, stamped with the wall-clock time it is sent at. The figures in the readings
//! (seconds run, units made) are in simulated time, so the KPIs stay consistent.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use lepton_protocol::account::{Role, Scope};
use lepton_protocol::telemetry::{PointTime, TelemetryPoint};
use lepton_sim::Site;
use lepton_sim::logistics::{Fleet, FleetSettings, NearestIdle};
use lepton_sim::manufacturing::{FixedInterval, Line, LineSettings};
use sqlx::SqlitePool;
use tokio::task::JoinSet;

use crate::auth::password::{PasswordError, Passwords};
use crate::auth::{secret, token, user};

/// The account the simulators send with.
pub(crate) const ACCOUNT: &str = "site-simulator";
/// The name of its token; the previous one is revoked at each start.
const TOKEN_NAME: &str = "site simulators";
/// Batches kept for resending while the server refuses them; older ones are dropped.
const BACKLOG: usize = 120;

/// What the simulators run with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SimulationSettings {
    /// Seed of both sites.
    pub(crate) seed: u64,
    /// Simulated seconds per wall-clock second.
    pub(crate) speedup: f64,
}

/// Why the simulators could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SimulationError {
    /// The database failed.
    #[error("cannot prepare the simulators' account: {0}")]
    Database(#[from] sqlx::Error),
    /// Hashing the account's password failed.
    #[error("cannot prepare the simulators' account: {0}")]
    Password(#[from] PasswordError),
    /// The HTTP client could not be built.
    #[error("cannot build the simulators' HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// The running simulators.
#[derive(Debug)]
pub(crate) struct Simulators {
    tasks: JoinSet<()>,
}

impl Simulators {
    /// Starts both sites, posting to the server listening on `addr`; `None` when the
    /// simulators' account is disabled.
    ///
    /// # Errors
    ///
    /// [`SimulationError`].
    pub(crate) async fn start(
        pool: &SqlitePool,
        passwords: &Passwords,
        addr: SocketAddr,
        settings: SimulationSettings,
    ) -> Result<Option<Self>, SimulationError> {
        let Some(secret) = service_token(pool, passwords).await? else {
            tracing::info!(
                account = ACCOUNT,
                "simulators off: their account is disabled"
            );
            return Ok(None);
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let sender = Sender {
            client,
            url: format!("http://{}/api/v1/telemetry", loopback(addr)),
            secret,
        };

        let line = Line::new(
            LineSettings::default(),
            Box::new(FixedInterval::default()),
            settings.seed,
        );
        let fleet = Fleet::new(
            FleetSettings::default(),
            Box::new(NearestIdle),
            settings.seed,
        );
        let mut tasks = JoinSet::new();
        tasks.spawn(drive(
            "manufacturing-line",
            Box::new(line),
            sender.clone(),
            settings,
        ));
        tasks.spawn(drive("logistics-fleet", Box::new(fleet), sender, settings));
        tracing::info!(
            seed = settings.seed,
            speedup = settings.speedup,
            "simulators started"
        );
        Ok(Some(Self { tasks }))
    }

    /// Stops both sites.
    pub(crate) async fn stop(mut self) {
        self.tasks.shutdown().await;
    }
}

/// The address to reach a listener on: a wildcard address becomes loopback.
fn loopback(addr: SocketAddr) -> SocketAddr {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    addr
}

/// A fresh write token of the simulators' account, created with the account when missing;
/// `None` when an admin disabled the account.
async fn service_token(
    pool: &SqlitePool,
    passwords: &Passwords,
) -> Result<Option<String>, SimulationError> {
    let account = match user::find_by_username(pool, ACCOUNT).await? {
        Some(account) => account,
        None => {
            // Nobody ever learns this password: the account only signs in with tokens.
            let hash = passwords.hash(secret::generate_password()).await?;
            match user::create(pool, ACCOUNT, &hash, Role::Editor).await {
                Ok(account) => account,
                Err(error) if user::is_unique_violation(&error) => {
                    user::find_by_username(pool, ACCOUNT)
                        .await?
                        .ok_or(sqlx::Error::RowNotFound)?
                }
                Err(error) => return Err(error.into()),
            }
        }
    };
    if account.disabled {
        return Ok(None);
    }

    for old in token::list(pool, &account.id).await? {
        if old.name == TOKEN_NAME {
            token::revoke(pool, &account.id, &old.id).await?;
        }
    }
    let new = token::NewToken {
        user_id: &account.id,
        name: TOKEN_NAME,
        scopes: &[Scope::Write],
        expires_at: None,
    };
    let (_, secret) = token::create(pool, &new).await?;
    Ok(Some(secret))
}

/// Posts batches to the ingest API.
#[derive(Debug, Clone)]
struct Sender {
    client: reqwest::Client,
    url: String,
    secret: String,
}

/// What became of one post.
enum Sent {
    Stored,
    /// Refused for what it holds: sending it again would be refused again.
    Refused(u16, String),
    /// Not stored this time (busy, unreachable): worth sending again.
    Later(String),
}

impl Sender {
    async fn post(&self, batch: &[TelemetryPoint]) -> Sent {
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(&self.secret)
            .json(batch)
            .send()
            .await;
        match response {
            Ok(response) if response.status().is_success() => Sent::Stored,
            Ok(response) => {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                if status.as_u16() == 429 || status.is_server_error() {
                    Sent::Later(format!("{status}: {body}"))
                } else {
                    Sent::Refused(status.as_u16(), body)
                }
            }
            Err(error) => Sent::Later(error.to_string()),
        }
    }
}

/// Runs one site forever: a step per period, sent with whatever earlier steps still wait.
async fn drive(
    site: &'static str,
    mut simulator: Box<dyn Site + Send>,
    sender: Sender,
    settings: SimulationSettings,
) {
    let period = Duration::from_secs_f64(
        (simulator.step_seconds() / settings.speedup.max(f64::MIN_POSITIVE)).max(0.01),
    );
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut backlog: VecDeque<Vec<TelemetryPoint>> = VecDeque::new();
    let tags = BTreeMap::from([("policy".to_owned(), simulator.policy().to_owned())]);

    loop {
        ticks.tick().await;
        let step = simulator.step();
        let at = Utc::now().timestamp_millis();
        let batch = step
            .samples
            .into_iter()
            .map(|sample| TelemetryPoint {
                site: site.to_owned(),
                source: sample.source,
                metric: sample.metric.to_owned(),
                timestamp: PointTime::Millis(at),
                value: sample.value,
                tags: tags.clone(),
            })
            .collect();
        backlog.push_back(batch);
        if backlog.len() > BACKLOG {
            backlog.pop_front();
            tracing::warn!(
                site,
                kept = BACKLOG,
                "simulated readings dropped: the server is not taking them"
            );
        }

        while let Some(batch) = backlog.front() {
            match sender.post(batch).await {
                Sent::Stored => {
                    backlog.pop_front();
                }
                // Without a valid token nothing will ever be taken: the site stops.
                Sent::Refused(status @ (401 | 403), body) => {
                    tracing::error!(site, status, %body, "simulator's token refused; it stops");
                    return;
                }
                Sent::Refused(status, body) => {
                    tracing::warn!(site, status, %body, "simulated batch refused");
                    backlog.pop_front();
                }
                Sent::Later(reason) => {
                    tracing::debug!(site, %reason, waiting = backlog.len(), "simulated batch kept for later");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_address_is_reached_on_loopback() {
        let any: SocketAddr = "0.0.0.0:3000".parse().unwrap();
        assert_eq!(loopback(any), "127.0.0.1:3000".parse().unwrap());
        let any6: SocketAddr = "[::]:3000".parse().unwrap();
        assert_eq!(loopback(any6), "[::1]:3000".parse().unwrap());
        let exact: SocketAddr = "10.0.0.2:80".parse().unwrap();
        assert_eq!(loopback(exact), exact);
    }
}
