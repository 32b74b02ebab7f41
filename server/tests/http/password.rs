//! Password change after a fresh login, and a forgotten password reset with a recovery key:
//! the root key (and so every app key) survives both.

use axum::http::StatusCode;
use rand_core::OsRng;
use serde_json::json;
use zkauth::keys::{recovery_envelope_aad, EnvelopeMeta, RecoveryKey};
use zkauth::opaque::OpaqueClient;
use zkauth_verify::WRAPPING_ALG_RECOVERY;

use crate::flow::account_with_keys;
use crate::harness::*;

/// Runs a registration-shaped exchange against `start`/`finish` with `extra` members.
async fn new_password(b: &mut Browser<'_>, start: &str, finish: &str, extra: serde_json::Value, email: &str, password: &str) -> (StatusCode, serde_json::Value) {
    let client = OpaqueClient::new(b.server.profile());
    let (request, reg) = client.start_registration(&mut OsRng, password.as_bytes()).unwrap();
    let mut body = extra.clone();
    body["request"] = json!(request);
    let (s, _, resp) = b.post_json(start, body).await;
    if s != StatusCode::OK {
        return (s, resp);
    }
    assert_eq!(resp["identityU"], json!(email));
    let done = reg.finish(&mut OsRng, resp["message"].as_str().unwrap(), email).unwrap();
    let mut body = extra;
    body["record"] = json!(done.record);
    let (s, _, resp) = b.post_json(finish, body).await;
    (s, resp)
}

#[tokio::test]
async fn change_password_needs_a_fresh_login_and_keeps_the_root_key() {
    let server = Server::start().await;
    let mut b = server.browser();
    account_with_keys(&mut b, "change@example.com").await;
    let mut other = server.browser();
    assert_eq!(other.login("change@example.com", PASSWORD).await.0, StatusCode::OK);

    server.advance(301);
    let (s, body) = new_password(&mut b, "/password/change/start", "/password/change/finish", json!({}), "change@example.com", "new password 1").await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::FORBIDDEN, "reauthentication_required"), "a stale session cannot change it");

    assert_eq!(b.login("change@example.com", PASSWORD).await.0, StatusCode::OK);
    let before = b.session.clone();
    let (s, body) = new_password(&mut b, "/password/change/start", "/password/change/finish", json!({}), "change@example.com", "new password 1").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_ne!(b.session, before, "the session id rotates");
    assert_eq!(b.get("/session").await.0, StatusCode::OK);
    assert_eq!(other.get("/session").await.0, StatusCode::UNAUTHORIZED, "other sessions end");
    assert_eq!(b.login("change@example.com", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(b.login("change@example.com", "new password 1").await.0, StatusCode::OK);
}

#[tokio::test]
async fn forgotten_password_reset_with_a_recovery_key() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "forgot@example.com").await;
    let secret = RecoveryKey::generate(&mut OsRng);
    let meta = EnvelopeMeta { envelope_id: "env_rec-9", key_id: &acct.key_id, sub: &acct.sub };
    let body = json!({
        "key_id": acct.key_id, "envelope_id": meta.envelope_id, "wrapping_alg": WRAPPING_ALG_RECOVERY,
        "wrapped_key": secret.seal_envelope(&mut OsRng, &acct.root, &meta).unwrap(),
        "aad": recovery_envelope_aad(&meta).unwrap(), "verifier": secret.verifier(),
    });
    assert_eq!(b.post_json("/crypto/recovery-keys", body).await.0, StatusCode::CREATED);

    let mut lost = server.browser();
    let wrong = RecoveryKey::generate(&mut OsRng).verifier();
    let (s1, _, e1) = lost.post_json("/recovery/start", json!({"email": "forgot@example.com", "verifier": wrong})).await;
    let (s2, _, e2) = lost.post_json("/recovery/start", json!({"email": "nobody@example.com", "verifier": secret.verifier()})).await;
    assert_eq!((s1, s2), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN));
    assert_eq!(e1, e2, "unknown account and wrong key look alike");

    let (s, _, rec) = lost.post_json("/recovery/start", json!({"email": "forgot@example.com", "verifier": secret.verifier()})).await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    assert_eq!(rec["sub"], json!(acct.sub));
    let root = secret.open_envelope(rec["envelope"]["wrapped_key"].as_str().unwrap(), &meta).unwrap();
    assert_eq!(root.expose_secret(), acct.root.expose_secret());
    let token = rec["reset_token"].as_str().unwrap().to_string();

    let (s, body) = new_password(&mut lost, "/password/reset/start", "/password/reset/finish", json!({"token": token}), "forgot@example.com", "brand new password").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(lost.get("/session").await.0, StatusCode::OK, "the reset logs the user in");
    assert_eq!(b.get("/session").await.0, StatusCode::UNAUTHORIZED, "every older session ended");
    let (s, _) = new_password(&mut lost, "/password/reset/start", "/password/reset/finish", json!({"token": token}), "forgot@example.com", "again").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the grant is single use");
    assert_eq!(b.login("forgot@example.com", "brand new password").await.0, StatusCode::OK);
}

/// "Log out everywhere" and a password change end what existed before them: a code finalized
/// a moment earlier but not yet redeemed buys no tokens afterwards, and the tokens already
/// issued stop working (the reviewer's probe redeemed such a code for fresh 30-day tokens).
#[tokio::test]
async fn logout_everywhere_and_password_change_end_codes_and_tokens_issued_before() {
    use crate::flow::{app_authorize, approve, exchange_code, token_request};
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "ender@example.com").await;

    // A code finalized, then "log out everywhere" before the app redeems it.
    let req = app_authorize(&server).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    assert_eq!(b.post_json("/logout/all", json!({})).await.0, StatusCode::OK);
    let (s, body) = exchange_code(&server, &code, &req.verifier).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{body}");

    // Tokens from one code, an unredeemed second code, then a password change.
    assert_eq!(b.login("ender@example.com", PASSWORD).await.0, StatusCode::OK);
    let req1 = app_authorize(&server).await;
    let (code1, _) = approve(&mut b, &acct, &req1).await;
    let (s, tokens) = exchange_code(&server, &code1, &req1.verifier).await;
    assert_eq!(s, StatusCode::OK, "{tokens}");
    let req2 = app_authorize(&server).await;
    let (code2, _) = approve(&mut b, &acct, &req2).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let notes = || axum::http::Request::get("/notes").header("authorization", format!("Bearer {access}")).body(axum::body::Body::empty()).unwrap();
    assert_eq!(server.send(notes()).await.0, StatusCode::OK);
    let (s, body) = new_password(&mut b, "/password/change/start", "/password/change/finish", json!({}), "ender@example.com", "a new password").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(server.send(notes()).await.0, StatusCode::UNAUTHORIZED, "the access token ends with the old password");
    let (s, _) = token_request(&server, &[("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap()), ("client_id", CLIENT)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "so does the refresh token");
    let (s, body) = exchange_code(&server, &code2, &req2.verifier).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "and the unredeemed code");
    assert_eq!(b.get("/session").await.0, StatusCode::OK, "this browser's new session lives");
}
