//! Unit tests of the OPAQUE client and profiles that need the crate's private fields (a profile
//! whose KSF cannot run, a scrypt cost the public constructors refuse).

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use rand_core::OsRng;

use super::server::{ServerSetup, StoredRecord};
use super::{OpaqueClient, Profile, Stretch};

/// A KE2 that is well formed: the server's honest answer for a registered user.
fn honest_ke2(client: &OpaqueClient, server_profile: &Profile) -> (String, super::ClientLogin) {
    let setup = ServerSetup::generate(&mut OsRng);
    let (req, reg) = OpaqueClient::new(server_profile.clone()).start_registration(&mut OsRng, b"pw").unwrap();
    let resp = setup.registration_response(&req, b"kim").unwrap();
    let record = StoredRecord::new(server_profile, &reg.finish(&mut OsRng, &resp, "kim").unwrap().record).unwrap();
    let (ke1, login) = client.start_login(&mut OsRng, b"pw").unwrap();
    let (ke2, _) = setup.login_start(&mut OsRng, server_profile, Some(&record), &ke1, b"kim", b"kim").unwrap();
    (ke2, login)
}

#[test]
fn a_ksf_failure_in_login_finish_is_opaque_login_failed() {
    let good = Profile::argon2id(1024, 1, 1, "s", "").unwrap();
    // The same profile with a KSF that cannot run (scrypt r = 0 is refused by scrypt).
    let broken = Profile { stretch: Stretch::Scrypt { log_n: 4, r: 0, p: 1 }, ..good.clone() };
    let (ke2, login) = honest_ke2(&OpaqueClient::new(broken), &good);
    assert_eq!(login.finish(&mut OsRng, &ke2, "kim").unwrap_err().code(), "opaque_login_failed");
}
