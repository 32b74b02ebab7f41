//! OIDC `prompt`, `max_age` and `login_hint` at `/authorize`, and remembered consent.

use axum::http::{header, StatusCode};
use serde_json::Value;

use crate::harness::*;
use crate::oidc::{token_request_at, tokens_for_scope};

const VERIFIER: &str = "prompt-verifier-prompt-verifier-prompt-verifier";

/// `GET /authorize` for plain-app (no key delivery) with `extra`; returns the status and the
/// Location's query as pairs, and the Location itself.
async fn authorize(b: &mut Browser<'_>, extra: &[(&str, &str)]) -> (StatusCode, String, Vec<(String, String)>) {
    let challenge = zkauth_verify::hash_b64u(VERIFIER);
    let mut params = vec![
        ("response_type", "code"), ("client_id", "plain-app"), ("redirect_uri", "http://localhost:8082/cb"), ("scope", "openid email"),
        ("state", "st"), ("code_challenge", challenge.as_str()), ("code_challenge_method", "S256"),
    ];
    for &(k, v) in extra {
        params.retain(|(n, _)| *n != k);
        params.push((k, v));
    }
    let (s, h, body) = b.get(&format!("/authorize?{}", serde_urlencoded::to_string(&params).unwrap())).await;
    let location = h.get(header::LOCATION).map(|l| l.to_str().unwrap().to_string()).unwrap_or_else(|| body.to_string());
    let query = location.split_once('?').map(|(_, q)| serde_urlencoded::from_str(q).unwrap()).unwrap_or_default();
    (s, location, query)
}

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn assert_error(got: &(StatusCode, String, Vec<(String, String)>), error: &str) {
    let (s, location, q) = got;
    assert_eq!(*s, StatusCode::FOUND, "{location}");
    assert!(location.starts_with("http://localhost:8082/cb?"), "{location}");
    assert_eq!((param(q, "error"), param(q, "state"), param(q, "iss")), (Some(error), Some("st"), Some(ISSUER)), "{location}");
}

