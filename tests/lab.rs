//! The Lab's server side over HTTP against the real binary: a dataset version's rows prepared
//! for a tab, and model files uploaded from the Lab (checks, ownership, download).

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed unwrap is a failed assertion"
)]

use lepton_integration::{PASSWORD, Session, TestServer, error_code};
use lepton_ml::{Dataset, Device, Trainer, TrainingConfig, encode_layers};
use lepton_protocol::lab::{LabConfig, MODEL_FORMAT, MODEL_VERSION, ModelFile, Task};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn upload_csv(server: &TestServer, session: &Session, query: &str, csv: String) -> Value {
    let response = session
        .request(
            Method::POST,
            &server.url(&format!("/api/v1/datasets?{query}")),
        )
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// A model file as the Lab writes it: the default model after one epoch on two moons.
fn model_file() -> String {
    let split = Dataset::two_moons(200, 0.1, 1).split(0.2, 1).unwrap();
    let mut trainer =
        Trainer::new(TrainingConfig::default(), 2, Task::Binary, &Device::flex()).unwrap();
    let report = pollster::block_on(trainer.train_epoch(&split)).unwrap();
    let layers = pollster::block_on(trainer.layers()).unwrap();

    let file = ModelFile {
        format: MODEL_FORMAT.to_owned(),
        version: MODEL_VERSION,
        task: Task::Binary,
        features: vec!["x".to_owned(), "y".to_owned()],
        classes: vec!["0".to_owned(), "1".to_owned()],
        training: TrainingConfig::default(),
        data: LabConfig::default().data,
        recipe: None,
        epochs_trained: 1,
        backend: "CPU (burn flex, native)".to_owned(),
        evaluation: Some(report.validation),
        layers: encode_layers(&layers),
        members: Vec::new(),
    };
    serde_json::to_string(&file).unwrap()
}

async fn post_model(
    server: &TestServer,
    session: &Session,
    query: &str,
    body: String,
) -> reqwest::Response {
    session
        .request(
            Method::POST,
            &server.url(&format!("/api/v1/lab/models?{query}")),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// `GET /prepared` of version `id`, which must fail: its status, code and message.
async fn prepared_error(
    server: &TestServer,
    session: &Session,
    id: &str,
) -> (StatusCode, String, String) {
    let path = format!("/api/v1/datasets/{id}/prepared");
    error_code(server.call(session, Method::GET, &path).await).await
}

#[tokio::test]
async fn a_version_is_prepared_for_the_tab_by_its_recipe() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;

    let mut csv = String::from("size,colour,late\n");
    for row in 0..200 {
        let colour = if row % 3 == 0 { "red" } else { "blue" };
        let late = if row % 4 == 0 { "yes" } else { "no" };
        csv.push_str(&format!("{},{colour},{late}\n", row % 17));
    }
    let stored = upload_csv(&server, &eddie, "name=parcels&target=late", csv).await;
    let id = stored["id"].as_str().unwrap();

    let prepared = server
        .json_as(&eddie, &format!("/api/v1/datasets/{id}/prepared"))
        .await;

    assert_eq!(prepared["task"]["kind"], "binary");
    // yes/no profiles as a boolean column, so its classes are 0 and 1.
    assert_eq!(prepared["classes"], serde_json::json!(["0", "1"]));
    let features = prepared["features"].as_array().unwrap();
    assert!(
        features.iter().any(|name| name == "colour=red"),
        "{features:?}"
    );
    let width = features.len();
    let train = &prepared["train"];
    let rows = train["targets"].as_array().unwrap().len();
    assert_eq!(train["features"].as_array().unwrap().len(), rows * width);
    let validation_rows = prepared["validation"]["targets"].as_array().unwrap().len();
    // The default recipe keeps a test part on the server: 70 / 15 / 15.
    assert!(
        rows + validation_rows < 200 && rows > 100,
        "{rows} + {validation_rows}"
    );
    assert!(prepared["recipe"]["columns"].is_array());
}

#[tokio::test]
async fn versions_the_tab_cannot_train_on_are_refused_with_the_reason() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;

    let untargeted = upload_csv(&server, &eddie, "name=plain", "a,b\n1,2\n3,4\n".into()).await;
    let id = untargeted["id"].as_str().unwrap();
    let (status, code, message) = prepared_error(&server, &eddie, id).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "no_target")
    );
    assert!(message.contains("target"), "{message}");

    // 120 numeric columns: more features than a tab trains on.
    let header: Vec<String> = (0..120).map(|column| format!("c{column}")).collect();
    let mut csv = format!("{},label\n", header.join(","));
    for row in 0..30 {
        let cells: Vec<String> = (0..120)
            .map(|column| (row * column % 11).to_string())
            .collect();
        csv.push_str(&format!("{},{}\n", cells.join(","), row % 2));
    }
    let wide = upload_csv(&server, &eddie, "name=wide&target=label", csv).await;
    let id = wide["id"].as_str().unwrap();
    let (status, code, message) = prepared_error(&server, &eddie, id).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "too_large_for_tab")
    );
    assert!(message.contains("server"), "{message}");
}

