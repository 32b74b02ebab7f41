//! OPAQUE end to end, natively: RFC 9807 vectors, both profiles, tampering, replay, profile binding.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use rand_core::OsRng;
use zkauth::opaque::server::{ServerLoginState, ServerSetup, StoredRecord};
use zkauth::opaque::vectors::{run_vectors, Outcome};
use zkauth::opaque::{OpaqueClient, Profile};
use zkauth::verify::b64u;

const VECTORS: &str = include_str!("vectors/rfc9807-vectors.json");

#[test]
fn rfc9807_p256_vectors() {
    let outcomes = run_vectors(VECTORS).unwrap();
    let passed: Vec<usize> = outcomes.iter().filter_map(|o| if let Outcome::Pass(n) = o { Some(*n) } else { None }).collect();
    let failed: Vec<String> = outcomes.iter().filter(|o| matches!(o, Outcome::Fail(..))).map(|o| o.to_string()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(passed, vec![4, 5, 8]);
}

#[test]
fn vector_runner_detects_a_wrong_output() {
    let mut doc: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    doc[5]["outputs"]["KE3"] = serde_json::Value::String("00".repeat(32));
    let outcomes = run_vectors(&doc.to_string()).unwrap();
    assert_eq!(outcomes[5], Outcome::Fail(5, "KE3 mismatch".into()));
}

fn argon() -> Profile {
    Profile::argon2id(1024, 1, 1, "zkauth.example", "ctx").unwrap()
}

struct World {
    setup: ServerSetup,
    profile: Profile,
    record: StoredRecord,
    export_b64: String,
}

fn register(profile: Profile, id: &str, password: &str) -> World {
    let setup = ServerSetup::generate(&mut OsRng);
    let client = OpaqueClient::new(profile.clone());
    let (req, state) = client.start_registration(&mut OsRng, password.as_bytes()).unwrap();
    assert_eq!(b64u::decode(&req, "r").unwrap().len(), 33);
    let resp = setup.registration_response(&req, id.as_bytes()).unwrap();
    let done = state.finish(&mut OsRng, &resp, id).unwrap();
    assert_eq!(done.server_public_key, setup.public_key());
    let record = StoredRecord::new(&profile, &done.record).unwrap();
    World { setup, profile, record, export_b64: b64u::encode(done.export_key.expose_secret()) }
}

fn login(w: &World, id: &str, password: &str) -> Result<(String, String), zkauth::Error> {
    let client = OpaqueClient::new(w.profile.clone());
    let (ke1, state) = client.start_login(&mut OsRng, password.as_bytes())?;
    let (ke2, server_state) = w.setup.login_start(&mut OsRng, &w.profile, Some(&w.record), &ke1, id.as_bytes(), id.as_bytes())?;
    assert_eq!(b64u::decode(&ke2, "k").unwrap().len(), 259);
    let done = state.finish(&mut OsRng, &ke2, id)?;
    let server_key = server_state.finish(&done.finish)?;
    assert_eq!(server_key.expose_secret(), done.session_key.expose_secret());
    Ok((b64u::encode(done.export_key.expose_secret()), b64u::encode(done.session_key.expose_secret())))
}

#[test]
fn darkauth_profile_round_trip_and_stable_export_key() {
    let w = register(Profile::darkauth(), "Alice@Example.com ", "correct horse");
    let (e1, s1) = login(&w, "Alice@Example.com ", "correct horse").unwrap();
    let (e2, s2) = login(&w, "Alice@Example.com ", "correct horse").unwrap();
    assert_eq!(e1, w.export_b64);
    assert_eq!(e2, w.export_b64);
    assert_ne!(s1, s2, "session keys are fresh per login");
    // Identity is used exactly as typed.
    assert_eq!(login(&w, "alice@example.com ", "correct horse").unwrap_err().code(), "opaque_login_failed");
    assert!(w.profile.descriptor().starts_with("scrypt:N=32768,r=8,p=1;sid=RGFya0F1dGg;ctx="));
}

#[test]
fn argon2id_profile_round_trip_and_wrong_password() {
    let w = register(argon(), "bob", "pw1");
    assert_eq!(login(&w, "bob", "pw1").unwrap().0, w.export_b64);
    assert_eq!(login(&w, "bob", "pw2").unwrap_err().code(), "opaque_login_failed");
}

#[test]
fn record_bound_to_its_profile() {
    let w = register(argon(), "carol", "pw");
    // The server refuses to use the record under another profile...
    let client = OpaqueClient::new(Profile::darkauth());
    let (ke1, _state) = client.start_login(&mut OsRng, b"pw").unwrap();
    let err = w.setup.login_start(&mut OsRng, &Profile::darkauth(), Some(&w.record), &ke1, b"carol", b"carol").unwrap_err();
    assert_eq!(err.code(), "opaque_profile_mismatch");
    // ...and a client with another KSF cannot open the envelope even if the server is misconfigured.
    let other = Profile::argon2id(2048, 1, 1, "zkauth.example", "ctx").unwrap();
    let (ke1, state) = OpaqueClient::new(other).start_login(&mut OsRng, b"pw").unwrap();
    let (ke2, _) = w.setup.login_start(&mut OsRng, &w.profile, Some(&w.record), &ke1, b"carol", b"carol").unwrap();
    assert_eq!(state.finish(&mut OsRng, &ke2, "carol").unwrap_err().code(), "opaque_login_failed");
}

#[test]
fn tampered_ke2_and_ke3_are_refused() {
    let w = register(argon(), "dave", "pw");
    let client = OpaqueClient::new(w.profile.clone());
    for pos in [0usize, 40, 100, 200, 230, 258] {
        let (ke1, state) = client.start_login(&mut OsRng, b"pw").unwrap();
        let (ke2, _) = w.setup.login_start(&mut OsRng, &w.profile, Some(&w.record), &ke1, b"dave", b"dave").unwrap();
        let mut bytes = b64u::decode(&ke2, "k").unwrap();
        bytes[pos] ^= 1;
        let err = state.finish(&mut OsRng, &b64u::encode(&bytes), "dave").unwrap_err();
        assert_eq!(err.code(), "opaque_login_failed", "byte {pos}");
    }
    let (ke1, state) = client.start_login(&mut OsRng, b"pw").unwrap();
    let (ke2, server_state) = w.setup.login_start(&mut OsRng, &w.profile, Some(&w.record), &ke1, b"dave", b"dave").unwrap();
    let done = state.finish(&mut OsRng, &ke2, "dave").unwrap();
    let mut ke3 = b64u::decode(&done.finish, "k").unwrap();
    ke3[7] ^= 0x80;
    assert_eq!(server_state.finish(&b64u::encode(&ke3)).unwrap_err().code(), "opaque_auth_failed");
}

#[test]
fn malformed_messages_have_their_own_codes() {
    let w = register(argon(), "erin", "pw");
    let client = OpaqueClient::new(w.profile.clone());
    let (ke1, state) = client.start_login(&mut OsRng, b"pw").unwrap();
    let (ke2, _) = w.setup.login_start(&mut OsRng, &w.profile, Some(&w.record), &ke1, b"erin", b"erin").unwrap();
    // The client's login finish has one code for every server-influenced input (issue 13).
    let long = b64u::encode(&[b64u::decode(&ke2, "k").unwrap(), vec![0]].concat());
    assert_eq!(state.finish(&mut OsRng, &long, "erin").unwrap_err().code(), "opaque_login_failed");
    for bad in [format!("{ke2}="), String::new(), "!".into(), ke2[..ke2.len() - 1].to_string(), b64u::encode(&[0xff; 259])] {
        let (_, state) = client.start_login(&mut OsRng, b"pw").unwrap();
        assert_eq!(state.finish(&mut OsRng, &bad, "erin").unwrap_err().code(), "opaque_login_failed", "{bad}");
    }
    let short_ke1 = b64u::encode(&b64u::decode(&ke1, "k").unwrap()[..97]);
    let err = w.setup.login_start(&mut OsRng, &w.profile, Some(&w.record), &short_ke1, b"erin", b"erin").unwrap_err();
    assert_eq!(err.code(), "opaque_message_invalid");
    assert_eq!(StoredRecord::new(&w.profile, &b64u::encode(&[0u8; 128])).unwrap_err().code(), "opaque_message_invalid");
    assert_eq!(Profile::argon2id(1, 1, 1, "s", "").unwrap_err().code(), "invalid_profile");
    let too_big = zkauth::opaque::MAX_ARGON2_MEMORY_KIB + 1;
    assert_eq!(Profile::argon2id(too_big, 1, 1, "s", "").unwrap_err().code(), "invalid_profile");
    // Records and setups never print their bytes.
    assert_eq!(format!("{:?}", w.record), "StoredRecord([redacted])");
    assert_eq!(format!("{:?}", w.setup), "ServerSetup([redacted])");
}

#[test]
fn unknown_user_gets_an_indistinguishable_fake_response() {
    let w = register(argon(), "frank", "pw");
    let (ke1, state) = OpaqueClient::new(w.profile.clone()).start_login(&mut OsRng, b"pw").unwrap();
    let (ke2, server_state) = w.setup.login_start(&mut OsRng, &w.profile, None, &ke1, b"nobody", b"nobody").unwrap();
    assert_eq!(b64u::decode(&ke2, "k").unwrap().len(), 259);
    assert_eq!(state.finish(&mut OsRng, &ke2, "nobody").unwrap_err().code(), "opaque_login_failed");
    assert_eq!(server_state.finish(&b64u::encode(&[0u8; 32])).unwrap_err().code(), "opaque_auth_failed");
}

#[test]
fn login_state_moves_between_processes_once() {
    let w = register(argon(), "gina", "pw");
    let (ke1, state) = OpaqueClient::new(w.profile.clone()).start_login(&mut OsRng, b"pw").unwrap();
    let (ke2, server_state) = w.setup.login_start(&mut OsRng, &w.profile, Some(&w.record), &ke1, b"gina", b"gina").unwrap();
    // Serialize the setup and the state as another process would receive them.
    let setup2 = ServerSetup::from_b64u(&w.setup.to_b64u()).unwrap();
    assert_eq!(setup2.public_key(), w.setup.public_key());
    let bytes = server_state.to_bytes();
    assert_eq!(bytes.len(), 64, "DarkAuth's layout: expected_client_mac(32) ‖ session_key(32)");
    let done = state.finish(&mut OsRng, &ke2, "gina").unwrap();
    let restored = ServerLoginState::from_bytes(&bytes[..]).unwrap();
    assert!(restored.finish(&done.finish).is_ok());
    assert_eq!(ServerLoginState::from_bytes(&bytes[..63]).unwrap_err().code(), "invalid_input");
    // Single use and expiry across instances are the store's job: zkauth-server seals the
    // state into its database and consumes it once (server/tests/http/refusals.rs).
}
