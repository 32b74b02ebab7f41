//! Tests of sharing. Known answers come from tests/vectors/custody_kat.json's `sharing` section,
//! which tests/vectors/custody_kat.py (Python `cryptography`) writes from the construction in
//! `sharing/mod.rs`, not from this code.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::OsRng;
use serde_json::Value;
use zkauth_verify::{b64u, v1_header_json, v2_header_json};

use super::{seal_to_recipient, SharingKeyPair};
use crate::delivery::jwe::seal_compact;
use crate::delivery::DeliveryKeyPair;
use crate::{AppKey, DataKey, Error};

fn doc() -> Value {
    serde_json::from_str(include_str!("../../tests/vectors/custody_kat.json")).unwrap()
}

fn hex32(s: &str) -> [u8; 32] {
    let v: Vec<u8> = (0..32).map(|n| u8::from_str_radix(&s[2 * n..2 * n + 2], 16).unwrap()).collect();
    v.try_into().unwrap()
}

fn kat_app_key(k: &Value) -> AppKey {
    AppKey::from_bytes(hex32(k["inputs"]["cak"].as_str().unwrap()))
}

fn recipient(k: &Value) -> SharingKeyPair {
    SharingKeyPair(DeliveryKeyPair::from_private_jwk(k["recipient_private_jwk"].as_str().unwrap()).unwrap())
}

fn code<T>(r: Result<T, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn the_known_sharing_key_opens_to_its_public_key() {
    let k = &doc()["sharing"];
    let pair = kat_app_key(k).open_sharing_key(k["public_jwk"].as_str().unwrap(), k["wrapped_private_key"].as_str().unwrap()).unwrap();
    assert_eq!(pair.public_jwk().unwrap(), k["public_jwk"].as_str().unwrap());
    assert_eq!(pair.0.secret.to_bytes().as_slice(), hex32(k["inputs"]["sharing_scalar"].as_str().unwrap()).as_slice());
}

#[test]
fn a_known_share_opens_to_the_data_key_that_decrypts_the_note() {
    let k = &doc()["sharing"];
    let key = recipient(k).open_shared(k["share_jwe"].as_str().unwrap()).unwrap();
    assert_eq!(key.expose_secret(), &hex32(k["data_key"].as_str().unwrap()));
    let note = key.decrypt(k["inputs"]["note_id"].as_str().unwrap(), k["note_ciphertext"].as_str().unwrap()).unwrap();
    assert_eq!(note.as_slice(), k["inputs"]["note_plaintext"].as_str().unwrap().as_bytes());
    // The owner's data key for that note is the one shared (the DEK rule of §3.12 over the CAK).
    assert_eq!(kat_app_key(k).derive_data_key("note-1").expose_secret(), key.expose_secret());
}

/// What `create_sharing_key` writes opens under the KAT's wrap key with AES-GCM used directly
/// (the `aes-gcm` crate, not this crate's format helpers) and holds the scalar of the public key.
#[test]
fn a_new_sharing_key_is_wrapped_under_the_known_wrap_key() {
    let k = &doc()["sharing"];
    let app = kat_app_key(k);
    let created = app.create_sharing_key(&mut OsRng).unwrap();
    let sealed = b64u::decode(&created.wrapped_private_key, "wrapped").unwrap();
    assert_eq!(sealed.len(), 12 + 32 + 16);
    assert_eq!(created.wrapped_private_key.len(), 80);
    let swk = hex32(k["sharing_wrap_key"].as_str().unwrap());
    let (iv, ct_tag) = sealed.split_at(12);
    let d = Aes256Gcm::new((&swk).into())
        .decrypt(Nonce::from_slice(iv), Payload { msg: ct_tag, aad: b"zkauth-app-sharing-private-key" })
        .unwrap();
    let secret = p256::SecretKey::from_slice(&d).unwrap();
    assert_eq!(zkauth_verify::public_jwk_json(&secret.public_key()).unwrap(), created.public_jwk);
    assert_eq!(created.key_pair.public_jwk().unwrap(), created.public_jwk);
    // Reopened through the API: the same pair.
    let reopened = app.open_sharing_key(&created.public_jwk, &created.wrapped_private_key).unwrap();
    assert_eq!(reopened.public_jwk().unwrap(), created.public_jwk);
}

#[test]
fn a_share_round_trips_and_carries_exactly_the_raw_key() {
    let k = &doc()["sharing"];
    let to = recipient(k);
    for _ in 0..16 {
        let mut bytes = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut OsRng, &mut bytes);
        let key = DataKey::from_bytes(bytes);
        let jwe = seal_to_recipient(&mut OsRng, &key, k["recipient_public_jwk"].as_str().unwrap()).unwrap();
        let header: Value = serde_json::from_slice(&b64u::decode(jwe.split('.').next().unwrap(), "header").unwrap()).unwrap();
        assert_eq!(header.as_object().unwrap().keys().collect::<Vec<_>>(), ["alg", "enc", "epk"]);
        assert_eq!((header["alg"].as_str(), header["enc"].as_str()), (Some("ECDH-ES"), Some("A256GCM")));
        assert_eq!(to.0.open_raw(&jwe).unwrap().as_slice(), key.expose_secret());
        assert_eq!(to.open_shared(&jwe).unwrap().expose_secret(), key.expose_secret());
        // Anyone else's key: the AEAD refuses.
        let stranger = SharingKeyPair(DeliveryKeyPair::generate(&mut OsRng));
        assert_eq!(code(stranger.open_shared(&jwe)), "jwe_decrypt_failed");
    }
}

