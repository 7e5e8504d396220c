//! `ApiJson<T>`: axum's JSON extractor with its rejections answered in the API's error shape.
//!
//! A body that is not JSON is 400, one without `Content-Type: application/json` 415, one over
//! the size limit 413, and JSON of the wrong shape 422 with serde's description of where.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::{ApiError, code_for};

/// A JSON request body of type `T`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejected(&rejection)),
        }
    }
}

fn rejected(rejection: &JsonRejection) -> ApiError {
    let status = rejection.status();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            "the request body is larger than the server accepts".into()
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "send the body as JSON with 'Content-Type: application/json'".into()
        }
        _ => rejection.body_text(),
    };
    let code = match status {
        StatusCode::BAD_REQUEST => "malformed_json",
        status => code_for(status),
    };
    ApiError::new(status, code, message)
}
