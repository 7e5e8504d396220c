//! Who is making a request: nobody, a browser session, or an API token.
//!
//! [`authenticate`] reads the `Authorization` header or the session cookie and looks the
//! credential up. A bearer token that is malformed, unknown, revoked or expired is an error
//! (the caller meant to authenticate and must hear why); a stale session cookie is only a
//! signed-out visitor, whose cookie the guard then clears.

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use lepton_protocol::account::Scope;
use sqlx::SqlitePool;

use super::session::{self, ActiveSession, SessionLimits};
use super::token::{self, ActiveToken, TokenLookup};
use super::user::User;

/// Name of the session cookie.
pub(crate) const SESSION_COOKIE: &str = "lepton_session";

/// The authenticated caller of a request, placed in its extensions by the guard.
#[derive(Debug, Clone)]
pub(crate) enum Principal {
    /// Nobody signed in.
    Anonymous,
    /// A browser session.
    Session(ActiveSession),
    /// An API token.
    Token(ActiveToken),
}

impl Principal {
    /// The signed-in user, if any.
    pub(crate) fn user(&self) -> Option<&User> {
        match self {
            Self::Anonymous => None,
            Self::Session(session) => Some(&session.user),
            Self::Token(token) => Some(&token.user),
        }
    }

    /// What the caller may ask for: a token's scopes, or every scope of a session's role.
    pub(crate) fn scopes(&self) -> Vec<Scope> {
        match self {
            Self::Anonymous => Vec::new(),
            Self::Session(session) => session.user.role.scopes().to_vec(),
            Self::Token(token) => token.scopes.clone(),
        }
    }

    /// `session`, `token` or `anonymous`, for the API and the logs.
    pub(crate) fn via(&self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::Session(_) => "session",
            Self::Token(_) => "token",
        }
    }
}

/// Why presented credentials were refused; each is a 401 with this message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CredentialError {
    /// The header is not `Bearer <token>`.
    #[error("malformed Authorization header: expected 'Bearer <token>'")]
    Malformed,
    /// No token has this secret.
    #[error("the API token is not valid")]
    UnknownToken,
    /// The token was revoked.
    #[error("the API token has been revoked")]
    RevokedToken,
    /// The token expired.
    #[error("the API token has expired")]
    ExpiredToken,
    /// The token's user is disabled.
    #[error("the API token's account is disabled")]
    DisabledAccount,
}

impl CredentialError {
    /// The machine-readable code of the error answer.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed_authorization",
            Self::UnknownToken => "invalid_token",
            Self::RevokedToken => "token_revoked",
            Self::ExpiredToken => "token_expired",
            Self::DisabledAccount => "account_disabled",
        }
    }
}

/// What [`authenticate`] found.
#[derive(Debug)]
pub(crate) struct Authentication {
    pub(crate) principal: Principal,
    /// A session cookie was sent but names no live session: clear it.
    pub(crate) stale_cookie: bool,
}

/// Why authentication could not finish.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AuthenticateError {
    /// The credentials were refused.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// The database did not answer.
    #[error("cannot look up credentials: {0}")]
    Database(#[from] sqlx::Error),
}

/// Identifies the caller from `headers`.
///
/// # Errors
///
/// [`AuthenticateError::Credentials`] for a bad bearer token, `Database` when the lookup fails.
pub(crate) async fn authenticate(
    pool: &SqlitePool,
    headers: &HeaderMap,
    limits: SessionLimits,
) -> Result<Authentication, AuthenticateError> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let secret = bearer_secret(value.as_bytes())?;
        let principal = match token::find(pool, secret).await? {
            TokenLookup::Valid(token) => Principal::Token(token),
            TokenLookup::Unknown => return Err(CredentialError::UnknownToken.into()),
            TokenLookup::Revoked => return Err(CredentialError::RevokedToken.into()),
            TokenLookup::Expired => return Err(CredentialError::ExpiredToken.into()),
            TokenLookup::UserDisabled => return Err(CredentialError::DisabledAccount.into()),
        };
        return Ok(Authentication {
            principal,
            stale_cookie: false,
        });
    }

    let Some(secret) = session_cookie(headers) else {
        return Ok(Authentication {
            principal: Principal::Anonymous,
            stale_cookie: false,
        });
    };
    let authentication = match session::find(pool, secret, limits).await? {
        Some(session) => Authentication {
            principal: Principal::Session(session),
            stale_cookie: false,
        },
        None => Authentication {
            principal: Principal::Anonymous,
            stale_cookie: true,
        },
    };
    Ok(authentication)
}

/// The secret of an `Authorization: Bearer <secret>` header value.
fn bearer_secret(value: &[u8]) -> Result<&str, CredentialError> {
    let value = std::str::from_utf8(value).map_err(|_| CredentialError::Malformed)?;
    let (scheme, secret) = value.split_once(' ').ok_or(CredentialError::Malformed)?;
    let secret = secret.trim();
    let well_formed = scheme.eq_ignore_ascii_case("bearer")
        && !secret.is_empty()
        && secret.len() <= 200
        && secret.bytes().all(|byte| byte.is_ascii_graphic());
    if well_formed {
        Ok(secret)
    } else {
        Err(CredentialError::Malformed)
    }
}

/// The value of the session cookie, from any `Cookie` header.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value that stores the session secret for `max_age_seconds`.
pub(crate) fn set_session_cookie(secret: &str, max_age_seconds: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}\
         {secure}"
    )
}

/// A `Set-Cookie` value that removes the session cookie.
pub(crate) fn clear_session_cookie(secure: bool) -> String {
    set_session_cookie("", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_bearer_secrets() {
        assert_eq!(bearer_secret(b"Bearer lep_abc"), Ok("lep_abc"));
        assert_eq!(bearer_secret(b"bearer lep_abc"), Ok("lep_abc"));
        for bad in [
            &b"lep_abc"[..],
            b"Basic dXNlcjpwYXNz",
            b"Bearer ",
            b"Bearer a b",
            b"\xff",
        ] {
            assert_eq!(bearer_secret(bad), Err(CredentialError::Malformed));
        }
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("theme=dark"));
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; lepton_session=s3cret; b=2"),
        );
        assert_eq!(session_cookie(&headers), Some("s3cret"));

        let mut empty = HeaderMap::new();
        empty.append(COOKIE, HeaderValue::from_static("lepton_session="));
        assert_eq!(session_cookie(&empty), None);
    }

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_on_https() {
        let cookie = set_session_cookie("abc", 60, true);
        assert_eq!(
            cookie,
            "lepton_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(!clear_session_cookie(false).contains("Secure"));
    }
}
