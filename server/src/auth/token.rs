//! API tokens for scripts: `Authorization: Bearer lep_…`.
//!
//! The secret is shown once at creation; the database keeps its fingerprint, a short prefix to
//! recognise it by, its scopes and its times. Revoking sets `revoked_at`, which the very next
//! request sees, since every request looks the token up.

use chrono::Utc;
use lepton_protocol::account::{Scope, TokenInfo};
use sqlx::SqlitePool;

use super::secret;
use super::user::User;
use crate::timestamp;

/// Every token secret starts with this, so that secret scanners can recognise leaked ones.
pub(crate) const SECRET_PREFIX: &str = "lep_";

/// How many characters of the secret are kept to recognise a token by.
const SHOWN_PREFIX: usize = 12;

/// How often `last_used_at` is written at most.
const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// What a presented token turned out to be.
#[derive(Debug, Clone)]
pub(crate) enum TokenLookup {
    /// A live token of an enabled user.
    Valid(ActiveToken),
    /// No token has this secret.
    Unknown,
    /// Revoked by its owner or an admin.
    Revoked,
    /// Past its expiry.
    Expired,
    /// Its user is disabled.
    UserDisabled,
}

/// A live token with its user.
#[derive(Debug, Clone)]
pub(crate) struct ActiveToken {
    pub(crate) id: String,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) user: User,
    last_used_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    name: String,
    prefix: String,
    scopes: String,
    created_at: String,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

impl TokenRow {
    fn info(&self) -> TokenInfo {
        TokenInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            scopes: parse_scopes(&self.scopes),
            created_at: self.created_at.clone(),
            expires_at: self.expires_at.clone(),
            last_used_at: self.last_used_at.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct LookupRow {
    #[sqlx(flatten)]
    token: TokenRow,
    user_id: String,
    username: String,
    password_hash: String,
    role: String,
    disabled: bool,
    user_created_at: String,
}

fn parse_scopes(text: &str) -> Vec<Scope> {
    text.split(' ').filter_map(Scope::parse).collect()
}

fn join_scopes(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A token to create; the caller has checked name, scopes and expiry.
#[derive(Debug, Clone)]
pub(crate) struct NewToken<'a> {
    pub(crate) user_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) scopes: &'a [Scope],
    pub(crate) expires_at: Option<chrono::DateTime<Utc>>,
}

/// Stores a new token and returns it with its secret.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn create(
    pool: &SqlitePool,
    new: &NewToken<'_>,
) -> Result<(TokenInfo, String), sqlx::Error> {
    let secret = format!("{SECRET_PREFIX}{}", secret::random_secret());
    let mut scopes = new.scopes.to_vec();
    scopes.sort();
    scopes.dedup();

    let row = TokenRow {
        id: uuid::Uuid::new_v4().to_string(),
        name: new.name.to_owned(),
        prefix: secret.chars().take(SHOWN_PREFIX).collect(),
        scopes: join_scopes(&scopes),
        created_at: timestamp::format(Utc::now()),
        expires_at: new.expires_at.map(timestamp::format),
        last_used_at: None,
        revoked_at: None,
    };
    sqlx::query(
        "INSERT INTO api_tokens (id, secret_hash, user_id, name, prefix, scopes, created_at, \
         expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.id)
    .bind(secret::fingerprint(&secret))
    .bind(new.user_id)
    .bind(&row.name)
    .bind(&row.prefix)
    .bind(&row.scopes)
    .bind(&row.created_at)
    .bind(&row.expires_at)
    .execute(pool)
    .await?;
    Ok((row.info(), secret))
}

/// Looks up the token whose secret is `secret`.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn find(pool: &SqlitePool, secret: &str) -> Result<TokenLookup, sqlx::Error> {
    let row = sqlx::query_as::<_, LookupRow>(
        "SELECT t.id, t.name, t.prefix, t.scopes, t.created_at, t.expires_at, t.last_used_at, \
         t.revoked_at, u.id AS user_id, u.username, u.password_hash, u.role, u.disabled, \
         u.created_at AS user_created_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ?",
    )
    .bind(secret::fingerprint(secret))
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(TokenLookup::Unknown);
    };

    if row.token.revoked_at.is_some() {
        return Ok(TokenLookup::Revoked);
    }
    let now = timestamp::format(Utc::now());
    if row
        .token
        .expires_at
        .as_deref()
        .is_some_and(|expires| expires <= now.as_str())
    {
        return Ok(TokenLookup::Expired);
    }
    if row.disabled {
        return Ok(TokenLookup::UserDisabled);
    }

    let user = User::from_parts(
        row.user_id,
        row.username,
        row.password_hash,
        &row.role,
        row.disabled,
        row.user_created_at,
    );
    // Scopes beyond the user's current role (after a demotion) are not honoured.
    let scopes = parse_scopes(&row.token.scopes)
        .into_iter()
        .filter(|scope| user.role.scopes().contains(scope))
        .collect();
    Ok(TokenLookup::Valid(ActiveToken {
        id: row.token.id,
        scopes,
        user,
        last_used_at: row.token.last_used_at,
    }))
}

