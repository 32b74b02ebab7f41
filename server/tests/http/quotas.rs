//! Per-user quotas (`[quotas]`): one account cannot fill the database. Creates past a quota
//! are refused with `quota_exceeded` and write nothing; replacing or deleting still works;
//! sessions past their quota end the oldest instead of refusing a login.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;

use crate::flow::{account_with_keys, app_authorize, approve, exchange_code};
use crate::harness::*;

const SMALL: &str = "[quotas]\nnotes = 2\naccount_keys = 2\nenvelopes = 2\nrecovery_keys = 1\nsessions = 2";

async fn put_note(server: &Server, access: &str, id: &str) -> (StatusCode, serde_json::Value) {
    let note = json!({"ciphertext": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "aad": format!("{{\"note_id\":\"{id}\"}}")});
    let req = Request::put(format!("/notes/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {access}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(note.to_string()))
        .unwrap();
    let (s, _, body) = server.send(req).await;
    (s, body)
}

#[tokio::test]
async fn creates_past_a_quota_are_refused_and_write_nothing() {
    let server = Server::start_with(SMALL).await;
    let mut b = server.browser();
    // account_with_keys makes one account key and one password envelope.
    let acct = account_with_keys(&mut b, "quota@example.com").await;
    let req = app_authorize(&server).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    let (_, tok) = exchange_code(&server, &code, &req.verifier).await;
    let access = tok["access_token"].as_str().unwrap();

    assert_eq!(put_note(&server, access, "n1").await.0, StatusCode::OK);
    assert_eq!(put_note(&server, access, "n2").await.0, StatusCode::OK);
    let (s, body) = put_note(&server, access, "n3").await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("quota_exceeded")));
    assert_eq!(put_note(&server, access, "n2").await.0, StatusCode::OK, "replacing a note is not a create");
    let del = Request::delete("/notes/n1").header(header::AUTHORIZATION, format!("Bearer {access}")).body(Body::empty()).unwrap();
    assert_eq!(server.send(del).await.0, StatusCode::OK);
    assert_eq!(put_note(&server, access, "n3").await.0, StatusCode::OK, "a delete frees a place");

    let (s, _, _) = b.post_json("/crypto/keybag/account-key", json!({})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, body) = b.post_json("/crypto/keybag/rotate", json!({})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("quota_exceeded")));
    let (_, _, keybag) = b.get("/crypto/keybag").await;
    assert_eq!(keybag["account_keys"].as_array().unwrap().len(), 2, "nothing was written");

    let envelope = |id: &str| {
        json!({"envelope_id": id, "key_id": acct.key_id, "type": "password", "wrapping_alg": "x", "wrapped_key": "AAAA", "aad": "AAAA"})
    };
    // A legacy-shaped (not v2) envelope: the second of two allowed, then the quota.
    assert_eq!(b.post_json("/crypto/keybag/envelopes", envelope("env_2")).await.0, StatusCode::CREATED);
    let (s, _, body) = b.post_json("/crypto/keybag/envelopes", envelope("env_3")).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("quota_exceeded")));
    let (_, _, keybag) = b.get("/crypto/keybag").await;
    assert_eq!(keybag["envelopes"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_login_past_the_session_quota_ends_the_oldest_session() {
    let server = Server::start_with(SMALL).await;
    let mut first = server.browser();
    first.register("sessions@example.com", PASSWORD).await;
    server.advance(1); // sessions are ordered by their start second
    let mut second = server.browser();
    assert_eq!(second.login("sessions@example.com", PASSWORD).await.0, StatusCode::OK);
    assert_eq!(first.get("/session").await.0, StatusCode::OK);
    server.advance(1);
    let mut third = server.browser();
    assert_eq!(third.login("sessions@example.com", PASSWORD).await.0, StatusCode::OK);
    assert_eq!(first.get("/session").await.0, StatusCode::UNAUTHORIZED, "the oldest ended");
    assert_eq!(second.get("/session").await.0, StatusCode::OK);
    assert_eq!(third.get("/session").await.0, StatusCode::OK);
}
