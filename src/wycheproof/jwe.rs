//! Wycheproof `json_web_encryption_test.json` against zkauth's delivery opener (a unit test:
//! it decrypts without the claim checks, which only this crate may do).
//!
//! tcId 78 (ECDH-ES + A256GCM on P-256, header exactly {alg, enc, epk}) is the only case inside
//! the DarkAuth profile and must decrypt to `pt`. Every other case must be refused, including
//! the ones the file marks `valid` (other algorithms, `enc` values, header members or key types).

use std::collections::BTreeMap;

use serde_json::Value;
use zkauth_verify::hash_b64u;

use crate::delivery::{DeliveryKeyPair, ExpectV1, ExpectV2};

const IN_PROFILE: u64 = 78;

/// The vendored copy: a missing file fails the build of the tests, never skips them.
fn vectors() -> Value {
    super::vectors(include_str!("../../tests/vectors/wycheproof/json_web_encryption_test.json"))
}

#[test]
fn wycheproof_json_web_encryption() {
    let v = vectors();
    // The P-256 key of the jwe_ec groups: used to try every JWE whose own group key is not a
    // P-256 private JWK (oct, RSA, P-384), so those JWEs are refused by the JWE rules themselves.
    let mut fallback: Option<DeliveryKeyPair> = None;
    for g in v["testGroups"].as_array().unwrap() {
        if let Ok(kp) = DeliveryKeyPair::from_private_jwk(&g["private"].to_string()) {
            fallback.get_or_insert(kp);
        }
    }
    let fallback = fallback.expect("the file has a P-256 group");

    let mut total = 0usize;
    let mut opened = Vec::new();
    let mut refused_by_code = BTreeMap::<&'static str, usize>::new();
    let mut refused_ids = Vec::new();
    let mut own_key_groups = 0usize;
    for g in v["testGroups"].as_array().unwrap() {
        let own = DeliveryKeyPair::from_private_jwk(&g["private"].to_string()).ok();
        if own.is_some() {
            own_key_groups += 1;
        }
        let kp = own.as_ref().unwrap_or(&fallback);
        for t in g["tests"].as_array().unwrap() {
            total += 1;
            let id = t["tcId"].as_u64().unwrap();
            // tcId 22 carries the JSON serialization as an object: refused as a string too.
            let jwe = match &t["jwe"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match kp.open_raw(&jwe) {
                Ok(pt) => {
                    assert_eq!(id, IN_PROFILE, "tcId {id} opened but is outside the profile");
                    assert_eq!(hex::encode(&*pt), t["pt"].as_str().unwrap(), "tcId {id} plaintext");
                    opened.push(id);
                }
                Err(e) => {
                    assert_ne!(id, IN_PROFILE, "tcId 78 must open: {e}");
                    *refused_by_code.entry(e.code()).or_default() += 1;
                    refused_ids.push(id);
                }
            }
            // The full openers refuse everything too (tcId 78 carries no delivery claims).
            let h = hash_b64u(&jwe);
            let e2 = ExpectV2 { zk_key_hash: &h, client_id: "c", redirect_uri: "r", now: 0, zk_key_kind: Some("client_app_key"), zk_key_version: Some("v2"), ..ExpectV2::default() };
            assert!(kp.open_v2(&jwe, &e2).is_err(), "tcId {id}: open_v2");
            assert!(kp.open_v1(&jwe, &ExpectV1 { drk_hash: Some(&h), ..ExpectV1::default() }).is_err(), "tcId {id}: open_v1");
        }
    }

    println!("wycheproof json_web_encryption_test.json: {total} cases, opened {opened:?}, refused {} by code {refused_by_code:?}", refused_ids.len());
    assert_eq!(total, v["numberOfTests"].as_u64().unwrap() as usize);
    assert_eq!(total, 139);
    assert_eq!(opened, vec![IN_PROFILE]);
    assert_eq!(refused_ids.len(), 138);
    // The P-256 ECDH groups (tcId 33-68, 76-81) load their own private JWK; so does tcId 131's.
    assert_eq!(own_key_groups, 6);
    // The named tamper cases are all refused.
    let tamper: Vec<u64> = (36..=51).chain(63..=65).collect();
    assert_eq!(tamper.len(), 19);
    assert!(tamper.iter().all(|id| refused_ids.contains(id)));
}

/// tcId 78's recipient key pair and test case.
fn tc78() -> (DeliveryKeyPair, Value) {
    let v = vectors();
    let (g, t) = v["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tests"].as_array().unwrap().iter().map(move |t| (g, t)))
        .find(|(_, t)| t["tcId"] == IN_PROFILE)
        .unwrap();
    (DeliveryKeyPair::from_private_jwk(&g["private"].to_string()).unwrap(), t.clone())
}

