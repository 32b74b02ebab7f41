//! Tests of fragment-JWE delivery: round trips, exact layouts, and every forgery refused with
//! its own code.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use p256::PublicKey;
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use zkauth_verify::{
    b64u, hash_b64u, parse_compact_jwe, public_jwk_json, v1_header_json, v2_header_json, validate_zk_pub, JweVersion, KEY_KIND_CLIENT_APP_KEY,
    TYP_CLIENT_KEY,
};

use super::concat_kdf::concat_kdf;
use super::jwe::{seal_compact, shared_x};
use super::*;
use crate::{AppKey, Error, RootKey};

const NOW: i64 = 1_700_000_000;
const CLIENT: &str = "app-client";
const REDIRECT: &str = "https://app.example/callback";
const STATE: &str = "7f0c2a9e-6c1b-4c55-9d3e-2f7b1a0c9e11";
const SUB: &str = "AAECAwQFBgcICQoLDA0ODw";
const REQ: &str = "req-abcdef";
const ORG: &str = "2f1d3c4b-0000-4000-8000-000000000001";
const KEY_ID: &str = "ark_key1";

fn seal_params() -> SealV2<'static> {
    SealV2 {
        sub: SUB,
        client_id: CLIENT,
        org_id: Some(ORG),
        request_id: REQ,
        state: Some(STATE),
        redirect_uri: REDIRECT,
        key_id: KEY_ID,
        iat: NOW,
    }
}

fn expect_for(hash: &str) -> ExpectV2<'_> {
    ExpectV2 {
        zk_key_hash: hash,
        client_id: CLIENT,
        redirect_uri: REDIRECT,
        state: Some(STATE),
        sub: Some(SUB),
        request_id: Some(REQ),
        org_id: Some(ORG),
        now: NOW + 5,
        zk_key_kind: Some("client_app_key"),
        zk_key_version: Some("v2"),
    }
}

fn random_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    OsRng.fill_bytes(&mut k);
    k
}

fn code<T>(r: Result<T, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

fn honest_payload() -> Value {
    json!({
        "typ": TYP_CLIENT_KEY, "version": "v2", "sub": SUB, "client_id": CLIENT, "aud": CLIENT, "org_id": ORG,
        "request_id": REQ, "state_hash": hash_b64u(STATE), "redirect_uri_hash": hash_b64u(REDIRECT),
        "key_id": KEY_ID, "key_kind": KEY_KIND_CLIENT_APP_KEY, "cak": b64u::encode(&[9u8; 32]), "iat": NOW, "exp": NOW + 120
    })
}

/// An honestly encrypted v2 JWE whose payload is `payload` (for claim tests).
fn seal_payload(kp: &DeliveryKeyPair, payload: &[u8]) -> Sealed {
    seal_compact(&mut OsRng, &kp.public_key(), v2_header_json, payload).unwrap()
}

/// An honestly encrypted JWE with a custom header built around the real epk JSON.
fn seal_with_header(kp: &DeliveryKeyPair, header: impl FnOnce(&PublicKey) -> String) -> Sealed {
    seal_compact(&mut OsRng, &kp.public_key(), |epk| Ok(header(epk)), &serde_json::to_vec(&honest_payload()).unwrap()).unwrap()
}

fn epk_json(epk: &PublicKey) -> String {
    let h: Value = serde_json::from_str(&v2_header_json(epk).unwrap()).unwrap();
    h["epk"].to_string()
}

fn replace_segment(jwe: &str, i: usize, seg: &str) -> String {
    let mut parts: Vec<&str> = jwe.split('.').collect();
    parts[i] = seg;
    parts.join(".")
}

#[test]
fn concat_kdf_matches_manual_construction() {
    let z = [0x5au8; 32];
    let mut other = Vec::new();
    other.extend_from_slice(&[0, 0, 0, 1]);
    other.extend_from_slice(&z);
    other.extend_from_slice(&[0, 0, 0, 7]);
    other.extend_from_slice(b"A256GCM");
    other.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    assert_eq!(*concat_kdf(&z), crate::primitives::sha256(&other));
}

#[test]
fn v2_round_trips_with_many_keys() {
    for i in 0..48 {
        let kp = DeliveryKeyPair::generate(&mut OsRng);
        let raw = random_key();
        let key = AppKey::from_bytes(raw);
        let mut p = seal_params();
        if i % 2 == 1 {
            p.org_id = None;
            p.state = None;
        }
        let sealed = seal_delivery_v2(&mut OsRng, &key, &kp.zk_pub().unwrap(), &p).unwrap();
        assert_eq!(sealed.hash, hash_b64u(&sealed.jwe));
        let mut e = expect_for(&sealed.hash);
        if i % 2 == 1 {
            e.org_id = None;
            e.state = None;
        }
        let got = kp.open_v2(&sealed.jwe, &e).unwrap();
        assert_eq!(got.expose_secret(), &raw);
        assert_eq!(got.kind(), DeliveredKind::ClientAppKey);
        assert_eq!(got.kind().as_str(), "client_app_key");
        assert_eq!(got.key_id(), Some(KEY_ID));
        assert_eq!(got.sub(), Some(SUB));
        // The split form gives the same result.
        let epk = delivery_epk_v2(&sealed.jwe, &e).unwrap();
        let epk = PublicKey::from_sec1_bytes(&epk).unwrap();
        let shared = p256::ecdh::diffie_hellman(kp.secret.to_nonzero_scalar(), epk.as_affine());
        let z = shared_x(&shared).unwrap();
        let split = open_delivery_v2_with_secret(&sealed.jwe, z, &e).unwrap();
        assert_eq!(split.expose_secret(), &raw);
        // A wrong Z is an AEAD failure.
        assert_eq!(code(open_delivery_v2_with_secret(&sealed.jwe, &[0u8; 32], &e)), "jwe_decrypt_failed");
        assert_eq!(got.into_app_key().unwrap().expose_secret(), &raw);
    }
}

#[test]
fn v2_payload_layout_is_exact() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let sealed = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes([7; 32]), &kp.zk_pub().unwrap(), &seal_params()).unwrap();
    let pt = kp.open_raw(&sealed.jwe).unwrap();
    let expected = format!(
        r#"{{"typ":"DarkAuth-Client-Key","version":"v2","sub":"{SUB}","client_id":"{CLIENT}","aud":"{CLIENT}","org_id":"{ORG}","request_id":"{REQ}","state_hash":"{}","redirect_uri_hash":"{}","key_id":"{KEY_ID}","key_kind":"client_app_key","cak":"{}","iat":{NOW},"exp":{}}}"#,
        hash_b64u(STATE),
        hash_b64u(REDIRECT),
        b64u::encode(&[7; 32]),
        NOW + 120
    );
    assert_eq!(std::str::from_utf8(&pt).unwrap(), expected);
    // Header bytes are DarkAuth's exactly; no org_id and hash("") state when absent.
    let parsed = parse_compact_jwe(&sealed.jwe, JweVersion::V2).unwrap();
    assert_eq!(b64u::decode(parsed.aad, "h").unwrap(), v2_header_json(&parsed.epk).unwrap().as_bytes());
    let p = SealV2 { org_id: None, state: None, ..seal_params() };
    let s2 = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes([7; 32]), &kp.zk_pub().unwrap(), &p).unwrap();
    let v: Value = serde_json::from_slice(&kp.open_raw(&s2.jwe).unwrap()).unwrap();
    assert!(v.get("org_id").is_none());
    assert_eq!(v["state_hash"], hash_b64u(""));
    // Fresh ephemeral key and IV each time.
    let a = parse_compact_jwe(&sealed.jwe, JweVersion::V2).unwrap();
    let b = parse_compact_jwe(&s2.jwe, JweVersion::V2).unwrap();
    assert_ne!(a.epk, b.epk);
    assert_ne!(a.iv, b.iv);
}

