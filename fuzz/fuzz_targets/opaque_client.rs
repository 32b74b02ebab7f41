//! The OPAQUE client on fuzzed server messages: registration finish on any RegistrationResponse
//! and login finish on any KE2 never panic and never succeed (KE2 cannot be forged without
//! the password file; a registration response that decodes must carry a valid point).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rand_core::OsRng;
use zkauth::opaque::{OpaqueClient, Profile};
use zkauth_verify::b64u;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let message = b64u::encode(rest);
    let client = OpaqueClient::new(Profile::conformance_identity(Some(b"fuzz"), b""));
    if which % 2 == 0 {
        let Ok((_, login)) = client.start_login(&mut OsRng, b"pw") else { return };
        assert!(login.finish(&mut OsRng, &message, "id").is_err(), "a fuzzed KE2 completed a login");
    } else {
        let Ok((_, reg)) = client.start_registration(&mut OsRng, b"pw") else { return };
        // A registration response is unauthenticated by design: any 66-byte message with a
        // valid point and key completes. What must hold: no panic, and only that length is accepted.
        if reg.finish(&mut OsRng, &message, "id").is_ok() {
            assert_eq!(rest.len(), zkauth::opaque::len::REGISTRATION_RESPONSE);
        }
    }
});
