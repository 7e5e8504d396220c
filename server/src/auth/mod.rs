//! Accounts and access: who may do what, and how they prove who they are.
//!
//! Users hold a role ([`user`]); browsers prove themselves with a session cookie
//! ([`session`]), scripts with an API token ([`token`]). The [`guard`] middleware turns either
//! into a [`principal::Principal`], checks CSRF ([`csrf`]) and applies the route's rule
//! ([`policy`]). Passwords are argon2id hashes ([`password`]); failed sign-ins back off
//! ([`throttle`]); what happens is written to the [`audit`] log.

pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod bootstrap;
pub(crate) mod client;
pub(crate) mod csrf;
pub(crate) mod guard;
pub(crate) mod ownership;
pub(crate) mod password;
pub(crate) mod policy;
pub(crate) mod principal;
pub(crate) mod secret;
pub(crate) mod session;
pub(crate) mod sign_in;
pub(crate) mod throttle;
pub(crate) mod token;
pub(crate) mod user;

use self::password::Passwords;
use self::session::SessionLimits;

/// The accounts settings every request may need.
#[derive(Clone)]
pub(crate) struct AuthSettings {
    pub(crate) passwords: Passwords,
    pub(crate) limits: SessionLimits,
    /// Whether `X-Forwarded-For` and `X-Forwarded-Proto` come from a proxy we trust.
    pub(crate) trust_proxy: bool,
}
