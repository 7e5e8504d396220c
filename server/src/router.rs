//! The HTTP surface: probes, the REST API, server-rendered pages, hashed static bundles, and
//! the layers every request passes through (request id, tracing span, compression, body
//! limit, and the access guard on every route).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Extension, MatchedPath, Request};
use axum::http::{HeaderValue, Response, header};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use leptos_axum::{LeptosRoutes, generate_route_list};
use serde::Serialize;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::api::{self, error::ApiError, error::code_for, openapi};
use crate::assets::{IMMUTABLE, REVALIDATE, is_fingerprinted};
use crate::auth::guard::guard;
use crate::auth::policy::{self, Rule};
use crate::body_limit::{BodyLimits, limit_body};
use crate::config::Config;
use crate::state::AppState;
use lepton_app::{App, shell};

/// Route pattern of the hashed static bundles, which no rule guards: they are public.
const PKG_ROUTE: &str = "/pkg/{*file}";

/// One route the server answers, with the rule that guards it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RouteEntry {
    pub(crate) method: String,
    pub(crate) path: String,
    /// `None` when the route has no rule: the guard refuses it with 500.
    pub(crate) rule: Option<Rule>,
}

/// Every route of the router: the documented routes, the pages, any server functions, and
/// the static bundles, each with its rule. Built from the same sources as [`build`].
pub(crate) fn catalog() -> Vec<RouteEntry> {
    let (_, document) = api::router().split_for_parts();
    let mut routes = Vec::new();
    let mut add = |method: &str, path: &str| {
        let rule = method
            .parse()
            .ok()
            .and_then(|method| policy::rule_for(&method, path));
        routes.push(RouteEntry {
            method: method.to_owned(),
            path: path.to_owned(),
            rule,
        });
    };

    for (path, item) in &document.paths.paths {
        let methods = [
            ("GET", item.get.is_some()),
            ("PUT", item.put.is_some()),
            ("POST", item.post.is_some()),
            ("DELETE", item.delete.is_some()),
            ("PATCH", item.patch.is_some()),
        ];
        for (method, present) in methods {
            if present {
                add(method, path);
            }
        }
    }
    for page in generate_route_list(App) {
        for method in page.methods() {
            add(&format!("{method:?}").to_uppercase(), page.path());
        }
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        add(method.as_str(), path);
    }
    add("GET", PKG_ROUTE);

    routes.sort_by(|left, right| (&left.path, &left.method).cmp(&(&right.path, &right.method)));
    routes
}

/// Builds the application router.
pub(crate) fn build(state: AppState, config: &Config) -> Router {
    let pkg = Router::new()
        .fallback_service(
            ServeDir::new(config.site_dir.join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(middleware::from_fn(cache_policy));

    let (api, document) = api::router().split_for_parts();
    let document: Arc<str> = serde_json::to_string(&openapi::finish(document))
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
        .into();

    let limits = BodyLimits {
        default: config.max_body_bytes as u64,
        upload: config.max_upload_bytes,
    };
    let pages = generate_route_list(App);
    let page_assets = state.assets.clone();
    let fallback_assets = state.assets.clone();

    // The guard wraps every route added before it: the API and the pages. The static bundles
    // and the not-found fallback come after it and are public.
    let guarded = api
        .leptos_routes(&state, pages, move || shell(page_assets.clone()))
        .route_layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(Extension(document));

    guarded
        .nest("/pkg", pkg)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            move |_| shell(fallback_assets.clone()),
        ))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_request(())
                        .on_response(record_response),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CompressionLayer::new().gzip(true).br(true))
                .layer(middleware::from_fn_with_state(limits, limit_body))
                // `limit_body` enforces the limits; axum's own default would cap uploads.
                .layer(DefaultBodyLimit::disable()),
        )
        // Outermost, so that it also sees the body limit's 413.
        .layer(middleware::from_fn(json_errors))
}

/// Gives errors that the framework answers by itself under `/api/` (unknown path, wrong
/// method, body too large) the API's JSON error shape.
async fn json_errors(request: Request, next: Next) -> Response<Body> {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !is_api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }

    let message = match status.canonical_reason() {
        Some(reason) => format!("{reason} ({})", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    };
    ApiError::new(status, code_for(status), message).into_response()
}

/// One span per request, carrying what an operator filters logs by.
fn request_span(request: &Request) -> Span {
    let matched_path = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();

    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        matched_path,
        request_id,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    )
}

fn record_response<B>(response: &Response<B>, latency: Duration, span: &Span) {
    span.record("status", response.status().as_u16());
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
    tracing::info!("request finished");
}

/// Lets browsers keep content-hashed files for a year and revalidate the rest.
async fn cache_policy(request: Request, next: Next) -> Response<Body> {
    let file_name = request.uri().path().rsplit('/').next().unwrap_or_default();
    let policy = if is_fingerprinted(file_name) {
        IMMUTABLE
    } else {
        REVALIDATE
    };

    let mut response = next.run(request).await;
    if response.status().is_success() {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}
