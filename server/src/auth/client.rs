//! Where a request comes from: the client address and browser, and whether it arrived over
//! HTTPS. Behind a reverse proxy (`--trust-proxy`), the proxy's `X-Forwarded-For` and
//! `X-Forwarded-Proto` headers say so; otherwise they are ignored, since any client can send
//! them.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::http::header::USER_AGENT;

/// The client of one request.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    /// The client's IP address, as text.
    pub(crate) ip: String,
    /// The `User-Agent` header, or empty.
    pub(crate) user_agent: String,
    /// Whether the browser talks HTTPS to us (or to the trusted proxy in front of us).
    pub(crate) https: bool,
}

impl Client {
    /// Reads the client of `request`.
    pub(crate) fn of(request: &Request, trust_proxy: bool) -> Self {
        let headers = request.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
        };

        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        let forwarded = trust_proxy
            .then(|| header("x-forwarded-for"))
            .flatten()
            .and_then(|value| value.split(',').next())
            .map(|first| first.trim().to_owned())
            .filter(|first| first.parse::<std::net::IpAddr>().is_ok());
        let ip = forwarded.or(peer).unwrap_or_else(|| "unknown".to_owned());

        let https = request.uri().scheme_str() == Some("https")
            || (trust_proxy && header("x-forwarded-proto") == Some("https"));
        let user_agent = headers
            .get(USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();

        Self {
            ip,
            user_agent,
            https,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(forwarded_for: &str, proto: &str) -> Request {
        let mut request = Request::builder()
            .uri("/")
            .header("x-forwarded-for", forwarded_for)
            .header("x-forwarded-proto", proto)
            .body(Body::empty())
            .unwrap();
        let peer: SocketAddr = ([10, 0, 0, 1], 4000).into();
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    }

    #[test]
    fn ignores_forwarding_headers_unless_trusted() {
        let client = Client::of(&request("203.0.113.9", "https"), false);
        assert_eq!(client.ip, "10.0.0.1");
        assert!(!client.https);
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_scheme() {
        let client = Client::of(&request("203.0.113.9, 10.0.0.1", "https"), true);
        assert_eq!(client.ip, "203.0.113.9");
        assert!(client.https);

        let spoofed = Client::of(&request("<script>", "http"), true);
        assert_eq!(spoofed.ip, "10.0.0.1");
    }
}
