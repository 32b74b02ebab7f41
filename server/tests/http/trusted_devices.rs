//! Trusted devices and device approval (wire profile §3.10): a trusted browser registers its
//! ECDSA approval key; a browser signed in with a passkey that cannot unlock asks for approval;
//! the server's hashes and AAD are recomputed here from the spec's text; the trusted device's
//! proof is checked; the requesting session consumes the approval once and becomes unlocked.
//! Every refusal: wrong proof, altered AAD, another user's device, a revoked device, a consume
//! from another session or with the wrong key hash, a denied, consumed or expired request.

use axum::http::{Method, StatusCode};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rand_core::OsRng;
use serde_json::{json, Value};
use zkauth_verify::{b64u, envelope_aad, hash_b64u, EnvelopeAad, EnvelopeType};

use crate::flow::account_with_keys;
use crate::harness::*;
use crate::passkeys::{add_passkey, passkey_login, Device};

const LOCAL_ALG: &str = "DarkAuth-DeviceLocal-AESGCM/v2";
/// A compact JWE's shape (the server stores the approval JWE without opening it).
const JWE: &str = "eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTI1NkdDTSJ9..aXZpdml2aXZpdg.Y2lwaGVy.dGFndGFndGFndGFndGFn";

fn public_jwk(key: &SigningKey) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    // As WebCrypto exports an ECDSA public key.
    json!({"kty": "EC", "crv": "P-256", "x": b64u::encode(point.x().unwrap()), "y": b64u::encode(point.y().unwrap()), "ext": true, "key_ops": ["verify"]})
}

/// Registers `b`'s browser as a trusted device of `sub` (its trusted_device envelope first).
async fn trust(b: &mut Browser<'_>, sub: &str, key_id: &str, key: &SigningKey, n: u8) -> String {
    let envelope_id = format!("env_device_{n}");
    let aad = envelope_aad(&EnvelopeAad { envelope_id: &envelope_id, key_id, sub, envelope_type: EnvelopeType::TrustedDevice, wrapping_alg: LOCAL_ALG });
    let env = json!({
        "envelope_id": envelope_id, "key_id": key_id, "type": "trusted_device", "wrapping_alg": LOCAL_ALG,
        "wrapped_key": b64u::encode(&[n; 60]), "aad": b64u::encode(aad.as_bytes()),
        "metadata": {"version": "v2", "key_handle": format!("dk_00000000-0000-4000-8000-00000000000{n}")},
    });
    let (s, _, body) = b.post_json("/crypto/keybag/envelopes", env).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let device = json!({"label": format!("Laptop {n}"), "public_jwk": public_jwk(key), "key_handle": format!("dk_00000000-0000-4000-8000-00000000000{n}"), "envelope_id": envelope_id});
    let (s, _, body) = b.post_json("/crypto/devices", device).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body["device"]["device_id"].as_str().unwrap().to_string()
}

/// The new device's ECDH public JWK as the page sends it: compact, string members only.
fn new_device_jwk() -> String {
    let key = SigningKey::random(&mut OsRng);
    let point = key.verifying_key().to_encoded_point(false);
    format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#, b64u::encode(point.x().unwrap()), b64u::encode(point.y().unwrap()))
}

async fn post_raw(b: &mut Browser<'_>, path: &str, body: String) -> (StatusCode, Value) {
    let req = b.request(Method::POST, path, Some("application/json"), body);
    let (s, _, v) = b.send(req).await;
    (s, v)
}

/// This browser's session handle.
async fn handle_of(b: &mut Browser<'_>) -> String {
    let (_, _, list) = b.get("/sessions").await;
    list["sessions"].as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["handle"].as_str().unwrap().to_string()
}

/// Ada with keys on a trusted browser, and a second browser signed in with a passkey that
/// cannot unlock (no PRF): the device that needs approval.
struct Setup<'a> {
    trusted: Browser<'a>,
    newcomer: Browser<'a>,
    sub: String,
    key_id: String,
    device_key: SigningKey,
    device_id: String,
}

