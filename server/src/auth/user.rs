//! Users: who they are, what role they hold, whether they may sign in.
//!
//! Usernames are compared without regard to case (the column is `COLLATE NOCASE`) and stored
//! as given after validation, which allows only characters that are safe in URLs, HTML and
//! log lines.

use lepton_protocol::account::{Role, UserInfo};
use sqlx::SqlitePool;

use crate::timestamp;

/// Shortest username accepted.
const USERNAME_MIN: usize = 3;
/// Longest username accepted.
const USERNAME_MAX: usize = 64;

/// A stored user.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) password_hash: String,
    pub(crate) role: Role,
    pub(crate) disabled: bool,
    pub(crate) created_at: String,
}

impl User {
    /// The user as the API shows it: no password hash.
    pub(crate) fn info(&self) -> UserInfo {
        UserInfo {
            id: self.id.clone(),
            username: self.username.clone(),
            role: self.role,
            disabled: self.disabled,
            created_at: self.created_at.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    username: String,
    password_hash: String,
    role: String,
    disabled: bool,
    created_at: String,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self::from_parts(
            row.id,
            row.username,
            row.password_hash,
            &row.role,
            row.disabled,
            row.created_at,
        )
    }
}

impl User {
    /// Builds a user from the columns of a query that joined the users table.
    pub(crate) fn from_parts(
        id: String,
        username: String,
        password_hash: String,
        role: &str,
        disabled: bool,
        created_at: String,
    ) -> Self {
        // The table's CHECK constraint allows only known roles; should one ever be unknown
        // (a newer Lepton's database), the user gets the least privilege.
        let role = Role::parse(role).unwrap_or(Role::Viewer);
        Self {
            id,
            username,
            password_hash,
            role,
            disabled,
            created_at,
        }
    }
}

/// Why a username is not acceptable; the message is shown to the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UsernameError {
    /// Too short or too long.
    #[error("the username must have {USERNAME_MIN} to {USERNAME_MAX} characters")]
    Length,
    /// A character outside the allowed set.
    #[error(
        "the username may contain only lowercase letters a-z, digits, '.', '_' and '-', \
         and must start with a letter or digit"
    )]
    Characters,
}

/// Checks a new username.
///
/// # Errors
///
/// [`UsernameError`] naming the rule it breaks.
pub(crate) fn check_username(username: &str) -> Result<(), UsernameError> {
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&username.len()) {
        return Err(UsernameError::Length);
    }
    let allowed =
        |byte: u8| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"._-".contains(&byte);
    let starts_well = username
        .bytes()
        .next()
        .is_some_and(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
    if !starts_well || !username.bytes().all(allowed) {
        return Err(UsernameError::Characters);
    }
    Ok(())
}

const COLUMNS: &str = "id, username, password_hash, role, disabled, created_at";

/// Stores a new user; the caller has checked the username and hashed the password.
///
/// # Errors
///
/// A unique-constraint error when the username is taken (see [`is_unique_violation`]).
pub(crate) async fn create(
    pool: &SqlitePool,
    username: &str,
    password_hash: &str,
    role: Role,
) -> Result<User, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = timestamp::format(chrono::Utc::now());
    sqlx::query(
        "INSERT INTO users (id, username, password_hash, role, created_at, password_changed_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(username)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(&now)
    .bind(&now)
    .execute(pool)
    .await?;

    Ok(User {
        id,
        username: username.to_owned(),
        password_hash: password_hash.to_owned(),
        role,
        disabled: false,
        created_at: now,
    })
}

/// Whether `error` says a unique column already holds the value.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|error| error.is_unique_violation())
}

/// The user with this username, in any case.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn find_by_username(
    pool: &SqlitePool,
    username: &str,
) -> Result<Option<User>, sqlx::Error> {
    let query = format!("SELECT {COLUMNS} FROM users WHERE username = ?");
    let row = sqlx::query_as::<_, UserRow>(&query)
        .bind(username)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(User::from))
}

/// The user with this id.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn find_by_id(pool: &SqlitePool, id: &str) -> Result<Option<User>, sqlx::Error> {
    let query = format!("SELECT {COLUMNS} FROM users WHERE id = ?");
    let row = sqlx::query_as::<_, UserRow>(&query)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(User::from))
}

/// Every user, by username.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn list(pool: &SqlitePool) -> Result<Vec<User>, sqlx::Error> {
    let query = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    let rows = sqlx::query_as::<_, UserRow>(&query).fetch_all(pool).await?;
    Ok(rows.into_iter().map(User::from).collect())
}

/// How many users exist.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn count(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await
}

/// How many enabled admins exist; the last one may not be demoted or disabled.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn count_active_admins(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0")
        .fetch_one(pool)
        .await
}

/// Changes the role.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn set_role(pool: &SqlitePool, id: &str, role: Role) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = ? WHERE id = ?")
        .bind(role.as_str())
        .bind(id)
        .execute(pool)
        .await
        .map(drop)
}

/// Disables or enables the user.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn set_disabled(
    pool: &SqlitePool,
    id: &str,
    disabled: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled = ? WHERE id = ?")
        .bind(disabled)
        .bind(id)
        .execute(pool)
        .await
        .map(drop)
}

/// Replaces the password hash.
///
/// # Errors
///
/// Database errors.
pub(crate) async fn set_password_hash(
    pool: &SqlitePool,
    id: &str,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?")
        .bind(password_hash)
        .bind(timestamp::format(chrono::Utc::now()))
        .bind(id)
        .execute(pool)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_usernames() {
        for name in ["ada", "grace.hopper", "op_1", "x-9", "abc"] {
            assert_eq!(check_username(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn rejects_markup_sql_and_odd_characters() {
        for name in [
            "<script>",
            "a'; DROP TABLE users;--",
            "Ada",
            "ädä",
            "-ada",
            ".ada",
            "a b",
        ] {
            assert_eq!(
                check_username(name),
                Err(UsernameError::Characters),
                "{name}"
            );
        }
    }

    #[test]
    fn rejects_bad_lengths() {
        assert_eq!(check_username("ab"), Err(UsernameError::Length));
        assert_eq!(check_username(&"a".repeat(65)), Err(UsernameError::Length));
    }

    #[tokio::test]
    async fn usernames_are_unique_whatever_the_case() {
        let (_dir, pool) = crate::database::open_temporary().await;

        create(&pool, "ada", "hash", Role::Viewer).await.unwrap();
        let error = create(&pool, "ADA", "hash", Role::Viewer)
            .await
            .unwrap_err();
        assert!(is_unique_violation(&error));
        let found = find_by_username(&pool, "Ada").await.unwrap().unwrap();
        assert_eq!(found.username, "ada");
    }
}
