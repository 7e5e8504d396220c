//! The `lepton` binary as an operator and a browser meet it: start-up errors, pages, static
//! bundles, probes, limits and shutdown.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed unwrap is a failed assertion"
)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lepton_integration::{PASSWORD, TestServer, binary, client, site_dir};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};

/// Every page of the router and the heading its server-rendered HTML must contain.
const PAGES: [(&str, &str); 10] = [
    ("/", "Overview"),
    ("/lab", "Lab"),
    ("/datasets", "Datasets"),
    ("/training", "Training"),
    ("/models", "Models"),
    ("/production", "Production"),
    ("/sign-in", "Sign in"),
    ("/account", "My account"),
    ("/admin/users", "Users"),
    ("/admin/audit", "Audit log"),
];

#[tokio::test]
async fn every_route_renders_its_heading() {
    let server = TestServer::start_with_accounts(&[], &[("root", "admin")]).await;
    let admin = server.sign_in("root", PASSWORD).await;

    for (path, heading) in PAGES {
        let response = admin
            .request(reqwest::Method::GET, &server.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );

        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("<h1>{heading}</h1>")),
            "{path} lacks its heading"
        );
        assert!(
            html.contains(&format!("<title>{heading} · Lepton</title>")),
            "{path} title"
        );
    }
}

#[tokio::test]
async fn the_lab_button_waits_for_the_browser_code() {
    let server = TestServer::start(&[]).await;

    let html = server.text("/lab").await;

    assert!(
        html.contains(r#"<button type="button" disabled class="primary">"#),
        "{html}"
    );
}

#[tokio::test]
async fn unknown_paths_get_the_404_page() {
    let server = TestServer::start(&[]).await;

    let response = client()
        .get(server.url("/no/such/page"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<h1>Page not found</h1>")
    );
}

#[tokio::test]
async fn probes_report_process_and_database() {
    let server = TestServer::start(&[]).await;
    let client = client();

    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );

    let ready = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["database"],
        "ok"
    );

    assert!(server.data_dir.path().join("lepton.db").is_file());
}