#[test]
fn wycheproof_tc78_in_detail() {
    let (kp, t) = tc78();
    let jwe = t["jwe"].as_str().unwrap();
    assert_eq!(hex::encode(&*kp.open_raw(jwe).unwrap()), t["pt"].as_str().unwrap());
    // The split form returns the sender's epk from the header.
    let h = hash_b64u(jwe);
    let e = ExpectV2 { zk_key_hash: &h, client_id: "c", redirect_uri: "r", now: 0, zk_key_kind: Some("client_app_key"), zk_key_version: Some("v2"), ..ExpectV2::default() };
    let epk = crate::delivery::delivery_epk_v2(jwe, &e).unwrap();
    assert_eq!(epk[0], 4);
    // "foo" is not a v2 claim object: the full opener reaches the claim check and refuses there.
    assert_eq!(kp.open_v2(jwe, &e).unwrap_err().code(), "payload_invalid");
    // A v1 opener refuses the v2 member set.
    assert_eq!(kp.open_v1(jwe, &ExpectV1::default()).unwrap_err().code(), "jwe_header_rejected");
    // Flipping any single bit of the tag is an AEAD failure.
    let parts: Vec<&str> = jwe.split('.').collect();
    let tag = zkauth_verify::b64u::decode(parts[4], "tag").unwrap();
    for bit in 0..128 {
        let mut t2 = tag.clone();
        t2[bit / 8] ^= 1 << (bit % 8);
        let forged = [parts[0], parts[1], parts[2], parts[3], &zkauth_verify::b64u::encode(&t2)].join(".");
        assert_eq!(kp.open_raw(&forged).unwrap_err().code(), "jwe_decrypt_failed");
    }
}

/// The file's P-256 tamper kinds (tcId 36–51, 63–65) target ECDH-ES+A128KW and are refused at the
/// header already; apply the same tampering to the in-profile tcId 78 so each reaches its layer.
#[test]
fn wycheproof_tamper_kinds_on_tc78() {
    use zkauth_verify::b64u;
    let (kp, t) = tc78();
    let jwe = t["jwe"].as_str().unwrap();
    let p: Vec<&str> = jwe.split('.').collect();
    let flip = |s: &str, i: usize| {
        let mut b = b64u::decode(s, "s").unwrap();
        b[i] ^= 0x01;
        b64u::encode(&b)
    };
    let tag = b64u::decode(p[4], "tag").unwrap();
    let truncated = |n: usize| b64u::encode(&tag[..16 - n]);
    let header: Value = serde_json::from_slice(&b64u::decode(p[0], "h").unwrap()).unwrap();
    let modified_header = b64u::encode(header.to_string().replace("\"alg\"", "\"Alg\"").as_bytes());
    // tcId 51's off-curve epk, in an otherwise in-profile header.
    let off_curve = b64u::encode(
        br#"{"alg":"ECDH-ES","enc":"A256GCM","epk":{"kty":"EC","x":"gTli65eTQ7z-Bh147ff8K3m7k2UiDiG2LpYkWAaFJCc","y":"cLAnjKa4bzjD7DJVPwa9EPrRzMG7rONgsiUD-kf30Fs","crv":"P-256"}}"#,
    );
    let cases: Vec<(&str, String, &str)> = vec![
        ("modified tag", [p[0], p[1], p[2], p[3], &flip(p[4], 15)].join("."), "jwe_decrypt_failed"),
        ("missing tag", [p[0], p[1], p[2], p[3], ""].join("."), "jwe_malformed"),
        ("missing tag and separator", [p[0], p[1], p[2], p[3]].join("."), "jwe_malformed"),
        ("modified ciphertext", [p[0], p[1], p[2], &flip(p[3], 0), p[4]].join("."), "jwe_decrypt_failed"),
        ("missing ciphertext", [p[0], p[1], p[2], "", p[4]].join("."), "jwe_malformed"),
        ("missing ciphertext and separator", [p[0], p[1], p[2], p[4]].join("."), "jwe_malformed"),
        ("modified iv", [p[0], p[1], &flip(p[2], 3), p[3], p[4]].join("."), "jwe_decrypt_failed"),
        ("missing iv", [p[0], p[1], "", p[3], p[4]].join("."), "jwe_malformed"),
        ("missing iv and separator", [p[0], p[1], p[3], p[4]].join("."), "jwe_malformed"),
        ("non-empty encrypted key", [p[0], "AAAAAAAAAAAAAAAAAAAAAA", p[2], p[3], p[4]].join("."), "jwe_malformed"),
        ("missing encrypted key separator", [p[0], p[2], p[3], p[4]].join("."), "jwe_malformed"),
        ("modified header", [modified_header.as_str(), p[1], p[2], p[3], p[4]].join("."), "jwe_header_rejected"),
        ("missing header", ["", p[1], p[2], p[3], p[4]].join("."), "jwe_malformed"),
        ("missing header and separator", [p[1], p[2], p[3], p[4]].join("."), "jwe_malformed"),
        ("invalid curve point", [off_curve.as_str(), p[1], p[2], p[3], p[4]].join("."), "invalid_epk"),
        ("tag truncated by 1", [p[0], p[1], p[2], p[3], &truncated(1)].join("."), "jwe_malformed"),
        ("tag truncated by 4", [p[0], p[1], p[2], p[3], &truncated(4)].join("."), "jwe_malformed"),
        ("tag truncated by 8", [p[0], p[1], p[2], p[3], &truncated(8)].join("."), "jwe_malformed"),
        ("tag too long", [p[0], p[1], p[2], p[3], &b64u::encode(&[&tag[..], &[0u8][..]].concat())].join("."), "jwe_malformed"),
    ];
    for (what, forged, want) in &cases {
        assert_eq!(kp.open_raw(forged).unwrap_err().code(), *want, "{what}");
    }
    // And the honest one still opens with the same key pair.
    assert_eq!(hex::encode(&*kp.open_raw(jwe).unwrap()), "666f6f");
}
