//! Compact-JWE parsing and opening (v2 and v1) with a fixed key never panic, and a fuzzed JWE
//! never opens: the fuzzer cannot know the key, so reaching `Ok` would be a forgery.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zkauth::delivery::{DeliveryKeyPair, ExpectV1, ExpectV2};
use zkauth_verify::{hash_b64u, parse_compact_jwe, JweVersion};

fn key() -> &'static DeliveryKeyPair {
    static KEY: OnceLock<DeliveryKeyPair> = OnceLock::new();
    KEY.get_or_init(|| DeliveryKeyPair::generate(&mut rand_core::OsRng))
}

fuzz_target!(|s: &str| {
    let _ = parse_compact_jwe(s, JweVersion::V2);
    let _ = parse_compact_jwe(s, JweVersion::V1);
    // The hash binding is the first check: give the right one so the fuzzed JWE reaches the
    // parser, the ECDH and the AEAD. The token response's kind and version too (§4.7 step 5).
    let hash = hash_b64u(s);
    let e = ExpectV2 {
        zk_key_hash: &hash,
        client_id: "c",
        redirect_uri: "https://a/cb",
        now: 1_000,
        zk_key_kind: Some("client_app_key"),
        zk_key_version: Some("v2"),
        ..Default::default()
    };
    assert!(key().open_v2(s, &e).is_err(), "a fuzzed v2 JWE opened");
    assert!(key().open_v1(s, &ExpectV1 { drk_hash: Some(&hash), ..Default::default() }).is_err(), "a fuzzed v1 JWE opened");
});