/// Records that the token was used now, at most once per [`TOUCH_INTERVAL`].
///
/// # Errors
///
/// Database errors.
pub(crate) async fn touch(pool: &SqlitePool, token: &ActiveToken) -> Result<(), sqlx::Error> {
    if timestamp::is_recent(token.last_used_at.as_deref(), TOUCH_INTERVAL) {
        return Ok(());
    }
    sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
        .bind(timestamp::format(Utc::now()))
        .bind(&token.id)
        .execute(pool)
        .await
        .map(drop)
}

/// `user_id`'s tokens that are neither revoked nor expired, newest first.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn list(pool: &SqlitePool, user_id: &str) -> Result<Vec<TokenInfo>, sqlx::Error> {
    let rows = sqlx::query_as::<_, TokenRow>(
        "SELECT id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at \
         FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC",
    )
    .bind(user_id)
    .bind(timestamp::format(Utc::now()))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(TokenRow::info).collect())
}

/// Revokes `user_id`'s live token `id`; `None` when they have no such token, else its name.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn revoke(
    pool: &SqlitePool,
    user_id: &str,
    id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? \
         AND revoked_at IS NULL RETURNING name",
    )
    .bind(timestamp::format(Utc::now()))
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use lepton_protocol::account::Role;

    #[tokio::test]
    async fn tokens_are_found_by_secret_and_die_when_revoked() {
        let (_dir, pool) = crate::database::open_temporary().await;
        let user = super::super::user::create(&pool, "ada", "hash", Role::Editor)
            .await
            .unwrap();

        let new = NewToken {
            user_id: &user.id,
            name: "ci",
            scopes: &[Scope::Write, Scope::Read, Scope::Read],
            expires_at: None,
        };
        let (info, secret) = create(&pool, &new).await.unwrap();
        assert!(secret.starts_with(SECRET_PREFIX) && secret.starts_with(&info.prefix));
        assert_eq!(info.scopes, [Scope::Read, Scope::Write]);

        let TokenLookup::Valid(active) = find(&pool, &secret).await.unwrap() else {
            panic!("the new token is valid");
        };
        assert_eq!(active.user.username, "ada");

        assert_eq!(
            revoke(&pool, &user.id, &info.id).await.unwrap(),
            Some("ci".into())
        );
        assert!(matches!(
            find(&pool, &secret).await.unwrap(),
            TokenLookup::Revoked
        ));
        assert!(list(&pool, &user.id).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn expired_tokens_are_refused() {
        let (_dir, pool) = crate::database::open_temporary().await;
        let user = super::super::user::create(&pool, "ada", "hash", Role::Viewer)
            .await
            .unwrap();
        let new = NewToken {
            user_id: &user.id,
            name: "old",
            scopes: &[Scope::Read],
            expires_at: Some(Utc::now() - chrono::Duration::seconds(1)),
        };
        let (_, secret) = create(&pool, &new).await.unwrap();
        assert!(matches!(
            find(&pool, &secret).await.unwrap(),
            TokenLookup::Expired
        ));
    }
}
