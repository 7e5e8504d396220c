//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/api/openapi.json`.
//!
//! Security is not annotated by hand: [`finish`] writes each operation's requirements and a
//! sentence on who may call it from the same rules the guard enforces, so the document cannot
//! drift from the code.

use std::sync::Arc;

use axum::extract::Extension;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

use crate::auth::policy::{self, Access};
use crate::auth::principal::SESSION_COOKIE;

/// Name of the bearer-token scheme in the document.
const BEARER: &str = "apiToken";
/// Name of the session-cookie scheme in the document.
const SESSION: &str = "session";

/// The document's fixed parts; paths join through the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lepton",
        description = "Lepton's REST API. Scripts authenticate with `Authorization: Bearer \
                       <token>` (create tokens on My account or with POST /api/v1/tokens); \
                       browsers with the session cookie plus the `X-CSRF-Token` header on \
                       state-changing requests. Errors are `{\"error\": {\"code\", \
                       \"message\"}}`."
    ),
    tags(
        (name = "auth", description = "Signing in and out"),
        (name = "account", description = "The caller's own account"),
        (name = "tokens", description = "API tokens for scripts"),
        (name = "users", description = "User administration and the audit log (admins)"),
        (name = "datasets", description = "Dataset upload, versions, profiles, rows and downloads"),
        (name = "lab", description = "Models uploaded from the Lab"),
        (name = "jobs", description = "Server training jobs: queue, follow, cancel"),
        (name = "models", description = "The model registry: versions, stages, artifacts"),
        (name = "telemetry", description = "Telemetry from the production sites"),
        (name = "production", description = "Live KPIs of the production sites"),
        (name = "browser", description = "HTML form endpoints of the dashboard"),
        (name = "meta", description = "Probes and this document"),
    )
)]
pub(crate) struct ApiDoc;

/// Adds the security schemes, and to every operation its requirements and access rule.
pub(crate) fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("lep_…")
                .build(),
        ),
    );
    components.add_security_scheme(
        SESSION,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
    );

    for (path, item) in &mut document.paths.paths {
        let operations = [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("PATCH", &mut item.patch),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                describe_access(method, path, operation);
            }
        }
    }
    document
}

fn describe_access(method: &str, path: &str, operation: &mut Operation) {
    let Ok(method) = method.parse() else {
        return;
    };
    let Some(rule) = policy::rule_for(&method, path) else {
        // The guard refuses such a route with 500; the matrix test fails on it.
        operation.description = Some("No access rule: this route is refused.".to_owned());
        return;
    };

    let sentence = format!("**Access:** {}", rule.describe());
    operation.description = Some(match operation.description.take() {
        Some(text) if !text.is_empty() => format!("{text}\n\n{sentence}"),
        _ => sentence,
    });
    operation.security = Some(match (rule.access, rule.scope) {
        (Access::Public, _) => vec![SecurityRequirement::default()],
        (_, Some(scope)) => vec![
            SecurityRequirement::new(BEARER, [scope.as_str()]),
            SecurityRequirement::new(SESSION, Vec::<String>::new()),
        ],
        (_, None) => vec![SecurityRequirement::new(SESSION, Vec::<String>::new())],
    });
}

/// The OpenAPI document of this server.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "This document, OpenAPI 3.1", content_type = "application/json"))
)]
pub(crate) async fn openapi_json(Extension(document): Extension<Arc<str>>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], document.to_string())
}
