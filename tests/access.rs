//! The authorization matrix: every route of the router, as every kind of caller.
//!
//! The route list comes from the binary itself (`lepton routes --json`, built from the same
//! sources as the router), so a new route is walked without touching this file, and a route
//! without an access rule fails the first assertion. Each route is then called anonymously,
//! as a viewer, an editor and an admin session, and with a token of each scope; the answer
//! must match what the rule says that caller may do.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed unwrap is a failed assertion"
)]

use std::process::Command;

use lepton_integration::{PASSWORD, Session, TestServer, binary, client};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A route as `lepton routes --json` lists it.
#[derive(Debug, Clone)]
struct Route {
    method: Method,
    path: String,
    /// `public`, `signed_in` or `role`.
    access: String,
    /// The minimum role when `access` is `role`.
    role: Option<String>,
    /// The scope a token needs; `None` refuses tokens.
    scope: Option<String>,
}

fn routes() -> Vec<Route> {
    let output = Command::new(binary())
        .args(["routes", "--json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();

    let missing: Vec<String> = listed
        .iter()
        .filter(|route| route["rule"].is_null())
        .map(|route| format!("{} {}", route["method"], route["path"]))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an access rule: {missing:?}"
    );

    listed
        .iter()
        .map(|route| Route {
            method: route["method"].as_str().unwrap().parse().unwrap(),
            path: route["path"].as_str().unwrap().to_owned(),
            access: route["rule"]["access"]["kind"].as_str().unwrap().to_owned(),
            role: route["rule"]["access"]["role"].as_str().map(str::to_owned),
            scope: route["rule"]["scope"].as_str().map(str::to_owned),
        })
        .collect()
}

/// Who calls.
#[derive(Debug, Clone)]
enum Caller {
    Anonymous,
    Session {
        role: &'static str,
        username: &'static str,
        session: Session,
    },
    /// A token of an admin (who may hold every scope) with this one scope.
    Token {
        scope: &'static str,
        secret: String,
    },
}

fn rank(role: &str) -> u8 {
    match role {
        "viewer" => 1,
        "editor" => 2,
        "admin" => 3,
        other => panic!("unknown role {other}"),
    }
}

/// Whether `rule` lets `caller` through.
fn allowed(route: &Route, caller: &Caller) -> bool {
    let needed = match route.access.as_str() {
        "public" => return true,
        "signed_in" => 1,
        "role" => rank(route.role.as_deref().unwrap()),
        other => panic!("unknown access kind {other}"),
    };
    match caller {
        Caller::Anonymous => false,
        Caller::Session { role, .. } => rank(role) >= needed,
        Caller::Token { scope, .. } => route.scope.as_deref() == Some(*scope),
    }
}

/// A concrete URL path for a route pattern: parameters become ids that exist nowhere.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            segment if segment.starts_with("{*") => "missing-file.js",
            segment if segment.starts_with('{') => "00000000-0000-0000-0000-000000000000",
            segment => segment,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Routes that end the caller's session (or all of them): the caller signs in again after.
fn ends_session(route: &Route) -> bool {
    matches!(
        (route.method.as_str(), route.path.as_str()),
        ("POST", "/api/v1/auth/logout") | ("DELETE", "/api/v1/me/sessions") | ("POST", "/sign-out")
    )
}

async fn call(server: &TestServer, route: &Route, caller: &Caller) -> reqwest::Response {
    let url = server.url(&concrete(&route.path));
    let mut request = match caller {
        Caller::Anonymous => client().request(route.method.clone(), &url),
        Caller::Session { session, .. } => session.request(route.method.clone(), &url),
        Caller::Token { secret, .. } => client()
            .request(route.method.clone(), &url)
            .bearer_auth(secret),
    };
    if route.method != Method::GET {
        request = request.json(&serde_json::json!({}));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_route_answers_each_caller_as_its_rule_says() {
    let accounts = [("vera", "viewer"), ("eddie", "editor"), ("ada", "admin")];
    let server = TestServer::start_with_accounts(&[], &accounts).await;
    let routes = routes();
    assert!(routes.len() >= 30, "only {} routes listed", routes.len());

    let admin = server.sign_in("ada", PASSWORD).await;
    let mut callers = vec![Caller::Anonymous];
    for scope in ["read", "write", "train", "predict", "admin"] {
        let secret = server.token(&admin, &[scope]).await;
        callers.push(Caller::Token { scope, secret });
    }
    for (username, role) in accounts {
        let session = server.sign_in(username, PASSWORD).await;
        callers.push(Caller::Session {
            role,
            username,
            session,
        });
    }

    let mut wrong = Vec::new();
    for caller in &mut callers {
        for route in &routes {
            let response = call(&server, route, caller).await;
            if let Caller::Session {
                username, session, ..
            } = caller
                && ends_session(route)
            {
                *session = server.sign_in(username, PASSWORD).await;
            }
            let status = response.status();
            let location = response
                .headers()
                .get("location")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let to_sign_in =
                status == StatusCode::SEE_OTHER && location.starts_with("/sign-in?next");
            let refused =
                matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) || to_sign_in;

            let caller = &*caller;
            let expected_allowed = allowed(route, caller);
            let fine = if expected_allowed {
                !refused && !status.is_server_error()
            } else {
                match caller {
                    Caller::Anonymous if route.path.starts_with("/api/") => {
                        status == StatusCode::UNAUTHORIZED
                    }
                    Caller::Anonymous => to_sign_in || status == StatusCode::SEE_OTHER,
                    _ => status == StatusCode::FORBIDDEN,
                }
            };
            if !fine {
                let who = match caller {
                    Caller::Anonymous => "anonymous".to_owned(),
                    Caller::Session { role, .. } => format!("{role} session"),
                    Caller::Token { scope, .. } => format!("token with {scope}"),
                };
                wrong.push(format!(
                    "{} {} as {who}: {status} (expected {})",
                    route.method,
                    route.path,
                    if expected_allowed {
                        "allowed"
                    } else {
                        "refused"
                    }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that break the rules:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_rules_protect_what_they_must() {
    let routes = routes();
    let rule = |method: &str, path: &str| {
        routes
            .iter()
            .find(|route| route.method.as_str() == method && route.path == path)
            .unwrap_or_else(|| panic!("{method} {path} is not routed"))
            .clone()
    };

    for (method, path) in [
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("GET", "/api/v1/audit"),
        ("GET", "/admin/users"),
    ] {
        let route = rule(method, path);
        assert_eq!(
            (route.access.as_str(), route.role.as_deref()),
            ("role", Some("admin")),
            "{method} {path}"
        );
    }
    for (method, path) in [
        ("GET", "/datasets"),
        ("GET", "/api/v1/me"),
        ("POST", "/api/v1/tokens"),
    ] {
        assert_ne!(rule(method, path).access, "public", "{method} {path}");
    }
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/sign-in"),
        ("POST", "/api/v1/auth/login"),
    ] {
        assert_eq!(rule(method, path).access, "public", "{method} {path}");
    }
    assert_eq!(
        rule("PUT", "/api/v1/me/password").scope,
        None,
        "passwords need a session"
    );
}
