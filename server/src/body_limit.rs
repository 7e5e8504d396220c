//! Request body limits: a small one for every route, a large one for dataset uploads, and the
//! model file limit for models uploaded from the Lab.
//!
//! A body that declares a length over the limit is refused with 413 before it is read; one
//! that streams past the limit fails when the handler reads that far, and the handler answers
//! 413. Uploads stream to storage as they arrive, so the large limit bounds disk use, not
//! memory.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;

use crate::api::error::ApiError;

/// The route that takes dataset uploads.
const UPLOAD_PATH: &str = "/api/v1/datasets";
/// The route that takes model files from the Lab.
const LAB_MODELS_PATH: &str = "/api/v1/lab/models";

/// The two limits, in bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    /// Every route but uploads.
    pub(crate) default: u64,
    /// `POST /api/v1/datasets`.
    pub(crate) upload: u64,
}

impl BodyLimits {
    fn for_request(self, request: &Request) -> u64 {
        let path = request.uri().path().trim_end_matches('/');
        match (request.method() == Method::POST, path) {
            (true, UPLOAD_PATH) => self.upload,
            (true, LAB_MODELS_PATH) => lepton_protocol::lab::MODEL_FILE_MAX_BYTES as u64,
            _ => self.default,
        }
    }
}

/// Applies the limit of the request's route.
pub(crate) async fn limit_body(
    State(limits): State<BodyLimits>,
    request: Request,
    next: Next,
) -> Response {
    let limit = limits.for_request(&request);

    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than the limit of {limit} bytes"),
        )
        .into_response();
    }

    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let request = request.map(|body| Body::new(Limited::new(body, limit)));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, path: &str) -> Request {
        Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap()
    }

    #[test]
    fn only_uploads_get_the_large_limits() {
        let limits = BodyLimits {
            default: 10,
            upload: 1000,
        };
        assert_eq!(
            limits.for_request(&request(Method::POST, "/api/v1/datasets")),
            1000
        );
        assert_eq!(
            limits.for_request(&request(Method::POST, "/api/v1/datasets/")),
            1000
        );
        assert_eq!(
            limits.for_request(&request(Method::GET, "/api/v1/datasets")),
            10
        );
        assert_eq!(
            limits.for_request(&request(Method::POST, "/api/v1/tokens")),
            10
        );
        assert_eq!(
            limits.for_request(&request(Method::POST, "/api/v1/lab/models")),
            64 * 1024 * 1024
        );
    }
}
