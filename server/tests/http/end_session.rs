//! OIDC RP-Initiated Logout: `/end_session` with and without `id_token_hint`, the registered
//! post-logout redirect, the confirmation on the login page, and the session's refresh
//! families ending with it.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use serde_json::{json, Value};

use crate::harness::*;
use crate::oidc::tokens_for_scope;

const BYE: &str = "http://localhost:8082/bye";

fn location(h: &HeaderMap) -> String {
    h[header::LOCATION].to_str().unwrap().to_string()
}

fn end_session_uri(params: &[(&str, &str)]) -> String {
    format!("/end_session?{}", serde_urlencoded::to_string(params).unwrap())
}

async fn refresh(server: &Server, tok: &Value) -> StatusCode {
    let form = [("grant_type", "refresh_token"), ("refresh_token", tok["refresh_token"].as_str().unwrap()), ("client_id", "plain-app")];
    crate::oidc::token_request_at(server, "/token", Some("http://localhost:8082"), &form).await.0
}

async fn userinfo(server: &Server, tok: &Value) -> StatusCode {
    let req = Request::get("/userinfo").header(header::AUTHORIZATION, format!("Bearer {}", tok["access_token"].as_str().unwrap())).body(Body::empty()).unwrap();
    server.send(req).await.0
}

#[tokio::test]
async fn a_hint_for_the_signed_in_user_signs_out_redirects_and_ends_the_sessions_tokens() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("bye@example.com", PASSWORD).await;
    let tok = tokens_for_scope(&server, &mut b, "openid", "end-session-verifier-end-session-verifier-001").await;
    // A second session of the same user, in another browser, with its own tokens.
    let mut other = server.browser();
    assert_eq!(other.login("bye@example.com", PASSWORD).await.0, StatusCode::OK);
    let kept = tokens_for_scope(&server, &mut other, "openid", "end-session-verifier-end-session-verifier-002").await;

    let hint = tok["id_token"].as_str().unwrap();
    let (s, h, body) = b.get(&end_session_uri(&[("id_token_hint", hint), ("post_logout_redirect_uri", BYE), ("state", "st 1")])).await;
    assert_eq!(s, StatusCode::FOUND, "{body}");
    assert_eq!(location(&h), format!("{BYE}?state=st+1"), "the registered URI, state echoed");
    assert!(set_cookies(&h).iter().any(|c| c.contains("Max-Age=0")), "cookies cleared: {:?}", set_cookies(&h));
    let (s, _, _) = b.get("/session").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the session ended");
    assert_eq!(refresh(&server, &tok).await, StatusCode::BAD_REQUEST, "its refresh family ended");
    assert_eq!(userinfo(&server, &tok).await, StatusCode::UNAUTHORIZED, "and its access token");
    // The other session and its family are untouched.
    assert_eq!(other.get("/session").await.0, StatusCode::OK);
    assert_eq!(userinfo(&server, &kept).await, StatusCode::OK);
    assert_eq!(refresh(&server, &kept).await, StatusCode::OK);
}

