//! OPAQUE client finish on arbitrary KE2 bytes never panics and never succeeds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkauth::opaque::{OpaqueClient, Profile};

fuzz_target!(|data: &[u8]| {
    let client = OpaqueClient::new(Profile::conformance_identity(Some(b"fuzz"), b""));
    let Ok((_, login)) = client.start_login(&mut rand_core::OsRng, b"pw") else { return };
    let ke2 = zkauth_verify::b64u::encode(data);
    assert!(login.finish(&mut rand_core::OsRng, &ke2, "id").is_err());
});