#[test]
fn v1_round_trips_with_many_keys() {
    for _ in 0..48 {
        let kp = DeliveryKeyPair::generate(&mut OsRng);
        let raw = random_key();
        let root = RootKey::from_bytes(raw);
        let sealed = seal_delivery_v1(&mut OsRng, &root, &kp.zk_pub().unwrap(), SUB, CLIENT).unwrap();
        assert_eq!(sealed.hash, hash_b64u(&sealed.jwe));
        let e = ExpectV1 { drk_hash: Some(&sealed.hash), sub: Some(SUB), client_id: Some(CLIENT) };
        let got = kp.open_v1(&sealed.jwe, &e).unwrap();
        assert_eq!(got.expose_secret(), &raw);
        assert_eq!(got.kind(), DeliveredKind::RootKey);
        assert_eq!(got.key_id(), None);
        assert_eq!(got.sub(), Some(SUB));
        assert!(kp.open_v1(&sealed.jwe, &ExpectV1::default()).is_ok());
        let epk = PublicKey::from_sec1_bytes(&delivery_epk_v1(&sealed.jwe, &e).unwrap()).unwrap();
        let shared = p256::ecdh::diffie_hellman(kp.secret.to_nonzero_scalar(), epk.as_affine());
        let split = open_delivery_v1_with_secret(&sealed.jwe, shared_x(&shared).unwrap(), &e).unwrap();
        assert_eq!(split.expose_secret(), &raw);
        // v1 and v2 member sets do not mix.
        assert_eq!(code(kp.open_raw(&sealed.jwe)), "jwe_header_rejected");
        assert_eq!(code(kp.open_v2(&sealed.jwe, &expect_for(&sealed.hash))), "jwe_header_rejected");
        assert_eq!(code(got.into_app_key()), "key_kind_mismatch");
    }
    // Header bytes are DarkAuth's exactly, JSON-escaped.
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let s = seal_delivery_v1(&mut OsRng, &RootKey::from_bytes([1; 32]), &kp.zk_pub().unwrap(), "s\"u", "c\\i").unwrap();
    let parsed = parse_compact_jwe(&s.jwe, JweVersion::V1).unwrap();
    assert_eq!(b64u::decode(parsed.aad, "h").unwrap(), v1_header_json(&parsed.epk, "s\"u", "c\\i").unwrap().as_bytes());
    assert_eq!(kp.open_v1(&s.jwe, &ExpectV1::default()).unwrap().sub(), Some("s\"u"));
}

#[test]
fn seal_refuses_bad_inputs() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let key = AppKey::from_bytes([1; 32]);
    let zk = kp.zk_pub().unwrap();
    let bad_zk = b64u::encode(br#"{"kty":"EC","crv":"P-256"}"#);
    assert_eq!(code(seal_delivery_v2(&mut OsRng, &key, &bad_zk, &seal_params())), "invalid_zk_pub");
    assert_eq!(code(seal_delivery_v2(&mut OsRng, &key, &format!("{zk}="), &seal_params())), "invalid_zk_pub");
    assert_eq!(code(seal_delivery_v1(&mut OsRng, &RootKey::from_bytes([1; 32]), &bad_zk, SUB, CLIENT)), "invalid_zk_pub");
    for p in [
        SealV2 { key_id: "", ..seal_params() },
        SealV2 { sub: "", ..seal_params() },
        SealV2 { client_id: "", ..seal_params() },
        SealV2 { org_id: Some(""), ..seal_params() },
        SealV2 { iat: i64::MAX, ..seal_params() },
    ] {
        assert_eq!(code(seal_delivery_v2(&mut OsRng, &key, &zk, &p)), "invalid_input");
    }
    assert_eq!(code(seal_delivery_v1(&mut OsRng, &RootKey::from_bytes([1; 32]), &zk, "", CLIENT)), "invalid_input");
    // The CAK context carries no `|` (issue 13), also for a key of unknown origin.
    for p in [SealV2 { sub: "a|key_id=b", ..seal_params() }, SealV2 { key_id: "k|x", ..seal_params() }, SealV2 { org_id: Some("o|aud=x"), ..seal_params() }] {
        assert_eq!(code(seal_delivery_v2(&mut OsRng, &key, &zk, &p)), "invalid_input");
    }
}

