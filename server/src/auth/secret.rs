//! Random secrets (session cookies, CSRF tokens, API tokens, generated passwords) and the
//! fingerprints stored in their place.
//!
//! Secrets carry 256 bits from the operating system's generator, so a plain SHA-256 is a safe
//! fingerprint: unlike passwords, they cannot be guessed, and a slow hash would only slow down
//! every request.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Characters of generated passwords: no look-alikes (0/O, 1/l/I), nothing a shell quotes.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Length of generated passwords: 20 characters of a 56-letter alphabet carry 116 bits.
const PASSWORD_LENGTH: usize = 20;

/// 32 random bytes, URL-safe base64 without padding (43 characters).
pub(crate) fn random_secret() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of `secret`, as stored in the database.
pub(crate) fn fingerprint(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn same_secret(left: &str, right: &str) -> bool {
    left.as_bytes().ct_eq(right.as_bytes()).into()
}

/// A new random password for a first admin or a reset.
pub(crate) fn generate_password() -> String {
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % PASSWORD_ALPHABET.len();
    let mut password = String::with_capacity(PASSWORD_LENGTH);
    let mut byte = [0_u8; 1];
    while password.len() < PASSWORD_LENGTH {
        OsRng.fill_bytes(&mut byte);
        let value = usize::from(byte[0]);
        if value < limit {
            password.push(char::from(
                PASSWORD_ALPHABET[value % PASSWORD_ALPHABET.len()],
            ));
        }
    }
    password
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_and_distinct() {
        let (first, second) = (random_secret(), random_secret());
        assert_eq!(first.len(), 43);
        assert_ne!(first, second);
    }

    #[test]
    fn fingerprints_are_stable_and_hide_the_secret() {
        let secret = random_secret();
        assert_eq!(fingerprint(&secret), fingerprint(&secret));
        assert_ne!(fingerprint(&secret), secret);
    }

    #[test]
    fn compares_secrets() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn generated_passwords_use_the_alphabet() {
        let password = generate_password();
        assert_eq!(password.len(), PASSWORD_LENGTH);
        assert!(
            password
                .bytes()
                .all(|byte| PASSWORD_ALPHABET.contains(&byte))
        );
    }
}
