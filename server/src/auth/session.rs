//! Browser sessions, stored server-side.
//!
//! The cookie carries a random secret; the database keeps its fingerprint, the user, a CSRF
//! token, and the times that bound the session: it ends after `idle` without a request or at
//! `expires_at` (the absolute limit) however active it is. Revoking deletes the row, so the
//! next request with that cookie is anonymous.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lepton_protocol::account::SessionInfo;
use sqlx::SqlitePool;

use super::secret;
use super::user::User;
use crate::timestamp;

/// How often `last_seen_at` is written at most: a request per second should not be a write
/// per second.
const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionLimits {
    /// Ends a session after this long without a request.
    pub(crate) idle: Duration,
    /// Ends a session this long after sign-in.
    pub(crate) absolute: Duration,
}

/// A session just created; `secret` goes into the cookie and is not stored.
#[derive(Debug, Clone)]
pub(crate) struct NewSession {
    pub(crate) id: String,
    pub(crate) secret: String,
    pub(crate) csrf_token: String,
}

/// A live session with its user.
#[derive(Debug, Clone)]
pub(crate) struct ActiveSession {
    pub(crate) id: String,
    pub(crate) csrf_token: String,
    pub(crate) user: User,
    last_seen_at: String,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    csrf_token: String,
    last_seen_at: String,
    expires_at: String,
    user_id: String,
    username: String,
    password_hash: String,
    role: String,
    disabled: bool,
    user_created_at: String,
}

/// Who is signing in, from where.
#[derive(Debug, Clone)]
pub(crate) struct Origin<'a> {
    pub(crate) ip: &'a str,
    pub(crate) user_agent: &'a str,
}

/// Starts a session for `user_id`.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn create(
    pool: &SqlitePool,
    user_id: &str,
    origin: &Origin<'_>,
    limits: SessionLimits,
) -> Result<NewSession, sqlx::Error> {
    let now = Utc::now();
    let expires_at = now + chrono::Duration::from_std(limits.absolute).unwrap_or(TOUCH_INTERVAL);
    let session = NewSession {
        id: uuid::Uuid::new_v4().to_string(),
        secret: secret::random_secret(),
        csrf_token: secret::random_secret(),
    };

    // Browsers send arbitrary user agents; 300 characters are plenty to recognise one.
    let user_agent: String = origin.user_agent.chars().take(300).collect();
    sqlx::query(
        "INSERT INTO sessions (id, secret_hash, user_id, csrf_token, created_at, last_seen_at, \
         expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&session.id)
    .bind(secret::fingerprint(&session.secret))
    .bind(user_id)
    .bind(&session.csrf_token)
    .bind(timestamp::format(now))
    .bind(timestamp::format(now))
    .bind(timestamp::format(expires_at))
    .bind(origin.ip)
    .bind(user_agent)
    .execute(pool)
    .await?;
    Ok(session)
}

/// The live session whose cookie holds `secret`, or `None` when there is none, it has
/// expired (then it is deleted), or its user is disabled.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn find(
    pool: &SqlitePool,
    secret: &str,
    limits: SessionLimits,
) -> Result<Option<ActiveSession>, sqlx::Error> {
    let row = sqlx::query_as::<_, SessionRow>(
        "SELECT s.id, s.csrf_token, s.last_seen_at, s.expires_at, u.id AS user_id, u.username, \
         u.password_hash, u.role, u.disabled, u.created_at AS user_created_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = ?",
    )
    .bind(secret::fingerprint(secret))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };

    let now = Utc::now();
    if is_expired(&row.last_seen_at, &row.expires_at, now, limits) {
        delete(pool, &row.id).await?;
        return Ok(None);
    }
    if row.disabled {
        return Ok(None);
    }

    let user = User::from_parts(
        row.user_id,
        row.username,
        row.password_hash,
        &row.role,
        row.disabled,
        row.user_created_at,
    );
    Ok(Some(ActiveSession {
        id: row.id,
        csrf_token: row.csrf_token,
        user,
        last_seen_at: row.last_seen_at,
    }))
}

fn is_expired(
    last_seen_at: &str,
    expires_at: &str,
    now: DateTime<Utc>,
    limits: SessionLimits,
) -> bool {
    let idle = chrono::Duration::from_std(limits.idle).unwrap_or(TOUCH_INTERVAL);
    let (Some(last_seen), Some(expires)) =
        (timestamp::parse(last_seen_at), timestamp::parse(expires_at))
    else {
        // A row we cannot read is a row we do not trust.
        return true;
    };
    now >= expires || now >= last_seen + idle
}

