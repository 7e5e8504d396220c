//! Datasets over HTTP against the real binary: uploads (raw and multipart), versions,
//! deduplication, profiles, paging, downloads, ownership, bad input, limits and crashes.

#![expect(
    clippy::unwrap_used,
    reason = "in a test, a failed unwrap is a failed assertion"
)]

use std::path::Path;
use std::time::Duration;

use lepton_integration::{PASSWORD, Session, TestServer, client, error_code};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const SENSORS: &str = "machine,temperature,vibration,failed\n\
                       M1,61.5,1.2,no\n\
                       M2,64.0,1.9,no\n\
                       M1,,2.4,yes\n\
                       M3,59.9,1.1,no\n";

/// A request body that never ends: `header`, then `rows` again every 20 ms, so that the
/// server is mid-upload whenever the test acts.
fn endless_body(header: &str, rows: &str) -> reqwest::Body {
    let first = format!("{header}{rows}");
    let rows = rows.to_owned();
    let chunks = futures_util::stream::unfold(0_u32, move |sent| {
        let chunk = if sent == 0 {
            first.clone()
        } else {
            rows.clone()
        };
        async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Some((Ok::<_, std::io::Error>(chunk), sent + 1))
        }
    });
    reqwest::Body::wrap_stream(chunks)
}

