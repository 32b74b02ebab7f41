//! Compact-JWE parsing and opening never panic; a forged JWE never opens.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkauth::delivery::{DeliveryKeyPair, ExpectV1, ExpectV2};

fuzz_target!(|s: &str| {
    let _ = zkauth_verify::parse_compact_jwe(s, zkauth_verify::JweVersion::V2);
    let kp = DeliveryKeyPair::generate(&mut rand_core::OsRng);
    let hash = zkauth_verify::hash_b64u(s);
    // The token response's kind and version are required (§4.7 step 5): give them, so the
    // fuzzed JWE reaches the parser and the AEAD.
    let e = ExpectV2 {
        zk_key_hash: &hash,
        client_id: "c",
        redirect_uri: "https://a/cb",
        now: 1_000,
        zk_key_kind: Some("client_app_key"),
        zk_key_version: Some("v2"),
        ..Default::default()
    };
    assert!(kp.open_v2(s, &e).is_err(), "a fuzzed JWE opened for a fresh key");
    assert!(kp.open_v1(s, &ExpectV1 { drk_hash: Some(&hash), ..Default::default() }).is_err());
});