#[test]
fn sharing_keys_are_refused_with_their_own_codes() {
    let k = &doc()["sharing"];
    let (public_jwk, wrapped) = (k["public_jwk"].as_str().unwrap(), k["wrapped_private_key"].as_str().unwrap());
    let app = kat_app_key(k);
    // Another app's key (or another user's): the AEAD refuses.
    assert_eq!(code(AppKey::from_bytes([9; 32]).open_sharing_key(public_jwk, wrapped)), "unwrap_failed");
    // The right private key, but another published public key.
    assert_eq!(code(app.open_sharing_key(k["recipient_public_jwk"].as_str().unwrap(), wrapped)), "sharing_key_mismatch");
    for bad in ["", "{}", "not json", r#"{"kty":"oct","k":"AAAA"}"#, k["recipient_private_jwk"].as_str().unwrap()] {
        assert_eq!(code(app.open_sharing_key(bad, wrapped)), "invalid_recipient_key", "{bad}");
        assert_eq!(code(seal_to_recipient(&mut OsRng, &DataKey::from_bytes([1; 32]), bad)), "invalid_recipient_key", "{bad}");
    }
    assert_eq!(code(app.open_sharing_key(public_jwk, &wrapped[..36])), "ciphertext_truncated");
    assert_eq!(code(app.open_sharing_key(public_jwk, &format!("{wrapped}=="))), "invalid_base64url");
    let mut flipped = b64u::decode(wrapped, "w").unwrap();
    flipped[20] ^= 1;
    assert_eq!(code(app.open_sharing_key(public_jwk, &b64u::encode(&flipped))), "unwrap_failed");
    // Well-wrapped plaintexts that are not a P-256 scalar.
    let swk = hex32(k["sharing_wrap_key"].as_str().unwrap());
    let wrap = |pt: &[u8]| {
        let iv = [7u8; 12];
        let ct = Aes256Gcm::new((&swk).into()).encrypt(Nonce::from_slice(&iv), Payload { msg: pt, aad: b"zkauth-app-sharing-private-key" }).unwrap();
        b64u::encode(&[&iv[..], &ct].concat())
    };
    assert_eq!(code(app.open_sharing_key(public_jwk, &wrap(&[1; 31]))), "invalid_length");
    assert_eq!(code(app.open_sharing_key(public_jwk, &wrap(&[0; 32]))), "plaintext_invalid");
    assert_eq!(code(app.open_sharing_key(public_jwk, &wrap(&[0xff; 32]))), "plaintext_invalid");
    assert_eq!(code(app.open_sharing_key(public_jwk, &wrap(&hex32(k["inputs"]["sharing_scalar"].as_str().unwrap())))), "ok");
}

#[test]
fn shares_that_are_not_one_raw_key_are_refused() {
    let k = &doc()["sharing"];
    let to = recipient(k);
    let public = zkauth_verify::parse_epk_value(k["recipient_public_jwk"].as_str().unwrap()).unwrap();
    for (len, expected) in [(0, "jwe_malformed"), (31, "invalid_length"), (33, "invalid_length"), (64, "invalid_length"), (32, "ok")] {
        let jwe = seal_compact(&mut OsRng, &public, v2_header_json, &vec![5u8; len]).unwrap().jwe;
        assert_eq!(code(to.open_shared(&jwe)), expected, "{len} bytes");
    }
    // A v1-style header (sub and client_id members) is outside the allow-list.
    let v1 = seal_compact(&mut OsRng, &public, |epk| v1_header_json(epk, "u", "c"), &[5; 32]).unwrap().jwe;
    assert_ne!(code(to.open_shared(&v1)), "ok");
    for bad in ["", "a.b.c.d.e", "....", &"A".repeat(70_000)] {
        assert_ne!(code(to.open_shared(bad)), "ok", "{bad:.20}");
    }
}

#[test]
fn debug_output_never_shows_keys() {
    let k = &doc()["sharing"];
    let created = kat_app_key(k).create_sharing_key(&mut OsRng).unwrap();
    let shown = format!("{created:?} {:?}", recipient(k));
    assert!(shown.contains("[redacted]"));
    assert!(!shown.contains(&created.wrapped_private_key));
    let d = b64u::encode(&created.key_pair.0.secret.to_bytes());
    assert!(!shown.contains(&d));
}
