//! Calls from the browser to Lepton's REST API, as the signed-in viewer.
//!
//! State-changing calls carry the session's CSRF token from the page's `<meta>` tag. Errors
//! come back as the API's `{"error": {"code", "message"}}`, turned into an [`ApiFailure`] whose
//! message the page shows. Only the browser calls these: pages use them from `LocalResource`s
//! and event handlers, which never run on the server.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A failed API call, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiFailure {
    /// HTTP status; 0 when the request never got an answer.
    pub(crate) status: u16,
    /// The API's message, or what went wrong on the way.
    pub(crate) message: String,
}

impl ApiFailure {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code, reason = "browser only"))]
    fn network(message: impl Into<String>) -> Self {
        Self {
            status: 0,
            message: message.into(),
        }
    }
}

/// `GET path`, decoded as `T`.
pub(crate) async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    send("GET", path, None).await
}

/// `method path` with a JSON body, decoded as `T` (`()` for 204).
pub(crate) async fn send_json<B: Serialize, T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    let body =
        serde_json::to_string(body).map_err(|error| ApiFailure::network(error.to_string()))?;
    send(method, path, Some(body)).await
}

/// `method path` with a body that is JSON text already (sent as it is), decoded as `T`.
pub(crate) async fn send_json_text<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: String,
) -> Result<T, ApiFailure> {
    send(method, path, Some(body)).await
}

/// `method path` without a body, decoded as `T` (`()` for 204).
pub(crate) async fn send_empty<T: DeserializeOwned>(
    method: &str,
    path: &str,
) -> Result<T, ApiFailure> {
    send(method, path, None).await
}

#[cfg(feature = "hydrate")]
async fn send<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiFailure> {
    use lepton_protocol::account::ErrorBody;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let failed = |error: wasm_bindgen::JsValue| {
        ApiFailure::network(format!("the server could not be reached ({error:?})"))
    };
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(failed)?;
    headers.set("accept", "application/json").map_err(failed)?;
    if method != "GET"
        && let Some(viewer) = crate::viewer::current()
    {
        headers
            .set("x-csrf-token", &viewer.csrf_token)
            .map_err(failed)?;
    }
    if let Some(body) = &body {
        headers
            .set("content-type", "application/json")
            .map_err(failed)?;
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    init.set_headers(&headers);

    let window = web_sys::window().ok_or_else(|| ApiFailure::network("no window"))?;
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(failed)?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    let status = response.status();
    let text = JsFuture::from(response.text().map_err(failed)?)
        .await
        .map_err(failed)?
        .as_string()
        .unwrap_or_default();

    if !response.ok() {
        let message = serde_json::from_str::<ErrorBody>(&text)
            .map(|body| body.error.message)
            .unwrap_or_else(|_| format!("the server answered {status}"));
        return Err(ApiFailure { status, message });
    }
    let text = if text.is_empty() {
        "null"
    } else {
        text.as_str()
    };
    serde_json::from_str(text).map_err(|error| ApiFailure {
        status,
        message: format!("unexpected answer from the server: {error}"),
    })
}

#[cfg(not(feature = "hydrate"))]
async fn send<T: DeserializeOwned>(
    _method: &str,
    _path: &str,
    _body: Option<String>,
) -> Result<T, ApiFailure> {
    // Server rendering never awaits browser-side calls: resources that use them are local.
    Err(ApiFailure {
        status: 0,
        message: "API calls are made from the browser".to_owned(),
    })
}

/// Goes to `path` with a full page load, so the server decides what to show.
pub(crate) fn load_page(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Percent-encodes `text` for a query-string value.
pub(crate) fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_paths_for_the_query() {
        assert_eq!(
            encode_component("/datasets?page=2"),
            "%2Fdatasets%3Fpage%3D2"
        );
        assert_eq!(encode_component("Kühl log"), "K%C3%BChl%20log");
    }
}
