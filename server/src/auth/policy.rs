//! Who may call which route: one rule per method and route pattern, enforced by the guard.
//!
//! The table below is the single place access is decided. A route the router serves without
//! a rule here is refused with 500 by the guard (failing closed) and fails the authorization
//! matrix test, which walks every route of the router. The rule also names the token scope a
//! route needs; a rule without a scope is for browser sessions only.

use axum::http::Method;
use lepton_protocol::account::{Role, Scope};
use serde::Serialize;

use super::principal::Principal;

/// Who may pass, before scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "role", rename_all = "snake_case")]
pub(crate) enum Access {
    /// Everyone, signed in or not.
    Public,
    /// Any signed-in user (the lowest role is viewer, so this is `Role(Viewer)`).
    SignedIn,
    /// Users with at least this role.
    Role(Role),
}

/// The rule of one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Rule {
    pub(crate) access: Access,
    /// The scope a token needs; `None` refuses tokens (browser sessions only).
    pub(crate) scope: Option<Scope>,
}

impl Rule {
    const fn public() -> Self {
        Self {
            access: Access::Public,
            scope: None,
        }
    }

    const fn signed_in(scope: Scope) -> Self {
        Self {
            access: Access::SignedIn,
            scope: Some(scope),
        }
    }

    const fn session_only() -> Self {
        Self {
            access: Access::SignedIn,
            scope: None,
        }
    }

    const fn role(role: Role, scope: Scope) -> Self {
        Self {
            access: Access::Role(role),
            scope: Some(scope),
        }
    }

    /// A sentence for the OpenAPI document and the route listing.
    pub(crate) fn describe(self) -> String {
        let who = match self.access {
            Access::Public => return "Public: no authentication needed.".to_owned(),
            Access::SignedIn => "Any signed-in user".to_owned(),
            Access::Role(role) => format!("Users with the {} role or higher", role.as_str()),
        };
        match self.scope {
            Some(scope) => format!(
                "{who}, through a browser session or an API token with the `{}` scope.",
                scope.as_str()
            ),
            None => format!("{who}, through a browser session only (API tokens are refused)."),
        }
    }
}

