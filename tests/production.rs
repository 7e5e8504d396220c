//! Production KPIs against the real binary: readings sent through the ingest API come back as
//! the hand-computed KPIs, the simulated sites feed both sites through the same API, and the
//! live stream and bad windows answer as documented.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed unwrap is a failed assertion"
)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lepton_integration::{PASSWORD, TestServer, client, error_code};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ACCOUNTS: &[(&str, &str)] = &[("ada", "admin")];

fn now_millis() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

async fn get(server: &TestServer, token: &str, path: &str) -> reqwest::Response {
    client()
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Sends `points` through the ingest API; they must be stored.
async fn store(server: &TestServer, token: &str, points: &[Value]) {
    let response = client()
        .post(server.url("/api/v1/telemetry"))
        .bearer_auth(token)
        .json(points)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// The KPI `key` of `policy` at `site` in a snapshot.
fn kpi(snapshot: &Value, site: &str, policy: &str, key: &str) -> Value {
    let site = snapshot["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["site"] == site)
        .unwrap();
    let Some(policy) = site["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["policy"] == policy)
    else {
        return Value::Null;
    };
    policy["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == key)
        .unwrap()
        .clone()
}

fn close(kpi: &Value, expected: f64) {
    let value = kpi["value"].as_f64().unwrap();
    assert!((value - expected).abs() < 1e-9, "{kpi} is not {expected}");
}

#[tokio::test]
async fn kpis_of_readings_sent_through_the_api_match_the_hand_computed_ones() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let token = server.token(&ada, &["read", "write"]).await;

    // Two machines over a planned hour at 100 units/h: m1 ran it all and made 90 units (3
    // scrap); m2 failed after half an hour with 40 units (1 scrap). €1 013 spent. Four
    // deliveries: 20, 30, 10 and 40 minutes in transport, the last 45 minutes late.
    let at = now_millis() - 60_000;
    let tags = json!({ "policy": "hand" });
    let mut points = Vec::new();
    let mut point = |site: &str, source: &str, metric: &str, offset: i64, value: f64| {
        points.push(json!({
            "site": site, "source": source, "metric": metric,
            "timestamp": at + offset, "value": value, "tags": tags,
        }));
    };
    for (machine, output, scrap, run, down, cost, failures) in [
        ("m1", 90.0, 3.0, 3_600.0, 0.0, 13.0, 0.0),
        ("m2", 40.0, 1.0, 1_800.0, 1_800.0, 1_000.0, 1.0),
    ] {
        for (metric, value) in [
            ("output", output),
            ("scrap", scrap),
            ("capacity", 100.0),
            ("run_seconds", run),
            ("down_seconds", down),
            ("cost", cost),
            ("failures", failures),
        ] {
            point("manufacturing-line", machine, metric, 0, value);
        }
    }
    for (index, (transport, cost, lateness)) in [
        (20.0, 20.0, 0.0),
        (30.0, 25.0, 0.0),
        (10.0, 15.0, 0.0),
        (40.0, 40.0, 45.0),
    ]
    .into_iter()
    .enumerate()
    {
        let offset = i64::try_from(index).unwrap();
        point(
            "logistics-fleet",
            "v1",
            "transport_minutes",
            offset,
            transport,
        );
        point("logistics-fleet", "v1", "delivery_cost", offset, cost);
        point(
            "logistics-fleet",
            "v1",
            "lateness_minutes",
            offset,
            lateness,
        );
        let on_time = if lateness > 0.0 { 0.0 } else { 1.0 };
        point("logistics-fleet", "v1", "on_time", offset, on_time);
    }
    store(&server, &token, &points).await;

    let snapshot: Value = get(&server, &token, "/api/v1/production?minutes=5")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(snapshot["window_minutes"], 5);
    let line = |key| kpi(&snapshot, "manufacturing-line", "hand", key);
    close(&line("efficiency"), 0.65);
    close(&line("utilisation"), 0.75);
    close(&line("oee"), 0.63);
    close(&line("cost_per_unit"), 1_013.0 / 126.0);
    close(&line("downtime"), 0.5);
    close(&line("failures"), 1.0);
    assert!(
        line("oee")["formula"]
            .as_str()
            .unwrap()
            .contains("availability")
    );
    let fleet = |key| kpi(&snapshot, "logistics-fleet", "hand", key);
    close(&fleet("transport_time"), 25.0);
    close(&fleet("cost_per_delivery"), 25.0);
    close(&fleet("on_time_rate"), 0.75);
    close(&fleet("satisfaction"), 4.25);
    close(&fleet("deliveries"), 4.0);

    // A window outside 1 to 360 minutes is refused with its reason.
    for bad in ["0", "361"] {
        let response = get(
            &server,
            &token,
            &format!("/api/v1/production?minutes={bad}"),
        )
        .await;
        let (status, code, message) = error_code(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_request");
        assert!(message.contains("1 to 360"), "{message}");
    }
}

#[tokio::test]
async fn the_simulated_sites_feed_both_dashboards_through_the_api() {
    let extra = ["--simulate", "true", "--sim-speedup", "1800"];
    let server = TestServer::start_with_accounts(&extra, ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let token = server.token(&ada, &["read", "admin"]).await;

    // At 1 800 times the wall clock, a delivery takes about a second.
    let deadline = Instant::now() + Duration::from_secs(60);
    let snapshot = loop {
        let snapshot: Value = get(&server, &token, "/api/v1/production")
            .await
            .json()
            .await
            .unwrap();
        let deliveries = kpi(
            &snapshot,
            "logistics-fleet",
            "nearest-idle-fcfs",
            "deliveries",
        );
        if deliveries["value"]
            .as_f64()
            .is_some_and(|count| count > 0.0)
        {
            break snapshot;
        }
        assert!(Instant::now() < deadline, "no deliveries yet: {snapshot}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let efficiency = kpi(
        &snapshot,
        "manufacturing-line",
        "fixed-interval",
        "efficiency",
    );
    let efficiency = efficiency["value"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&efficiency), "efficiency {efficiency}");
    let on_time = kpi(
        &snapshot,
        "logistics-fleet",
        "nearest-idle-fcfs",
        "on_time_rate",
    );
    assert!((0.0..=1.0).contains(&on_time["value"].as_f64().unwrap()));

    // The readings came in through the ingest API, with the simulators' own account.
    let sites: Value = get(&server, &token, "/api/v1/sites")
        .await
        .json()
        .await
        .unwrap();
    for site in sites.as_array().unwrap() {
        assert!(site["points"].as_u64().unwrap() > 0, "{site}");
    }
    let users: Value = get(&server, &token, "/api/v1/users")
        .await
        .json()
        .await
        .unwrap();
    let simulator = users
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["username"] == "site-simulator")
        .unwrap();
    assert_eq!(simulator["role"], "editor");

    // The stream sends a snapshot at once.
    let mut stream = get(&server, &token, "/api/v1/production/stream").await;
    assert_eq!(stream.status(), StatusCode::OK);
    let content_type = stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.starts_with("event: snapshot\ndata: {"), "{text}");
}

#[tokio::test]
async fn a_jump_in_a_running_machines_sensor_is_reported_as_an_anomaly() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let token = server.token(&ada, &["read", "write"]).await;

    // A running machine's temperature: 60 steady readings with noise, then 4 far above.
    let start = now_millis() - 120_000;
    let mut points = Vec::new();
    for index in 0..64_i64 {
        let noise = [0.3, -0.2, 0.1, -0.4, 0.2][usize::try_from(index % 5).unwrap()];
        let value = if index < 60 { 62.0 + noise } else { 90.0 };
        for (metric, value) in [("run_seconds", 60.0), ("temperature", value)] {
            points.push(json!({
                "site": "manufacturing-line", "source": "m9", "metric": metric,
                "timestamp": start + index * 1_000, "value": value,
            }));
        }
    }
    store(&server, &token, &points).await;

    // The detector scores stored batches in the background.
    let deadline = Instant::now() + Duration::from_secs(10);
    let anomalies = loop {
        let path = "/api/v1/anomalies?site=manufacturing-line";
        let anomalies: Value = get(&server, &token, path).await.json().await.unwrap();
        if !anomalies.as_array().unwrap().is_empty() {
            break anomalies;
        }
        assert!(Instant::now() < deadline, "no anomaly reported");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let [anomaly] = anomalies.as_array().unwrap().as_slice() else {
        panic!("one anomaly: {anomalies}");
    };
    assert_eq!(anomaly["source"], "m9");
    assert_eq!(anomaly["metric"], "temperature");
    assert_eq!(anomaly["ongoing"], true);
    assert_eq!(anomaly["readings"], 4);
    assert!(anomaly["peak_score"].as_f64().unwrap() > 6.0, "{anomaly}");
    let other: Value = get(&server, &token, "/api/v1/anomalies?site=logistics-fleet")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other, json!([]));
}