/// Records that the session was used now, at most once per [`TOUCH_INTERVAL`].
///
/// # Errors
///
/// Database errors.
pub(crate) async fn touch(pool: &SqlitePool, session: &ActiveSession) -> Result<(), sqlx::Error> {
    if timestamp::is_recent(Some(&session.last_seen_at), TOUCH_INTERVAL) {
        return Ok(());
    }
    sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE id = ?")
        .bind(timestamp::format(Utc::now()))
        .bind(&session.id)
        .execute(pool)
        .await
        .map(drop)
}

async fn delete(pool: &SqlitePool, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = ?")
        .bind(id)
        .execute(pool)
        .await
        .map(drop)
}

/// Ends the session whose cookie holds `secret`, if there is one.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn end_by_secret(pool: &SqlitePool, secret: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE secret_hash = ?")
        .bind(secret::fingerprint(secret))
        .execute(pool)
        .await
        .map(drop)
}

/// Ends one of `user_id`'s sessions; `false` when they have no such session.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn revoke(
    pool: &SqlitePool,
    user_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM sessions WHERE id = ? AND user_id = ?")
        .bind(id)
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Ends every session of `user_id` but `keep` (after a password change).
///
/// # Errors
///
/// Database errors.
pub(crate) async fn revoke_others(
    pool: &SqlitePool,
    user_id: &str,
    keep: &str,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM sessions WHERE user_id = ? AND id != ?")
        .bind(user_id)
        .bind(keep)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}

/// Ends every session of `user_id` ("sign out everywhere"); returns how many ended.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn revoke_all(pool: &SqlitePool, user_id: &str) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
        .bind(user_id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}

/// Deletes sessions past their limits; run at start and then now and then.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn purge_expired(
    pool: &SqlitePool,
    limits: SessionLimits,
) -> Result<u64, sqlx::Error> {
    let now = Utc::now();
    let idle = chrono::Duration::from_std(limits.idle).unwrap_or(TOUCH_INTERVAL);
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?")
        .bind(timestamp::format(now))
        .bind(timestamp::format(now - idle))
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    id: String,
    created_at: String,
    last_seen_at: String,
    expires_at: String,
    ip: String,
    user_agent: String,
}

/// `user_id`'s live sessions, newest first; `current` marks the caller's own.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn list(
    pool: &SqlitePool,
    user_id: &str,
    current: Option<&str>,
    limits: SessionLimits,
) -> Result<Vec<SessionInfo>, sqlx::Error> {
    let rows = sqlx::query_as::<_, ListedRow>(
        "SELECT id, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions \
         WHERE user_id = ? ORDER BY created_at DESC",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;

    let now = Utc::now();
    let sessions = rows
        .into_iter()
        .filter(|row| !is_expired(&row.last_seen_at, &row.expires_at, now, limits))
        .map(|row| SessionInfo {
            current: current == Some(row.id.as_str()),
            id: row.id,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            ip: row.ip,
            user_agent: row.user_agent,
        })
        .collect();
    Ok(sessions)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: SessionLimits = SessionLimits {
        idle: Duration::from_secs(3600),
        absolute: Duration::from_secs(86_400),
    };

    #[test]
    fn expires_when_idle_or_past_the_absolute_limit() {
        let now = Utc::now();
        let format = |time| timestamp::format(time);
        let hour = chrono::Duration::hours(1);
        let later = format(now + hour);

        assert!(!is_expired(&format(now), &later, now, LIMITS));
        assert!(is_expired(&format(now - hour), &later, now, LIMITS));
        assert!(is_expired(&format(now), &format(now), now, LIMITS));
        assert!(is_expired("garbage", &later, now, LIMITS));
    }

    #[tokio::test]
    async fn a_revoked_session_is_gone_at_once() {
        let (_dir, pool) = crate::database::open_temporary().await;
        let user = super::super::user::create(
            &pool,
            "ada",
            "hash",
            lepton_protocol::account::Role::Viewer,
        )
        .await
        .unwrap();
        let origin = Origin {
            ip: "127.0.0.1",
            user_agent: "test",
        };

        let session = create(&pool, &user.id, &origin, LIMITS).await.unwrap();
        let found = find(&pool, &session.secret, LIMITS).await.unwrap().unwrap();
        assert_eq!(found.user.username, "ada");
        assert!(
            find(&pool, "not the secret", LIMITS)
                .await
                .unwrap()
                .is_none()
        );

        assert!(revoke(&pool, &user.id, &session.id).await.unwrap());
        assert!(
            find(&pool, &session.secret, LIMITS)
                .await
                .unwrap()
                .is_none()
        );
    }
}