/// Every rule: method, route pattern as the router spells it, rule.
const RULES: &[(&str, &str, Rule)] = &[
    // Probes and the API description.
    ("GET", "/healthz", Rule::public()),
    ("GET", "/readyz", Rule::public()),
    ("GET", "/api/openapi.json", Rule::public()),
    // Content-hashed browser bundles; served outside the guard, listed here to be walked.
    ("GET", "/pkg/{*file}", Rule::public()),
    // Pages.
    ("GET", "/", Rule::public()),
    ("GET", "/lab", Rule::public()),
    ("GET", "/sign-in", Rule::public()),
    ("GET", "/datasets", Rule::signed_in(Scope::Read)),
    ("GET", "/datasets/{id}", Rule::signed_in(Scope::Read)),
    ("GET", "/training", Rule::signed_in(Scope::Read)),
    ("GET", "/training/{id}", Rule::signed_in(Scope::Read)),
    ("GET", "/models", Rule::signed_in(Scope::Read)),
    ("GET", "/models/{name}", Rule::signed_in(Scope::Read)),
    ("GET", "/compare", Rule::signed_in(Scope::Read)),
    ("GET", "/production", Rule::signed_in(Scope::Read)),
    ("GET", "/account", Rule::session_only()),
    ("GET", "/admin/users", Rule::role(Role::Admin, Scope::Admin)),
    ("GET", "/admin/audit", Rule::role(Role::Admin, Scope::Admin)),
    // Browser forms.
    ("POST", "/sign-in", Rule::public()),
    ("POST", "/sign-out", Rule::session_only()),
    // REST: authentication and one's own account.
    ("POST", "/api/v1/auth/login", Rule::public()),
    ("POST", "/api/v1/auth/logout", Rule::session_only()),
    ("GET", "/api/v1/me", Rule::signed_in(Scope::Read)),
    ("PUT", "/api/v1/me/password", Rule::session_only()),
    ("GET", "/api/v1/me/sessions", Rule::session_only()),
    ("DELETE", "/api/v1/me/sessions", Rule::session_only()),
    ("DELETE", "/api/v1/me/sessions/{id}", Rule::session_only()),
    ("GET", "/api/v1/tokens", Rule::signed_in(Scope::Read)),
    ("POST", "/api/v1/tokens", Rule::signed_in(Scope::Write)),
    (
        "DELETE",
        "/api/v1/tokens/{id}",
        Rule::signed_in(Scope::Write),
    ),
    // REST: datasets. Reading needs a signed-in user; changing needs an editor, and the
    // handlers add ownership: another user's private dataset is 404.
    ("GET", "/api/v1/datasets", Rule::signed_in(Scope::Read)),
    (
        "POST",
        "/api/v1/datasets",
        Rule::role(Role::Editor, Scope::Write),
    ),
    ("GET", "/api/v1/datasets/{id}", Rule::signed_in(Scope::Read)),
    (
        "PATCH",
        "/api/v1/datasets/{id}",
        Rule::role(Role::Editor, Scope::Write),
    ),
    (
        "DELETE",
        "/api/v1/datasets/{id}",
        Rule::role(Role::Editor, Scope::Write),
    ),
    (
        "GET",
        "/api/v1/datasets/{id}/profile",
        Rule::signed_in(Scope::Read),
    ),
    (
        "GET",
        "/api/v1/datasets/{id}/rows",
        Rule::signed_in(Scope::Read),
    ),
    (
        "GET",
        "/api/v1/datasets/{id}/download",
        Rule::signed_in(Scope::Read),
    ),
    (
        "GET",
        "/api/v1/datasets/{id}/recipe",
        Rule::signed_in(Scope::Read),
    ),
    (
        "PUT",
        "/api/v1/datasets/{id}/recipe",
        Rule::role(Role::Editor, Scope::Write),
    ),
    // A preview fits the recipe and stores nothing: readers may run it.
    (
        "POST",
        "/api/v1/datasets/{id}/recipe/preview",
        Rule::signed_in(Scope::Read),
    ),
    // The Lab trains on what it may read.
    (
        "GET",
        "/api/v1/datasets/{id}/prepared",
        Rule::signed_in(Scope::Read),
    ),
    // Models uploaded from the Lab: editors store them, each reads their own.
    ("GET", "/api/v1/lab/models", Rule::signed_in(Scope::Read)),
    (
        "POST",
        "/api/v1/lab/models",
        Rule::role(Role::Editor, Scope::Write),
    ),
    (
        "GET",
        "/api/v1/lab/models/{id}",
        Rule::signed_in(Scope::Read),
    ),
    // Training jobs: editors queue them; each follows and cancels their own.
    ("GET", "/api/v1/jobs", Rule::signed_in(Scope::Read)),
    (
        "POST",
        "/api/v1/jobs",
        Rule::role(Role::Editor, Scope::Write),
    ),
    ("GET", "/api/v1/jobs/{id}", Rule::signed_in(Scope::Read)),
    (
        "POST",
        "/api/v1/jobs/{id}/cancel",
        Rule::role(Role::Editor, Scope::Write),
    ),
    (
        "GET",
        "/api/v1/jobs/{id}/events",
        Rule::signed_in(Scope::Read),
    ),
    (
        "GET",
        "/api/v1/jobs/{id}/trials",
        Rule::signed_in(Scope::Read),
    ),
    // The model registry: everyone reads it; owners change their models' stages.
    ("GET", "/api/v1/models", Rule::signed_in(Scope::Read)),
    ("GET", "/api/v1/models/{name}", Rule::signed_in(Scope::Read)),
    (
        "POST",
        "/api/v1/models/{name}/versions",
        Rule::role(Role::Editor, Scope::Write),
    ),
    (
        "GET",
        "/api/v1/models/{name}/versions/{version}",
        Rule::signed_in(Scope::Read),
    ),
    (
        "POST",
        "/api/v1/models/{name}/versions/{version}/stage",
        Rule::role(Role::Editor, Scope::Write),
    ),
    (
        "GET",
        "/api/v1/models/{name}/versions/{version}/artifact",
        Rule::signed_in(Scope::Read),
    ),
    // Telemetry: sites send it with an editor's token; everyone signed in reads the sites.
    (
        "POST",
        "/api/v1/telemetry",
        Rule::role(Role::Editor, Scope::Write),
    ),
    ("GET", "/api/v1/sites", Rule::signed_in(Scope::Read)),
    ("GET", "/api/v1/anomalies", Rule::signed_in(Scope::Read)),
    ("GET", "/api/v1/production", Rule::signed_in(Scope::Read)),
    (
        "GET",
        "/api/v1/production/stream",
        Rule::signed_in(Scope::Read),
    ),
    // REST: administration.
    (
        "GET",
        "/api/v1/users",
        Rule::role(Role::Admin, Scope::Admin),
    ),
    (
        "POST",
        "/api/v1/users",
        Rule::role(Role::Admin, Scope::Admin),
    ),
    (
        "PATCH",
        "/api/v1/users/{id}",
        Rule::role(Role::Admin, Scope::Admin),
    ),
    (
        "POST",
        "/api/v1/users/{id}/password",
        Rule::role(Role::Admin, Scope::Admin),
    ),
    (
        "GET",
        "/api/v1/audit",
        Rule::role(Role::Admin, Scope::Admin),
    ),
];

