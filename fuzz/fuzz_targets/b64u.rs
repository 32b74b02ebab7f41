//! base64url (unpadded, canonical) and padded base64 decoding never panic, and accept only
//! the one canonical spelling of each byte string.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkauth_verify::{b64std, b64u};

fuzz_target!(|s: &str| {
    if let Ok(bytes) = b64u::decode(s, "fuzz") {
        assert_eq!(b64u::encode(&bytes), s, "a non-canonical base64url string decoded");
    }
    if let Some(bytes) = b64std::decode(s) {
        assert_eq!(b64std::encode(&bytes), s, "a non-canonical padded base64 string decoded");
    }
    if let Ok(arr) = b64u::decode_array::<32>(s, "fuzz") {
        assert_eq!(b64u::encode(&arr), s);
    }
});
