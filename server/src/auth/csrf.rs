//! Cross-site request forgery protection for every state-changing request a browser can send.
//!
//! Two checks, both needed: the browser's own report of where the request comes from
//! (`Sec-Fetch-Site`, `Origin`) must not be another site — this also guards the sign-in form,
//! where nobody is signed in yet — and a request riding on a session cookie must carry the
//! session's CSRF token, as the `X-CSRF-Token` header (scripts on our pages) or the `csrf`
//! field of a form. Requests with a bearer token carry no ambient credentials and skip both.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{HeaderMap, Method};

use super::principal::Principal;
use super::secret;

/// Header carrying the session's CSRF token.
pub(crate) const HEADER: &str = "x-csrf-token";
/// Form field carrying the session's CSRF token.
pub(crate) const FORM_FIELD: &str = "csrf";
/// Largest form body read to find the token; our forms are far smaller.
const FORM_LIMIT: usize = 64 * 1024;

/// Why a request was refused; each is a 403 with this message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CsrfError {
    /// The browser says another site sent it.
    #[error("cross-site request refused")]
    CrossSite,
    /// A session request without the token.
    #[error("missing CSRF token: send the X-CSRF-Token header or the csrf form field")]
    Missing,
    /// A session request with another token.
    #[error("invalid CSRF token: reload the page and try again")]
    Invalid,
    /// The form body could not be read to find the token.
    #[error("the form could not be read")]
    UnreadableForm,
}

/// Whether `method` may change state.
pub(crate) fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Checks an unsafe request; returns it (with its body restored when a form was read).
///
/// `needs_token` is false for public routes (signing in): they act with no session's
/// authority, so only the cross-site check applies to them.
///
/// # Errors
///
/// [`CsrfError`] saying why the request was refused.
pub(crate) async fn check(
    request: Request,
    principal: &Principal,
    needs_token: bool,
) -> Result<Request, CsrfError> {
    if matches!(principal, Principal::Token(_)) {
        return Ok(request);
    }
    if is_cross_site(request.headers()) {
        return Err(CsrfError::CrossSite);
    }
    let Principal::Session(session) = principal else {
        return Ok(request);
    };
    if !needs_token {
        return Ok(request);
    }

    if let Some(sent) = request.headers().get(HEADER) {
        let sent = sent.to_str().map_err(|_| CsrfError::Invalid)?;
        return if secret::same_secret(sent, &session.csrf_token) {
            Ok(request)
        } else {
            Err(CsrfError::Invalid)
        };
    }

    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(CsrfError::Missing);
    }

    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| CsrfError::UnreadableForm)?;
    let sent = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == FORM_FIELD)
        .map(|(_, value)| value.into_owned())
        .ok_or(CsrfError::Missing)?;
    if !secret::same_secret(&sent, &session.csrf_token) {
        return Err(CsrfError::Invalid);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Whether the browser reports that another site sent the request.
fn is_cross_site(headers: &HeaderMap) -> bool {
    let header = |name| headers.get(name).and_then(|value| value.to_str().ok());

    // Fetch metadata, sent by every current browser: the most direct answer.
    if let Some(site) = header("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    // Older browsers: compare the Origin's host with the Host the request was sent to.
    match (header(ORIGIN.as_str()), header(HOST.as_str())) {
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            origin_host != Some(host)
        }
        // No Origin: not a cross-site browser request (browsers send it on cross-site POSTs).
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn fetch_metadata_decides_first() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "none")])));
    }

    #[test]
    fn origin_must_match_host() {
        let same = headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        let other = headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000"),
        ]);
        let opaque = headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]);
        assert!(!is_cross_site(&same));
        assert!(is_cross_site(&other));
        assert!(is_cross_site(&opaque));
        assert!(!is_cross_site(&headers(&[])));
    }

    #[test]
    fn only_unsafe_methods_are_checked() {
        assert!(is_unsafe(&Method::POST) && is_unsafe(&Method::DELETE));
        assert!(!is_unsafe(&Method::GET) && !is_unsafe(&Method::HEAD));
    }
}