#[test]
fn openers_apply_the_identifier_rule() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let v2 = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes(random_key()), &kp.zk_pub().unwrap(), &seal_params()).unwrap();
    for e in [
        ExpectV2 { client_id: "", ..expect_for(&v2.hash) },
        ExpectV2 { sub: Some(""), ..expect_for(&v2.hash) },
        ExpectV2 { request_id: Some(""), ..expect_for(&v2.hash) },
        ExpectV2 { org_id: Some(""), ..expect_for(&v2.hash) },
    ] {
        assert_eq!(code(kp.open_v2(&v2.jwe, &e)), "invalid_input");
        assert_eq!(code(delivery_epk_v2(&v2.jwe, &e)), "invalid_input");
    }
    let v1 = seal_delivery_v1(&mut OsRng, &RootKey::from_bytes(random_key()), &kp.zk_pub().unwrap(), SUB, CLIENT).unwrap();
    for e in [ExpectV1 { sub: Some(""), ..ExpectV1::default() }, ExpectV1 { client_id: Some(""), ..ExpectV1::default() }] {
        assert_eq!(code(kp.open_v1(&v1.jwe, &e)), "invalid_input");
    }
}

#[test]
fn derived_app_key_is_sealed_only_under_its_own_context() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let root = RootKey::generate(&mut OsRng);
    let p = seal_params();
    let cak = root.derive_client_app_key(p.sub, p.key_id, p.client_id, p.org_id).unwrap();
    assert!(seal_delivery_v2(&mut OsRng, &cak, &kp.zk_pub().unwrap(), &p).is_ok());
    for other in [
        SealV2 { client_id: "other-app", ..p },
        SealV2 { key_id: "ark_other", ..p },
        SealV2 { sub: "someone-else", ..p },
        SealV2 { org_id: None, ..p },
    ] {
        assert_eq!(code(seal_delivery_v2(&mut OsRng, &cak, &kp.zk_pub().unwrap(), &other)), "app_key_context_mismatch");
    }
    // An account-wide key (no org) matches claims without org_id.
    let account = root.derive_client_app_key(p.sub, p.key_id, p.client_id, None).unwrap();
    assert!(seal_delivery_v2(&mut OsRng, &account, &kp.zk_pub().unwrap(), &SealV2 { org_id: None, ..p }).is_ok());
}

