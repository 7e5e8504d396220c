//! The audit log: who did what, when, from where, and whether it worked.
//!
//! Entries are written after the change they describe, by the code that made it. A failure to
//! write one is logged as an error but does not undo the change: the change already happened,
//! and pretending otherwise would be worse.

use lepton_protocol::account::{AuditEvent, AuditPage};
use sqlx::SqlitePool;

use super::user::User;
use crate::timestamp;

/// What happened, as stored in the `action` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// A sign-in succeeded.
    SignIn,
    /// A sign-in failed: wrong password, unknown or disabled user.
    SignInFailed,
    /// A sign-in was refused because of too many failures.
    SignInThrottled,
    /// A session ended by signing out.
    SignOut,
    /// Every session of a user ended.
    SignOutEverywhere,
    /// One session was revoked from the account page.
    SessionRevoked,
    /// A user changed their own password.
    PasswordChanged,
    /// An admin or operator set someone's password.
    PasswordReset,
    /// A user was created.
    UserCreated,
    /// A user's role changed.
    RoleChanged,
    /// A user was disabled.
    UserDisabled,
    /// A user was enabled again.
    UserEnabled,
    /// An API token was created.
    TokenCreated,
    /// An API token was revoked.
    TokenRevoked,
    /// A dataset version was uploaded.
    DatasetUploaded,
    /// A dataset was shared with everyone or made private.
    DatasetVisibilityChanged,
    /// A dataset version was deleted.
    DatasetDeleted,
    /// A model file was uploaded from the Lab.
    LabModelUploaded,
    /// A training job was queued.
    JobQueued,
    /// A training job was cancelled.
    JobCancelled,
    /// A model version was registered from a job or a Lab upload.
    ModelRegistered,
    /// A model version moved to another stage (promotion, rollback, archiving).
    ModelStageChanged,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::SignInThrottled => "sign_in_throttled",
            Self::SignOut => "sign_out",
            Self::SignOutEverywhere => "sign_out_everywhere",
            Self::SessionRevoked => "session_revoked",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::UserCreated => "user_created",
            Self::RoleChanged => "role_changed",
            Self::UserDisabled => "user_disabled",
            Self::UserEnabled => "user_enabled",
            Self::TokenCreated => "token_created",
            Self::TokenRevoked => "token_revoked",
            Self::DatasetUploaded => "dataset_uploaded",
            Self::DatasetVisibilityChanged => "dataset_visibility_changed",
            Self::DatasetDeleted => "dataset_deleted",
            Self::LabModelUploaded => "lab_model_uploaded",
            Self::JobQueued => "job_queued",
            Self::JobCancelled => "job_cancelled",
            Self::ModelRegistered => "model_registered",
            Self::ModelStageChanged => "model_stage_changed",
        }
    }
}

/// Who acts, from where: the subject of audit entries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Actor<'a> {
    /// The acting user's id, when known.
    pub(crate) id: Option<&'a str>,
    /// The acting user's name, or the name tried at a failed sign-in.
    pub(crate) name: &'a str,
    /// The client address, or `local` for the command line.
    pub(crate) ip: &'a str,
}

impl<'a> Actor<'a> {
    /// A signed-in user acting from `ip`.
    pub(crate) fn user(user: &'a User, ip: &'a str) -> Self {
        Self {
            id: Some(&user.id),
            name: &user.username,
            ip,
        }
    }

    /// Records a successful `action` on `target`.
    pub(crate) async fn record(
        &self,
        pool: &SqlitePool,
        action: Action,
        target: &str,
        detail: &str,
    ) {
        write(pool, self, action, target, true, detail).await;
    }

    /// Records a failed `action` on `target`.
    pub(crate) async fn record_failure(
        &self,
        pool: &SqlitePool,
        action: Action,
        target: &str,
        detail: &str,
    ) {
        write(pool, self, action, target, false, detail).await;
    }
}

/// Writes one entry, logging (not returning) a failure.
async fn write(
    pool: &SqlitePool,
    actor: &Actor<'_>,
    action: Action,
    target: &str,
    success: bool,
    detail: &str,
) {
    // Names tried at failed sign-ins are attacker-chosen: keep them short.
    let name: String = actor.name.chars().take(100).collect();
    let result = sqlx::query(
        "INSERT INTO audit_events (at, actor_id, actor, action, target, ip, outcome, detail) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(timestamp::format(chrono::Utc::now()))
    .bind(actor.id)
    .bind(&name)
    .bind(action.as_str())
    .bind(target)
    .bind(actor.ip)
    .bind(if success { "success" } else { "failure" })
    .bind(detail)
    .execute(pool)
    .await;

    if let Err(error) = result {
        tracing::error!(%error, action = action.as_str(), "audit event not written");
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    ip: String,
    outcome: String,
    detail: String,
}

/// Up to `limit` events older than `before` (all when `None`), newest first.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn page(
    pool: &SqlitePool,
    before: Option<i64>,
    limit: u32,
) -> Result<AuditPage, sqlx::Error> {
    let rows = sqlx::query_as::<_, EventRow>(
        "SELECT id, at, actor, action, target, ip, outcome, detail FROM audit_events \
         WHERE id < ? ORDER BY id DESC LIMIT ?",
    )
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit) + 1)
    .fetch_all(pool)
    .await?;

    let more = rows.len() > limit as usize;
    let events: Vec<AuditEvent> = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| AuditEvent {
            id: row.id,
            at: row.at,
            actor: row.actor,
            action: row.action,
            target: row.target,
            ip: row.ip,
            outcome: row.outcome,
            detail: row.detail,
        })
        .collect();
    let next_before = more.then(|| events.last().map(|event| event.id)).flatten();
    Ok(AuditPage {
        events,
        next_before,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_newest_first() {
        let (_dir, pool) = crate::database::open_temporary().await;
        let actor = Actor {
            id: None,
            name: "ada",
            ip: "127.0.0.1",
        };
        for target in ["a", "b", "c"] {
            actor.record(&pool, Action::TokenCreated, target, "").await;
        }

        let first = page(&pool, None, 2).await.unwrap();
        let targets: Vec<_> = first
            .events
            .iter()
            .map(|event| event.target.as_str())
            .collect();
        assert_eq!(targets, ["c", "b"]);

        let rest = page(&pool, first.next_before, 2).await.unwrap();
        assert_eq!(rest.events.len(), 1);
        assert_eq!(rest.events[0].action, "token_created");
        assert_eq!(rest.next_before, None);
    }
}