/// The rule for `method` on the route pattern `path`; `HEAD` follows `GET`.
pub(crate) fn rule_for(method: &Method, path: &str) -> Option<Rule> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    RULES
        .iter()
        .find(|(rule_method, rule_path, _)| *rule_method == method && *rule_path == path)
        .map(|(_, _, rule)| *rule)
}

/// Whether any method of `path` has a rule: a known route asked with another method gets 405
/// from the router rather than 500 from the guard.
pub(crate) fn knows_path(path: &str) -> bool {
    RULES.iter().any(|(_, rule_path, _)| *rule_path == path)
}

/// What the guard does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Let it through.
    Allow,
    /// Nobody is signed in, and the route needs someone: 401 or a redirect to Sign in.
    Unauthenticated,
    /// The caller is known but may not do this: 403 with the reason.
    Forbidden(String),
}

/// Applies `rule` to `principal`.
pub(crate) fn decide(rule: Rule, principal: &Principal) -> Decision {
    if rule.access == Access::Public {
        return Decision::Allow;
    }
    let Some(user) = principal.user() else {
        return Decision::Unauthenticated;
    };

    if let Access::Role(needed) = rule.access
        && user.role < needed
    {
        return Decision::Forbidden(format!(
            "this needs the {} role; you are {}",
            needed.as_str(),
            user.role.as_str()
        ));
    }

    if let Principal::Token(token) = principal {
        let Some(scope) = rule.scope else {
            return Decision::Forbidden(
                "API tokens cannot do this; sign in with a browser session".to_owned(),
            );
        };
        if !token.scopes.contains(&scope) {
            return Decision::Forbidden(format!("this token lacks the '{}' scope", scope.as_str()));
        }
    }
    Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_has_one_rule() {
        for (index, (method, path, _)) in RULES.iter().enumerate() {
            let later = &RULES[index + 1..];
            assert!(
                !later.iter().any(|(m, p, _)| m == method && p == path),
                "{method} {path} has two rules"
            );
        }
    }

    #[test]
    fn head_follows_get_and_unknown_routes_have_no_rule() {
        assert_eq!(
            rule_for(&Method::HEAD, "/datasets"),
            rule_for(&Method::GET, "/datasets")
        );
        assert_eq!(rule_for(&Method::GET, "/nowhere"), None);
        assert!(knows_path("/api/v1/me") && !knows_path("/nowhere"));
    }

    #[test]
    fn admin_routes_need_the_admin_role_and_scope() {
        for path in ["/api/v1/users", "/api/v1/audit", "/admin/users"] {
            let rule = rule_for(&Method::GET, path).unwrap();
            assert_eq!(rule.access, Access::Role(Role::Admin), "{path}");
            assert_eq!(rule.scope, Some(Scope::Admin), "{path}");
        }
    }

    #[test]
    fn descriptions_name_role_and_scope() {
        let rule = rule_for(&Method::POST, "/api/v1/users").unwrap();
        assert_eq!(
            rule.describe(),
            "Users with the admin role or higher, through a browser session or an API token \
             with the `admin` scope."
        );
    }
}
