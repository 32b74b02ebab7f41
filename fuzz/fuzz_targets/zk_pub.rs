//! zk_pub validation and b64u decoding never panic, and accept only canonical input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(z) = zkauth_verify::validate_zk_pub(s) {
        assert_eq!(z.kid, zkauth_verify::hash_b64u(s));
    }
    if let Ok(bytes) = zkauth_verify::b64u::decode(s, "fuzz") {
        assert_eq!(zkauth_verify::b64u::encode(&bytes), s);
    }
});