#[test]
fn forged_variants_are_refused_with_their_own_code() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let raw = random_key();
    let key = AppKey::from_bytes(raw);
    let honest = seal_delivery_v2(&mut OsRng, &key, &kp.zk_pub().unwrap(), &seal_params()).unwrap();
    let parts: Vec<String> = honest.jwe.split('.').map(str::to_string).collect();

    // Structural forgeries, each opened with its own correct hash so the later layers run.
    let try_open = |jwe: &str| code(kp.open_v2(jwe, &expect_for(&hash_b64u(jwe))));
    assert_eq!(code(kp.open_v2(&honest.jwe, &expect_for(&hash_b64u("other")))), "hash_mismatch");
    assert_eq!(code(kp.open_v2(&honest.jwe, &expect_for(""))), "hash_mismatch");
    // §4.7 step 5: token-response kind and version are checked before the JWE.
    let ok_hash = hash_b64u(&honest.jwe);
    assert_eq!(code(kp.open_v2(&honest.jwe, &ExpectV2 { zk_key_kind: Some("root_key"), ..expect_for(&ok_hash) })), "key_kind_mismatch");
    assert_eq!(code(kp.open_v2(&honest.jwe, &ExpectV2 { zk_key_version: Some("v1"), ..expect_for(&ok_hash) })), "version_mismatch");

    let extra = seal_with_header(&kp, |epk| format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","epk":{},"kid":"k"}}"#, epk_json(epk)));
    let zip = seal_with_header(&kp, |epk| format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","zip":"DEF","epk":{}}}"#, epk_json(epk)));
    let kw = seal_with_header(&kp, |epk| format!(r#"{{"alg":"ECDH-ES+A256KW","enc":"A256GCM","epk":{}}}"#, epk_json(epk)));
    let a128 = seal_with_header(&kp, |epk| format!(r#"{{"alg":"ECDH-ES","enc":"A128GCM","epk":{}}}"#, epk_json(epk)));
    let dup = seal_with_header(&kp, |epk| format!(r#"{{"alg":"ECDH-ES","alg":"ECDH-ES","enc":"A256GCM","epk":{}}}"#, epk_json(epk)));
    let v1_in_v2 = seal_with_header(&kp, |epk| v1_header_json(epk, SUB, CLIENT).unwrap());
    for s in [&extra, &zip, &kw, &a128, &dup, &v1_in_v2] {
        assert_eq!(try_open(&s.jwe), "jwe_header_rejected");
        assert_eq!(code(kp.open_raw(&s.jwe)), "jwe_header_rejected");
    }
    // Reordered header members are allowed by the rules (same member set).
    let reordered = seal_with_header(&kp, |epk| format!(r#"{{"epk":{},"enc":"A256GCM","alg":"ECDH-ES"}}"#, epk_json(epk)));
    assert_eq!(try_open(&reordered.jwe), "ok");

    // epk: off-curve point, 33-byte coordinate, private member.
    let header: Value = serde_json::from_slice(&b64u::decode(&parts[0], "h").unwrap()).unwrap();
    let x = header["epk"]["x"].as_str().unwrap().to_string();
    let y = header["epk"]["y"].as_str().unwrap().to_string();
    let mut y_bytes = b64u::decode(&y, "y").unwrap();
    y_bytes[31] ^= 1;
    let mut x33 = vec![0u8];
    x33.extend(b64u::decode(&x, "x").unwrap());
    let epk_variants = [
        format!(r#"{{"x":"{x}","crv":"P-256","kty":"EC","y":"{}"}}"#, b64u::encode(&y_bytes)),
        format!(r#"{{"x":"{}","crv":"P-256","kty":"EC","y":"{y}"}}"#, b64u::encode(&x33)),
        format!(r#"{{"x":"{x}","crv":"P-256","kty":"EC","y":"{y}","d":"AA"}}"#),
        format!(r#"{{"x":"{x}","crv":"P-384","kty":"EC","y":"{y}"}}"#),
        format!(r#"{{"x":"{}","crv":"P-256","kty":"EC","y":"{}"}}"#, b64u::encode(&[0; 32]), b64u::encode(&[0; 32])),
    ];
    for epk in &epk_variants {
        let h = b64u::encode(format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","epk":{epk}}}"#).as_bytes());
        let forged = replace_segment(&honest.jwe, 0, &h);
        assert_eq!(try_open(&forged), "invalid_epk", "{epk}");
        assert_eq!(code(delivery_epk_v2(&forged, &expect_for(&hash_b64u(&forged)))), "invalid_epk");
    }

    // Segments and encodings.
    let four = parts[..4].join(".");
    assert_eq!(try_open(&four), "jwe_malformed");
    assert_eq!(try_open(&format!("{}.", honest.jwe)), "jwe_malformed");
    assert_eq!(try_open(&replace_segment(&honest.jwe, 1, "AAAA")), "jwe_malformed");
    let short_tag = b64u::encode(&b64u::decode(&parts[4], "t").unwrap()[..15]);
    assert_eq!(try_open(&replace_segment(&honest.jwe, 4, &short_tag)), "jwe_malformed");
    let short_iv = b64u::encode(&b64u::decode(&parts[2], "iv").unwrap()[..11]);
    assert_eq!(try_open(&replace_segment(&honest.jwe, 2, &short_iv)), "jwe_malformed");
    assert_eq!(try_open(&replace_segment(&honest.jwe, 3, &format!("{}=", parts[3]))), "invalid_base64url");
    assert_eq!(try_open(&replace_segment(&honest.jwe, 3, &parts[3].replace('A', "+"))), "invalid_base64url");
    assert_eq!(try_open(&replace_segment(&honest.jwe, 0, &format!("{}=", parts[0]))), "invalid_base64url");
    assert_eq!(try_open(&replace_segment(&honest.jwe, 4, "")), "jwe_malformed");
    let not_json = b64u::encode(b"not json");
    assert_eq!(try_open(&replace_segment(&honest.jwe, 0, &not_json)), "jwe_header_rejected");

    // AEAD: flipped ciphertext, tag or IV bit, and a header whose bytes changed.
    for (seg, part) in parts.iter().enumerate().skip(2) {
        let mut bytes = b64u::decode(part, "s").unwrap();
        bytes[0] ^= 0x01;
        assert_eq!(try_open(&replace_segment(&honest.jwe, seg, &b64u::encode(&bytes))), "jwe_decrypt_failed", "segment {seg}");
    }
    // Same members and epk, different header bytes: the AAD no longer matches.
    let epk_value = &header["epk"];
    let reordered_header = b64u::encode(format!(r#"{{"enc":"A256GCM","alg":"ECDH-ES","epk":{epk_value}}}"#).as_bytes());
    assert_eq!(try_open(&replace_segment(&honest.jwe, 0, &reordered_header)), "jwe_decrypt_failed");
    // Another recipient's key.
    let other = DeliveryKeyPair::generate(&mut OsRng);
    assert_eq!(code(other.open_v2(&honest.jwe, &expect_for(&honest.hash))), "jwe_decrypt_failed");

    // Claims: wrong expectations on an honest JWE.
    let h = honest.hash.as_str();
    let cases: Vec<(ExpectV2<'_>, &str)> = vec![
        (ExpectV2 { client_id: "evil", ..expect_for(h) }, "client_id_mismatch"),
        (ExpectV2 { state: Some("other"), ..expect_for(h) }, "state_mismatch"),
        (ExpectV2 { state: None, ..expect_for(h) }, "state_mismatch"),
        (ExpectV2 { redirect_uri: "https://app.example/callback/", ..expect_for(h) }, "redirect_uri_mismatch"),
        (ExpectV2 { sub: Some("someone-else"), ..expect_for(h) }, "sub_mismatch"),
        (ExpectV2 { request_id: Some("req-other"), ..expect_for(h) }, "request_id_mismatch"),
        (ExpectV2 { org_id: Some("org-other"), ..expect_for(h) }, "org_id_mismatch"),
        (ExpectV2 { now: NOW + 120, ..expect_for(h) }, "delivery_expired"),
        (ExpectV2 { now: NOW - 61, ..expect_for(h) }, "delivery_not_yet_valid"),
    ];
    for (e, want) in &cases {
        assert_eq!(code(kp.open_v2(&honest.jwe, e)), *want);
    }
    // Optional expectations omitted: still opens.
    assert!(kp.open_v2(&honest.jwe, &ExpectV2 { sub: None, request_id: None, org_id: None, ..expect_for(h) }).is_ok());

    // Claims: forged payloads, honestly encrypted to the right key.
    let forged_claims: Vec<(Vec<(&str, Value)>, &str)> = vec![
        (vec![("aud", json!("evil"))], "aud_mismatch"),
        (vec![("aud", json!(["x", "y"]))], "aud_mismatch"),
        (vec![("client_id", json!("evil"))], "client_id_mismatch"),
        (vec![("sub", json!("other"))], "sub_mismatch"),
        (vec![("request_id", Value::Null)], "request_id_mismatch"),
        (vec![("org_id", Value::Null)], "org_id_mismatch"),
        (vec![("typ", json!("JWT"))], "typ_mismatch"),
        (vec![("version", json!("v1"))], "version_mismatch"),
        (vec![("key_kind", json!("root_key"))], "key_kind_mismatch"),
        (vec![("key_id", json!(""))], "key_id_missing"),
        (vec![("exp", json!(NOW + 5))], "delivery_expired"),
        (vec![("exp", Value::Null)], "payload_invalid"),
        (vec![("exp", json!(NOW + 601))], "delivery_lifetime_too_long"),
        (vec![("cak", json!(b64u::encode(&[9u8; 31])))], "invalid_length"),
        (vec![("cak", json!(b64u::encode(&[9u8; 33])))], "invalid_length"),
    ];
    for (over, want) in &forged_claims {
        let mut p = honest_payload();
        for (k, v) in over {
            if v.is_null() {
                p.as_object_mut().unwrap().remove(*k);
            } else {
                p[*k] = v.clone();
            }
        }
        let s = seal_payload(&kp, &serde_json::to_vec(&p).unwrap());
        assert_eq!(code(kp.open_v2(&s.jwe, &expect_for(&s.hash))), *want, "{over:?}");
    }
    let not_json = seal_payload(&kp, &[7u8; 32]);
    assert_eq!(code(kp.open_v2(&not_json.jwe, &expect_for(&not_json.hash))), "payload_invalid");
    let good = seal_payload(&kp, &serde_json::to_vec(&honest_payload()).unwrap());
    assert_eq!(kp.open_v2(&good.jwe, &expect_for(&good.hash)).unwrap().expose_secret(), &[9u8; 32]);

    // After all of that, the same key pair still opens the honest JWE.
    assert_eq!(kp.open_v2(&honest.jwe, &expect_for(&honest.hash)).unwrap().expose_secret(), &raw);
}

#[test]
fn v1_forgeries_are_refused() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let raw = random_key();
    let honest = seal_delivery_v1(&mut OsRng, &RootKey::from_bytes(raw), &kp.zk_pub().unwrap(), SUB, CLIENT).unwrap();
    let e = ExpectV1 { drk_hash: Some(&honest.hash), sub: Some(SUB), client_id: Some(CLIENT) };
    assert_eq!(code(kp.open_v1(&honest.jwe, &ExpectV1 { drk_hash: Some(&hash_b64u("x")), ..e })), "hash_mismatch");
    assert_eq!(code(kp.open_v1(&honest.jwe, &ExpectV1 { sub: Some("other"), ..e })), "sub_mismatch");
    assert_eq!(code(kp.open_v1(&honest.jwe, &ExpectV1 { client_id: Some("other"), ..e })), "client_id_mismatch");
    // Payloads that are not exactly 32 bytes.
    for len in [1usize, 31, 33, 64] {
        let s = seal_compact(&mut OsRng, &kp.public_key(), |epk| v1_header_json(epk, SUB, CLIENT), &vec![3u8; len]).unwrap();
        assert_eq!(code(kp.open_v1(&s.jwe, &ExpectV1::default())), "invalid_length", "{len}");
    }
    // An empty payload gives an empty ciphertext segment: a malformed delivery.
    let empty = seal_compact(&mut OsRng, &kp.public_key(), |epk| v1_header_json(epk, SUB, CLIENT), &[]).unwrap();
    assert_eq!(code(kp.open_v1(&empty.jwe, &ExpectV1::default())), "jwe_malformed");
    // A v2 header is not a v1 delivery; an extra member is refused.
    let v2 = seal_compact(&mut OsRng, &kp.public_key(), v2_header_json, &[3u8; 32]).unwrap();
    assert_eq!(code(kp.open_v1(&v2.jwe, &ExpectV1::default())), "jwe_header_rejected");
    let extra = seal_compact(
        &mut OsRng,
        &kp.public_key(),
        |epk| Ok(format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","sub":"s","client_id":"c","typ":"JWE","epk":{}}}"#, epk_json(epk))),
        &[3u8; 32],
    )
    .unwrap();
    assert_eq!(code(kp.open_v1(&extra.jwe, &ExpectV1::default())), "jwe_header_rejected");
    let mut ct = b64u::decode(honest.jwe.split('.').nth(3).unwrap(), "ct").unwrap();
    ct[5] ^= 0x80;
    let flipped = replace_segment(&honest.jwe, 3, &b64u::encode(&ct));
    assert_eq!(code(kp.open_v1(&flipped, &ExpectV1::default())), "jwe_decrypt_failed");
    assert_eq!(kp.open_v1(&honest.jwe, &e).unwrap().expose_secret(), &raw);
}

#[test]
fn mutation_loop_never_panics_and_never_opens() {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \x7f{";
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let raw = random_key();
    let v2 = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes(raw), &kp.zk_pub().unwrap(), &seal_params()).unwrap();
    let v1 = seal_delivery_v1(&mut OsRng, &RootKey::from_bytes(raw), &kp.zk_pub().unwrap(), SUB, CLIENT).unwrap();
    let mut codes = std::collections::BTreeMap::<&'static str, usize>::new();
    for round in 0..3000u32 {
        let base = if round % 2 == 0 { &v2.jwe } else { &v1.jwe };
        let mutated = if round % 3 == 0 {
            // Byte-level: flip bits inside one decoded segment and re-encode canonically.
            let mut parts: Vec<String> = base.split('.').map(str::to_string).collect();
            let seg = [0usize, 2, 3, 4][(OsRng.next_u32() % 4) as usize];
            let mut bytes = b64u::decode(&parts[seg], "s").unwrap();
            let flips = 1 + OsRng.next_u32() % 3;
            for _ in 0..flips {
                let i = (OsRng.next_u32() as usize) % bytes.len();
                bytes[i] ^= 1u8 << (OsRng.next_u32() % 8);
            }
            parts[seg] = b64u::encode(&bytes);
            parts.join(".")
        } else {
            // Character-level: replace, insert or delete characters.
            let mut s = base.as_bytes().to_vec();
            let edits = 1 + OsRng.next_u32() % 4;
            for _ in 0..edits {
                let i = (OsRng.next_u32() as usize) % s.len();
                let c = ALPHABET[(OsRng.next_u32() as usize) % ALPHABET.len()];
                match OsRng.next_u32() % 3 {
                    0 => s[i] = c,
                    1 => s.insert(i, c),
                    _ => {
                        s.remove(i);
                    }
                }
            }
            String::from_utf8(s).unwrap()
        };
        if &mutated == base {
            continue;
        }
        let h = hash_b64u(&mutated);
        let results = [
            kp.open_v2(&mutated, &expect_for(&h)).map(|_| ()),
            kp.open_v1(&mutated, &ExpectV1 { drk_hash: Some(&h), ..ExpectV1::default() }).map(|_| ()),
            kp.open_raw(&mutated).map(|_| ()),
            kp.open_v2(&mutated, &expect_for(&v2.hash)).map(|_| ()),
        ];
        for r in results {
            let c = code(r);
            assert_ne!(c, "ok", "mutated JWE opened: {mutated}");
            *codes.entry(c).or_default() += 1;
        }
    }
    // The loop reached the AEAD layer, not only the parser.
    assert!(codes.get("jwe_decrypt_failed").copied().unwrap_or(0) > 100, "{codes:?}");
    // The key pair is still usable.
    assert_eq!(kp.open_v2(&v2.jwe, &expect_for(&v2.hash)).unwrap().expose_secret(), &raw);
    assert_eq!(kp.open_v1(&v1.jwe, &ExpectV1::default()).unwrap().expose_secret(), &raw);
}

#[test]
fn private_jwk_rules() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let d = b64u::encode(&kp.secret.to_bytes());
    let pub_json: Value = serde_json::from_str(&public_jwk_json(&kp.public_key()).unwrap()).unwrap();
    let (x, y) = (pub_json["x"].as_str().unwrap(), pub_json["y"].as_str().unwrap());
    let ok = [
        format!(r#"{{"kty":"EC","crv":"P-256","d":"{d}"}}"#),
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}","d":"{d}"}}"#),
        format!(r#"{{"alg":"ECDH-ES","use":"enc","kid":"k","key_ops":["deriveBits"],"ext":true,"kty":"EC","crv":"P-256","x":"{x}","y":"{y}","d":"{d}"}}"#),
    ];
    for j in &ok {
        let loaded = DeliveryKeyPair::from_private_jwk(j).unwrap();
        assert_eq!(loaded.zk_pub().unwrap(), kp.zk_pub().unwrap(), "{j}");
    }
    let other = DeliveryKeyPair::generate(&mut OsRng);
    let od: Value = serde_json::from_str(&public_jwk_json(&other.public_key()).unwrap()).unwrap();
    let ox = od["x"].as_str().unwrap();
    let n = "_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE"; // the group order
    let bad = [
        r#"{"kty":"EC","crv":"P-256"}"#.to_string(),
        format!(r#"{{"kty":"OKP","crv":"P-256","d":"{d}"}}"#),
        format!(r#"{{"kty":"EC","crv":"P-384","d":"{d}"}}"#),
        format!(r#"{{"kty":"EC","crv":"P-256","d":"{d}","d":"{d}"}}"#),
        format!(r#"{{"kty":"EC","crv":"P-256","d":"{d}="}}"#),
        format!(r#"{{"kty":"EC","crv":"P-256","d":"{}"}}"#, &d[1..]),
        format!(r#"{{"kty":"EC","crv":"P-256","d":"AA{d}"}}"#),
        format!(r#"{{"kty":"EC","crv":"P-256","d":"{}"}}"#, b64u::encode(&[0; 32])),
        format!(r#"{{"kty":"EC","crv":"P-256","d":"{n}"}}"#),
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{ox}","y":"{y}","d":"{d}"}}"#),
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","d":"{d}"}}"#),
        format!(r#"{{"kty":"EC","crv":"P-256","x":"AA{x}","y":"{y}","d":"{d}"}}"#),
        r#"{"kty":"EC","crv":"P-256","d":1}"#.to_string(),
        "[]".to_string(),
        "".to_string(),
    ];
    for j in &bad {
        assert_eq!(code(DeliveryKeyPair::from_private_jwk(j)), "invalid_private_jwk", "{j}");
    }
    // The 31-byte d must not be left-padded into a valid key.
    let short = b64u::encode(&kp.secret.to_bytes()[1..]);
    assert_eq!(code(DeliveryKeyPair::from_private_jwk(&format!(r#"{{"kty":"EC","crv":"P-256","d":"{short}"}}"#))), "invalid_private_jwk");
}

#[test]
fn zk_pub_and_debug_output() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let zk = kp.zk_pub().unwrap();
    let v = validate_zk_pub(&zk).unwrap();
    assert_eq!(v.public_key, kp.public_key());
    assert_eq!(v.kid, kp.zk_pub_kid().unwrap());
    let json = String::from_utf8(b64u::decode(&zk, "zk").unwrap()).unwrap();
    assert!(json.starts_with(r#"{"kty":"EC","crv":"P-256","x":""#));
    assert_eq!(format!("{kp:?}"), "DeliveryKeyPair([redacted])");
    let sealed = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes([0xab; 32]), &zk, &seal_params()).unwrap();
    assert!(!format!("{sealed:?}").contains(&sealed.jwe));
    let got = kp.open_v2(&sealed.jwe, &expect_for(&sealed.hash)).unwrap();
    let dbg = format!("{got:?}");
    assert!(dbg.contains("[redacted]") && !dbg.contains("171") && !dbg.to_lowercase().contains("abab"), "{dbg}");
}

// Interop: a v2 delivery made by the `jose` npm package (v6.2.18, CompactEncrypt with
// {alg: "ECDH-ES", enc: "A256GCM"}, as DarkAuth's login page does).
#[test]
fn opens_a_jwe_made_by_jose() {
    let jwk = r#"{"kty":"EC","x":"rP8N_kNveeGiHHSgjng10FyatgPWD4G17tytuDGI64Q","y":"X-rJgmAVQN7KSB7vAz2BVD4iu6qAP4SF5QkxXpMlpV4","crv":"P-256","d":"OslDLHzSoVBYdeFPW8udC084zyyFXp4Vz6gGV3o-uls"}"#;
    let jwe = "eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTI1NkdDTSIsImVwayI6eyJ4IjoiNEJDVmlmSERzdnJFUnZaa1JPZkwyeTFkN0pEX2FXRUJiVkhrb2NyaWRkRSIsImNydiI6IlAtMjU2Iiwia3R5IjoiRUMiLCJ5IjoiMDhPNmVFemtPM1JNYkt0RGpZd1ExT2JaTDBremhhQ0dTSzY3d0RZS0RaNCJ9fQ..ALQV71I1YzIf9V9d.I8WXn8U1jGyvFonRo92NT0BL6ciOfmib5d7fB9nlGA6UH6QTba1b6STDSR0UWJjUlCcOmquMkGsPUo4SJspznFYHt5yOA6c3KSNiuZYjjqEmI-uIbE1hdqDE2XiWhRgK3mt1vwHB7OWEYgSX-lkISGJz5PsUgsY8j17S6f236Wlafz2gKqTKkDA0BwLj9C8M9CSmiJsaOGbAcwAETFoc3VhBVKtEzoOeJdr29DPEFQ7yc4znn2-48DhCkh2QEIOsj5uKhDj_3nHnPj5wI0ysiaBNun7e_QyvIsCnJTUL7OTJM9eXFf5d5ZaMxCPJfKg1pWWc6g3SARI1rHlWH4hECqnoGxFVRg2Uzlzjim-6vOHNKhlnldzc42fOmpmQAr2Tjb5Qs1pwAA5QpcR3QgrQgWoRKc6oGMds9LHMY1PcVvtlWj8QqLnD_lerVM5XLxmSj8BO_oeQ27fPI1dgt2rak4_AuIZoApRFhzOIEikKomyGczN9jleTE0BzYg.XHCWRouS-EJT3uFYW6gRvw";
    let kp = DeliveryKeyPair::from_private_jwk(jwk).unwrap();
    let e = ExpectV2 {
        zk_key_hash: "HqVv6rPZrzruZyt-eiFJ6M4veuI53iXLjboCMSZ04m0",
        client_id: "app",
        redirect_uri: "https://app.example/cb",
        state: Some("st-1"),
        sub: Some("u1"),
        request_id: Some("req-1"),
        org_id: Some("org-1"),
        now: 1_700_000_010,
        zk_key_kind: Some("client_app_key"),
        zk_key_version: Some("v2"),
    };
    assert_eq!(hash_b64u(jwe), e.zk_key_hash);
    let got = kp.open_v2(jwe, &e).unwrap();
    let want: [u8; 32] = core::array::from_fn(|i| i as u8);
    assert_eq!(got.expose_secret(), &want);
    assert_eq!(got.key_id(), Some("ark_1"));
    assert_eq!(got.sub(), Some("u1"));
}

#[test]
fn payload_is_returned_only_after_every_check() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let key = AppKey::from_bytes([0x5c; 32]);
    let sealed = seal_delivery_v2(&mut OsRng, &key, &kp.zk_pub().unwrap(), &seal_params()).unwrap();
    let payload = kp.open_v2_payload(&sealed.jwe, &expect_for(&sealed.hash)).unwrap();
    let v: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(v["cak"], b64u::encode(&[0x5c; 32]));
    // Each binding still refuses: the payload never leaves without the checks.
    let other = hash_b64u("other");
    assert_eq!(code(kp.open_v2_payload(&sealed.jwe, &expect_for(&other))), "hash_mismatch");
    assert_eq!(code(kp.open_v2_payload(&sealed.jwe, &ExpectV2 { state: Some("x"), ..expect_for(&sealed.hash) })), "state_mismatch");
    assert_eq!(code(kp.open_v2_payload(&sealed.jwe, &ExpectV2 { now: NOW + 600, ..expect_for(&sealed.hash) })), "delivery_expired");
}

#[test]
fn token_response_artifacts_are_required_and_never_mixed() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let v2 = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes(random_key()), &kp.zk_pub().unwrap(), &seal_params()).unwrap();
    // §4.7 step 5: a v2 open needs the token response's kind and version (absent is refused),
    // in every form of the opener.
    let no_kind = ExpectV2 { zk_key_kind: None, ..expect_for(&v2.hash) };
    let no_version = ExpectV2 { zk_key_version: None, ..expect_for(&v2.hash) };
    assert_eq!(code(kp.open_v2(&v2.jwe, &no_kind)), "key_kind_mismatch");
    assert_eq!(code(kp.open_v2(&v2.jwe, &no_version)), "version_mismatch");
    assert_eq!(code(delivery_epk_v2(&v2.jwe, &no_kind)), "key_kind_mismatch");
    assert_eq!(code(open_delivery_v2_with_secret(&v2.jwe, &[0; 32], &no_version)), "version_mismatch");
    assert_eq!(code(kp.open_v2_payload(&v2.jwe, &no_kind)), "key_kind_mismatch");
    // The same rule decides a whole token response: mixed artifacts are refused.
    let mixed = zkauth_verify::TokenArtifacts { zk_drk_hash: Some(&v2.hash), ..expect_for(&v2.hash).artifacts() };
    assert_eq!(mixed.check_for(JweVersion::V2).unwrap_err().code(), "delivery_version_mixed");
    assert_eq!(mixed.check_for(JweVersion::V1).unwrap_err().code(), "delivery_version_mixed");
}

#[test]
fn a_sealer_never_produces_what_the_opener_refuses_for_size() {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let root = RootKey::from_bytes(random_key());
    // v1: sub and client_id sit in the protected header, which the opener caps at 2 KiB.
    for len in [100usize, 1300, 1500, 3000] {
        let sub = "s".repeat(len);
        match seal_delivery_v1(&mut OsRng, &root, &kp.zk_pub().unwrap(), &sub, CLIENT) {
            Ok(sealed) => assert!(kp.open_v1(&sealed.jwe, &ExpectV1::default()).is_ok(), "sealed with a {len}-char sub but not openable"),
            Err(e) => assert_eq!(e.code(), "invalid_input", "{len}"),
        }
    }
    assert_eq!(code(seal_delivery_v1(&mut OsRng, &root, &kp.zk_pub().unwrap(), &"s".repeat(3000), CLIENT)), "invalid_input");
    // v2: the whole JWE is capped at 64 KiB.
    let long = "r".repeat(60_000);
    let c = SealV2 { request_id: &long, ..seal_params() };
    assert_eq!(code(seal_delivery_v2(&mut OsRng, &AppKey::from_bytes(random_key()), &kp.zk_pub().unwrap(), &c)), "invalid_input");
}

#[test]
fn seal_and_expect_debug_redact_the_bindings() {
    let d = format!("{:?}", seal_params());
    for secret in [SUB, REQ, STATE, ORG, KEY_ID] {
        assert!(!d.contains(secret), "{secret} in {d}");
    }
    assert!(d.contains(CLIENT) && d.contains("[redacted]"), "{d}");
    let h = hash_b64u("jwe");
    let d = format!("{:?}", expect_for(&h));
    for secret in [h.as_str(), SUB, REQ, STATE, ORG] {
        assert!(!d.contains(secret), "{secret} in {d}");
    }
}

// ---- device approval (wire profile §3.10 step 4) --------------------------------------------

#[test]
fn a_device_approval_opens_to_the_same_root_key_and_checks_its_claims() {
    let new_device = DeliveryKeyPair::generate(&mut OsRng);
    let jwk = new_device.public_jwk().unwrap();
    // The exact text the approval request sends: compact, string members only.
    let parsed: Value = serde_json::from_str(&jwk).unwrap();
    assert!(parsed.as_object().unwrap().values().all(Value::is_string) && !jwk.contains(' '), "{jwk}");
    let root = RootKey::from_bytes(random_key());
    let jwe = seal_device_approval(&mut OsRng, &root, &jwk, SUB, REQ, NOW).unwrap();
    // The header is the delivery's: exactly {alg, enc, epk}.
    let header: Value = serde_json::from_slice(&b64u::decode(jwe.split('.').next().unwrap(), "h").unwrap()).unwrap();
    let mut names: Vec<&str> = header.as_object().unwrap().keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["alg", "enc", "epk"]);
    let e = ExpectApproval { sub: SUB, request_id: REQ, now: NOW + 60 };
    let opened = new_device.open_device_approval(&jwe, &e).unwrap();
    assert_eq!(opened.expose_secret(), root.expose_secret());
    // The payload, as the spec orders it.
    let payload = new_device.open_raw(&jwe).unwrap();
    let expected = format!(
        r#"{{"typ":"DarkAuth-Device-Approval","version":"v2","sub":"{SUB}","request_id":"{REQ}","ark":"{}","iat":{NOW},"exp":{}}}"#,
        b64u::encode(root.expose_secret()),
        NOW + 120
    );
    assert_eq!(String::from_utf8(payload.to_vec()).unwrap(), expected);
    // Another user, another request, past exp, another device's key.
    assert_eq!(code(new_device.open_device_approval(&jwe, &ExpectApproval { sub: "someone-else", ..e })), "sub_mismatch");
    assert_eq!(code(new_device.open_device_approval(&jwe, &ExpectApproval { request_id: "req-other", ..e })), "request_id_mismatch");
    assert_eq!(code(new_device.open_device_approval(&jwe, &ExpectApproval { now: NOW + 121, ..e })), "delivery_expired");
    let stranger = DeliveryKeyPair::generate(&mut OsRng);
    assert_eq!(code(stranger.open_device_approval(&jwe, &e)), "jwe_decrypt_failed");
    // A client-key delivery is not an approval.
    let app = RootKey::from_bytes(random_key()).derive_client_app_key(SUB, KEY_ID, CLIENT, Some(ORG)).unwrap();
    let delivery = seal_delivery_v2(&mut OsRng, &app, &new_device.zk_pub().unwrap(), &seal_params()).unwrap();
    assert_eq!(code(new_device.open_device_approval(&delivery.jwe, &e)), "typ_mismatch");
    // The new device's key must be a P-256 public JWK.
    for bad in ["{}", r#"{"kty":"oct","k":"AAAA"}"#, "not json"] {
        assert_eq!(code(seal_device_approval(&mut OsRng, &root, bad, SUB, REQ, NOW)), "invalid_zk_pub", "{bad}");
    }
    assert_eq!(code(seal_device_approval(&mut OsRng, &root, &jwk, "", REQ, NOW)), "invalid_input");
}

/// The approval JWE of tests/vectors/custody_kat.json, made by Python `cryptography` (fixed
/// ephemeral key and IV) from the spec's text, opens to the KAT root key; this crate's own seal
/// writes the same payload bytes.
#[test]
fn a_device_approval_from_an_independent_implementation_opens() {
    let doc: Value = serde_json::from_str(include_str!("../../tests/vectors/custody_kat.json")).unwrap();
    let k = &doc["device_approval"];
    let i = &k["inputs"];
    let (sub, request_id, iat) = (i["sub"].as_str().unwrap(), i["request_id"].as_str().unwrap(), i["iat"].as_i64().unwrap());
    let root_hex = doc["inputs"]["root"].as_str().unwrap();
    let root: Vec<u8> = (0..32).map(|n| u8::from_str_radix(&root_hex[2 * n..2 * n + 2], 16).unwrap()).collect();
    let new_device = DeliveryKeyPair::from_private_jwk(k["new_device_private_jwk"].as_str().unwrap()).unwrap();
    assert_eq!(new_device.public_jwk().unwrap(), k["new_device_public_jwk"].as_str().unwrap(), "the JWK text the request sends");
    let e = ExpectApproval { sub, request_id, now: iat + 60 };
    let opened = new_device.open_device_approval(k["approval_jwe"].as_str().unwrap(), &e).unwrap();
    assert_eq!(opened.expose_secret().as_slice(), root.as_slice());
    let ours = seal_device_approval(&mut OsRng, &opened, k["new_device_public_jwk"].as_str().unwrap(), sub, request_id, iat).unwrap();
    assert_eq!(new_device.open_raw(&ours).unwrap().as_slice(), k["approval_payload"].as_str().unwrap().as_bytes());
}
