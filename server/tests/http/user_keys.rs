//! The user's encryption key pair (wire profile §3.11): the public JWK (a P-256 public key,
//! stored canonically), the wrapped private JWK (public key first), step-up to replace, and
//! other users' public keys only where the server allows it.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::harness::*;

fn public_jwk(seed: u8) -> (Value, String) {
    let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
    let point = key.verifying_key().to_encoded_point(false);
    let (x, y) = (zkauth_verify::b64u::encode(point.x().unwrap()), zkauth_verify::b64u::encode(point.y().unwrap()));
    // As WebCrypto exports it.
    (json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "ext": true, "key_ops": []}), format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"}}"#))
}

#[tokio::test]
async fn the_key_pair_is_stored_checked_and_replaced_only_after_a_recent_sign_in() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("keys@example.com", PASSWORD).await;
    let wrapped = zkauth_verify::b64u::encode(&[7u8; 60]);
    let (s, _, body) = b.put_json("/crypto/wrapped-enc-priv", json!({"wrapped_enc_private_jwk": wrapped})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "the public key first: {body}");
    let (jwk, canonical) = public_jwk(3);
    assert_eq!(b.put_json("/crypto/enc-pub", json!({"enc_public_jwk": jwk})).await.0, StatusCode::OK);
    assert_eq!(b.put_json("/crypto/wrapped-enc-priv", json!({"wrapped_enc_private_jwk": wrapped})).await.0, StatusCode::OK);
    let (_, _, got) = b.get("/crypto/enc-pub").await;
    assert_eq!(got["enc_public_jwk"], serde_json::from_str::<Value>(&canonical).unwrap(), "only the public members");
    let (_, _, got) = b.get("/crypto/wrapped-enc-priv").await;
    assert_eq!(got["wrapped_enc_private_jwk"], wrapped.as_str());
    // Refusals: a private key, a key off the curve, a wrapped key too short to be format B.
    let mut private = jwk.clone();
    private["d"] = json!(zkauth_verify::b64u::encode(&[3u8; 32]));
    let mut off = jwk.clone();
    off["y"] = off["x"].clone();
    for bad in [private, off, json!({"kty": "oct", "k": "AAAA"})] {
        let (s, _, body) = b.put_json("/crypto/enc-pub", json!({"enc_public_jwk": bad})).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{bad}");
    }
    let short = zkauth_verify::b64u::encode(&[1u8; 28]);
    assert_eq!(b.put_json("/crypto/wrapped-enc-priv", json!({"wrapped_enc_private_jwk": short})).await.0, StatusCode::BAD_REQUEST);
    // Replacing, past the step-up window: refused; the same values again are fine.
    server.advance(server.state.config.session.reauth_window_secs + 1);
    let (other, _) = public_jwk(4);
    let (s, _, body) = b.put_json("/crypto/enc-pub", json!({"enc_public_jwk": other})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("reauthentication_required")), "{body}");
    assert_eq!(b.put_json("/crypto/enc-pub", json!({"enc_public_jwk": jwk})).await.0, StatusCode::OK);
    // After a fresh sign-in a new pair replaces it, and the old wrapped private key goes.
    assert_eq!(b.login("keys@example.com", PASSWORD).await.0, StatusCode::OK);
    assert_eq!(b.put_json("/crypto/enc-pub", json!({"enc_public_jwk": other})).await.0, StatusCode::OK);
    assert_eq!(b.get("/crypto/wrapped-enc-priv").await.0, StatusCode::NOT_FOUND, "the old pair's private key is gone");
}

#[tokio::test]
async fn another_users_public_key_is_readable_only_where_the_server_allows_it() {
    for visible in [false, true] {
        let server = Server::start_with(&format!("[user_keys]\nenc_public_visible_to_authenticated_users = {visible}\n")).await;
        let mut bob = server.browser();
        let (bob_sub, _) = bob.register("bob@example.com", PASSWORD).await;
        let (jwk, canonical) = public_jwk(5);
        assert_eq!(bob.put_json("/crypto/enc-pub", json!({"enc_public_jwk": jwk})).await.0, StatusCode::OK);
        let mut ada = server.browser();
        ada.register("ada@example.com", PASSWORD).await;
        let (s, _, body) = ada.get(&format!("/crypto/user-enc-pub?sub={bob_sub}")).await;
        if visible {
            assert_eq!(s, StatusCode::OK, "{body}");
            assert_eq!((body["sub"].as_str(), &body["enc_public_jwk"]), (Some(bob_sub.as_str()), &serde_json::from_str::<Value>(&canonical).unwrap()));
            let (s, _, _) = ada.get("/crypto/user-enc-pub?sub=nobody").await;
            assert_eq!(s, StatusCode::NOT_FOUND);
        } else {
            assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("access_denied")), "{body}");
        }
        let mut anonymous = server.browser();
        assert_eq!(anonymous.get(&format!("/crypto/user-enc-pub?sub={bob_sub}")).await.0, StatusCode::UNAUTHORIZED);
    }
}
