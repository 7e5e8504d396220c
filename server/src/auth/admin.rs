//! Managing users: create, change role, disable, reset a password. Shared by the admin REST
//! API and the `lepton admin` commands, so that both check and audit the same way.

use lepton_protocol::account::Role;
use sqlx::SqlitePool;

use super::audit::{Action, Actor};
use super::password::{self, PasswordError, PasswordPolicyError, Passwords};
use super::secret;
use super::session;
use super::user::{self, User, UsernameError};

/// Why a change was refused or failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AdminError {
    /// The username breaks the rules.
    #[error(transparent)]
    Username(#[from] UsernameError),
    /// The password breaks the policy.
    #[error(transparent)]
    Password(#[from] PasswordPolicyError),
    /// Another user has this username.
    #[error("the username '{0}' is taken")]
    Taken(String),
    /// No such user.
    #[error("no such user")]
    NotFound,
    /// The change would leave no enabled admin.
    #[error("this is the last enabled admin: make another admin first")]
    LastAdmin,
    /// An admin tried to disable their own account.
    #[error("you cannot disable your own account")]
    SelfDisable,
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hashing(#[from] PasswordError),
}

/// Creates a user; with no password given, generates one and returns it (to show once).
///
/// # Errors
///
/// [`AdminError`].
pub(crate) async fn create_user(
    pool: &SqlitePool,
    passwords: &Passwords,
    actor: Actor<'_>,
    username: &str,
    role: Role,
    password: Option<String>,
) -> Result<(User, Option<String>), AdminError> {
    user::check_username(username)?;
    let (password, generated) = chosen_or_generated(password)?;

    let hash = passwords.hash(password.clone()).await?;
    let created = match user::create(pool, username, &hash, role).await {
        Ok(created) => created,
        Err(error) if user::is_unique_violation(&error) => {
            return Err(AdminError::Taken(username.to_owned()));
        }
        Err(error) => return Err(error.into()),
    };

    tracing::info!(user = %created.username, role = role.as_str(), "user created");
    let detail = format!("role {}", role.as_str());
    actor
        .record(pool, Action::UserCreated, &created.username, &detail)
        .await;
    Ok((created, generated.then_some(password)))
}

fn chosen_or_generated(password: Option<String>) -> Result<(String, bool), AdminError> {
    match password {
        Some(password) => {
            password::check_policy(&password)?;
            Ok((password, false))
        }
        None => Ok((secret::generate_password(), true)),
    }
}

/// Sets a user's password and ends their sessions; returns the generated one, if generated.
///
/// # Errors
///
/// [`AdminError`].
pub(crate) async fn reset_password(
    pool: &SqlitePool,
    passwords: &Passwords,
    actor: Actor<'_>,
    target: &User,
    password: Option<String>,
) -> Result<Option<String>, AdminError> {
    let (password, generated) = chosen_or_generated(password)?;
    let hash = passwords.hash(password.clone()).await?;
    user::set_password_hash(pool, &target.id, &hash).await?;
    let ended = session::revoke_all(pool, &target.id).await?;

    tracing::info!(user = %target.username, "password reset");
    let detail = format!("{ended} sessions ended");
    actor
        .record(pool, Action::PasswordReset, &target.username, &detail)
        .await;
    Ok(generated.then_some(password))
}

/// Changes role and/or disabled state; disabling ends the user's sessions.
///
/// # Errors
///
/// [`AdminError`]: `NotFound`, `LastAdmin`, `SelfDisable`, or a database error.
pub(crate) async fn update_user(
    pool: &SqlitePool,
    actor: Actor<'_>,
    id: &str,
    role: Option<Role>,
    disabled: Option<bool>,
) -> Result<User, AdminError> {
    let mut target = user::find_by_id(pool, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    if disabled == Some(true) && actor.id == Some(target.id.as_str()) {
        return Err(AdminError::SelfDisable);
    }
    let stays_admin =
        role.unwrap_or(target.role) == Role::Admin && !disabled.unwrap_or(target.disabled);
    let is_active_admin = target.role == Role::Admin && !target.disabled;
    if is_active_admin && !stays_admin && user::count_active_admins(pool).await? <= 1 {
        return Err(AdminError::LastAdmin);
    }

    if let Some(role) = role.filter(|role| *role != target.role) {
        user::set_role(pool, &target.id, role).await?;
        tracing::info!(user = %target.username, role = role.as_str(), "role changed");
        let detail = format!("{} → {}", target.role.as_str(), role.as_str());
        actor
            .record(pool, Action::RoleChanged, &target.username, &detail)
            .await;
        target.role = role;
    }
    if let Some(disabled) = disabled.filter(|disabled| *disabled != target.disabled) {
        user::set_disabled(pool, &target.id, disabled).await?;
        let action = if disabled {
            let ended = session::revoke_all(pool, &target.id).await?;
            tracing::info!(user = %target.username, ended, "user disabled");
            Action::UserDisabled
        } else {
            tracing::info!(user = %target.username, "user enabled");
            Action::UserEnabled
        };
        actor.record(pool, action, &target.username, "").await;
        target.disabled = disabled;
    }
    Ok(target)
}
