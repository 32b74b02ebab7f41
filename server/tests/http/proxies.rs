//! Per-client limits behind a reverse proxy (`trusted_proxies`): the forwarded address is read
//! only from a trusted peer, right-most untrusted hop first, so one client can neither use up
//! everyone's limit nor pick its own bucket. The harness's peer is 127.0.0.1.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::harness::*;

const LIMITS: &str = "[rate_limits]\ntoken = { burst = 2, per_minute = 1 }";

/// POSTs a token request without a client (401 `invalid_client` within the limit, 429
/// past it) with `X-Forwarded-For: xff` when given; returns the status.
async fn token_attempt(server: &Server, xff: Option<&str>) -> StatusCode {
    let mut req = Request::post("/token").header("content-type", "application/x-www-form-urlencoded");
    if let Some(v) = xff {
        req = req.header("x-forwarded-for", v);
    }
    server.send(req.body(Body::from("grant_type=authorization_code")).unwrap()).await.0
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_header_is_ignored() {
    let server = Server::start_with(LIMITS).await;
    for _ in 0..2 {
        assert_eq!(token_attempt(&server, Some("203.0.113.1")).await, StatusCode::UNAUTHORIZED);
    }
    // Another "client" by its own header is the same peer: refused.
    assert_eq!(token_attempt(&server, Some("203.0.113.2")).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(token_attempt(&server, None).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let server = Server::start_with(&format!("trusted_proxies = [\"127.0.0.0/8\"]\n{LIMITS}")).await;
    for _ in 0..2 {
        assert_eq!(token_attempt(&server, Some("203.0.113.1")).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(token_attempt(&server, Some("203.0.113.1")).await, StatusCode::TOO_MANY_REQUESTS);
    // A spoofed left-hand entry does not move the client out of its bucket…
    assert_eq!(token_attempt(&server, Some("198.51.100.9, 203.0.113.1")).await, StatusCode::TOO_MANY_REQUESTS);
    // …and the other client behind the same proxy is not affected.
    assert_eq!(token_attempt(&server, Some("203.0.113.2")).await, StatusCode::UNAUTHORIZED);
    // IPv6 clients share a bucket per /64.
    for _ in 0..2 {
        assert_eq!(token_attempt(&server, Some("2001:db8:1:2::1")).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(token_attempt(&server, Some("2001:db8:1:2:ffff::7")).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(token_attempt(&server, Some("2001:db8:1:3::1")).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_trusted_proxy_list_that_is_not_cidrs_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = config_toml(dir.path(), "sqlite", "trusted_proxies = [\"10.0.0.1/8\"]");
    let e = zkauth_server::Config::parse(&text, "t.toml", zkauth_server::Overrides::default()).unwrap_err();
    assert_eq!(e.key, "trusted_proxies");
    let text = config_toml(dir.path(), "sqlite", "client_ip_header = \"x-real-ip\"");
    let e = zkauth_server::Config::parse(&text, "t.toml", zkauth_server::Overrides::default()).unwrap_err();
    assert_eq!(e.key, "client_ip_header");
}
