//! The first admin: created with a generated password on the first start of an empty
//! database, so that no installation ever has a default password.

use lepton_protocol::account::Role;
use sqlx::SqlitePool;

use super::audit::{Action, Actor};
use super::password::{PasswordError, Passwords};
use super::secret;
use super::user;

/// Username of the first admin.
pub(crate) const FIRST_ADMIN: &str = "admin";

/// Why the first admin could not be created.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BootstrapError {
    /// The database failed.
    #[error("cannot create the first admin: {0}")]
    Database(#[from] sqlx::Error),
    /// Hashing failed.
    #[error("cannot create the first admin: {0}")]
    Password(#[from] PasswordError),
}

/// Creates the first admin when there are no users; returns the generated password, which
/// the caller shows once and never logs.
///
/// # Errors
///
/// [`BootstrapError`].
pub(crate) async fn first_admin(
    pool: &SqlitePool,
    passwords: &Passwords,
) -> Result<Option<String>, BootstrapError> {
    if user::count(pool).await? > 0 {
        return Ok(None);
    }
    let password = secret::generate_password();
    let hash = passwords.hash(password.clone()).await?;
    let admin = match user::create(pool, FIRST_ADMIN, &hash, Role::Admin).await {
        Ok(admin) => admin,
        // Another process on the same database won the race: it shows its own password.
        Err(error) if user::is_unique_violation(&error) => return Ok(None),
        Err(error) => return Err(error.into()),
    };

    tracing::info!(user = FIRST_ADMIN, "first admin created");
    let lepton = Actor {
        id: None,
        name: "lepton",
        ip: "local",
    };
    let detail = "first admin of a new installation";
    lepton
        .record(pool, Action::UserCreated, &admin.username, detail)
        .await;
    Ok(Some(password))
}
