//! No input value appears in any error message: every refusal below is made with inputs that
//! carry a marker (or are secrets), and each message must contain none of those inputs, in
//! whole or as a long enough piece. Messages name fields and give lengths, never values.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use rand_core::OsRng;
use zkauth::delivery::{seal_delivery_v1, seal_delivery_v2, DeliveryKeyPair, ExpectV1, ExpectV2, SealV2};
use zkauth::keys::{open_prf_envelope, password_envelope_aad, seal_prf_envelope, EnvelopeMeta, RecoveryKey};
use zkauth::opaque::server::{ServerSetup, StoredRecord};
use zkauth::opaque::{OpaqueClient, Profile};
use zkauth::verify::{b64u, hash_b64u, parse_compact_jwe, parse_epk_value, validate_zk_pub, JweVersion};
use zkauth::{AppKey, DataKey, Error, ExportKey, RootKey};

/// Every input that went into a refused call, and each piece of 6 characters or more of it.
struct Inputs(Vec<String>);

impl Inputs {
    fn new() -> Self {
        Inputs(Vec::new())
    }

    fn add(&mut self, value: &str) -> String {
        self.0.push(value.to_string());
        value.to_string()
    }

    /// Asserts that `err`'s message holds no input (nor any 6-character window of one) and
    /// returns its code.
    #[track_caller]
    fn check<T>(&self, result: Result<T, impl Into<Error>>) -> &'static str {
        let err: Error = match result {
            Ok(_) => panic!("the call was expected to fail"),
            Err(e) => e.into(),
        };
        let message = err.to_string();
        for input in &self.0 {
            let chars: Vec<char> = input.chars().collect();
            for window in chars.windows(6) {
                let piece: String = window.iter().collect();
                // Field names and fixed words may legitimately be 6 characters of an input.
                if ALLOWED.iter().any(|w| w.contains(&piece)) {
                    continue;
                }
                assert!(!message.contains(&piece), "message {message:?} ({}) holds {piece:?} of an input", err.code());
            }
        }
        err.code()
    }
}

/// Words a message may contain although an input happens to contain them too.
const ALLOWED: &[&str] = &["client_app_key", "DarkAuth-Client-Key", "ECDH-ES", "A256GCM", "P-256", "key_id", "credential_id"];

const MARK: &str = "Mq7Xv2Lk9Zr4";

#[test]
fn key_custody_refusals_carry_no_values() {
    let mut inputs = Inputs::new();
    let sub = inputs.add(&format!("sub-{MARK}"));
    let key_id = inputs.add(&format!("ark-{MARK}"));
    let envelope_id = inputs.add(&format!("env-{MARK}"));
    let secret = [0x5a; 32];
    inputs.add(&hex::encode(secret));
    inputs.add(&b64u::encode(&secret));
    let ek = ExportKey::from_bytes(secret);
    let root = RootKey::from_bytes(secret);
    let meta = EnvelopeMeta { envelope_id: &envelope_id, key_id: &key_id, sub: &sub };
    let wrapped = ek.wrap_root_key(&mut OsRng, &root, &sub).unwrap();
    let envelope = ek.seal_password_envelope(&mut OsRng, &root, &meta).unwrap();
    inputs.add(&wrapped);
    inputs.add(&envelope);
    // Another last character (never the same one, or the "tampered" value would open).
    let last = if wrapped.ends_with('A') { "B" } else { "A" };
    let tampered = inputs.add(&format!("{}{last}", &wrapped[..wrapped.len() - 1]));
    let garbage = inputs.add(&format!("{MARK}!!{MARK}"));
    let short = inputs.add(&b64u::encode(format!("{MARK}{MARK}").as_bytes()));
    let other_sub = inputs.add(&format!("ot-{MARK}"));
    let pipe = inputs.add(&format!("{MARK}|key_id={MARK}"));

    let mut codes = vec![
        inputs.check(ek.unwrap_root_key(&tampered, &sub)),
        inputs.check(ek.unwrap_root_key(&wrapped, &other_sub)),
        inputs.check(ek.unwrap_root_key(&garbage, &sub)),
        inputs.check(ek.unwrap_root_key(&short, &sub)),
        inputs.check(ek.open_password_envelope(&envelope, &EnvelopeMeta { sub: &other_sub, ..meta })),
        inputs.check(ek.open_password_envelope(&garbage, &meta)),
        inputs.check(ek.open_password_envelope(&envelope, &EnvelopeMeta { envelope_id: "", ..meta })),
        inputs.check(password_envelope_aad(&EnvelopeMeta { key_id: "", ..meta })),
        inputs.check(root.derive_client_app_key(&pipe, &key_id, "app", None)),
        inputs.check(root.derive_client_app_key(&sub, &key_id, &pipe, Some(&pipe))),
        inputs.check(seal_prf_envelope(&mut OsRng, &secret, &pipe, &root, &meta)),
        inputs.check(open_prf_envelope(&secret, &format!("cr-{MARK}"), &envelope, &meta)),
        inputs.check(RecoveryKey::from_display(&garbage)),
        inputs.check(RecoveryKey::from_display(&short)),
        inputs.check(RecoveryKey::from_display(&b64u::encode(&secret)).unwrap().open_envelope(&envelope, &meta)),
        inputs.check(root.unwrap_private_jwk(&wrapped)),
        inputs.check(root.unwrap_private_jwk(&garbage)),
    ];
    let dek = DataKey::from_bytes(secret);
    let item = inputs.add(&format!("nt-{MARK}"));
    let note = dek.encrypt(&mut OsRng, &item, MARK.as_bytes()).unwrap();
    inputs.add(&note);
    codes.push(inputs.check(dek.decrypt(&format!("ot-{MARK}"), &note)));
    codes.push(inputs.check(dek.decrypt(&item, &format!("{MARK}===="))));
    codes.push(inputs.check(ExportKey::from_slice(&secret[..31])));
    assert!(codes.iter().all(|c| !c.is_empty()));
}

