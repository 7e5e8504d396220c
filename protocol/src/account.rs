//! Bodies of the accounts REST API: users, roles, sessions, API tokens and the audit log.
//!
//! The server serializes them, the dashboard's account and admin pages deserialize them, and
//! with the `openapi` feature they describe themselves in the OpenAPI document. Times are
//! RFC 3339 strings in UTC so that the browser build needs no date library.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What a user may do. Each role includes everything the roles below it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads dashboards, shared datasets and models.
    Viewer,
    /// Also uploads datasets, trains and promotes models.
    Editor,
    /// Also manages users and reads the audit log.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Self; 3] = [Self::Viewer, Self::Editor, Self::Admin];

    /// The name used in the API, the database and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    /// Parses the name used in the API, the database and the command line.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// The token scopes a user of this role may hold.
    pub fn scopes(self) -> &'static [Scope] {
        match self {
            Self::Viewer => &[Scope::Read, Scope::Predict],
            Self::Editor => &[Scope::Read, Scope::Write, Scope::Train, Scope::Predict],
            Self::Admin => &Scope::ALL,
        }
    }
}

/// What an API token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read datasets, models, jobs, dashboards and one's own account.
    Read,
    /// Create, change and delete datasets, models and one's own tokens.
    Write,
    /// Start and cancel training jobs.
    Train,
    /// Call the production inference API.
    Predict,
    /// Manage users and read the audit log.
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Self; 5] = [
        Self::Read,
        Self::Write,
        Self::Train,
        Self::Predict,
        Self::Admin,
    ];

    /// The name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Train => "train",
            Self::Predict => "predict",
            Self::Admin => "admin",
        }
    }

    /// Parses the name used in the API and the database.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

/// A user as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserInfo {
    /// Stable identifier.
    pub id: String,
    /// The sign-in name: lowercase letters, digits, `.`, `_` and `-`.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// A disabled user cannot sign in, and their sessions and tokens stop working.
    pub disabled: bool,
    /// When the account was created.
    pub created_at: String,
}

/// The signed-in caller, with how they authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Me {
    /// The account.
    pub user: UserInfo,
    /// `session` for a browser session, `token` for an API token.
    pub via: String,
    /// The scopes of the token in use; every scope of the role for a session.
    pub scopes: Vec<Scope>,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginRequest {
    /// The sign-in name.
    pub username: String,
    /// The password.
    pub password: String,
}

/// The answer to a successful sign-in; the session itself travels in the cookie.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginResponse {
    /// Who signed in.
    pub user: UserInfo,
    /// Send it as `X-CSRF-Token` with every state-changing request of this session.
    pub csrf_token: String,
}

/// A browser session of the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionInfo {
    /// Identifier used to revoke it (not the cookie value).
    pub id: String,
    /// When it was created (the sign-in).
    pub created_at: String,
    /// When it was last used, to the minute.
    pub last_seen_at: String,
    /// When it ends at the latest, however active it is.
    pub expires_at: String,
    /// The client address at sign-in.
    pub ip: String,
    /// The browser at sign-in.
    pub user_agent: String,
    /// Whether this is the session making the request.
    pub current: bool,
}

/// An API token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenInfo {
    /// Identifier used to revoke it.
    pub id: String,
    /// What the owner called it.
    pub name: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    /// What it may be used for.
    pub scopes: Vec<Scope>,
    /// When it was created.
    pub created_at: String,
    /// When it stops working, if ever.
    pub expires_at: Option<String>,
    /// When it was last used, to the minute.
    pub last_used_at: Option<String>,
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenCreateRequest {
    /// A name to recognise the token by, 1 to 100 characters.
    pub name: String,
    /// At least one scope, all within the caller's role (and token, when created with one).
    pub scopes: Vec<Scope>,
    /// Days until it expires (1 to 3650); none for a token that does not expire.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// A new token: the only time its secret is shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenCreated {
    /// The stored token.
    pub token: TokenInfo,
    /// Send it as `Authorization: Bearer <secret>`. It cannot be shown again.
    pub secret: String,
}

/// `PUT /api/v1/me/password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordChangeRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password, 12 to 1024 characters.
    pub new_password: String,
}

/// `POST /api/v1/users`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserCreateRequest {
    /// 3 to 64 characters: lowercase letters, digits, `.`, `_` and `-`, starting with a
    /// letter or digit.
    pub username: String,
    /// The role.
    pub role: Role,
    /// The first password, 12 to 1024 characters; the server generates one when absent.
    #[serde(default)]
    pub password: Option<String>,
}

/// A new user, with the generated password when the server chose it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserCreated {
    /// The account.
    pub user: UserInfo,
    /// The generated password, shown once; absent when the request gave one.
    pub password: Option<String>,
}

/// `PATCH /api/v1/users/{id}`: fields left out stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserUpdateRequest {
    /// The new role.
    #[serde(default)]
    pub role: Option<Role>,
    /// Disable (and sign out everywhere) or enable again.
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// `POST /api/v1/users/{id}/password`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordResetRequest {
    /// The new password; the server generates one when absent.
    #[serde(default)]
    pub password: Option<String>,
}

/// The answer to a password reset.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordReset {
    /// The generated password, shown once; absent when the request gave one.
    pub password: Option<String>,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEvent {
    /// Increasing identifier.
    pub id: i64,
    /// When it happened.
    pub at: String,
    /// Who did it: a username, or the name tried at a failed sign-in.
    pub actor: String,
    /// What happened, for example `sign_in`, `role_changed`, `token_revoked`.
    pub action: String,
    /// What it happened to, for example a username or a token name.
    pub target: String,
    /// The client address.
    pub ip: String,
    /// `success` or `failure`.
    pub outcome: String,
    /// More, in words.
    pub detail: String,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditPage {
    /// The events.
    pub events: Vec<AuditEvent>,
    /// Pass as `before` to get the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// The body of every error answer of the REST API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorDetail {
    /// Stable, machine-readable: for example `unauthenticated`, `forbidden`, `not_found`.
    pub code: String,
    /// A sentence a person can act on.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_order_by_power_and_parse_back() {
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Admin);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn each_role_holds_the_scopes_of_the_roles_below() {
        for pair in Role::ALL.windows(2) {
            let (lower, higher) = (pair[0].scopes(), pair[1].scopes());
            assert!(lower.iter().all(|scope| higher.contains(scope)));
        }
    }

    #[test]
    fn scopes_serialize_lowercase() {
        let json = serde_json::to_string(&[Scope::Read, Scope::Admin]).unwrap();
        assert_eq!(json, r#"["read","admin"]"#);
    }
}