async fn setup<'a>(server: &'a Server, email: &str) -> Setup<'a> {
    let mut trusted = server.browser();
    let acct = account_with_keys(&mut trusted, email).await;
    let device_key = SigningKey::random(&mut OsRng);
    let device_id = trust(&mut trusted, &acct.sub, &acct.key_id, &device_key, 1).await;
    let mut phone = Device::new(ISSUER, false);
    assert_eq!(add_passkey(&mut trusted, &mut phone).await.0, StatusCode::CREATED);
    let mut newcomer = server.browser();
    let (s, login, _) = passkey_login(&mut newcomer, &mut phone).await;
    assert_eq!((s, login["unlocked"].as_bool()), (StatusCode::OK, Some(false)));
    Setup { trusted, newcomer, sub: acct.sub, key_id: acct.key_id, device_key, device_id }
}

fn sign(key: &SigningKey, bytes: &[u8]) -> String {
    let sig: Signature = key.sign(bytes);
    b64u::encode(&sig.to_bytes())
}

#[tokio::test]
async fn a_trusted_device_approves_and_the_new_session_consumes_once_and_is_unlocked() {
    let server = Server::start().await;
    let mut s = setup(&server, "approve@example.com").await;
    let (_, _, devices) = s.trusted.get("/crypto/devices").await;
    assert_eq!(devices["devices"][0]["device_id"], s.device_id.as_str());
    assert!(devices["devices"][0].get("public_jwk").is_none(), "{devices}");

    // The new device asks, with its ECDH key (exactly this text) and its code's hash.
    let jwk = new_device_jwk();
    let code_hash = hash_b64u("042917");
    let (st, req) = post_raw(&mut s.newcomer, "/crypto/device-approvals", format!(r#"{{"new_device_public_jwk":{jwk},"verification_code_hash":"{code_hash}"}}"#)).await;
    assert_eq!(st, StatusCode::CREATED, "{req}");
    let request_id = req["request_id"].as_str().unwrap().to_string();
    // The spec's hashes, recomputed here from its text.
    let jwk_hash = hash_b64u(&jwk);
    let handle = handle_of(&mut s.newcomer).await;
    let binding = format!(
        r#"{{"sub":"{}","request_id":"{request_id}","requester_session_id":"{handle}","client_id":"","state_hash":"{}","verification_code_hash":"{code_hash}","new_device_public_jwk_hash":"{jwk_hash}"}}"#,
        s.sub,
        hash_b64u("")
    );
    let binding_hash = hash_b64u(&binding);
    let aad_text = format!("DarkAuth|device-approval|{}|{request_id}|{jwk_hash}|{binding_hash}", s.sub);
    assert_eq!(req["new_device_public_jwk_hash"], jwk_hash.as_str());
    assert_eq!(req["request_binding_hash"], binding_hash.as_str());
    assert_eq!(req["approval_aad"], b64u::encode(aad_text.as_bytes()).as_str());
    assert!(req["verification_code"].as_str().unwrap().len() == 6 && req["verification_code"].as_str().unwrap().bytes().all(|c| c.is_ascii_digit()));
    assert_eq!(req["expires_at"], server.state.now() + 600);

    // Not approved yet: the poll says so.
    let proof = json!({"request_id": request_id, "new_device_proof": jwk_hash});
    let consume = format!("/crypto/device-approvals/{request_id}/consume");
    let (st, _, body) = s.newcomer.post_json(&consume, proof.clone()).await;
    assert_eq!((st, body["status"].as_str()), (StatusCode::OK, Some("pending")));

    // The trusted device sees it and approves with a proof over the AAD's bytes.
    let (_, _, pending) = s.trusted.get("/crypto/device-approvals").await;
    assert_eq!(pending["approvals"][0]["request_id"], request_id.as_str());
    assert_eq!(pending["approvals"][0]["verification_code_hash"], code_hash.as_str());
    let approve = format!("/crypto/device-approvals/{request_id}/approve");
    let body = json!({
        "encrypted_approval": b64u::encode(JWE.as_bytes()), "approval_aad": req["approval_aad"],
        "approval_proof": sign(&s.device_key, aad_text.as_bytes()), "approved_device_id": s.device_id,
    });
    let (st, _, ok) = s.trusted.post_json(&approve, body.clone()).await;
    assert_eq!(st, StatusCode::OK, "{ok}");
    assert_eq!(s.trusted.post_json(&approve, body).await.0, StatusCode::CONFLICT, "approved once");

    // Another session of Ada cannot take it; the right session with the wrong hash neither.
    let mut other = server.browser();
    assert_eq!(other.login("approve@example.com", PASSWORD).await.0, StatusCode::OK);
    let (st, _, body) = other.post_json(&consume, proof.clone()).await;
    assert_eq!((st, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("access_denied")), "{body}");
    let wrong = json!({"request_id": request_id, "new_device_proof": hash_b64u(&new_device_jwk())});
    assert_eq!(s.newcomer.post_json(&consume, wrong).await.0, StatusCode::FORBIDDEN);
    assert_eq!(s.newcomer.get("/session").await.2["unlocked"], false);
    let (st, _, got) = s.newcomer.post_json(&consume, proof.clone()).await;
    assert_eq!((st, got["status"].as_str(), got["encrypted_approval"].as_str()), (StatusCode::OK, Some("consumed"), Some(b64u::encode(JWE.as_bytes()).as_str())));
    assert_eq!(s.newcomer.get("/session").await.2["unlocked"], true, "the consuming session is unlocked");
    let (st, _, _) = s.newcomer.post_json(&consume, proof).await;
    assert_eq!(st, StatusCode::CONFLICT, "consumed once");
    let (_, _, pending) = s.trusted.get("/crypto/device-approvals").await;
    assert_eq!(pending["approvals"], json!([]));
}

#[tokio::test]
async fn approvals_refuse_bad_proofs_aads_devices_and_denied_or_expired_requests() {
    let server = Server::start().await;
    let mut s = setup(&server, "refuse@example.com").await;
    let jwk = new_device_jwk();
    let (_, req) = post_raw(&mut s.newcomer, "/crypto/device-approvals", format!(r#"{{"new_device_public_jwk":{jwk},"verification_code_hash":"{}"}}"#, hash_b64u("1"))).await;
    let request_id = req["request_id"].as_str().unwrap().to_string();
    let aad = b64u::decode(req["approval_aad"].as_str().unwrap(), "aad").unwrap();
    let approve = format!("/crypto/device-approvals/{request_id}/approve");
    let body = |aad_b64u: &str, proof: String, device: &str| {
        json!({"encrypted_approval": b64u::encode(JWE.as_bytes()), "approval_aad": aad_b64u, "approval_proof": proof, "approved_device_id": device})
    };
    let good_aad = req["approval_aad"].as_str().unwrap().to_string();
    // A proof by another key, or over other bytes.
    let stranger = SigningKey::random(&mut OsRng);
    for proof in [sign(&stranger, &aad), sign(&s.device_key, b"DarkAuth|device-approval|something else")] {
        let (st, _, e) = s.trusted.post_json(&approve, body(&good_aad, proof, &s.device_id)).await;
        assert_eq!((st, e["error"].as_str()), (StatusCode::FORBIDDEN, Some("access_denied")), "{e}");
    }
    // An altered AAD, even with a valid proof over it.
    let mut altered = aad.clone();
    altered.push(b'x');
    let (st, _, _) = s.trusted.post_json(&approve, body(&b64u::encode(&altered), sign(&s.device_key, &altered), &s.device_id)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Not a JWE.
    let mut not_jwe = body(&good_aad, sign(&s.device_key, &aad), &s.device_id);
    not_jwe["encrypted_approval"] = json!(b64u::encode(b"not a jwe"));
    assert_eq!(s.trusted.post_json(&approve, not_jwe).await.0, StatusCode::BAD_REQUEST);
    // Another user's trusted device.
    let mut bob = server.browser();
    let (bob_sub, _) = bob.register("bob-devices@example.com", PASSWORD).await;
    let (_, _, key) = bob.post_json("/crypto/keybag/rotate", json!({})).await;
    let bob_key = SigningKey::random(&mut OsRng);
    let bob_device = trust(&mut bob, &bob_sub, key["account_key"]["key_id"].as_str().unwrap(), &bob_key, 2).await;
    let (st, _, _) = s.trusted.post_json(&approve, body(&good_aad, sign(&bob_key, &aad), &bob_device)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Bob's session cannot see or approve Ada's request.
    assert_eq!(bob.get("/crypto/device-approvals").await.2["approvals"], json!([]));
    assert_eq!(bob.post_json(&approve, body(&good_aad, sign(&bob_key, &aad), &bob_device)).await.0, StatusCode::NOT_FOUND);
    // A revoked device (revoking needs a recent sign-in; its envelope goes with it).
    let req = s.trusted.request(Method::DELETE, &format!("/crypto/devices/{}", s.device_id), None, String::new());
    assert_eq!(s.trusted.send(req).await.0, StatusCode::OK);
    let (_, _, keybag) = s.trusted.get("/crypto/keybag?include_revoked=true").await;
    assert!(keybag["envelopes"].as_array().unwrap().iter().any(|e| e["envelope_id"] == "env_device_1" && e["revoked_at"].is_i64()));
    let (st, _, _) = s.trusted.post_json(&approve, body(&good_aad, sign(&s.device_key, &aad), &s.device_id)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a revoked device approves nothing");

    // Denied: the new device's poll is refused.
    let key2 = SigningKey::random(&mut OsRng);
    let device2 = trust(&mut s.trusted, &s.sub, &s.key_id, &key2, 3).await;
    let deny = format!("/crypto/device-approvals/{request_id}/deny");
    assert_eq!(s.trusted.post_json(&deny, json!({})).await.0, StatusCode::OK);
    let consume = format!("/crypto/device-approvals/{request_id}/consume");
    let (st, _, _) = s.newcomer.post_json(&consume, json!({"request_id": request_id, "new_device_proof": hash_b64u(&jwk)})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "denied");

    // Expired after ten minutes: gone for both sides.
    let (_, req) = post_raw(&mut s.newcomer, "/crypto/device-approvals", format!(r#"{{"new_device_public_jwk":{jwk},"verification_code_hash":"{}"}}"#, hash_b64u("2"))).await;
    let id2 = req["request_id"].as_str().unwrap().to_string();
    server.advance(601);
    let aad2 = b64u::decode(req["approval_aad"].as_str().unwrap(), "aad").unwrap();
    let (st, _, _) = s.trusted.post_json(&format!("/crypto/device-approvals/{id2}/approve"), body(req["approval_aad"].as_str().unwrap(), sign(&key2, &aad2), &device2)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn requests_refuse_keys_not_sent_as_compact_strings_and_devices_need_their_envelope() {
    let server = Server::start().await;
    let mut s = setup(&server, "shapes@example.com").await;
    let jwk = new_device_jwk();
    let code = hash_b64u("3");
    let spaced = jwk.replace(',', ", ");
    let with_ops = jwk.replace('}', r#","key_ops":[]}"#);
    let private = jwk.replace('}', &format!(r#","d":"{}"}}"#, b64u::encode(&[1u8; 32])));
    for bad in [spaced, with_ops, private, r#"{"kty":"oct","k":"AAAA"}"#.to_string(), "\"x\"".to_string()] {
        let (st, e) = post_raw(&mut s.newcomer, "/crypto/device-approvals", format!(r#"{{"new_device_public_jwk":{bad},"verification_code_hash":"{code}"}}"#)).await;
        assert_eq!((st, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{bad}: {e}");
    }
    let (st, _) = post_raw(&mut s.newcomer, "/crypto/device-approvals", format!(r#"{{"new_device_public_jwk":{jwk},"verification_code_hash":"short"}}"#)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // At most three open requests per session.
    for n in 0..3 {
        let (st, _) = post_raw(&mut s.newcomer, "/crypto/device-approvals", format!(r#"{{"new_device_public_jwk":{jwk},"verification_code_hash":"{}"}}"#, hash_b64u(&n.to_string()))).await;
        assert_eq!(st, StatusCode::CREATED);
    }
    let (st, e) = post_raw(&mut s.newcomer, "/crypto/device-approvals", format!(r#"{{"new_device_public_jwk":{jwk},"verification_code_hash":"{code}"}}"#)).await;
    assert_eq!((st, e["error"].as_str()), (StatusCode::FORBIDDEN, Some("quota_exceeded")));
    // A device needs a live trusted_device envelope of the account and a dk_<uuid> handle.
    let key = SigningKey::random(&mut OsRng);
    let device = |envelope: &str, handle: &str| json!({"label": "x", "public_jwk": public_jwk(&key), "key_handle": handle, "envelope_id": envelope});
    assert_eq!(s.trusted.post_json("/crypto/devices", device("env_6b1f0c9e-2d4a-4e8b-9c1d-0a2b3c4d5e6f", "dk_00000000-0000-4000-8000-000000000009")).await.0, StatusCode::BAD_REQUEST, "a password envelope is not a device's");
    assert_eq!(s.trusted.post_json("/crypto/devices", device("env_device_1", "device-1")).await.0, StatusCode::BAD_REQUEST);
}
