//! What a session knows of the device it was started on, for the user's session list and
//! security events: the browser and OS (parsed from `User-Agent` by woothee's maintained
//! dataset), the client's network (IPv4 /24, IPv6 /48, never the address), and the browser's
//! device cookie (`__Host-zkauth-device`, 256 random bits, HttpOnly; `lockout.rs` sets it),
//! stored hashed. None of it is a fingerprint, and none of it decides anything: it is shown.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use zkauth_verify::hash_b64u;

use crate::client_ip::{client_ip, network_prefix};
use crate::session::cookie;
use crate::state::AppState;

/// The device context of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceContext {
    /// "Firefox", "Chrome", "Safari", …; `None` when the User-Agent says nothing known.
    pub browser: Option<String>,
    /// "Linux", "Mac OSX", "Windows 10", "iPhone", …
    pub os: Option<String>,
    /// The client network, e.g. `203.0.113.0/24`.
    pub ip_prefix: Option<String>,
}

/// Browser and OS from a User-Agent (at most 512 bytes are read).
pub fn parse_user_agent(ua: &str) -> (Option<String>, Option<String>) {
    let ua = ua.get(..512).unwrap_or(ua);
    let known = |s: &str| (!s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN).then(|| s.to_string());
    match woothee::parser::Parser::new().parse(ua) {
        Some(r) => (known(r.name), known(r.os)),
        None => (None, None),
    }
}

/// The hash of the device cookie the request carries, if well-formed.
pub fn device_hash(state: &AppState, headers: &HeaderMap) -> Option<String> {
    cookie(headers, state.config.cookies.device()).filter(|v| v.len() == 43).map(hash_b64u)
}

impl FromRequestParts<AppState> for DeviceContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ua = parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        let (browser, os) = parse_user_agent(ua);
        let ip_prefix = match ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await {
            Ok(ConnectInfo(peer)) => Some(network_prefix(client_ip(peer.ip(), &parts.headers, &state.config.trusted_proxies, state.config.client_ip_header))),
            Err(_) => None,
        };
        Ok(DeviceContext { browser, os, ip_prefix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_of_the_engines_we_test_read_as_browser_and_os() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", Some("Firefox"), Some("Linux")),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", Some("Chrome"), Some("Linux")),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15", Some("Safari"), Some("Mac OSX")),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", Some("Safari"), Some("iPhone")),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", Some("Edge"), Some("Windows 10")),
        ];
        for (ua, browser, os) in cases {
            let (b, o) = parse_user_agent(ua);
            assert_eq!((b.as_deref(), o.as_deref()), (browser, os), "{ua}");
        }
        assert_eq!(parse_user_agent(""), (None, None));
        assert_eq!(parse_user_agent("curl/8.5.0").1, None);
        assert_eq!(parse_user_agent(&"x".repeat(100_000)), (None, None), "long input is cut, not parsed whole");
    }
}
