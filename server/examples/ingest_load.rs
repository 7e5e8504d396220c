//! Load generator for the telemetry ingest benchmark (`scripts/bench-ingest.sh`).
//!
//! `ingest_load sink PORT` serves a no-op sink: it reads each request's body whole and answers
//! 200 without parsing it, which makes the ceiling of this generator on this machine.
//! `ingest_load send URL TOKEN BATCH SECONDS CONNECTIONS [RATE]` posts JSON arrays of `BATCH`
//! distinct points over `CONNECTIONS` keep-alive connections for `SECONDS`, as fast as the
//! server answers or, with `RATE`, at that many batches per second in total (open loop:
//! latency counts from when a batch was due, so a slow answer cannot hide queueing). It
//! prints one JSON line: points/s, batches/s, p50 and p99 latency in milliseconds, failures.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use serde_json::json;

/// Distinct series the points spread over.
const SERIES: u64 = 1_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("sink") => sink(args.get(1).ok_or("sink PORT")?.parse()?).await,
        Some("send") => {
            let [url, token, batch, seconds, connections] = args.get(1..6).ok_or(USAGE)? else {
                return Err(USAGE.into());
            };
            let rate: f64 = args.get(6).map_or(Ok(0.0), |rate| rate.parse())?;
            let load = Load {
                url: url.clone(),
                token: token.clone(),
                batch: batch.parse()?,
                seconds: seconds.parse()?,
                connections: connections.parse()?,
                rate,
            };
            send(load).await
        }
        _ => Err(USAGE.into()),
    }
}

const USAGE: &str =
    "usage: ingest_load sink PORT | send URL TOKEN BATCH SECONDS CONNECTIONS [RATE]";

async fn sink(port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let app = Router::new().route(
        "/api/v1/telemetry",
        post(|body: Bytes| async move { format!("{{\"accepted\":{}}}", body.len()) }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

#[derive(Debug, Clone)]
struct Load {
    url: String,
    token: String,
    batch: u64,
    seconds: f64,
    connections: u64,
    rate: f64,
}

async fn send(load: Load) -> Result<(), Box<dyn std::error::Error>> {
    let start_ms = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis())?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(load.seconds);
    let mut tasks = Vec::new();
    for connection in 0..load.connections {
        let load = load.clone();
        tasks.push(tokio::spawn(async move {
            connection_loop(&load, connection, start_ms, started, deadline).await
        }));
    }

    let mut latencies = Vec::new();
    let mut failures = 0_u64;
    let mut batches = 0_u64;
    for task in tasks {
        let (times, failed) = task.await?;
        batches += times.len() as u64;
        latencies.extend(times);
        failures += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(index).copied().unwrap_or(f64::NAN)
    };
    let line = json!({
        "batch": load.batch,
        "connections": load.connections,
        "rate": load.rate,
        "points_per_s": (batches * load.batch) as f64 / elapsed,
        "batches_per_s": batches as f64 / elapsed,
        "p50_ms": quantile(0.5),
        "p99_ms": quantile(0.99),
        "failures": failures,
    });
    #[expect(clippy::print_stdout, reason = "the benchmark script reads this line")]
    {
        println!("{line}");
    }
    Ok(())
}

/// One connection's batches: their latencies in milliseconds, and how many failed.
async fn connection_loop(
    load: &Load,
    connection: u64,
    start_ms: i64,
    started: Instant,
    deadline: Instant,
) -> (Vec<f64>, u64) {
    let client = reqwest::Client::new();
    let interval =
        (load.rate > 0.0).then(|| Duration::from_secs_f64(load.connections as f64 / load.rate));
    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut sent = 0_u64;
    loop {
        // Open loop: each batch has its slot; closed loop: the next goes when one returns.
        let due = match interval {
            Some(interval) => {
                let due = started + interval.mul_f64(sent as f64);
                tokio::time::sleep_until(due.into()).await;
                due
            }
            None => Instant::now(),
        };
        if due >= deadline {
            break;
        }
        let body = batch_body(load.batch, connection, sent, load.connections, start_ms);
        let answer = client
            .post(&load.url)
            .bearer_auth(&load.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        match answer {
            Ok(answer) if answer.status().is_success() => {
                let _ = answer.bytes().await;
                latencies.push(due.elapsed().as_secs_f64() * 1_000.0);
            }
            _ => failures += 1,
        }
        sent += 1;
    }
    (latencies, failures)
}

/// `size` points no other batch of the run has: each connection and batch gets its own
/// instants, spread over `SERIES` series.
fn batch_body(size: u64, connection: u64, index: u64, connections: u64, start_ms: i64) -> String {
    let mut body = String::with_capacity(usize::try_from(size * 110).unwrap_or(0));
    body.push('[');
    for offset in 0..size {
        let sequence = (index * connections + connection) * size + offset;
        let series = sequence % SERIES;
        // Each series advances one millisecond per point, past the run's start.
        let at = start_ms + i64::try_from(sequence / SERIES).unwrap_or(0);
        if offset > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            "{{\"site\":\"manufacturing-line\",\"source\":\"bench-{series}\",\
             \"metric\":\"temperature\",\"timestamp\":{at},\"value\":{}}}",
            60.0 + (sequence % 17) as f64 * 0.1
        ));
    }
    body.push(']');
    body
}
