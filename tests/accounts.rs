//! Accounts and access over HTTP against the real binary: the first admin, signing in and
//! out, sessions, CSRF, API tokens, throttling, ownership, bad input and the audit log.

use std::io::Read;
use std::process::{Command, Stdio};

use lepton_integration::{
    PASSWORD, TestServer, binary, client, create_account, error_code, session_of,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn the_first_start_creates_an_admin_with_a_password_shown_once() {
    let data_dir = tempfile::tempdir().unwrap();
    let port = lepton_integration::free_port();
    let mut child = Command::new(binary())
        .args(["--addr", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut shown = String::new();
    let reader = std::thread::spawn(move || {
        let _ = stderr.read_to_string(&mut shown);
        shown
    });

    let url = format!("http://127.0.0.1:{port}");
    let mut healthy = false;
    for _ in 0..200 {
        if client().get(format!("{url}/healthz")).send().await.is_ok() {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(healthy, "server did not start");
    child.kill().unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let shown = reader.join().unwrap();

    let password = shown
        .lines()
        .find_map(|line| line.trim().strip_prefix("password: "))
        .unwrap_or_else(|| panic!("no password in:\n{shown}"))
        .to_owned();
    assert!(password.len() >= 16);
    assert!(!logs.contains(&password), "the password reached the log");

    // The admin can sign in with it; a second start shows nothing.
    let server = TestServer::start_existing(data_dir.path()).await;
    server.sign_in("admin", &password).await;
}

#[tokio::test]
async fn wrong_password_unknown_and_disabled_users_get_one_answer() {
    let server =
        TestServer::start_with_accounts(&[], &[("ada", "admin"), ("vera", "viewer")]).await;
    let admin = server.sign_in("ada", PASSWORD).await;
    let vera = server.user_id(&admin, "vera").await;
    let disable = admin
        .request(Method::PATCH, &server.url(&format!("/api/v1/users/{vera}")))
        .json(&json!({ "disabled": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(disable.status(), StatusCode::OK);

    let wrong = error_code(server.login("ada", "not the password", None).await).await;
    let unknown = error_code(server.login("nobody", PASSWORD, None).await).await;
    let disabled = error_code(server.login("vera", PASSWORD, None).await).await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, disabled);
    assert_eq!(wrong.2, "wrong username or password");
}

#[tokio::test]
async fn signing_in_replaces_any_session_the_browser_had() {
    let server = TestServer::start_with_accounts(&[], &[("vera", "viewer")]).await;

    // An attacker's planted cookie is not adopted.
    let planted = "lepton_session=planted-by-an-attacker";
    let response = server.login("vera", PASSWORD, Some(planted)).await;
    let session = session_of(response).await;
    assert_ne!(session.cookie, planted);

    // Signing in again from a browser with a live session ends the old one.
    let response = server.login("vera", PASSWORD, Some(&session.cookie)).await;
    let renewed = session_of(response).await;
    assert_ne!(renewed.cookie, session.cookie);
    let old = server.call(&session, Method::GET, "/api/v1/me").await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = server.call(&renewed, Method::GET, "/api/v1/me").await;
    assert_eq!(new.status(), StatusCode::OK);
}

#[tokio::test]
async fn session_cookies_are_http_only_and_lax() {
    let server = TestServer::start_with_accounts(&[], &[("vera", "viewer")]).await;
    let response = server.login("vera", PASSWORD, None).await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );

    let proxied = TestServer::start_with_accounts(&["--trust-proxy"], &[("vera", "viewer")]).await;
    let response = client()
        .post(proxied.url("/api/v1/auth/login"))
        .header("x-forwarded-proto", "https")
        .json(&json!({ "username": "vera", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn state_changes_without_the_csrf_token_are_refused() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let session = server.sign_in("eddie", PASSWORD).await;
    let body = json!({ "name": "ci", "scopes": ["read"] });
    let url = server.url("/api/v1/tokens");

    let missing = client()
        .post(&url)
        .header("cookie", &session.cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(missing).await.1, "csrf");
    let forged = client()
        .post(&url)
        .header("cookie", &session.cookie)
        .header("x-csrf-token", "guessed")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let cross_site = session
        .request(Method::POST, &url)
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);

    // Nothing was created by the refused requests.
    let tokens: Value = session
        .request(Method::GET, &url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tokens.as_array().unwrap().len(), 0);

    // A cross-site sign-in form post (login CSRF) is refused too.
    let login_csrf = client()
        .post(server.url("/sign-in"))
        .header("origin", "https://evil.example")
        .form(&[("username", "eddie"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login_csrf.status(), StatusCode::FORBIDDEN);

    // The Sign out form carries the token as a field.
    let sign_out = client()
        .post(server.url("/sign-out"))
        .header("cookie", &session.cookie)
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sign_out.status(), StatusCode::SEE_OTHER);
    let after = server.call(&session, Method::GET, "/api/v1/me").await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoked_tokens_and_sessions_stop_working_at_once() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let laptop = server.sign_in("eddie", PASSWORD).await;
    let phone = server.sign_in("eddie", PASSWORD).await;

    let secret = server.token(&laptop, &["read"]).await;
    let me = server.url("/api/v1/me");
    let used = client().get(&me).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(used.status(), StatusCode::OK);

    let tokens: Value = server.json_as(&laptop, "/api/v1/tokens").await;
    let id = tokens[0]["id"].as_str().unwrap();
    assert!(
        tokens[0]["last_used_at"].is_string(),
        "last use is recorded"
    );
    let revoked = server
        .call(&laptop, Method::DELETE, &format!("/api/v1/tokens/{id}"))
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let refused = client().get(&me).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(error_code(refused).await.1, "token_revoked");

    // The laptop ends the phone's session.
    let sessions: Value = server.json_as(&laptop, "/api/v1/me/sessions").await;
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions
        .iter()
        .find(|session| session["current"] == false)
        .unwrap();
    let path = format!("/api/v1/me/sessions/{}", other["id"].as_str().unwrap());
    let ended = server.call(&laptop, Method::DELETE, &path).await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    let phone_after = phone.request(Method::GET, &me).send().await.unwrap();
    assert_eq!(phone_after.status(), StatusCode::UNAUTHORIZED);

    // Sign out everywhere ends the laptop's too.
    let phone = server.sign_in("eddie", PASSWORD).await;
    let everywhere = server
        .call(&laptop, Method::DELETE, "/api/v1/me/sessions")
        .await;
    assert_eq!(everywhere.status(), StatusCode::NO_CONTENT);
    for session in [&laptop, &phone] {
        let after = session.request(Method::GET, &me).send().await.unwrap();
        assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_back_off() {
    let server = TestServer::start_with_accounts(&[], &[("ada", "admin")]).await;
    for attempt in 1..=5 {
        let response = server.login("ada", "wrong password!", None).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    // The sixth failure locks; from then on even the right password waits.
    let sixth = server.login("ada", "wrong password!", None).await;
    assert_eq!(sixth.status(), StatusCode::UNAUTHORIZED);
    let locked = server.login("ada", PASSWORD, None).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "Retry-After {wait}");
    assert_eq!(error_code(locked).await.1, "too_many_requests");

    // Probing an unknown name backs off the same way: no hint that it does not exist.
    for _ in 0..6 {
        server.login("nobody", "whatever it is", None).await;
    }
    let unknown = server.login("nobody", "whatever it is", None).await;
    assert_eq!(unknown.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn one_address_spraying_many_accounts_is_throttled() {
    let server = TestServer::start_with_accounts(&["--trust-proxy"], &[("ada", "admin")]).await;
    let login_from = |address: &'static str, username: String, password: &'static str| {
        client()
            .post(server.url("/api/v1/auth/login"))
            .header("x-forwarded-for", address)
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
    };

    // One failure each on 21 names stays under every account's limit, not the address's.
    for attempt in 0..21 {
        let response = login_from("203.0.113.7", format!("guess{attempt}"), "wrong password!")
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let blocked = login_from("203.0.113.7", "ada".to_owned(), PASSWORD)
        .await
        .unwrap();
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers().contains_key("retry-after"));

    // Another address is not held back by it.
    let elsewhere = login_from("198.51.100.2", "ada".to_owned(), PASSWORD)
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), StatusCode::OK);
}

#[tokio::test]
async fn other_peoples_tokens_and_sessions_are_not_found() {
    let accounts = [("vera", "viewer"), ("eddie", "editor")];
    let server = TestServer::start_with_accounts(&[], &accounts).await;
    let vera = server.sign_in("vera", PASSWORD).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let secret = server.token(&vera, &["read"]).await;

    let tokens: Value = server.json_as(&vera, "/api/v1/tokens").await;
    let id = tokens[0]["id"].as_str().unwrap();
    let path = format!("/api/v1/tokens/{id}");
    let response = server.call(&eddie, Method::DELETE, &path).await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "not 403: the id stays secret"
    );

    let sessions: Value = server.json_as(&vera, "/api/v1/me/sessions").await;
    let path = format!(
        "/api/v1/me/sessions/{}",
        sessions[0]["id"].as_str().unwrap()
    );
    let response = server.call(&eddie, Method::DELETE, &path).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Both still work.
    let me = server.url("/api/v1/me");
    assert_eq!(
        client()
            .get(&me)
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        vera.request(Method::GET, &me)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn tokens_cannot_exceed_their_holders_scopes() {
    let server =
        TestServer::start_with_accounts(&[], &[("vera", "viewer"), ("ada", "admin")]).await;
    let vera = server.sign_in("vera", PASSWORD).await;
    let create = |session: &lepton_integration::Session, scopes: Value| {
        session
            .request(Method::POST, &server.url("/api/v1/tokens"))
            .json(&json!({ "name": "x", "scopes": scopes }))
            .send()
    };
    let (status, code, _) = error_code(create(&vera, json!(["write"])).await.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "scope_not_allowed")
    );

    // A read-only token of an admin cannot mint an admin token.
    let admin = server.sign_in("ada", PASSWORD).await;
    let read_only = server.token(&admin, &["read", "write"]).await;
    let minted = client()
        .post(server.url("/api/v1/tokens"))
        .bearer_auth(&read_only)
        .json(&json!({ "name": "escalate", "scopes": ["admin"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(minted.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    let server =
        TestServer::start_with_accounts(&["--max-body-bytes", "4096"], &[("ada", "admin")]).await;
    let admin = server.sign_in("ada", PASSWORD).await;
    let users_url = server.url("/api/v1/users");

    for header in ["Basic YWRhOnB3", "Bearer", "Bearer two words", "lep_abc"] {
        let response = client()
            .get(server.url("/api/v1/me"))
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_code(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "malformed_authorization")
        );
    }
    let unknown = client()
        .get(server.url("/api/v1/me"))
        .bearer_auth("lep_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(unknown).await.1, "invalid_token");

    let malformed = admin
        .request(Method::POST, &users_url)
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(malformed).await.0, StatusCode::BAD_REQUEST);
    let not_json = admin
        .request(Method::POST, &users_url)
        .header("content-type", "text/plain")
        .body("username=x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(not_json).await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let oversized = admin
        .request(Method::POST, &users_url)
        .json(&json!({ "username": "a".repeat(10_000), "role": "viewer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(oversized).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    let wrong_role = admin
        .request(Method::POST, &users_url)
        .json(&json!({ "username": "bob", "role": "root" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(wrong_role).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    for name in ["<script>alert(1)</script>", "x'); DROP TABLE users;--"] {
        let response = admin
            .request(Method::POST, &users_url)
            .json(&json!({ "username": name, "role": "viewer" }))
            .send()
            .await
            .unwrap();
        let (status, _, message) = error_code(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message.contains("lowercase letters"), "{message}");
    }
    let users: Value = admin
        .request(Method::GET, &users_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1, "nothing was created");

    let unknown_api = server.call(&admin, Method::GET, "/api/v1/nothing").await;
    assert_eq!(error_code(unknown_api).await.1, "not_found");
}

#[tokio::test]
async fn no_password_or_token_reaches_the_log() {
    let mut server = TestServer::start_with_logs(&[], &[("eddie", "editor")], "debug").await;
    let session = server.sign_in("eddie", PASSWORD).await;
    let secret = server.token(&session, &["read"]).await;
    client()
        .get(server.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    server.login("eddie", "a wrong password here", None).await;

    let logs = server.stop_and_read_logs();
    assert!(
        logs.contains("signed in"),
        "the log has the sign-in:\n{logs}"
    );
    for secret in [
        PASSWORD,
        "a wrong password here",
        secret.as_str(),
        session.csrf.as_str(),
    ] {
        assert!(!logs.contains(secret), "{secret} reached the log");
    }
    let cookie_value = session.cookie.trim_start_matches("lepton_session=");
    assert!(
        !logs.contains(cookie_value),
        "the session cookie reached the log"
    );
}

#[tokio::test]
async fn pages_redirect_to_sign_in_and_back() {
    let server = TestServer::start_with_accounts(&[], &[("vera", "viewer")]).await;
    let anonymous = client().get(server.url("/datasets")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()["location"], "/sign-in?next=%2Fdatasets");

    let form = client()
        .post(server.url("/sign-in"))
        .form(&[
            ("username", "vera"),
            ("password", PASSWORD),
            ("next", "/datasets"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    assert_eq!(form.headers()["location"], "/datasets");
    let cookie = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let page = client()
        .get(server.url("/datasets"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<h1>Datasets</h1>") && html.contains(">vera</a>"),
        "{html}"
    );

    let admin_page = client()
        .get(server.url("/admin/users"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(admin_page.status(), StatusCode::FORBIDDEN);

    let offsite = client()
        .post(server.url("/sign-in"))
        .form(&[
            ("username", "vera"),
            ("password", PASSWORD),
            ("next", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(offsite.headers()["location"], "/");
    let wrong = client()
        .post(server.url("/sign-in"))
        .form(&[
            ("username", "vera"),
            ("password", "nope nope nope"),
            ("next", "/models"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong.headers()["location"],
        "/sign-in?error=invalid&next=%2Fmodels"
    );
}

#[tokio::test]
async fn the_audit_log_records_who_did_what_from_where() {
    let server =
        TestServer::start_with_accounts(&[], &[("ada", "admin"), ("vera", "viewer")]).await;
    server.login("vera", "not her password", None).await;
    let admin = server.sign_in("ada", PASSWORD).await;
    server.token(&admin, &["read"]).await;
    let vera = server.user_id(&admin, "vera").await;
    let path = format!("/api/v1/users/{vera}");
    admin
        .request(Method::PATCH, &server.url(&path))
        .json(&json!({ "role": "editor" }))
        .send()
        .await
        .unwrap();

    let page: Value = server.json_as(&admin, "/api/v1/audit").await;
    let actions: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["action"].as_str().unwrap())
        .collect();
    for action in [
        "sign_in_failed",
        "sign_in",
        "token_created",
        "role_changed",
        "user_created",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
    let change = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["action"] == "role_changed")
        .unwrap();
    assert_eq!(change["actor"], "ada");
    assert_eq!(change["target"], "vera");
    assert_eq!(change["ip"], "127.0.0.1");
    assert_eq!(change["detail"], "viewer → editor");
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route_and_its_security() {
    let server = TestServer::start(&[]).await;
    let document: Value = client()
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    for path in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/users",
        "/api/v1/audit",
    ] {
        assert!(document["paths"][path].is_object(), "{path} missing");
    }
    let create = &document["paths"]["/api/v1/tokens"]["post"];
    assert_eq!(create["security"][0]["apiToken"][0], "write");
    assert!(
        create["description"]
            .as_str()
            .unwrap()
            .contains("**Access:**")
    );
    assert!(document["components"]["securitySchemes"]["session"].is_object());
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
}

#[test]
fn operators_create_users_and_reset_passwords_from_the_command_line() {
    let data_dir = tempfile::tempdir().unwrap();
    create_account(data_dir.path(), "ada", "admin", PASSWORD);

    let duplicate = Command::new(binary())
        .args([
            "admin",
            "create-user",
            "--username",
            "ada",
            "--role",
            "viewer",
            "--data-dir",
        ])
        .arg(data_dir.path())
        .output()
        .unwrap();
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("is taken"));

    let reset = Command::new(binary())
        .args(["admin", "reset-password", "--username", "ada", "--data-dir"])
        .arg(data_dir.path())
        .output()
        .unwrap();
    assert!(reset.status.success());
    let output = String::from_utf8_lossy(&reset.stdout);
    assert!(
        output.lines().any(|line| line.starts_with("password: ")),
        "{output}"
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let server = TestServer::start_with_accounts(&[], &[("vera", "viewer")]).await;
    let laptop = server.sign_in("vera", PASSWORD).await;
    let phone = server.sign_in("vera", PASSWORD).await;
    let change = |current: &str, new: &str| {
        laptop
            .request(Method::PUT, &server.url("/api/v1/me/password"))
            .json(&json!({ "current_password": current, "new_password": new }))
            .send()
    };

    let wrong = error_code(
        change("not it at all", "a brand new passphrase")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (wrong.0, wrong.1.as_str()),
        (StatusCode::FORBIDDEN, "wrong_password")
    );
    let short = error_code(change(PASSWORD, "short").await.unwrap()).await;
    assert_eq!(short.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.2, "the password must have at least 12 characters");

    let changed = change(PASSWORD, "a brand new passphrase").await.unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    let me = "/api/v1/me";
    assert_eq!(
        server.call(&laptop, Method::GET, me).await.status(),
        StatusCode::OK
    );
    let phone_after = server.call(&phone, Method::GET, me).await;
    assert_eq!(phone_after.status(), StatusCode::UNAUTHORIZED);
    let old = server.login("vera", PASSWORD, None).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    server.sign_in("vera", "a brand new passphrase").await;
}

#[tokio::test]
async fn admins_cannot_lock_everyone_out() {
    let server =
        TestServer::start_with_accounts(&[], &[("ada", "admin"), ("vera", "viewer")]).await;
    let admin = server.sign_in("ada", PASSWORD).await;
    let ada = server.user_id(&admin, "ada").await;
    let vera = server.user_id(&admin, "vera").await;
    let patch = |id: String, body: Value| {
        admin
            .request(Method::PATCH, &server.url(&format!("/api/v1/users/{id}")))
            .json(&body)
            .send()
    };

    let itself = error_code(
        patch(ada.clone(), json!({ "disabled": true }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (itself.0, itself.1.as_str()),
        (StatusCode::CONFLICT, "self_disable")
    );
    let demote = error_code(
        patch(ada.clone(), json!({ "role": "editor" }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (demote.0, demote.1.as_str()),
        (StatusCode::CONFLICT, "last_admin")
    );

    // Promoting vera first makes the demotion possible.
    let promoted = patch(vera.clone(), json!({ "role": "admin" }))
        .await
        .unwrap();
    assert_eq!(promoted.status(), StatusCode::OK);
    let demoted = patch(ada.clone(), json!({ "role": "editor" }))
        .await
        .unwrap();
    assert_eq!(demoted.status(), StatusCode::OK);

    // The demotion takes effect on ada's very next request.
    let users_now = server.call(&admin, Method::GET, "/api/v1/users").await;
    assert_eq!(users_now.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_password_reset_ends_the_users_sessions() {
    let server =
        TestServer::start_with_accounts(&[], &[("ada", "admin"), ("vera", "viewer")]).await;
    let admin = server.sign_in("ada", PASSWORD).await;
    let vera = server.sign_in("vera", PASSWORD).await;
    let id = server.user_id(&admin, "vera").await;

    let reset = admin
        .request(
            Method::POST,
            &server.url(&format!("/api/v1/users/{id}/password")),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
    let body: Value = reset.json().await.unwrap();
    let generated = body["password"].as_str().unwrap();

    let after = server.call(&vera, Method::GET, "/api/v1/me").await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    server.sign_in("vera", generated).await;
}