#[tokio::test]
async fn prompt_none_gives_a_code_only_with_a_session_and_a_remembered_consent() {
    let server = Server::start().await;
    let mut b = server.browser();
    assert_error(&authorize(&mut b, &[("prompt", "none")]).await, "login_required");
    b.register("silent@example.com", PASSWORD).await;
    assert_error(&authorize(&mut b, &[("prompt", "none")]).await, "consent_required");
    // One approval through the page (finalize) is remembered.
    tokens_for_scope(&server, &mut b, "openid email", VERIFIER).await;
    let (s, location, q) = authorize(&mut b, &[("prompt", "none")]).await;
    assert_eq!(s, StatusCode::FOUND);
    assert!(location.starts_with("http://localhost:8082/cb?code="), "straight back to the app: {location}");
    assert_eq!((param(&q, "state"), param(&q, "iss")), (Some("st"), Some(ISSUER)));
    let code = param(&q, "code").unwrap();
    let form = [("grant_type", "authorization_code"), ("code", code), ("client_id", "plain-app"), ("redirect_uri", "http://localhost:8082/cb"), ("code_verifier", VERIFIER)];
    let (s, tok) = token_request_at(&server, "/token", Some("http://localhost:8082"), &form).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    assert!(tok["id_token"].is_string());
    // More scopes than approved: ask.
    assert_error(&authorize(&mut b, &[("prompt", "none"), ("scope", "openid email profile")]).await, "consent_required");
    // max_age: the sign-in is 10 s old.
    server.advance(10);
    assert_error(&authorize(&mut b, &[("prompt", "none"), ("max_age", "5")]).await, "login_required");
    let (s, location, _) = authorize(&mut b, &[("prompt", "none"), ("max_age", "60")]).await;
    assert!(s == StatusCode::FOUND && location.contains("code="), "{location}");
    // Revoking the consent on the account page ends silent sign-ins.
    let (s, _, list) = b.get("/consents").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["consents"][0]["client_id"], "plain-app");
    assert_eq!(list["consents"][0]["scope"], "openid email");
    let (s, _, _) = b.post_json("/consents/plain-app/revoke", serde_json::json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_error(&authorize(&mut b, &[("prompt", "none")]).await, "consent_required");
    let (s, _, body) = b.post_json("/consents/plain-app/revoke", serde_json::json!({})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{body}");
}

#[tokio::test]
async fn prompt_values_are_checked_and_key_delivery_needs_the_page() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("values@example.com", PASSWORD).await;
    for bad in [vec![("prompt", "none login")], vec![("prompt", "sometimes")], vec![("max_age", "-1")], vec![("max_age", "soon")]] {
        assert_error(&authorize(&mut b, &bad).await, "invalid_request");
    }
    // A key-delivery client: its key is sealed by the login page, so never silently.
    let kp = zkauth::delivery::DeliveryKeyPair::generate(&mut rand_core::OsRng);
    let zk_pub = kp.zk_pub().unwrap();
    let challenge = zkauth_verify::hash_b64u(VERIFIER);
    let q = serde_urlencoded::to_string([
        ("response_type", "code"), ("client_id", CLIENT), ("redirect_uri", REDIRECT), ("state", "st"), ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"), ("zk_pub", zk_pub.as_str()), ("prompt", "none"),
    ])
    .unwrap();
    let (s, h, _) = b.get(&format!("/authorize?{q}")).await;
    assert_eq!(s, StatusCode::FOUND);
    let location = h[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with(&format!("{REDIRECT}?error=interaction_required")), "{location}");
    // login_hint reaches the login page's query; a prompt=login request too (no error).
    let (s, location, q) = authorize(&mut b, &[("login_hint", "values@example.com"), ("prompt", "login consent")]).await;
    assert_eq!(s, StatusCode::FOUND);
    assert!(location.starts_with(&format!("{ISSUER}/?")), "{location}");
    assert_eq!(param(&q, "login_hint"), Some("values@example.com"));
}

#[tokio::test]
async fn prompt_login_and_max_age_need_a_sign_in_made_for_the_request() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("fresh@example.com", PASSWORD).await;
    for extra in [vec![("prompt", "login")], vec![("max_age", "0")]] {
        server.advance(2); // the session is older than the request
        let (s, location, q) = authorize(&mut b, &extra).await;
        assert_eq!(s, StatusCode::FOUND, "{location}");
        let request_id = param(&q, "request_id").unwrap().to_string();
        let (s, _, body) = b.post_form("/authorize/finalize", &[("request_id", &request_id), ("approve", "true")]).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("login_required")), "{extra:?}: {body}");
        // Signing in again (the page's reauth) makes a session newer than the request.
        assert_eq!(b.login("fresh@example.com", PASSWORD).await.0, StatusCode::OK);
        let (s, _, body) = b.post_form("/authorize/finalize", &[("request_id", &request_id), ("approve", "true")]).await;
        assert_eq!(s, StatusCode::OK, "{extra:?}: the refused finalize did not consume the request: {body}");
        let code = body["code"].as_str().unwrap();
        let form = [("grant_type", "authorization_code"), ("code", code), ("client_id", "plain-app"), ("redirect_uri", "http://localhost:8082/cb"), ("code_verifier", VERIFIER)];
        let (s, tok) = token_request_at(&server, "/token", Some("http://localhost:8082"), &form).await;
        assert_eq!(s, StatusCode::OK);
        let claims: Value = serde_json::from_slice(&zkauth_verify::b64u::decode(tok["id_token"].as_str().unwrap().split('.').nth(1).unwrap(), "p").unwrap()).unwrap();
        assert_eq!(claims["auth_time"].as_i64(), Some(server.state.now()), "auth_time is the new sign-in");
    }
}
