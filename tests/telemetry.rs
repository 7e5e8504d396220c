//! Telemetry ingest over HTTP against the real binary: a batch stored whole and counted,
//! every kind of bad batch refused with its reason and nothing stored, tokens without the
//! write scope refused, and acknowledged batches still there after kill -9.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed unwrap is a failed assertion"
)]

use std::time::{SystemTime, UNIX_EPOCH};

use lepton_integration::{PASSWORD, TestServer, client, error_code};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ACCOUNTS: &[(&str, &str)] = &[("ada", "editor"), ("vic", "viewer")];

fn now_millis() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

/// `count` temperature readings of machine `source`, one a millisecond from `start`.
fn batch(source: &str, start: i64, count: usize) -> Value {
    let points: Vec<Value> = (0..count)
        .map(|offset| {
            json!({
                "site": "manufacturing-line",
                "source": source,
                "metric": "temperature",
                "timestamp": start + offset as i64,
                "value": 60.0 + (offset % 10) as f64,
                "tags": { "line": "A" }
            })
        })
        .collect();
    Value::Array(points)
}

/// Posts one batch to the ingest endpoint at `url`.
async fn post(url: &str, token: &str, body: String) -> reqwest::Result<reqwest::Response> {
    client()
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
}

async fn send(server: &TestServer, token: &str, body: String) -> reqwest::Response {
    post(&server.url("/api/v1/telemetry"), token, body)
        .await
        .unwrap()
}

async fn sites(server: &TestServer, token: &str) -> Vec<Value> {
    let sites: Value = client()
        .get(server.url("/api/v1/sites"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    sites.as_array().unwrap().clone()
}

async fn stored_points(server: &TestServer, token: &str) -> u64 {
    sites(server, token)
        .await
        .iter()
        .map(|site| site["points"].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn a_batch_is_stored_whole_and_bad_ones_not_at_all() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let token = server.token(&ada, &["read", "write"]).await;

    let start = now_millis() - 60_000;
    let response = send(&server, &token, batch("m1", start, 300).to_string()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(receipt, json!({ "accepted": 300, "series": 1 }));

    // JSON Lines, and a batch sent twice stores its points once.
    let lines: Vec<String> = batch("m2", start, 50)
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    for _ in 0..2 {
        let response = send(&server, &token, lines.join("\n")).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(stored_points(&server, &token).await, 350);
    let sites = sites(&server, &token).await;
    let line = sites
        .iter()
        .find(|site| site["id"] == "manufacturing-line")
        .unwrap();
    assert_eq!(line["kind"], "manufacturing");
    assert_eq!(line["series"], 2);

    // Each bad batch holds good points first: none of them may be stored.
    let good = batch("m3", start, 5);
    let with = |bad: Value| {
        let mut points = good.as_array().unwrap().clone();
        points.push(bad);
        Value::Array(points).to_string()
    };
    let point = |site: &str, timestamp: Value, value: Value| json!({ "site": site, "source": "m3", "metric": "t", "timestamp": timestamp, "value": value });
    let cases = [
        (
            "{\"site\": ".to_owned(),
            StatusCode::BAD_REQUEST,
            "malformed_batch",
            "not a JSON array",
        ),
        (
            with(point("moon-base", json!(start), json!(1))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_site",
            "point 5: unknown site 'moon-base'",
        ),
        (
            with(point(
                "manufacturing-line",
                json!(now_millis() + 3_600_000),
                json!(1),
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_point",
            "ahead of the server's clock",
        ),
        (
            with(point(
                "manufacturing-line",
                json!("2020-01-01T00:00:00Z"),
                json!(1),
            )),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_point",
            "older than the raw retention window",
        ),
        (
            with(point("manufacturing-line", json!(start), json!("NaN"))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_point",
            "point 5",
        ),
        (
            batch("m4", start, 10_001).to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            "at most 10000",
        ),
    ];
    for (body, status, code, words) in cases {
        let (got, got_code, message) = error_code(send(&server, &token, body).await).await;
        assert_eq!((got, got_code.as_str()), (status, code), "{message}");
        assert!(message.contains(words), "{message} lacks {words}");
    }
    assert_eq!(stored_points(&server, &token).await, 350);

    // Writing needs the write scope and an editor.
    let read_only = server.token(&ada, &["read"]).await;
    let response = send(&server, &read_only, good.to_string()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let vic = server.sign_in("vic", PASSWORD).await;
    let viewer = server.token(&vic, &["read"]).await;
    let response = send(&server, &viewer, good.to_string()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored_points(&server, &token).await, 350);
}

#[tokio::test]
async fn acknowledged_batches_survive_kill_9() {
    const BATCH: usize = 200;
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let token = server.token(&ada, &["read", "write"]).await;

    // A sender that keeps going while the server is killed under it.
    let url = server.url("/api/v1/telemetry");
    let (acked, mut acks) = tokio::sync::mpsc::unbounded_channel();
    let sender_token = token.clone();
    let sender = tokio::spawn(async move {
        let start = now_millis() - 3_600_000;
        for index in 0..10_000 {
            let body = batch("m1", start + index * BATCH as i64, BATCH).to_string();
            match post(&url, &sender_token, body).await {
                Ok(response) if response.status() == StatusCode::OK => {
                    if acked.send(index).is_err() {
                        return;
                    }
                }
                _ => return,
            }
        }
    });

    let mut acknowledged = 0;
    while acknowledged < 20 {
        acks.recv().await.unwrap();
        acknowledged += 1;
    }
    let server = server.crash_and_restart().await;
    sender.abort();
    while acks.try_recv().is_ok() {
        acknowledged += 1;
    }

    let stored = stored_points(&server, &token).await;
    assert!(
        stored >= (acknowledged * BATCH) as u64,
        "{stored} points stored after {acknowledged} acknowledged batches"
    );
    assert_eq!(stored % BATCH as u64, 0, "only whole batches are stored");
}
