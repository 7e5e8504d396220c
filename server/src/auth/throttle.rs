//! Sign-in throttling: exponential back-off per account and per client address.
//!
//! Each failed sign-in counts against two keys, `user:<name>` (also for names that do not
//! exist, so that probing looks the same) and `ip:<address>`. After a number of free failures
//! a key is locked for a time that doubles with each further failure, up to a ceiling; while
//! locked, attempts are refused with 429 before any password is checked. A success clears the
//! account's count. Counts are forgotten after a quiet hour. Per-account locking lets an
//! attacker delay one person's sign-in by at most the ceiling; that is the price of stopping
//! guessing, and why the ceiling is minutes, not hours.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use crate::timestamp;

/// How a kind of key backs off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BackOff {
    /// Failures allowed before the first lock.
    pub(crate) free_failures: u32,
    /// Length of the first lock; each further failure doubles it.
    pub(crate) first_lock: Duration,
    /// Longest lock.
    pub(crate) ceiling: Duration,
}

/// Per account: five tries, then 30 s, 1 min, 2 min, … up to 15 min.
pub(crate) const ACCOUNT: BackOff = BackOff {
    free_failures: 5,
    first_lock: Duration::from_secs(30),
    ceiling: Duration::from_secs(15 * 60),
};

/// Per client address: more room, since offices and proxies share addresses.
pub(crate) const ADDRESS: BackOff = BackOff {
    free_failures: 20,
    first_lock: Duration::from_secs(30),
    ceiling: Duration::from_secs(15 * 60),
};

/// How long a key's failures are remembered without a new one.
const FORGET_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// The throttle key of an account name, whether or not the account exists.
pub(crate) fn account_key(username: &str) -> String {
    format!("user:{}", username.to_lowercase())
}

/// The throttle key of a client address.
pub(crate) fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// The lock after `failures` failures, if any.
pub(crate) fn lock_for(failures: u32, back_off: BackOff) -> Option<Duration> {
    let beyond = failures.checked_sub(back_off.free_failures)?;
    if beyond == 0 {
        return None;
    }
    let doublings = (beyond - 1).min(20);
    let lock = back_off.first_lock.saturating_mul(1 << doublings);
    Some(lock.min(back_off.ceiling))
}

/// How long until `key` may try again; `None` when it may try now.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn retry_after(
    pool: &SqlitePool,
    key: &str,
) -> Result<Option<Duration>, sqlx::Error> {
    let locked_until: Option<Option<String>> =
        sqlx::query_scalar("SELECT locked_until FROM sign_in_throttle WHERE key = ?")
            .bind(key)
            .fetch_optional(pool)
            .await?;
    let now = Utc::now();
    let wait = locked_until
        .flatten()
        .as_deref()
        .and_then(timestamp::parse)
        .and_then(|until| (until - now).to_std().ok())
        .filter(|wait| !wait.is_zero());
    Ok(wait)
}

/// Counts a failure against `key` and locks it when the count calls for it.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn record_failure(
    pool: &SqlitePool,
    key: &str,
    back_off: BackOff,
) -> Result<(), sqlx::Error> {
    let now = Utc::now();
    let previous: Option<(i64, String)> =
        sqlx::query_as("SELECT failures, last_failure_at FROM sign_in_throttle WHERE key = ?")
            .bind(key)
            .fetch_optional(pool)
            .await?;
    let failures = next_count(previous, now);
    let locked_until = lock_for(failures, back_off).map(|lock| {
        timestamp::format(now + chrono::Duration::from_std(lock).unwrap_or(FORGET_AFTER))
    });

    sqlx::query(
        "INSERT INTO sign_in_throttle (key, failures, last_failure_at, locked_until) \
         VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
         last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(i64::from(failures))
    .bind(timestamp::format(now))
    .bind(locked_until)
    .execute(pool)
    .await
    .map(drop)
}

fn next_count(previous: Option<(i64, String)>, now: DateTime<Utc>) -> u32 {
    let Some((failures, last_failure_at)) = previous else {
        return 1;
    };
    let remembered =
        timestamp::parse(&last_failure_at).is_some_and(|last| now - last < FORGET_AFTER);
    if remembered {
        u32::try_from(failures)
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    } else {
        1
    }
}

/// Forgets `key`'s failures after a successful sign-in.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn clear(pool: &SqlitePool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE key = ?")
        .bind(key)
        .execute(pool)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_double_after_the_free_failures_up_to_the_ceiling() {
        assert_eq!(lock_for(0, ACCOUNT), None);
        assert_eq!(lock_for(5, ACCOUNT), None);
        assert_eq!(lock_for(6, ACCOUNT), Some(Duration::from_secs(30)));
        assert_eq!(lock_for(7, ACCOUNT), Some(Duration::from_secs(60)));
        assert_eq!(lock_for(9, ACCOUNT), Some(Duration::from_secs(240)));
        assert_eq!(lock_for(12, ACCOUNT), Some(ACCOUNT.ceiling));
        assert_eq!(lock_for(u32::MAX, ACCOUNT), Some(ACCOUNT.ceiling));
    }

    #[test]
    fn old_failures_are_forgotten() {
        let now = Utc::now();
        let recent = Some((4, timestamp::format(now - chrono::Duration::minutes(5))));
        let old = Some((4, timestamp::format(now - chrono::Duration::hours(2))));

        assert_eq!(next_count(None, now), 1);
        assert_eq!(next_count(recent, now), 5);
        assert_eq!(next_count(old, now), 1);
    }

    #[tokio::test]
    async fn the_sixth_failure_locks_the_account() {
        let (_dir, pool) = crate::database::open_temporary().await;
        let key = account_key("Ada");

        for _ in 0..5 {
            record_failure(&pool, &key, ACCOUNT).await.unwrap();
        }
        assert_eq!(retry_after(&pool, &key).await.unwrap(), None);

        record_failure(&pool, &key, ACCOUNT).await.unwrap();
        let wait = retry_after(&pool, &key).await.unwrap().unwrap();
        assert!(wait <= Duration::from_secs(30) && wait > Duration::from_secs(25));

        clear(&pool, &key).await.unwrap();
        assert_eq!(retry_after(&pool, &key).await.unwrap(), None);
    }
}
