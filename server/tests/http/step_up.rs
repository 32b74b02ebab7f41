//! Step-up: every action that can take an account or its data away needs a login within the
//! last 5 minutes, so a stolen session cookie alone cannot replace the recovery keys, rotate
//! the keys away, delete envelopes, overwrite `wrapped_drk`, or sign the owner out. A fresh
//! OPAQUE login (what the login page asks for) makes the same call succeed.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::flow::account_with_keys;
use crate::harness::*;

/// Every step-up action: (method, path, JSON body). `{env}` is the password envelope's id,
/// `{other}` another session's handle.
fn actions(env: &str, other: &str) -> Vec<(Method, String, Value)> {
    vec![
        (Method::PUT, "/crypto/wrapped-drk".into(), json!({"wrapped_drk": "AAAA"})),
        (Method::POST, "/crypto/keybag/account-key".into(), json!({})),
        (Method::POST, "/crypto/keybag/rotate".into(), json!({})),
        (Method::DELETE, format!("/crypto/keybag/envelopes/{env}"), Value::Null),
        (Method::POST, "/crypto/recovery-keys".into(), json!({"key_id": "k", "wrapping_alg": "x", "wrapped_key": "AAAA", "aad": "AAAA", "verifier": "A".repeat(43)})),
        (Method::POST, "/crypto/recovery-keys/rk_1/revoke".into(), Value::Null),
        (Method::POST, format!("/sessions/{other}/revoke"), Value::Null),
        (Method::POST, "/password/change/start".into(), json!({"request": "AAAA"})),
        (Method::POST, "/logout/all".into(), Value::Null),
    ]
}

async fn call(b: &mut Browser<'_>, method: &Method, path: &str, body: &Value) -> (StatusCode, Value) {
    let content = (!body.is_null()).then_some("application/json");
    let text = if body.is_null() { String::new() } else { body.to_string() };
    let req = b.request(method.clone(), path, content, text);
    let (s, _, v) = b.send(req).await;
    (s, v)
}

#[tokio::test]
async fn a_stale_session_cannot_take_the_account_away_and_a_fresh_login_can() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "stepup@example.com").await;
    let mut other = server.browser();
    assert_eq!(other.login("stepup@example.com", PASSWORD).await.0, StatusCode::OK);
    let (_, _, list) = other.get("/sessions").await;
    let other_handle = list["sessions"].as_array().unwrap().iter().find(|s| s["current"] == json!(true)).unwrap()["handle"].as_str().unwrap().to_string();
    let (_, _, before) = b.get("/crypto/keybag").await;

    server.advance(301);
    for (method, path, body) in actions("env_6b1f0c9e-2d4a-4e8b-9c1d-0a2b3c4d5e6f", &other_handle) {
        let (s, v) = call(&mut b, &method, &path, &body).await;
        assert_eq!((s, v["error"].as_str()), (StatusCode::FORBIDDEN, Some("reauthentication_required")), "{method} {path}: {v}");
    }
    // Nothing changed, and the stale session still reads and is still signed in.
    let (s, _, after) = b.get("/crypto/keybag").await;
    assert_eq!((s, &after), (StatusCode::OK, &before));
    assert_eq!(other.get("/session").await.0, StatusCode::OK, "the other session was not revoked");
    assert_eq!(b.get("/crypto/wrapped-drk").await.0, StatusCode::OK);

    // A fresh login: the same calls are allowed again (each is judged on its own merits).
    assert_eq!(b.login("stepup@example.com", PASSWORD).await.0, StatusCode::OK);
    let (s, v) = call(&mut b, &Method::POST, &format!("/sessions/{other_handle}/revoke"), &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(other.get("/session").await.0, StatusCode::UNAUTHORIZED);
    let (s, v) = call(&mut b, &Method::DELETE, "/crypto/keybag/envelopes/env_6b1f0c9e-2d4a-4e8b-9c1d-0a2b3c4d5e6f", &Value::Null).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = call(&mut b, &Method::POST, "/crypto/keybag/rotate", &json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_ne!(v["account_key"]["key_id"].as_str(), Some(acct.key_id.as_str()));
    // At 5 minutes exactly it still holds; one second later it does not.
    server.advance(300);
    assert_eq!(call(&mut b, &Method::PUT, "/crypto/wrapped-drk", &json!({"wrapped_drk": "AAAA"})).await.0, StatusCode::OK);
    server.advance(1);
    assert_eq!(call(&mut b, &Method::PUT, "/crypto/wrapped-drk", &json!({"wrapped_drk": "AAAA"})).await.0, StatusCode::FORBIDDEN);
}