#[test]
fn delivery_refusals_carry_no_values() {
    let mut inputs = Inputs::new();
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let zk_pub = kp.zk_pub().unwrap();
    let (sub, client, state, request, redirect, key_id, org) = (
        inputs.add(&format!("sub-{MARK}")),
        inputs.add(&format!("cl-{MARK}")),
        inputs.add(&format!("st-{MARK}")),
        inputs.add(&format!("req-{MARK}")),
        inputs.add(&format!("https://{MARK}.example/cb")),
        inputs.add(&format!("ark-{MARK}")),
        inputs.add(&format!("org-{MARK}")),
    );
    let cak = [0x3c; 32];
    inputs.add(&b64u::encode(&cak));
    let c = SealV2 { sub: &sub, client_id: &client, org_id: Some(&org), request_id: &request, state: Some(&state), redirect_uri: &redirect, key_id: &key_id, iat: 1_700_000_000 };
    let sealed = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes(cak), &zk_pub, &c).unwrap();
    inputs.add(&sealed.jwe);
    inputs.add(&sealed.hash);
    let e = ExpectV2 {
        zk_key_hash: &sealed.hash,
        client_id: &client,
        redirect_uri: &redirect,
        state: Some(&state),
        sub: Some(&sub),
        request_id: Some(&request),
        org_id: Some(&org),
        now: 1_700_000_005,
        zk_key_kind: Some("client_app_key"),
        zk_key_version: Some("v2"),
    };
    let other = inputs.add(&format!("ot-{MARK}"));
    let wrong_hash = inputs.add(&hash_b64u(MARK));
    let bad_zk = inputs.add(&b64u::encode(format!(r#"{{"kty":"{MARK}","crv":"P-256"}}"#).as_bytes()));
    let jwk = inputs.add(&format!(r#"{{"kty":"EC","crv":"P-256","d":"{MARK}"}}"#));
    let header = inputs.add(&b64u::encode(format!(r#"{{"alg":"{MARK}","enc":"A256GCM"}}"#).as_bytes()));
    let forged = inputs.add(&format!("{header}..AAAAAAAAAAAAAAAA.{MARK}.AAAAAAAAAAAAAAAAAAAAAA"));
    let kind = inputs.add(&format!("kd-{MARK}"));
    let mut codes = vec![
        inputs.check(kp.open_v2(&sealed.jwe, &ExpectV2 { zk_key_hash: &wrong_hash, ..e })),
        inputs.check(kp.open_v2(&sealed.jwe, &ExpectV2 { client_id: &other, ..e })),
        inputs.check(kp.open_v2(&sealed.jwe, &ExpectV2 { state: Some(&other), ..e })),
        inputs.check(kp.open_v2(&sealed.jwe, &ExpectV2 { sub: Some(&other), ..e })),
        inputs.check(kp.open_v2(&sealed.jwe, &ExpectV2 { request_id: Some(&other), ..e })),
        inputs.check(kp.open_v2(&sealed.jwe, &ExpectV2 { org_id: Some(&other), ..e })),
        inputs.check(kp.open_v2(&sealed.jwe, &ExpectV2 { redirect_uri: &other, ..e })),
        inputs.check(kp.open_v2(&sealed.jwe, &ExpectV2 { zk_key_kind: Some(&kind), ..e })),
        inputs.check(kp.open_v2(&sealed.jwe, &ExpectV2 { now: 1_900_000_000, ..e })),
        inputs.check(kp.open_v2(&forged, &ExpectV2 { zk_key_hash: &hash_b64u(&forged), ..e })),
        inputs.check(kp.open_v1(&sealed.jwe, &ExpectV1 { sub: Some(&other), ..ExpectV1::default() })),
        inputs.check(DeliveryKeyPair::generate(&mut OsRng).open_v2(&sealed.jwe, &e)),
        inputs.check(DeliveryKeyPair::from_private_jwk(&jwk)),
        inputs.check(seal_delivery_v2(&mut OsRng, &AppKey::from_bytes(cak), &bad_zk, &c)),
        inputs.check(seal_delivery_v2(&mut OsRng, &AppKey::from_bytes(cak), &zk_pub, &SealV2 { sub: &format!("{MARK}|x"), ..c })),
        inputs.check(seal_delivery_v1(&mut OsRng, &RootKey::from_bytes(cak), &zk_pub, &"s".repeat(3000), &client)),
        inputs.check(validate_zk_pub(&bad_zk)),
        inputs.check(parse_epk_value(&format!(r#"{{"kty":"EC","crv":"{MARK}"}}"#))),
        inputs.check(parse_compact_jwe(&forged, JweVersion::V2)),
    ];
    let v1 = seal_delivery_v1(&mut OsRng, &RootKey::from_bytes(cak), &zk_pub, &sub, &client).unwrap();
    inputs.add(&v1.jwe);
    codes.push(inputs.check(kp.open_v1(&v1.jwe, &ExpectV1 { drk_hash: Some(&wrong_hash), client_id: Some(&other), sub: None })));
    assert!(codes.iter().all(|c| !c.is_empty()));
}

#[test]
fn opaque_refusals_carry_no_values() {
    let mut inputs = Inputs::new();
    let password = inputs.add(&format!("pw-{MARK}"));
    let identity = inputs.add(&format!("{MARK}@example.com"));
    let profile = Profile::argon2id(1024, 1, 1, "zkauth.test", "").unwrap();
    let setup = ServerSetup::generate(&mut OsRng);
    let client = OpaqueClient::new(profile.clone());
    let (req, reg) = client.start_registration(&mut OsRng, password.as_bytes()).unwrap();
    let resp = setup.registration_response(&req, identity.as_bytes()).unwrap();
    let record = reg.finish(&mut OsRng, &resp, &identity).unwrap().record;
    inputs.add(&record);
    let stored = StoredRecord::new(&profile, &record).unwrap();
    let (ke1, login) = client.start_login(&mut OsRng, b"wrong password").unwrap();
    let (ke2, server) = setup.login_start(&mut OsRng, &profile, Some(&stored), &ke1, identity.as_bytes(), identity.as_bytes()).unwrap();
    inputs.add(&ke1);
    inputs.add(&ke2);
    let garbage = inputs.add(&format!("{MARK}{MARK}"));
    let server_identity = inputs.add(&format!("sv-{MARK}"));
    let codes = [
        inputs.check(login.finish(&mut OsRng, &ke2, &identity)),
        inputs.check(client.start_login(&mut OsRng, password.as_bytes()).unwrap().1.finish(&mut OsRng, &garbage, &identity)),
        inputs.check(client.start_registration(&mut OsRng, password.as_bytes()).unwrap().1.finish(&mut OsRng, &garbage, &identity)),
        inputs.check(server.finish(&garbage)),
        inputs.check(StoredRecord::new(&profile, &garbage)),
        inputs.check(ServerSetup::from_b64u(&garbage)),
        inputs.check(setup.login_start(&mut OsRng, &profile, Some(&stored), &garbage, b"x", b"x")),
        inputs.check(Profile::argon2id(1, 1, 1, &server_identity, &garbage)),
    ];
    assert!(codes.iter().all(|c| !c.is_empty()));
}