#[tokio::test]
async fn responses_echo_a_request_id() {
    let server = TestServer::start(&[]).await;
    let client = client();

    let generated = client.get(server.url("/healthz")).send().await.unwrap();
    assert!(!generated.headers()["x-request-id"].is_empty());

    let echoed = client
        .get(server.url("/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-42");
}

#[tokio::test]
async fn json_logs_carry_one_span_per_request() {
    let mut server = TestServer::start_with_logs(&["--log-format", "json"], &[], "info").await;

    let response = client()
        .get(server.url("/lab"))
        .header("x-request-id", "log-me-7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let logs = server.stop_and_read_logs();

    let line = logs
        .lines()
        .find(|line| line.contains("log-me-7") && line.contains("request finished"))
        .unwrap_or_else(|| panic!("no finished-request line for log-me-7 in:\n{logs}"));
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    let span = &event["span"];
    assert_eq!(span["name"], "request");
    assert_eq!(span["method"], "GET");
    assert_eq!(span["matched_path"], "/lab");
    assert_eq!(span["request_id"], "log-me-7");
    assert_eq!(span["status"], 200);
    assert!(span["latency_ms"].as_f64().is_some(), "{line}");
}

/// Reads the hashed bundle names the site build wrote.
fn manifest() -> serde_json::Value {
    let path = site_dir().join("pkg/manifest.json");
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|error| panic!("{} missing ({error}): run `make site`", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn bundles_have_their_types_compression_and_long_cache() {
    let server = TestServer::start(&[]).await;
    let client = client();
    let manifest = manifest();

    let expected = [
        ("app_js", "text/javascript"),
        ("app_wasm", "application/wasm"),
        ("css", "text/css"),
        ("worker", "text/javascript"),
    ];
    for (key, content_type) in expected {
        let url = server.url(&format!("/pkg/{}", manifest[key].as_str().unwrap()));

        for encoding in ["br", "gzip"] {
            let response = client
                .get(&url)
                .header(ACCEPT_ENCODING, encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            assert!(
                response.headers()[CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with(content_type),
                "{url}: {:?}",
                response.headers()[CONTENT_TYPE]
            );
            assert_eq!(response.headers()[CONTENT_ENCODING], encoding, "{url}");
            assert_eq!(
                response.headers()[CACHE_CONTROL],
                "public, max-age=31536000, immutable",
                "{url}"
            );
        }

        let plain = client.get(&url).send().await.unwrap();
        assert!(
            plain.headers().get(CONTENT_ENCODING).is_none(),
            "{url} without Accept-Encoding"
        );
    }
}

#[tokio::test]
async fn pages_are_compressed_when_asked() {
    let server = TestServer::start(&[]).await;

    let response = client()
        .get(server.url("/"))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_ENCODING], "br");
}

#[tokio::test]
async fn pages_link_the_hashed_bundles() {
    let server = TestServer::start(&[]).await;
    let manifest = manifest();

    let html = server.text("/lab").await;

    for key in ["app_js", "app_wasm", "css", "worker"] {
        let name = manifest[key].as_str().unwrap();
        assert!(
            html.contains(&format!("/pkg/{name}")),
            "page does not link {name}"
        );
    }
}

#[tokio::test]
async fn an_oversized_body_gets_413_and_the_server_goes_on() {
    let server = TestServer::start(&[]).await;

    // As curl does for large uploads, announce the body and wait: the server must refuse it
    // from the headers alone, before a single byte of the 20 MB is sent.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST /api/anything HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\
         Content-Type: application/octet-stream\r\nExpect: 100-continue\r\n\r\n",
        server.addr,
        20 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).unwrap();

    let mut status_line = String::new();
    BufReader::new(&stream).read_line(&mut status_line).unwrap();
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line:?}");

    let next = client().get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(next.status(), StatusCode::OK);
}

#[tokio::test]
async fn sigterm_exits_cleanly_within_five_seconds() {
    let mut server = TestServer::start(&[]).await;

    let started = Instant::now();
    server.terminate();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "still running 5 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    assert!(status.success(), "exit status {status:?}");
}

/// Runs the binary with `args` until it exits, returning its exit code and stderr.
fn run_to_exit(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(binary())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the lepton binary");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_data_dir_that_is_a_file_exits_2_with_a_message() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let path = file.path().to_str().unwrap();

    let (code, stderr) = run_to_exit(&["--addr", "127.0.0.1:0", "--data-dir", path]);

    assert_eq!(code, Some(2));
    assert_eq!(
        stderr.trim(),
        format!("lepton: data dir {path} exists but is not a directory")
    );
}

#[test]
fn a_data_dir_that_cannot_be_created_exits_2_with_a_message() {
    // Even root cannot create directories in procfs, so this holds in CI containers too.
    let path = "/proc/lepton-cannot-be-here/data";

    let (code, stderr) = run_to_exit(&["--addr", "127.0.0.1:0", "--data-dir", path]);

    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with(&format!("lepton: data dir {path} is not writable: ")),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn an_unparsable_address_exits_2_with_a_message() {
    let data = tempfile::tempdir().unwrap();

    let (code, stderr) = run_to_exit(&[
        "--addr",
        "not-an-address",
        "--data-dir",
        data.path().to_str().unwrap(),
    ]);

    assert_eq!(code, Some(2));
    assert!(
        stderr
            .trim()
            .starts_with("lepton: invalid --addr 'not-an-address'"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn a_port_in_use_exits_2_with_a_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data = tempfile::tempdir().unwrap();

    let (code, stderr) =
        run_to_exit(&["--addr", &addr, "--data-dir", data.path().to_str().unwrap()]);

    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(&format!("lepton: cannot listen on {addr}")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn help_documents_every_flag_and_its_variable() {
    let output = Command::new(binary()).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);

    assert!(output.status.success());
    for needle in [
        "--addr",
        "LEPTON_ADDR",
        "--data-dir",
        "LEPTON_DATA_DIR",
        "RUST_LOG",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}
