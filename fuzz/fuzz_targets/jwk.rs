//! The JWK readers never panic: `zk_pub` (b64u of a public JWK), a JWE's `epk` JSON and a
//! private JWK. What they accept is a valid P-256 key that round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkauth::delivery::DeliveryKeyPair;
use zkauth_verify::{hash_b64u, parse_epk_value, parse_private_jwk, public_jwk_json, validate_zk_pub};

fuzz_target!(|s: &str| {
    if let Ok(z) = validate_zk_pub(s) {
        assert_eq!(z.kid, hash_b64u(s), "the kid of an accepted zk_pub is its hash");
    }
    if let Ok(key) = parse_epk_value(s) {
        let again = public_jwk_json(&key).and_then(|j| parse_epk_value(&j));
        assert_eq!(again.ok(), Some(key), "an accepted epk round-trips");
    }
    let secret = parse_private_jwk(s);
    let pair = DeliveryKeyPair::from_private_jwk(s);
    assert_eq!(secret.is_ok(), pair.is_ok(), "one rule for private JWKs");
    if let (Ok(secret), Ok(pair)) = (secret, pair) {
        assert_eq!(secret.public_key(), pair.public_key());
    }
});