/// `POST /api/v1/datasets?query` with `body` as `session`.
async fn upload(
    server: &TestServer,
    session: &Session,
    query: &str,
    body: &str,
) -> reqwest::Response {
    session
        .request(
            Method::POST,
            &server.url(&format!("/api/v1/datasets?{query}")),
        )
        .header("content-type", "text/csv")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

async fn stored(server: &TestServer, session: &Session, query: &str, body: &str) -> Value {
    let response = upload(server, session, query, body).await;
    let status = response.status();
    let json: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{json}");
    json
}

/// Files under `datasets/<dir>` of the data directory, recursively.
fn files_under(data_dir: &Path, dir: &str) -> usize {
    fn count(path: &Path) -> usize {
        let Ok(entries) = std::fs::read_dir(path) else {
            return 0;
        };
        entries
            .flatten()
            .map(|entry| {
                let path = entry.path();
                if path.is_dir() { count(&path) } else { 1 }
            })
            .sum()
    }
    count(&data_dir.join("datasets").join(dir))
}

async fn dataset_names(server: &TestServer, session: &Session) -> Vec<String> {
    let list = server.json_as(session, "/api/v1/datasets").await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|dataset| dataset["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_upload_is_profiled_versioned_and_deduplicated() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;

    let first = stored(&server, &eddie, "name=sensors&target=failed", SENSORS).await;
    assert_eq!(first["version"], 1);
    assert_eq!(first["rows"], 4);
    assert_eq!(first["format"], "csv");
    assert_eq!(first["columns"].as_array().unwrap().len(), 4);
    assert_eq!(first["owner"], "eddie");
    assert_eq!(first["visibility"], "private");

    let id = first["id"].as_str().unwrap();
    let profile = server
        .json_as(&eddie, &format!("/api/v1/datasets/{id}/profile"))
        .await;
    assert_eq!(profile["rows"], 4);
    let temperature = &profile["columns"][1];
    assert_eq!(temperature["name"], "temperature");
    assert_eq!(temperature["missing"], 1);
    assert_eq!(profile["target"]["column"], "failed");

    // Same bytes, same name: version 2, one blob.
    let blobs_before = files_under(server.data_dir.path(), "blobs");
    let second = stored(&server, &eddie, "name=sensors", SENSORS).await;
    assert_eq!(second["version"], 2);
    assert_eq!(second["sha256"], first["sha256"]);
    assert_eq!(files_under(server.data_dir.path(), "blobs"), blobs_before);
    let versions = second["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 2);

    let names = dataset_names(&server, &eddie).await;
    assert_eq!(names.iter().filter(|name| *name == "sensors").count(), 1);
}

#[tokio::test]
async fn rows_are_paged_and_downloads_neutralise_formulas() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let mut csv = String::from("id,comment,amount\n");
    for row in 0..1500 {
        let comment = match row {
            7 => "=HYPERLINK(\"http://evil\")".to_owned(),
            8 => "@SUM(A1:A2)".to_owned(),
            9 => "<script>alert(1)</script>".to_owned(),
            _ => format!("row {row}"),
        };
        csv.push_str(&format!(
            "{row},\"{}\",-{row}.5\n",
            comment.replace('"', "\"\"")
        ));
    }
    let dataset = stored(&server, &eddie, "name=ledger", &csv).await;
    let id = dataset["id"].as_str().unwrap();

    let page = server
        .json_as(
            &eddie,
            &format!("/api/v1/datasets/{id}/rows?offset=1200&limit=3"),
        )
        .await;
    assert_eq!(page["total"], 1500);
    assert_eq!(page["offset"], 1200);
    assert_eq!(page["rows"][0][0], "1200");
    assert_eq!(page["rows"][2][0], "1202");
    let early = server
        .json_as(
            &eddie,
            &format!("/api/v1/datasets/{id}/rows?offset=9&limit=1"),
        )
        .await;
    assert_eq!(early["rows"][0][1], "<script>alert(1)</script>");
    let too_many = server
        .call(
            &eddie,
            Method::GET,
            &format!("/api/v1/datasets/{id}/rows?limit=501"),
        )
        .await;
    assert_eq!(too_many.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let download = server
        .call(
            &eddie,
            Method::GET,
            &format!("/api/v1/datasets/{id}/download"),
        )
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    let disposition = download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("ledger-v1.csv"), "{disposition}");
    let text = download.text().await.unwrap();
    assert_eq!(text.lines().count(), 1501);
    assert!(text.contains("'=HYPERLINK"), "formula left as it was");
    assert!(text.contains("'@SUM(A1:A2)"));
    assert!(text.contains(",-7.5"), "negative numbers must stay numbers");
}

#[tokio::test]
async fn multipart_uploads_and_tokens_work_for_scripts() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let token = server.token(&eddie, &["read", "write"]).await;

    let form = reqwest::multipart::Form::new()
        .text("target", "failed")
        .part(
            "file",
            reqwest::multipart::Part::text(SENSORS).file_name("plant log.csv"),
        );
    let response = client()
        .post(server.url("/api/v1/datasets"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["name"], "plant log");
    assert_eq!(body["file_name"], "plant log.csv");
    assert_eq!(body["target"], "failed");

    let jsonl = "{\"x\": 1.5, \"label\": \"a\"}\n{\"x\": 2, \"label\": \"b\"}\n{\"x\": null, \"label\": \"a\"}\n";
    let response = client()
        .post(server.url("/api/v1/datasets?name=events"))
        .bearer_auth(&token)
        .body(jsonl)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["format"], "jsonl");
    assert_eq!(body["rows"], 3);

    let read_only = server.token(&eddie, &["read"]).await;
    let refused = client()
        .post(server.url("/api/v1/datasets?name=nope"))
        .bearer_auth(&read_only)
        .body(SENSORS)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_files_are_refused_with_line_and_column_and_leave_nothing() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let names_before = dataset_names(&server, &eddie).await;
    let blobs_before = files_under(server.data_dir.path(), "blobs");

    let long_line = format!("a,b\n1,{}\n", "x".repeat(8 * 1024 * 1024));
    let wide = (0..20_000)
        .map(|index| format!("c{index}"))
        .collect::<Vec<_>>()
        .join(",");
    let wide = format!("{wide}\n{}\n", vec!["1"; 20_000].join(","));
    let binary: String = (0..4096_u32)
        .map(|index| char::from((index * 7 % 256) as u8))
        .collect();
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), "empty_file"),
        ("header only", "a,b,c\n".into(), "header_only"),
        ("ragged", "a,b,c\n1,2,3\n4,5\n".into(), "ragged_row"),
        (
            "unclosed quote",
            "a,b\n1,\"open\n2,3\n".into(),
            "unclosed_quote",
        ),
        ("nul", "a,b\n1,2\u{0}\n".into(), "nul_byte"),
        (
            "duplicate columns",
            "a,b,a\n1,2,3\n".into(),
            "duplicate_column",
        ),
        (
            "empty column name",
            "a,,c\n1,2,3\n".into(),
            "empty_column_name",
        ),
        (
            "infinite",
            "x,y\n1,2\n1e309,3\n".into(),
            "non_finite_number",
        ),
        ("nan", "x,y\n1,2\nNaN,3\n".into(), "non_finite_number"),
        ("inf", "x,y\n1,2\n4,-inf\n".into(), "non_finite_number"),
        (
            "single class target",
            "x,label\n1,a\n2,a\n".into(),
            "single_class_target",
        ),
        ("long line", long_line, "line_too_long"),
        ("wide", wide, "too_many_columns"),
        ("binary", binary, ""),
    ];

    for (what, body, code) in cases {
        let query = if what == "single class target" {
            "name=bad&target=label"
        } else {
            "name=bad"
        };
        let response = upload(&server, &eddie, query, &body).await;
        let status = response.status();
        let json: Value = response.json().await.unwrap();
        assert!(status.is_client_error(), "{what}: {status} {json}");
        if !code.is_empty() {
            assert_eq!(json["error"]["code"], code, "{what}: {json}");
        }
        assert!(
            !json["error"]["message"].as_str().unwrap().is_empty(),
            "{what}"
        );
    }

    let ragged = upload(&server, &eddie, "name=bad", "a,b,c\n1,2,3\n4,5\n").await;
    let (_, _, message) = error_code(ragged).await;
    assert!(message.contains("line 3, column 3"), "{message}");
    let infinite = upload(&server, &eddie, "name=bad", "x,y\n1,2\n4,-inf\n").await;
    let (_, _, message) = error_code(infinite).await;
    assert!(message.contains("line 3, column 2 (`y`)"), "{message}");

    // Bytes no text editor wrote: a gzip header, then noise with NULs and control bytes.
    let mut noise = vec![0x1f_u8, 0x8b, 0x08, 0x00];
    let mut state = 0x2545_f491_u32;
    noise.extend((0..8192).map(|_| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state.to_le_bytes()[0]
    }));
    let noise: &'static [u8] = noise.leak();
    let binary = session_upload_bytes(&server, &eddie, noise).await;
    assert_eq!(binary.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(binary.1["error"]["code"], "binary_file", "{}", binary.1);
    let invalid_utf8 = session_upload_bytes(&server, &eddie, b"a,b\n1,\xff\xfe\n").await;
    assert_eq!(invalid_utf8.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid_utf8.1["error"]["code"], "invalid_utf8");
    assert!(
        invalid_utf8.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 2")
    );

    assert_eq!(dataset_names(&server, &eddie).await, names_before);
    assert_eq!(files_under(server.data_dir.path(), "blobs"), blobs_before);
    assert_eq!(files_under(server.data_dir.path(), "tmp"), 0);
    let health = client().get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

async fn session_upload_bytes(
    server: &TestServer,
    session: &Session,
    body: &'static [u8],
) -> (StatusCode, Value) {
    let response = session
        .request(Method::POST, &server.url("/api/v1/datasets?name=bytes"))
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn hostile_names_are_refused() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let long = "a".repeat(5000);

    for name in [
        "..%2F..%2Fetc",
        "a%2Fb",
        "..",
        "x'%3B%20DROP%20TABLE%20datasets",
        "%3Cb%3E",
        &long,
    ] {
        let response = upload(&server, &eddie, &format!("name={name}"), SENSORS).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["error"]["code"], "invalid_name", "{name}");
    }
    let without_name = upload(&server, &eddie, "", SENSORS).await;
    assert_eq!(without_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn private_datasets_are_invisible_to_others_and_shared_ones_read_only() {
    let accounts = [("eddie", "editor"), ("erin", "editor"), ("ada", "admin")];
    let server = TestServer::start_with_accounts(&[], &accounts).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let erin = server.sign_in("erin", PASSWORD).await;
    let ada = server.sign_in("ada", PASSWORD).await;

    let dataset = stored(&server, &eddie, "name=secret", SENSORS).await;
    let id = dataset["id"].as_str().unwrap().to_owned();
    for (method, path) in [
        (Method::GET, format!("/api/v1/datasets/{id}")),
        (Method::GET, format!("/api/v1/datasets/{id}/profile")),
        (Method::GET, format!("/api/v1/datasets/{id}/rows")),
        (Method::GET, format!("/api/v1/datasets/{id}/download")),
        (Method::DELETE, format!("/api/v1/datasets/{id}")),
    ] {
        let response = server.call(&erin, method.clone(), &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    assert!(
        !dataset_names(&server, &erin)
            .await
            .contains(&"secret".to_owned())
    );

    let share = eddie
        .request(
            Method::PATCH,
            &server.url(&format!("/api/v1/datasets/{id}")),
        )
        .json(&serde_json::json!({ "visibility": "shared" }))
        .send()
        .await
        .unwrap();
    assert_eq!(share.status(), StatusCode::OK);
    let seen = server
        .call(&erin, Method::GET, &format!("/api/v1/datasets/{id}"))
        .await;
    assert_eq!(seen.status(), StatusCode::OK);
    let delete = server
        .call(&erin, Method::DELETE, &format!("/api/v1/datasets/{id}"))
        .await;
    assert_eq!(delete.status(), StatusCode::FORBIDDEN);

    let by_admin = server
        .call(&ada, Method::DELETE, &format!("/api/v1/datasets/{id}"))
        .await;
    assert_eq!(by_admin.status(), StatusCode::NO_CONTENT);
    let gone = server
        .call(&eddie, Method::GET, &format!("/api/v1/datasets/{id}"))
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    let audit = server.json_as(&ada, "/api/v1/audit").await;
    let actions: Vec<&str> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|event| event["action"].as_str())
        .collect();
    assert!(actions.contains(&"dataset_deleted"), "{actions:?}");
    assert!(actions.contains(&"dataset_uploaded"), "{actions:?}");
}

#[tokio::test]
async fn a_new_installation_has_the_samples_and_deleting_a_blob_frees_it() {
    let server =
        TestServer::start_with_accounts(&[], &[("vera", "viewer"), ("ada", "admin")]).await;
    let vera = server.sign_in("vera", PASSWORD).await;

    let list = server.json_as(&vera, "/api/v1/datasets").await;
    let samples: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["sample"] == true)
        .collect();
    let mut names: Vec<&str> = samples
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "blobs",
            "circles",
            "logistics-deliveries",
            "manufacturing-sensors",
            "spirals",
            "two-moons",
            "xor"
        ]
    );
    let sensors = samples
        .iter()
        .find(|d| d["name"] == "manufacturing-sensors")
        .unwrap();
    assert_eq!(sensors["target"], "failure_within_24h");
    assert!(sensors["rows"].as_u64().unwrap() >= 4000);

    // Viewers read samples but may not delete them; admins may.
    let id = sensors["id"].as_str().unwrap();
    let refused = server
        .call(&vera, Method::DELETE, &format!("/api/v1/datasets/{id}"))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let ada = server.sign_in("ada", PASSWORD).await;
    let blobs = files_under(server.data_dir.path(), "blobs");
    let deleted = server
        .call(&ada, Method::DELETE, &format!("/api/v1/datasets/{id}"))
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(files_under(server.data_dir.path(), "blobs"), blobs - 1);
}

