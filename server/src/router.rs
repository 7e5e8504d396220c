//! The HTTP surface: probes, hashed static bundles, server-rendered pages, and the layers every
//! request passes through (request id, tracing span, compression, body limit).

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Response, header};
use axum::middleware::{self, Next};
use axum::routing::get;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::assets::{IMMUTABLE, REVALIDATE, is_fingerprinted};
use crate::config::Config;
use crate::health;
use crate::state::AppState;
use lepton_app::{App, shell};

/// Builds the application router.
pub(crate) fn build(state: AppState, config: &Config) -> Router {
    let pkg = Router::new()
        .fallback_service(
            ServeDir::new(config.site_dir.join("pkg"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(middleware::from_fn(cache_policy));

    let pages = generate_route_list(App);
    let page_assets = state.assets.clone();
    let fallback_assets = state.assets.clone();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/pkg", pkg)
        .leptos_routes(&state, pages, move || shell(page_assets.clone()))
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
                .layer(RequestBodyLimitLayer::new(config.max_body_bytes)),
        )
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