#[tokio::test]
async fn a_lab_model_uploads_lists_and_downloads_byte_for_byte() {
    let server = TestServer::start_with_accounts(
        &[],
        &[("eddie", "editor"), ("erin", "editor"), ("vera", "viewer")],
    )
    .await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let file = model_file();

    let response = post_model(&server, &eddie, "name=moons%20demo", file.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["name"], "moons demo");
    assert_eq!(stored["owner"], "eddie");
    assert_eq!(stored["task"]["kind"], "binary");
    assert_eq!(stored["features"], 2);
    assert_eq!(stored["epochs"], 1);
    assert!(stored["score"].as_f64().unwrap() > 0.5);
    let id = stored["id"].as_str().unwrap();

    let list = server.json_as(&eddie, "/api/v1/lab/models").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let download = server
        .call(&eddie, Method::GET, &format!("/api/v1/lab/models/{id}"))
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.text().await.unwrap(), file);

    // Another editor does not see it; a viewer may not upload.
    let erin = server.sign_in("erin", PASSWORD).await;
    let other = server
        .call(&erin, Method::GET, &format!("/api/v1/lab/models/{id}"))
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    assert!(
        server
            .json_as(&erin, "/api/v1/lab/models")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    let vera = server.sign_in("vera", PASSWORD).await;
    let refused = post_model(&server, &vera, "", file).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn malformed_model_files_are_refused_and_nothing_is_stored() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let mut garbled: Value = serde_json::from_str(&model_file()).unwrap();
    garbled["layers"][0]["weights"] = "not base64!".into();

    let cases = [
        ("{not json".to_owned(), "not a Lepton model file"),
        (
            r#"{"format": "keras", "version": 1}"#.to_owned(),
            "not a Lepton model file",
        ),
        (
            garbled.to_string(),
            "layer 0's weights are not valid base64",
        ),
    ];
    for (body, reason) in cases {
        let response = post_model(&server, &eddie, "", body).await;
        let (status, code, message) = error_code(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code, "invalid_model_file");
        assert!(message.contains(reason), "{message}");
    }

    let response = post_model(&server, &eddie, "name=../etc", model_file()).await;
    let (status, code, _) = error_code(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_name")
    );
    assert!(
        server
            .json_as(&eddie, "/api/v1/lab/models")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_lab_upload_becomes_a_registry_version_once() {
    let server =
        TestServer::start_with_accounts(&[], &[("eddie", "editor"), ("erin", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let response = post_model(&server, &eddie, "name=moons", model_file()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let upload: Value = response.json().await.unwrap();
    let body = serde_json::json!({ "lab_model": upload["id"] });

    let import = |session: &Session, model: &str| {
        let request = session
            .request(
                Method::POST,
                &server.url(&format!("/api/v1/models/{model}/versions")),
            )
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let response = import(&eddie, "lab-moons").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let version: Value = response.json().await.unwrap();
    assert_eq!(version["version"], 1);
    assert_eq!(version["source"]["kind"], "lab");
    assert_eq!(version["evaluated_on"], "validation");
    assert_eq!(version["device"], "CPU (burn flex, native)");
    assert_eq!(version["trained_by"], "eddie");

    // Importing the same upload again answers the version it already became.
    let again: Value = import(&eddie, "lab-moons").await.json().await.unwrap();
    assert_eq!(again["version"], 1);

    // The artifact is the uploaded model, loadable as the Lab loads it.
    let response = server
        .call(
            &eddie,
            Method::GET,
            "/api/v1/models/lab-moons/versions/1/artifact",
        )
        .await;
    let (file, _) = lepton_ml::read_model_file(&response.text().await.unwrap()).unwrap();
    assert_eq!(file.epochs_trained, 1);

    // Someone else's upload is not there for them, and the model is not theirs to add to.
    let erin = server.sign_in("erin", PASSWORD).await;
    assert_eq!(import(&erin, "erins").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        import(&erin, "lab-moons").await.status(),
        StatusCode::FORBIDDEN
    );
    let (status, code, _) = error_code(import(&eddie, "bad*name").await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_name")
    );
}