#[tokio::test]
async fn uploads_over_the_limit_get_413() {
    let server =
        TestServer::start_with_accounts(&["--max-upload-bytes", "1000"], &[("eddie", "editor")])
            .await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let body = format!("a,b\n{}", "1,2\n".repeat(1000));

    let declared = upload(&server, &eddie, "name=big", &body).await;
    assert_eq!(declared.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Without a declared length the limit is hit while streaming.
    let chunks: Vec<Result<String, std::io::Error>> =
        (0..100).map(|_| Ok("1,2\n".repeat(10))).collect();
    let streamed = eddie
        .request(Method::POST, &server.url("/api/v1/datasets?name=big"))
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(files_under(server.data_dir.path(), "tmp"), 0);
}

#[tokio::test]
async fn a_crash_during_an_upload_leaves_nothing_after_restart() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;
    let blobs_before = files_under(server.data_dir.path(), "blobs");

    // An endless body, sent slowly enough that the server is mid-upload when it dies.
    let body = endless_body("a,b,c\n", &"1.5,2.5,3.5\n".repeat(5000));
    let request = eddie
        .request(Method::POST, &server.url("/api/v1/datasets?name=crashing"))
        .body(body)
        .send();
    let upload = tokio::spawn(request);

    let tmp = server.data_dir.path().join("datasets").join("tmp");
    for _ in 0..200 {
        if files_under(server.data_dir.path(), "tmp") > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        files_under(server.data_dir.path(), "tmp") > 0,
        "no temporary file in {tmp:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;

    let server = server.crash_and_restart().await;
    assert!(
        upload.await.unwrap().is_err(),
        "the upload cannot have succeeded"
    );
    let eddie = server.sign_in("eddie", PASSWORD).await;
    assert!(
        !dataset_names(&server, &eddie)
            .await
            .contains(&"crashing".to_owned())
    );
    assert_eq!(files_under(server.data_dir.path(), "tmp"), 0);
    assert_eq!(files_under(server.data_dir.path(), "blobs"), blobs_before);
}

#[tokio::test]
async fn a_cancelled_upload_leaves_nothing() {
    let server = TestServer::start_with_accounts(&[], &[("eddie", "editor")]).await;
    let eddie = server.sign_in("eddie", PASSWORD).await;

    let body = endless_body("a,b\n", &"1,2\n".repeat(20_000));
    let request = eddie
        .request(Method::POST, &server.url("/api/v1/datasets?name=cancelled"))
        .body(body)
        .send();
    // Dropping the request after a while closes the connection mid-body, as a browser's
    // cancel does.
    let outcome = tokio::time::timeout(Duration::from_millis(800), request).await;
    assert!(outcome.is_err(), "the endless upload cannot have finished");

    for _ in 0..100 {
        if files_under(server.data_dir.path(), "tmp") == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(files_under(server.data_dir.path(), "tmp"), 0);
    assert!(
        !dataset_names(&server, &eddie)
            .await
            .contains(&"cancelled".to_owned())
    );
}
