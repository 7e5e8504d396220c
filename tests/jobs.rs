//! Server training jobs and the model registry over HTTP against the real binary: a job end
//! to end, its event stream, refusals before queueing, cancel, kill -9 and resume, and the
//! one-Production-version rule.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed unwrap is a failed assertion"
)]

use std::time::{Duration, Instant};

use lepton_integration::{PASSWORD, Session, TestServer, error_code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ACCOUNTS: &[(&str, &str)] = &[("ada", "editor"), ("bob", "editor"), ("vic", "viewer")];

/// The id of the sample dataset `name`.
async fn sample(server: &TestServer, session: &Session, name: &str) -> String {
    let list = server.json_as(session, "/api/v1/datasets").await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|dataset| dataset["name"] == name)
        .and_then(|dataset| dataset["id"].as_str())
        .unwrap_or_else(|| panic!("no sample {name}"))
        .to_owned()
}

async fn submit(server: &TestServer, session: &Session, request: &Value) -> reqwest::Response {
    session
        .request(Method::POST, &server.url("/api/v1/jobs"))
        .json(request)
        .send()
        .await
        .unwrap()
}

async fn queue(server: &TestServer, session: &Session, request: &Value) -> String {
    let response = submit(server, session, request).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // An idle worker may have claimed it before the answer was written, and a search it
    // claimed may already be waiting on the trials it queued.
    assert!(
        ["queued", "running", "waiting"].contains(&body["status"].as_str().unwrap()),
        "{body}"
    );
    body["id"].as_str().unwrap().to_owned()
}

