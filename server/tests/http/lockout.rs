//! Failure-based login backoff (issue 23, finding 4): a stranger who knows an e-mail address
//! earns locks for the unknown-device key of that identity, never for the owner's browser; the
//! locks double from the 6th consecutive failure; at most 100 failures a day; a success clears.

use axum::http::{header, HeaderMap, StatusCode};
use serde_json::json;

use crate::harness::*;

const MANY: &str = "[rate_limits]\nlogin = { burst = 1000, per_minute = 1000 }";

fn retry_after(h: &HeaderMap) -> u64 {
    h[header::RETRY_AFTER].to_str().unwrap().parse().unwrap()
}

/// A login start: its status and headers (KE1 from the real client).
async fn start(b: &mut Browser<'_>, email: &str) -> (StatusCode, HeaderMap) {
    let client = zkauth::opaque::OpaqueClient::new(b.server.profile());
    let (ke1, _) = client.start_login(&mut rand_core::OsRng, b"whatever").unwrap();
    let (s, h, _) = b.post_json("/opaque/login/start", json!({"email": email, "request": ke1})).await;
    (s, h)
}

#[tokio::test]
async fn a_stranger_earns_doubling_locks_and_the_owners_browser_is_never_locked() {
    let server = Server::start_with(MANY).await;
    let mut owner = server.browser();
    owner.register("locked@example.com", PASSWORD).await;
    assert_eq!(owner.login("locked@example.com", PASSWORD).await.0, StatusCode::OK);
    assert!(owner.device.as_deref().is_some_and(|d| d.len() == 43), "a login sets the device cookie");

    let mut stranger = server.browser();
    for _ in 0..5 {
        assert_eq!(stranger.login("locked@example.com", "guess").await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(start(&mut stranger, "locked@example.com").await.0, StatusCode::OK, "five failures are free");
    assert_eq!(stranger.login("locked@example.com", "guess").await.0, StatusCode::UNAUTHORIZED);
    let (s, h) = start(&mut stranger, "locked@example.com").await;
    assert_eq!((s, retry_after(&h)), (StatusCode::TOO_MANY_REQUESTS, 2), "the 6th failure locks for 1 s (Retry-After rounds up)");

    // The owner's known browser logs in meanwhile; so does the owner's wrong password there,
    // which counts against that browser's own key only.
    assert_eq!(owner.login("locked@example.com", PASSWORD).await.0, StatusCode::OK);
    // Another browser without the device cookie is a stranger too (the documented price).
    let mut new_browser = server.browser();
    assert_eq!(start(&mut new_browser, "locked@example.com").await.0, StatusCode::TOO_MANY_REQUESTS);
    // A forged or foreign device cookie does not help.
    new_browser.device = Some("A".repeat(43));
    assert_eq!(start(&mut new_browser, "locked@example.com").await.0, StatusCode::TOO_MANY_REQUESTS);

    // The locks double: 2 s after the 7th failure, 4 s after the 8th …
    let mut seen = vec![];
    for _ in 0..4 {
        server.advance(1000);
        assert_eq!(stranger.login("locked@example.com", "guess").await.0, StatusCode::UNAUTHORIZED);
        let (s, h) = start(&mut stranger, "locked@example.com").await;
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        seen.push(retry_after(&h));
    }
    assert_eq!(seen, [3, 5, 9, 17]);

    // Other identities are not affected.
    let mut other = server.browser();
    other.register("free@example.com", PASSWORD).await;
    assert_eq!(stranger.login("free@example.com", PASSWORD).await.0, StatusCode::OK);

    // Once the lock runs out, the right password from the new browser works and clears it.
    server.advance(17);
    let mut new_browser = server.browser();
    assert_eq!(new_browser.login("locked@example.com", PASSWORD).await.0, StatusCode::OK);
    let mut later = server.browser();
    for _ in 0..5 {
        assert_eq!(later.login("locked@example.com", "guess").await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(start(&mut later, "locked@example.com").await.0, StatusCode::OK, "the success cleared the count");
}

#[tokio::test]
async fn at_most_one_hundred_failures_a_day_per_identity_from_unknown_browsers() {
    let server = Server::start_with(MANY).await;
    let mut owner = server.browser();
    owner.register("capped@example.com", PASSWORD).await;
    assert_eq!(owner.login("capped@example.com", PASSWORD).await.0, StatusCode::OK);
    // Start at a UTC midnight, so the whole run is one day.
    let now = server.state.now();
    server.advance(86_400 - now.rem_euclid(86_400));
    let mut stranger = server.browser();
    let mut failures = 0;
    loop {
        let (s, h) = start(&mut stranger, "capped@example.com").await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after(&h);
            if wait > 901 {
                break;
            }
            server.advance(i64::try_from(wait).unwrap());
            continue;
        }
        assert_eq!(stranger.login("capped@example.com", "guess").await.0, StatusCode::UNAUTHORIZED);
        failures += 1;
        assert!(failures <= 100);
    }
    assert_eq!(failures, 100, "the daily cap");
    assert_eq!(owner.login("capped@example.com", PASSWORD).await.0, StatusCode::OK, "the owner's browser still logs in");
    // Until the next UTC day.
    let (_, h) = start(&mut stranger, "capped@example.com").await;
    server.advance(i64::try_from(retry_after(&h)).unwrap());
    assert_eq!(start(&mut stranger, "capped@example.com").await.0, StatusCode::OK);
}

#[tokio::test]
async fn unknown_identities_lock_alike_and_finishes_without_a_start_count_nothing() {
    let server = Server::start_with(MANY).await;
    let mut stranger = server.browser();
    for _ in 0..6 {
        assert_eq!(stranger.login("nobody@example.com", "guess").await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(start(&mut stranger, "nobody@example.com").await.0, StatusCode::TOO_MANY_REQUESTS, "no enumeration by lock behaviour");

    let mut owner = server.browser();
    owner.register("quiet@example.com", PASSWORD).await;
    for _ in 0..20 {
        let (s, _, _) = stranger.post_json("/opaque/login/finish", json!({"finish": "A".repeat(43), "sessionId": "B".repeat(22)})).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(start(&mut stranger, "quiet@example.com").await.0, StatusCode::OK);
}