#[tokio::test]
async fn an_unregistered_redirect_is_not_followed_and_no_hint_asks_the_user() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("ask@example.com", PASSWORD).await;
    let tok = tokens_for_scope(&server, &mut b, "openid", "end-session-verifier-end-session-verifier-003").await;

    // No hint: a bare link from any site must not sign the user out. The login page asks, with
    // only the values the server checked (an unregistered URI is dropped).
    for params in [vec![("client_id", "plain-app"), ("post_logout_redirect_uri", BYE), ("state", "s")], vec![("client_id", "plain-app"), ("post_logout_redirect_uri", "https://evil.example/"), ("state", "s")]] {
        let (s, h, _) = b.get(&end_session_uri(&params)).await;
        assert_eq!(s, StatusCode::FOUND);
        let loc = location(&h);
        assert!(loc.starts_with(&format!("{ISSUER}/?end_session=1&client_id=plain-app")), "{loc}");
        assert!(!loc.contains("evil.example"), "{loc}");
        assert_eq!(b.get("/session").await.0, StatusCode::OK, "still signed in");
    }
    // The user confirms on the login page (same origin, CSRF): signed out, sent to the URI.
    let (s, h, body) = b.post_json("/end_session/confirm", json!({"client_id": "plain-app", "post_logout_redirect_uri": BYE, "state": "s"})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["redirect_to"], format!("{BYE}?state=s"));
    assert!(set_cookies(&h).iter().any(|c| c.contains("Max-Age=0")));
    assert_eq!(b.get("/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(refresh(&server, &tok).await, StatusCode::BAD_REQUEST, "the session's family ended with it");

    // A valid hint with an unregistered URI: signed out (no session now), but no redirect there.
    let hint = tok["id_token"].as_str().unwrap();
    let (s, h, _) = b.get(&end_session_uri(&[("id_token_hint", hint), ("post_logout_redirect_uri", "http://localhost:8082/elsewhere")])).await;
    assert_eq!(s, StatusCode::FOUND);
    assert_eq!(location(&h), format!("{ISSUER}/?signed_out=1"));
}

#[tokio::test]
async fn a_hint_for_someone_else_or_a_forged_hint_ends_nothing() {
    let server = Server::start().await;
    let mut mallory = server.browser();
    mallory.register("mallory@example.com", PASSWORD).await;
    let theirs = tokens_for_scope(&server, &mut mallory, "openid", "end-session-verifier-end-session-verifier-004").await;
    let mut b = server.browser();
    b.register("victim@example.com", PASSWORD).await;

    // Mallory's own (valid) ID token in the victim's browser: the user is asked, not signed out.
    let hint = theirs["id_token"].as_str().unwrap();
    let (s, h, _) = b.get(&end_session_uri(&[("id_token_hint", hint), ("post_logout_redirect_uri", BYE)])).await;
    assert_eq!(s, StatusCode::FOUND);
    assert!(location(&h).starts_with(&format!("{ISSUER}/?end_session=1")), "{}", location(&h));
    assert_eq!(b.get("/session").await.0, StatusCode::OK);

    // A tampered hint, a token of another kind, a client_id that is not its audience.
    let (head, rest) = hint.split_once('.').unwrap();
    let (payload, sig) = rest.split_once('.').unwrap();
    let mut claims: Value = serde_json::from_slice(&zkauth_verify::b64u::decode(payload, "p").unwrap()).unwrap();
    claims["sub"] = json!("someone-else");
    let forged = format!("{head}.{}.{sig}", zkauth_verify::b64u::encode(&serde_json::to_vec(&claims).unwrap()));
    let access = theirs["access_token"].as_str().unwrap();
    for params in [vec![("id_token_hint", forged.as_str())], vec![("id_token_hint", access)], vec![("id_token_hint", hint), ("client_id", "demo-app")], vec![("client_id", "no-such-client")]] {
        let (s, _, body) = b.get(&end_session_uri(&params)).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{params:?}: {body}");
    }
    assert_eq!(b.get("/session").await.0, StatusCode::OK, "still signed in");
    // The confirmation is first-party only: without the CSRF token it is refused.
    b.csrf = None;
    let (s, _, _) = b.post_json("/end_session/confirm", json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn without_a_session_the_redirect_is_followed_and_discovery_names_the_endpoint() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("gone@example.com", PASSWORD).await;
    let tok = tokens_for_scope(&server, &mut b, "openid", "end-session-verifier-end-session-verifier-005").await;
    let mut fresh = server.browser();
    let hint = tok["id_token"].as_str().unwrap();
    let (s, h, _) = fresh.get(&end_session_uri(&[("id_token_hint", hint), ("post_logout_redirect_uri", BYE), ("state", "x")])).await;
    assert_eq!((s, location(&h)), (StatusCode::FOUND, format!("{BYE}?state=x")));
    assert_eq!(b.get("/session").await.0, StatusCode::OK, "another browser's session is not this one");
    let (_, _, d) = fresh.get("/.well-known/openid-configuration").await;
    assert_eq!(d["end_session_endpoint"], format!("{ISSUER}/end_session"));
}
