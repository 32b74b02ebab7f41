//! The OPAQUE server half on fuzzed client messages: registration request, uploaded record,
//! KE1 (known user and unknown user), and KE3 against a stored login state. No panic; a
//! fuzzed KE3 never completes a login; only well-formed records are stored.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rand_core::OsRng;
use zkauth::opaque::server::{ServerLoginState, ServerSetup, StoredRecord};
use zkauth::opaque::{OpaqueClient, Profile};
use zkauth_verify::b64u;

struct Fixture {
    profile: Profile,
    setup: ServerSetup,
    record: StoredRecord,
    ke1: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let profile = Profile::conformance_identity(Some(b"fuzz"), b"");
        let setup = ServerSetup::generate(&mut OsRng);
        let client = OpaqueClient::new(profile.clone());
        let (request, reg) = client.start_registration(&mut OsRng, b"pw").expect("registration start");
        let response = setup.registration_response(&request, b"user").expect("registration response");
        let done = reg.finish(&mut OsRng, &response, "user").expect("registration finish");
        let record = StoredRecord::new(&profile, &done.record).expect("record");
        let (ke1, _) = client.start_login(&mut OsRng, b"pw").expect("login start");
        Fixture { profile, setup, record, ke1 }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let f = fixture();
    let message = b64u::encode(rest);
    match which % 4 {
        0 => {
            if f.setup.registration_response(&message, b"user").is_ok() {
                assert_eq!(rest.len(), zkauth::opaque::len::REGISTRATION_REQUEST);
            }
        }
        1 => {
            if let Ok(r) = StoredRecord::new(&f.profile, &message) {
                assert_eq!(r.record_b64u(), message, "a stored record is the uploaded bytes");
            }
        }
        2 => {
            let known = f.setup.login_start(&mut OsRng, &f.profile, Some(&f.record), &message, b"user", b"user");
            let unknown = f.setup.login_start(&mut OsRng, &f.profile, None, &message, b"nobody", b"nobody");
            assert_eq!(known.is_ok(), unknown.is_ok(), "known and unknown users answer alike");
        }
        _ => {
            // A real login state from the honest KE1, then a fuzzed KE3.
            let Ok((_, state)) = f.setup.login_start(&mut OsRng, &f.profile, Some(&f.record), &f.ke1, b"user", b"user") else { return };
            let state = ServerLoginState::from_bytes(state.to_bytes().as_slice()).expect("64-byte state");
            assert!(state.finish(&message).is_err(), "a fuzzed KE3 completed a login");
            let _ = ServerLoginState::from_bytes(rest).map(|s| s.finish(&message));
        }
    }
});
