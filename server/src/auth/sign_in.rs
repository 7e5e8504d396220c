//! Signing in: throttling, the password check and a fresh session, shared by the HTML form and
//! `POST /api/v1/auth/login`.
//!
//! Unknown user, wrong password and disabled user all end in the same
//! [`SignInError::Invalid`] after the same amount of work, so the answer does not tell which
//! usernames exist. The audit log, which only admins read, records the real reason.

use std::time::Duration;

use sqlx::SqlitePool;

use super::audit::{Action, Actor};
use super::client::Client;
use super::password::{self, PasswordError, Passwords};
use super::session::{self, NewSession, Origin, SessionLimits};
use super::throttle;
use super::user::{self, User};

/// The one message for every failed sign-in.
pub(crate) const INVALID_MESSAGE: &str = "wrong username or password";

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignInError {
    /// Unknown user, wrong password or disabled user: deliberately indistinguishable.
    #[error("{INVALID_MESSAGE}")]
    Invalid,
    /// Too many failures for this account or address; try again after the wait.
    #[error("too many failed sign-ins; try again in {} seconds", .0.as_secs().max(1))]
    Throttled(Duration),
    /// The database failed.
    #[error("cannot sign in: {0}")]
    Database(#[from] sqlx::Error),
    /// Hashing failed.
    #[error("cannot sign in: {0}")]
    Password(#[from] PasswordError),
}

/// A successful sign-in.
#[derive(Debug)]
pub(crate) struct SignedIn {
    pub(crate) user: User,
    pub(crate) session: NewSession,
}

/// What a sign-in needs from the server.
#[derive(Clone, Copy)]
pub(crate) struct SignInContext<'a> {
    pub(crate) pool: &'a SqlitePool,
    pub(crate) passwords: &'a Passwords,
    pub(crate) limits: SessionLimits,
}

/// Checks `username` and `password` and starts a new session. A session the browser already
/// had (`previous_secret`) is ended, so no identifier survives the sign-in.
///
/// # Errors
///
/// [`SignInError`]; `Invalid` and `Throttled` are the caller's, the others the server's.
pub(crate) async fn sign_in(
    context: SignInContext<'_>,
    username: &str,
    password: String,
    client: &Client,
    previous_secret: Option<&str>,
) -> Result<SignedIn, SignInError> {
    let pool = context.pool;
    let account_key = throttle::account_key(username);
    let address_key = throttle::address_key(&client.ip);

    let account_wait = throttle::retry_after(pool, &account_key).await?;
    let address_wait = throttle::retry_after(pool, &address_key).await?;
    if let Some(wait) = account_wait.max(address_wait) {
        let detail = format!("refused for {} s", wait.as_secs());
        let actor = anonymous(username, client);
        let action = Action::SignInThrottled;
        actor.record_failure(pool, action, username, &detail).await;
        return Err(SignInError::Throttled(wait));
    }

    // Oversized input is refused without hashing it, but counted like any failure.
    let plausible = username.len() <= 200 && password.chars().count() <= password::MAX_LENGTH;
    let user = if plausible {
        user::find_by_username(pool, username).await?
    } else {
        None
    };
    let stored = user.as_ref().map(|user| user.password_hash.clone());
    let matches = context.passwords.verify(password, stored).await?;

    let user = match user {
        Some(user) if matches && !user.disabled => user,
        other => {
            let detail = match other {
                None => "unknown user",
                Some(user) if user.disabled => "account disabled",
                Some(_) => "wrong password",
            };
            throttle::record_failure(pool, &account_key, throttle::ACCOUNT).await?;
            throttle::record_failure(pool, &address_key, throttle::ADDRESS).await?;
            let actor = anonymous(username, client);
            actor
                .record_failure(pool, Action::SignInFailed, username, detail)
                .await;
            return Err(SignInError::Invalid);
        }
    };

    throttle::clear(pool, &account_key).await?;
    if let Some(secret) = previous_secret {
        session::end_by_secret(pool, secret).await?;
    }
    let origin = Origin {
        ip: &client.ip,
        user_agent: &client.user_agent,
    };
    let session = session::create(pool, &user.id, &origin, context.limits).await?;
    tracing::info!(user = %user.username, "signed in");
    let actor = Actor::user(&user, &client.ip);
    actor.record(pool, Action::SignIn, &user.username, "").await;
    Ok(SignedIn { user, session })
}

/// Someone signing in, not yet known: the name they gave, from their address.
fn anonymous<'a>(username: &'a str, client: &'a Client) -> Actor<'a> {
    Actor {
        id: None,
        name: username,
        ip: &client.ip,
    }
}
