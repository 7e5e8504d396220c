//! Password hashing with argon2id at OWASP's recommended parameters, off the async threads.
//!
//! Hashing is deliberately slow (tens of milliseconds, 19 MiB of memory), so it runs on the
//! blocking pool behind a semaphore: a burst of sign-ins queues instead of exhausting memory
//! or starving other requests. Unknown usernames are checked against a dummy hash so that a
//! failed sign-in takes as long whether or not the user exists.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

use super::secret;

/// argon2id memory cost in KiB: 19 MiB, OWASP Password Storage Cheat Sheet (2023 onward).
const MEMORY_KIB: u32 = 19 * 1024;
/// argon2id passes over memory, from the same recommendation.
const ITERATIONS: u32 = 2;
/// argon2id lanes, from the same recommendation.
const PARALLELISM: u32 = 1;

/// Shortest password accepted; NIST SP 800-63B asks for at least 8, we ask for more.
pub(crate) const MIN_LENGTH: usize = 12;
/// Longest password accepted, in characters; longer input is refused before hashing.
pub(crate) const MAX_LENGTH: usize = 1024;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PasswordError {
    /// The argon2 implementation refused the input or parameters (a bug, not user input).
    #[error("argon2 failed: {0}")]
    Argon2(argon2::password_hash::Error),
    /// The blocking task was cancelled or panicked, for example during shutdown.
    #[error("password hashing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The semaphore was closed, which only happens during shutdown.
    #[error("password hashing is shutting down")]
    Closed,
}

/// Why a new password is not acceptable; the message is shown to the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PasswordPolicyError {
    /// Too short to resist guessing.
    #[error("the password must have at least {MIN_LENGTH} characters")]
    TooShort,
    /// Longer than any person types; refused to bound hashing work.
    #[error("the password must have at most {MAX_LENGTH} characters")]
    TooLong,
}

/// Checks a new password against the length policy.
///
/// # Errors
///
/// [`PasswordPolicyError`] saying which bound it breaks.
pub(crate) fn check_policy(password: &str) -> Result<(), PasswordPolicyError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordPolicyError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordPolicyError::TooLong);
    }
    Ok(())
}

/// Hashes and verifies passwords; cheap to clone.
#[derive(Clone)]
pub(crate) struct Passwords {
    permits: Arc<Semaphore>,
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// Prepares the hasher, computing the dummy hash once.
    ///
    /// # Errors
    ///
    /// [`PasswordError`] when argon2 cannot run at all.
    pub(crate) async fn new() -> Result<Self, PasswordError> {
        let parallel = std::thread::available_parallelism().map_or(2, usize::from);
        let permits = Arc::new(Semaphore::new(parallel));
        let dummy_hash = hash_blocking(secret::generate_password())?.into();
        Ok(Self {
            permits,
            dummy_hash,
        })
    }

    /// Hashes `password` with a new random salt, as a PHC string.
    ///
    /// # Errors
    ///
    /// [`PasswordError`] when argon2 fails or the server is shutting down.
    pub(crate) async fn hash(&self, password: String) -> Result<String, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Closed)?;
        tokio::task::spawn_blocking(move || hash_blocking(password)).await?
    }

    /// Whether `password` matches `stored`; with no stored hash (an unknown user) it does the
    /// same work against a dummy hash and answers `false`.
    ///
    /// # Errors
    ///
    /// [`PasswordError`] when the task fails or the server is shutting down. A stored hash
    /// that does not parse counts as a mismatch and is logged.
    pub(crate) async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Closed)?;

        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches =
            tokio::task::spawn_blocking(move || verify_blocking(&password, &hash)).await?;
        Ok(known && matches)
    }
}

fn hasher() -> Argon2<'static> {
    // The constants are within argon2's bounds, which the unit tests check.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .unwrap_or_else(|_| Params::default());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: String) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(PasswordError::Argon2)
}

fn verify_blocking(password: &str, stored: &str) -> bool {
    let parsed = match PasswordHash::new(stored) {
        Ok(parsed) => parsed,
        Err(error) => {
            tracing::error!(%error, "stored password hash does not parse");
            return false;
        }
    };
    // Parameters come from the stored hash, so hashes made with older settings still verify.
    hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_owasps() {
        assert!(Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_record_argon2id_parameters() {
        let passwords = Passwords::new().await.unwrap();
        let hash = passwords
            .hash("correct horse battery".into())
            .await
            .unwrap();

        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let good = Some(hash.clone());
        assert!(
            passwords
                .verify("correct horse battery".into(), good)
                .await
                .unwrap()
        );
        let bad = Some(hash);
        assert!(
            !passwords
                .verify("correct horse battery!".into(), bad)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_user_never_matches() {
        let passwords = Passwords::new().await.unwrap();
        assert!(
            !passwords
                .verify("anything at all".into(), None)
                .await
                .unwrap()
        );
    }

    #[test]
    fn policy_bounds_length_in_characters() {
        assert_eq!(check_policy("short"), Err(PasswordPolicyError::TooShort));
        assert_eq!(
            check_policy("ééééééééééé"),
            Err(PasswordPolicyError::TooShort)
        );
        assert_eq!(check_policy("twelve chars"), Ok(()));
        let long = "x".repeat(MAX_LENGTH + 1);
        assert_eq!(check_policy(&long), Err(PasswordPolicyError::TooLong));
    }
}