/// A version's burn record and its manifest, downloaded.
async fn burn_artifact(
    server: &TestServer,
    session: &Session,
    model: &str,
    version: u32,
) -> (Vec<u8>, Value) {
    let path = format!("/api/v1/models/{model}/versions/{version}/artifact");
    let response = server
        .call(session, Method::GET, &format!("{path}?part=record"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let record = response.bytes().await.unwrap().to_vec();
    let manifest = server
        .json_as(session, &format!("{path}?part=manifest"))
        .await;
    (record, manifest)
}

/// Polls the job until `done` holds, failing after `limit`.
async fn wait_for(
    server: &TestServer,
    session: &Session,
    id: &str,
    limit: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let job = server.json_as(session, &format!("/api/v1/jobs/{id}")).await;
        if done(&job) {
            return job;
        }
        assert!(
            started.elapsed() < limit,
            "job did not get there in time: {job}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn finished(server: &TestServer, session: &Session, id: &str) -> Value {
    wait_for(server, session, id, Duration::from_secs(240), |job| {
        ["succeeded", "failed", "cancelled"].contains(&job["status"].as_str().unwrap_or(""))
    })
    .await
}

/// The epoch numbers in a job's event stream, read to its end.
async fn streamed_epochs(server: &TestServer, session: &Session, id: &str) -> (Vec<u64>, String) {
    let response = server
        .call(session, Method::GET, &format!("/api/v1/jobs/{id}/events"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let text = response.text().await.unwrap();
    let epochs = text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .filter(|entry| entry["event"]["type"] == "epoch")
        .map(|entry| entry["event"]["epoch"].as_u64().unwrap())
        .collect();
    (epochs, text)
}

#[tokio::test]
async fn a_job_trains_evaluates_on_the_test_rows_and_registers_a_version() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let moons = sample(&server, &ada, "two-moons").await;

    let id = queue(
        &server,
        &ada,
        &json!({ "dataset": moons, "model": "moons", "training": { "epochs": 30 } }),
    )
    .await;
    let job = finished(&server, &ada, &id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["epochs_done"], 30);
    assert_eq!(job["device"], "CPU (burn flex)");
    let result = &job["result"];
    assert_eq!(result["model"], "moons");
    assert_eq!(result["version"], 1);
    assert_eq!(result["best_epoch"], 30);
    let test = &result["test"];
    assert_eq!(test["kind"], "classification");
    assert!(test["accuracy"].as_f64().unwrap() > 0.9, "{test}");
    assert!(test["rows"].as_u64().unwrap() >= 100, "{test}");
    assert!(test["roc"][0]["auc"].as_f64().unwrap() > 0.95, "{test}");

    // The stream replays the whole log and ends after the final status.
    let (epochs, text) = streamed_epochs(&server, &ada, &id).await;
    assert_eq!(epochs, (1..=30).collect::<Vec<_>>());
    assert!(text.contains("event: status"), "{text}");
    assert!(text.contains("\"succeeded\""), "{text}");

    // A client reconnecting after the final event gets an empty stream that ends.
    let last = text
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("id: "))
        .unwrap()
        .to_owned();
    let response = ada
        .request(
            Method::GET,
            &server.url(&format!("/api/v1/jobs/{id}/events")),
        )
        .header("last-event-id", last)
        .send()
        .await
        .unwrap();
    let rest = response.text().await.unwrap();
    assert!(!rest.contains("data:"), "{rest}");

    // The registry holds the version with its provenance and test figures.
    let model = server.json_as(&ada, "/api/v1/models/moons").await;
    assert_eq!(model["summary"]["versions"], 1);
    let version = &model["versions"][0];
    assert_eq!(version["stage"], "none");
    assert_eq!(version["evaluated_on"], "test");
    assert_eq!(version["source"]["kind"], "job");
    assert_eq!(version["source"]["id"], id.as_str());
    assert_eq!(version["dataset"], moons.as_str());
    assert_eq!(version["trained_by"], "ada");
    assert_eq!(version["epochs"], 30);
    assert_eq!(version["evaluation"], *test);

    // The artifact is a model file the Lab loads, with the fitted recipe.
    let response = server
        .call(
            &ada,
            Method::GET,
            "/api/v1/models/moons/versions/1/artifact",
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let (file, layers) = lepton_ml::read_model_file(&text).unwrap();
    assert_eq!(layers.len(), 3);
    assert_eq!(file.features, ["x", "y"]);
    assert!(file.recipe.is_some());

    // Beside it: the same network as a burn record, and the manifest that describes it.
    let (record, manifest) = burn_artifact(&server, &ada, "moons", 1).await;
    assert_eq!(manifest["format"], "lepton-artifact");
    assert_eq!(manifest["layer_widths"], json!([2, 64, 64, 1]));
    assert_eq!(manifest["activation"], "relu");
    assert_eq!(manifest["output"], "sigmoid");
    assert_eq!(manifest["record_sha256"], version["burn"]["record_sha256"]);
    assert_eq!(manifest["model_file_sha256"], version["sha256"]);
    assert_eq!(record.len() as u64, version["burn"]["record_bytes"]);
    let networks =
        lepton_ml::record::load_burn_record(&file, &record, &lepton_ml::Device::flex()).unwrap();
    assert_eq!(networks.len(), 1);
    let response = server
        .call(
            &ada,
            Method::GET,
            "/api/v1/models/moons/versions/1/artifact?part=weights",
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Someone else's model takes no versions from bob's jobs.
    let bob = server.sign_in("bob", PASSWORD).await;
    let request = json!({ "dataset": moons, "model": "moons" });
    let (status, _, message) = error_code(submit(&server, &bob, &request).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{message}");
    assert!(message.contains("belongs to ada"), "{message}");

    // Viewers read the registry and jobs list is per owner.
    let vic = server.sign_in("vic", PASSWORD).await;
    let models = server.json_as(&vic, "/api/v1/models").await;
    assert_eq!(models[0]["name"], "moons");
    let response = server
        .call(&vic, Method::GET, &format!("/api/v1/jobs/{id}"))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_requests_are_refused_with_the_reason_before_anything_is_queued() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let moons = sample(&server, &ada, "two-moons").await;

    let upload = |csv: &'static str, name: &'static str| {
        let ada = ada.clone();
        let url = server.url(&format!("/api/v1/datasets?name={name}"));
        async move {
            let response = ada
                .request(Method::POST, &url)
                .header("content-type", "text/csv")
                .body(csv)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            let body: Value = response.json().await.unwrap();
            body["id"].as_str().unwrap().to_owned()
        }
    };
    let one_class = upload(
        "x,label\n1,a\n2,a\n3,a\n4,a\n5,a\n6,a\n7,a\n8,a\n9,a\n10,a\n",
        "one",
    )
    .await;
    // 40 different sentences over 60 rows: free text, not an identifier.
    let mut text_csv = String::from("x,comment,label\n");
    for row in 0..60 {
        text_csv.push_str(&format!(
            "{row},\"the operator noted issue {} on the press\",{}\n",
            row % 40,
            row % 2
        ));
    }
    let text_csv: &'static str = Box::leak(text_csv.into_boxed_str());
    let free_text = upload(text_csv, "notes").await;

    let cases = [
        (
            json!({ "dataset": moons, "training": { "learning_rate": 0.0 } }),
            "invalid_setting",
            "learning rate",
        ),
        (
            json!({ "dataset": moons, "training": { "batch_size": 0 } }),
            "invalid_setting",
            "batch",
        ),
        (
            json!({ "dataset": moons, "training": { "hidden": vec![8; 1000] } }),
            "invalid_setting",
            "hidden layers",
        ),
        (
            json!({ "dataset": moons, "early_stopping": { "patience": 0 } }),
            "invalid_setting",
            "patience",
        ),
        (json!({ "dataset": moons, "target": "nope" }), "", "nope"),
        (
            json!({ "dataset": one_class, "target": "label" }),
            "",
            "at least two classes",
        ),
        (
            json!({ "dataset": free_text, "target": "label" }),
            "non_numeric_features",
            "comment",
        ),
        (
            json!({ "dataset": moons, "model": "bad/name" }),
            "invalid_name",
            "",
        ),
    ];
    for (request, code, fragment) in cases {
        let (status, got, message) = error_code(submit(&server, &ada, &request).await).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{request}: {message}"
        );
        if !code.is_empty() {
            assert_eq!(got, code, "{request}: {message}");
        }
        assert!(message.contains(fragment), "{request}: {message}");
    }

    let response = submit(&server, &ada, &json!({ "dataset": "no-such-version" })).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let vic = server.sign_in("vic", PASSWORD).await;
    let response = submit(&server, &vic, &json!({ "dataset": moons })).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let jobs = server.json_as(&ada, "/api/v1/jobs").await;
    assert_eq!(jobs.as_array().unwrap().len(), 0, "{jobs}");
}

/// A job long enough to act on while it runs: 4 000 deliveries, small batches.
fn long_job(dataset: &str, epochs: u32) -> Value {
    json!({
        "dataset": dataset,
        "model": "deliveries",
        "training": { "epochs": epochs, "batch_size": 8, "hidden": [128, 128] }
    })
}

#[tokio::test]
async fn a_killed_server_resumes_the_job_from_its_last_checkpoint() {
    let server = TestServer::start_with_accounts(&["--job-lease-seconds", "2"], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let deliveries = sample(&server, &ada, "logistics-deliveries").await;
    let epochs = 12;

    let id = queue(&server, &ada, &long_job(&deliveries, epochs)).await;
    let before = wait_for(&server, &ada, &id, Duration::from_secs(120), |job| {
        job["epochs_done"].as_u64().unwrap() >= 3
    })
    .await;
    assert_ne!(
        before["status"], "succeeded",
        "the job must still be running: {before}"
    );

    let server = server.crash_and_restart().await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let job = finished(&server, &ada, &id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["attempts"], 2, "{job}");
    assert_eq!(job["result"]["best_epoch"], epochs);

    let (streamed, text) = streamed_epochs(&server, &ada, &id).await;
    assert_eq!(streamed.last(), Some(&u64::from(epochs)), "{text}");
    assert!(text.contains("resuming after epoch"), "{text}");
    // Each epoch was trained once: none is logged twice.
    let mut unique = streamed.clone();
    unique.dedup();
    assert_eq!(unique, streamed, "{text}");

    let version = server
        .json_as(&ada, "/api/v1/models/deliveries/versions/1")
        .await;
    assert_eq!(version["epochs"], epochs);
}

#[tokio::test]
async fn cancel_stops_a_running_job_and_registers_nothing() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let deliveries = sample(&server, &ada, "logistics-deliveries").await;

    let id = queue(&server, &ada, &long_job(&deliveries, 500)).await;
    wait_for(&server, &ada, &id, Duration::from_secs(120), |job| {
        job["epochs_done"].as_u64().unwrap() >= 1
    })
    .await;

    let bob = server.sign_in("bob", PASSWORD).await;
    let cancel = format!("/api/v1/jobs/{id}/cancel");
    let response = server.call(&bob, Method::POST, &cancel).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "not bob's job");

    let response = server.call(&ada, Method::POST, &cancel).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let job = finished(&server, &ada, &id).await;
    assert_eq!(job["status"], "cancelled", "{job}");
    assert!(job["epochs_done"].as_u64().unwrap() < 500);

    let (status, code, _) = error_code(server.call(&ada, Method::POST, &cancel).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "job_finished")
    );
    let models = server.json_as(&ada, "/api/v1/models").await;
    assert_eq!(models.as_array().unwrap().len(), 0, "{models}");
}

#[tokio::test]
async fn a_diverging_job_fails_naming_the_epoch_and_the_cause() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let moons = sample(&server, &ada, "two-moons").await;

    let request = json!({
        "dataset": moons,
        "training": { "learning_rate": 1.0e9, "optimizer": "sgd", "epochs": 5 }
    });
    let id = queue(&server, &ada, &request).await;
    let job = finished(&server, &ada, &id).await;
    assert_eq!(job["status"], "failed", "{job}");
    let error = job["error"].as_str().unwrap();
    assert!(error.contains("at epoch 1"), "{error}");
    assert!(error.contains("lower the learning rate"), "{error}");
}

#[tokio::test]
async fn one_production_version_per_model_with_promotion_and_rollback() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let moons = sample(&server, &ada, "two-moons").await;

    for seed in [1, 2] {
        let request = json!({
            "dataset": moons,
            "model": "moons",
            "training": { "epochs": 2, "seed": seed }
        });
        let id = queue(&server, &ada, &request).await;
        assert_eq!(finished(&server, &ada, &id).await["status"], "succeeded");
    }

    let stage = |session: &Session, version: u32, stage: &str| {
        let request = session
            .request(
                Method::POST,
                &server.url(&format!("/api/v1/models/moons/versions/{version}/stage")),
            )
            .json(&json!({ "stage": stage }));
        async move { request.send().await.unwrap() }
    };
    let stages = || async {
        let model = server.json_as(&ada, "/api/v1/models/moons").await;
        model["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|version| version["stage"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };

    assert_eq!(stage(&ada, 1, "production").await.status(), StatusCode::OK);
    assert_eq!(stages().await, ["none", "production"]);
    assert_eq!(stage(&ada, 2, "production").await.status(), StatusCode::OK);
    assert_eq!(stages().await, ["production", "archived"]);
    // Rolling back is promoting the earlier version again.
    assert_eq!(stage(&ada, 1, "production").await.status(), StatusCode::OK);
    assert_eq!(stages().await, ["archived", "production"]);
    let summary = server.json_as(&ada, "/api/v1/models").await;
    assert_eq!(summary[0]["production"], 1);

    let bob = server.sign_in("bob", PASSWORD).await;
    assert_eq!(
        stage(&bob, 2, "production").await.status(),
        StatusCode::FORBIDDEN
    );
    let vic = server.sign_in("vic", PASSWORD).await;
    assert_eq!(
        stage(&vic, 2, "production").await.status(),
        StatusCode::FORBIDDEN
    );
    let (status, _, _) = error_code(stage(&ada, 2, "live").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        stage(&ada, 9, "staging").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(stages().await, ["archived", "production"]);
}

#[tokio::test]
async fn a_search_runs_its_trials_in_parallel_and_registers_the_best() {
    let server = TestServer::start_with_accounts(&["--workers", "2"], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let moons = sample(&server, &ada, "two-moons").await;

    let huge = json!({
        "dataset": moons,
        "search": {
            "strategy": "grid",
            "trials": 100,
            "space": [
                { "parameter": "learning_rate", "min": 1e-5, "max": 1.0, "log": true, "grid_points": 1000 },
                { "parameter": "width", "min": 1, "max": 1024, "grid_points": 1000 },
                { "parameter": "dropout", "min": 0.0, "max": 0.9, "grid_points": 1000 }
            ]
        }
    });
    let (status, _, message) = error_code(submit(&server, &ada, &huge).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("1000000000 points"), "{message}");

    let request = json!({
        "dataset": moons,
        "model": "moons-tuned",
        "training": { "epochs": 6 },
        "search": {
            "strategy": "random",
            "trials": 6,
            "parallel": 2,
            "space": [
                { "parameter": "learning_rate", "min": 1e-4, "max": 3e-2, "log": true },
                { "parameter": "width", "values": [8, 32, 64] }
            ],
            "median_stopping": { "grace_epochs": 2, "min_trials": 2 }
        }
    });
    let id = queue(&server, &ada, &request).await;
    let job = finished(&server, &ada, &id).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "search");

    let trials = server
        .json_as(&ada, &format!("/api/v1/jobs/{id}/trials"))
        .await;
    let trials = trials.as_array().unwrap();
    assert_eq!(trials.len(), 6, "{trials:?}");
    assert!(
        trials.iter().all(|trial| trial["status"] == "succeeded"),
        "{trials:?}"
    );
    let best = trials
        .iter()
        .min_by(|a, b| {
            a["best_loss"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["best_loss"].as_f64().unwrap())
        })
        .unwrap();
    assert_eq!(job["result"]["best_trial"], best["index"]);
    let width = best["params"][1]["value"].as_f64().unwrap();
    assert!([8.0, 32.0, 64.0].contains(&width), "{best}");

    // The winner is registered with its own settings, evaluated on the test rows.
    let version = server
        .json_as(&ada, "/api/v1/models/moons-tuned/versions/1")
        .await;
    assert_eq!(version["evaluated_on"], "test");
    assert_eq!(
        version["training"]["hidden"],
        json!([width as u64, width as u64])
    );

    // Trials are listed with their search, not among the jobs.
    let jobs = server.json_as(&ada, "/api/v1/jobs").await;
    assert_eq!(jobs.as_array().unwrap().len(), 1, "{jobs}");
}

#[tokio::test]
async fn bagging_cross_validation_and_class_weights_run_as_jobs() {
    let server = TestServer::start_with_accounts(&["--workers", "2"], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let moons = sample(&server, &ada, "two-moons").await;
    let sensors = sample(&server, &ada, "manufacturing-sensors").await;

    let refused = [
        json!({ "dataset": moons, "folds": 1 }),
        json!({ "dataset": moons, "ensemble": { "members": 1 } }),
        json!({ "dataset": moons, "class_weights": [1.0, 2.0, 3.0] }),
        json!({ "dataset": moons, "class_weights": [1.0, -2.0] }),
    ];
    for request in refused {
        let (status, _, message) = error_code(submit(&server, &ada, &request).await).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{request}: {message}"
        );
    }

    let bagged = queue(
        &server,
        &ada,
        &json!({
            "dataset": moons,
            "model": "moons-bagged",
            "training": { "epochs": 4 },
            "ensemble": { "members": 3 }
        }),
    )
    .await;
    let weighted = queue(
        &server,
        &ada,
        &json!({
            "dataset": sensors,
            "model": "failures",
            "training": { "epochs": 3 },
            "class_weights": "balanced",
            "folds": 3
        }),
    )
    .await;

    let job = finished(&server, &ada, &bagged).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let version = server
        .json_as(&ada, "/api/v1/models/moons-bagged/versions/1")
        .await;
    assert_eq!(version["members"], 3);
    let response = server
        .call(
            &ada,
            Method::GET,
            "/api/v1/models/moons-bagged/versions/1/artifact",
        )
        .await;
    let (file, _) = lepton_ml::read_model_file(&response.text().await.unwrap()).unwrap();
    assert_eq!(file.members.len(), 2);
    let (record, manifest) = burn_artifact(&server, &ada, "moons-bagged", 1).await;
    assert_eq!(manifest["members"], 3);
    let networks =
        lepton_ml::record::load_burn_record(&file, &record, &lepton_ml::Device::flex()).unwrap();
    assert_eq!(networks.len(), 3);
    assert!(
        job["result"]["test"]["accuracy"].as_f64().unwrap() > 0.8,
        "{job}"
    );

    let job = finished(&server, &ada, &weighted).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let folds = &job["result"]["cross_validation"];
    assert_eq!(folds["scores"].as_array().unwrap().len(), 3, "{folds}");
    let mean = folds["mean"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&mean), "{folds}");
    assert!(folds["std_dev"].as_f64().unwrap() >= 0.0);
}

#[tokio::test]
async fn median_stopping_ends_a_trial_that_trails_the_others() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let moons = sample(&server, &ada, "two-moons").await;

    // One trial after another; the last learns a thousand times slower than the first two,
    // so by its third epoch its loss is far above theirs at the same epoch.
    let request = json!({
        "dataset": moons,
        "model": "moons-pruned",
        "training": { "epochs": 10 },
        "search": {
            "strategy": "grid",
            "trials": 3,
            "parallel": 1,
            "space": [{ "parameter": "learning_rate", "values": [0.02, 0.01, 0.00001] }],
            "median_stopping": { "grace_epochs": 2, "min_trials": 2 }
        }
    });
    let id = queue(&server, &ada, &request).await;
    let job = finished(&server, &ada, &id).await;
    assert_eq!(job["status"], "succeeded", "{job}");

    let trials = server
        .json_as(&ada, &format!("/api/v1/jobs/{id}/trials"))
        .await;
    let slow = trials
        .as_array()
        .unwrap()
        .iter()
        .find(|trial| trial["params"][0]["value"] == 0.00001)
        .unwrap_or_else(|| panic!("no slow trial in {trials}"));
    assert_eq!(slow["pruned"], true, "{trials}");
    assert!(slow["epochs"].as_u64().unwrap() < 10, "{trials}");
    assert!(
        trials
            .as_array()
            .unwrap()
            .iter()
            .filter(|trial| trial["pruned"] == false)
            .all(|trial| trial["epochs"] == 10),
        "{trials}"
    );
    assert_ne!(job["result"]["best_trial"], slow["index"]);
}

#[tokio::test]
async fn cancelling_a_search_cancels_its_trials() {
    let server = TestServer::start_with_accounts(&[], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let deliveries = sample(&server, &ada, "logistics-deliveries").await;

    let mut request = long_job(&deliveries, 300);
    request["search"] = json!({
        "strategy": "random",
        "trials": 4,
        "parallel": 1,
        "space": [{ "parameter": "learning_rate", "min": 1e-4, "max": 1e-2, "log": true }]
    });
    let id = queue(&server, &ada, &request).await;
    let trials_path = format!("/api/v1/jobs/{id}/trials");
    let started = Instant::now();
    loop {
        let trials = server.json_as(&ada, &trials_path).await;
        if trials[0]["status"] == "running" && trials[0]["epochs"].as_u64().unwrap_or(0) >= 1 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{trials}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first_trial = server.json_as(&ada, &trials_path).await[0]["job"]
        .as_str()
        .unwrap()
        .to_owned();

    let response = server
        .call(&ada, Method::POST, &format!("/api/v1/jobs/{id}/cancel"))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let search = finished(&server, &ada, &id).await;
    assert_eq!(search["status"], "cancelled", "{search}");
    let trial = finished(&server, &ada, &first_trial).await;
    assert_eq!(trial["status"], "cancelled", "{trial}");
    let trials = server.json_as(&ada, &trials_path).await;
    assert_eq!(
        trials.as_array().unwrap().len(),
        1,
        "no trial starts after the cancel"
    );
}

#[tokio::test]
async fn a_separate_worker_process_trains_what_the_server_queues() {
    let server = TestServer::start_with_accounts(&["--workers", "0"], ACCOUNTS).await;
    let ada = server.sign_in("ada", PASSWORD).await;
    let moons = sample(&server, &ada, "two-moons").await;

    // The server trains nothing itself: the job waits for a worker.
    let id = queue(
        &server,
        &ada,
        &json!({ "dataset": moons, "training": { "epochs": 3 } }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let job = server.json_as(&ada, &format!("/api/v1/jobs/{id}")).await;
    assert_eq!(job["status"], "queued", "{job}");

    let mut worker = std::process::Command::new(lepton_integration::binary())
        .args(["worker", "--data-dir"])
        .arg(server.data_dir.path())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let job = finished(&server, &ada, &id).await;
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["epochs_done"], 3);
}
