//! Tests of key custody. Known answers come from tests/vectors/custody_kat.json, which
//! tests/vectors/custody_kat.py (Python `cryptography`) writes, not from this code; the names
//! below are its keys.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use rand_core::{CryptoRng, RngCore};
use zkauth_verify::{b64std, b64u, EnvelopeType, WRAPPING_ALG_PASSWORD_V2};

use super::app_data::note_aad;
use super::format::seal_format_b;
use super::password::root_from_password_plaintext;
use super::private_jwk::PRIVATE_JWK_AAD;
use super::schedule::{kw_v1, kw_v2, mk_v1, mk_v2, prf_wrap_key, private_key_wrap_key, recovery_wrap_key};
use super::*;
use crate::{Error, ExportKey, RootKey};

/// Returns `pattern` over and over: every fresh `PatternRng` gives the same bytes.
struct PatternRng {
    pattern: Vec<u8>,
    pos: usize,
}

impl PatternRng {
    fn new(pattern: &[u8]) -> Self {
        Self { pattern: pattern.to_vec(), pos: 0 }
    }
}

impl RngCore for PatternRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for d in dest.iter_mut() {
            *d = self.pattern[self.pos % self.pattern.len()];
            self.pos += 1;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for PatternRng {}

fn seq(start: u8, len: u8) -> Vec<u8> {
    (start..start + len).collect()
}
fn arr(start: u8) -> [u8; 32] {
    let mut a = [0u8; 32];
    a.copy_from_slice(&seq(start, 32));
    a
}
fn iv_rng() -> PatternRng {
    PatternRng::new(&seq(0xa0, 12))
}

// Fixed inputs, mirrored from custody_kat.py.
fn export_key() -> ExportKey {
    ExportKey::from_bytes(arr(0x00))
}
fn root() -> RootKey {
    RootKey::from_bytes(arr(0x20))
}
const SUB: &str = "emthdXRoLXRlc3Qtc3ViIQ";
const KEY_ID: &str = "ark_a2V5LWlkLWZvci16a2F1dGgtdGVzdHMh";
const ENVELOPE_ID: &str = "env_0b6c6a8e-3f7d-4c1e-9a52-1d2e3f405162";
const CLIENT_ID: &str = "demo-app";
const ORG_ID: &str = "8c1f6f0e-2b1a-4d8e-9a0b-1c2d3e4f5a6b";
const CREDENTIAL_ID: &str = "Y3JlZGVudGlhbC1pZC0wMDE";
const PRIVATE_JWK: &str = r#"{"crv":"P-256","d":"ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ","ext":true,"key_ops":["deriveKey","deriveBits"],"kty":"EC","x":"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg","y":"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXk"}"#;
const NOTE_ID: &str = "note-1";
const NOTE_ID_ODD: &str = "n\"\\\n\u{1}é";
const NOTE_PT: &[u8] = b"hello, notes";
#[test]
fn fixed_inputs_are_the_kat_files() {
    for (name, value) in [("sub", SUB), ("key_id", KEY_ID), ("envelope_id", ENVELOPE_ID), ("client_id", CLIENT_ID), ("org_id", ORG_ID), ("credential_id", CREDENTIAL_ID), ("private_jwk", PRIVATE_JWK), ("note_id", NOTE_ID), ("note_id_odd", NOTE_ID_ODD)] {
        assert_eq!(kat(name), value, "{name}");
    }
    assert_eq!(kat("note_plaintext").as_bytes(), NOTE_PT);
    assert_eq!(kat("export_key"), hex::encode(arr(0x00)));
    assert_eq!(kat("root"), hex::encode(arr(0x20)));
    assert_eq!(kat("recovery_secret"), hex::encode(arr(0x40)));
    assert_eq!(kat("prf_output"), hex::encode(arr(0x60)));
    assert_eq!(kat("iv"), hex::encode(seq(0xa0, 12)));
}

fn meta() -> EnvelopeMeta<'static> {
    EnvelopeMeta { envelope_id: ENVELOPE_ID, key_id: KEY_ID, sub: SUB }
}

/// A known answer (or fixed input) from tests/vectors/custody_kat.json, which
/// tests/vectors/custody_kat.py writes; a missing file fails the build.
fn kat(name: &str) -> &'static str {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| serde_json::from_str(include_str!("../../tests/vectors/custody_kat.json")).unwrap());
    doc["outputs"][name].as_str().or(doc["inputs"][name].as_str()).unwrap_or_else(|| panic!("{name} is not in custody_kat.json"))
}

fn code<T>(r: Result<T, Error>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

/// Flips one bit of byte `i` of a b64u value and re-encodes it canonically.
fn flip(s: &str, i: usize) -> String {
    let mut b = b64u::decode(s, "t").unwrap();
    b[i] ^= 0x01;
    b64u::encode(&b)
}

// ---- key schedules ----

#[test]
fn kat_password_key_schedules() {
    let ek = arr(0x00);
    assert_eq!(hex::encode(*mk_v1(&ek, SUB)), kat("mk"));
    assert_eq!(hex::encode(*kw_v1(&ek, SUB)), kat("kw"));
    assert_eq!(hex::encode(*mk_v2(&ek, SUB)), kat("mk2"));
    assert_eq!(hex::encode(*kw_v2(&ek, SUB)), kat("kw2"));
    assert_ne!(*kw_v1(&ek, "other"), *kw_v1(&ek, SUB));
}

#[test]
fn kat_other_wrap_keys() {
    assert_eq!(hex::encode(*recovery_wrap_key(&arr(0x40), SUB)), kat("recovery_wrap_key"));
    assert_eq!(hex::encode(*prf_wrap_key(&seq(0x60, 32), SUB, CREDENTIAL_ID)), kat("prf_wrap_key"));
    assert_eq!(hex::encode(*private_key_wrap_key(&arr(0x20))), kat("private_key_wrap_key"));
}

// ---- legacy wrapped_drk ----

#[test]
fn kat_wrapped_drk() {
    let wrapped = export_key().wrap_root_key(&mut iv_rng(), &root(), SUB).unwrap();
    assert_eq!(wrapped, kat("wrapped_drk"));
    assert_eq!(b64u::decode(&wrapped, "t").unwrap().len(), 60);
    let opened = export_key().unwrap_root_key(kat("wrapped_drk"), SUB).unwrap();
    assert_eq!(opened.expose_secret(), &arr(0x20));
}

#[test]
fn wrapped_drk_rejects_wrong_binding() {
    assert_eq!(code(export_key().unwrap_root_key(kat("wrapped_drk"), "emthdXRoLXRlc3Qtc3ViIg")), "unwrap_failed");
    assert_eq!(code(ExportKey::from_bytes([9; 32]).unwrap_root_key(kat("wrapped_drk"), SUB)), "unwrap_failed");
    // A v2 password envelope is not a wrapped_drk (different AAD), and vice versa.
    assert_eq!(code(export_key().unwrap_root_key(kat("password_envelope"), SUB)), "unwrap_failed");
    assert_eq!(code(export_key().open_password_envelope(kat("wrapped_drk"), &meta())), "unwrap_failed");
}

#[test]
fn migrated_v1_password_envelope() {
    // Same bytes as a wrapped_drk: key KW, AAD = UTF8(sub).
    let opened = export_key().open_migrated_password_envelope(kat("wrapped_drk"), SUB).unwrap();
    assert_eq!(opened.expose_secret(), &arr(0x20));
}

// ---- v2 password envelope ----

#[test]
fn kat_password_envelope() {
    assert_eq!(meta().aad(EnvelopeType::Password, WRAPPING_ALG_PASSWORD_V2).unwrap(), kat("password_aad"));
    assert_eq!(password_envelope_aad(&meta()).unwrap(), b64u::encode(kat("password_aad").as_bytes()));
    let wrapped = export_key().seal_password_envelope(&mut iv_rng(), &root(), &meta()).unwrap();
    assert_eq!(wrapped, kat("password_envelope"));
    let opened = export_key().open_password_envelope(&wrapped, &meta()).unwrap();
    assert_eq!(opened.expose_secret(), &arr(0x20));
}

#[test]
fn password_envelope_read_paths() {
    // KW2 + raw, KW + JSON, KW2 + JSON: all written by the Python reference.
    for w in [kat("password_envelope_kw2_raw"), kat("password_envelope_kw_json"), kat("password_envelope_kw2_json")] {
        let opened = export_key().open_password_envelope(w, &meta()).unwrap();
        assert_eq!(opened.expose_secret(), &arr(0x20));
    }
}

#[test]
fn password_envelope_json_binding() {
    let r = export_key().open_password_envelope(kat("password_envelope_json_bad_sub"), &meta());
    assert_eq!(r.unwrap_err(), Error::EnvelopeMetadataMismatch("sub"));
    let r = export_key().open_password_envelope(kat("password_envelope_json_bad_key_id"), &meta());
    assert_eq!(r.unwrap_err(), Error::EnvelopeMetadataMismatch("key_id"));
    assert_eq!(code(export_key().open_password_envelope(kat("password_envelope_json_short_ark"), &meta())), "invalid_length");
}

#[test]
fn password_plaintext_parser() {
    let m = meta();
    let ok = format!(
        r#"{{"typ":"DarkAuth-Account-Root-Key","version":"v2","sub":"{SUB}","key_id":"{KEY_ID}","ark":"{}"}}"#,
        b64u::encode(&arr(0x20))
    );
    assert_eq!(root_from_password_plaintext(ok.as_bytes(), &m).unwrap().expose_secret(), &arr(0x20));
    let bad_typ = ok.replace("DarkAuth-Account-Root-Key", "Other");
    assert_eq!(root_from_password_plaintext(bad_typ.as_bytes(), &m).unwrap_err(), Error::EnvelopeMetadataMismatch("typ"));
    let bad_ver = ok.replace("\"v2\"", "\"v3\"");
    assert_eq!(root_from_password_plaintext(bad_ver.as_bytes(), &m).unwrap_err(), Error::EnvelopeMetadataMismatch("version"));
    let padded_ark = ok.replace("\"}", "=\"}");
    assert_eq!(code(root_from_password_plaintext(padded_ark.as_bytes(), &m)), "invalid_base64url");
    let dup = ok.replace("{\"typ\"", "{\"sub\":\"x\",\"typ\"");
    assert_eq!(code(root_from_password_plaintext(dup.as_bytes(), &m)), "plaintext_invalid");
    // Strict where nobody looks (issue 13): duplicate unknown members, an escaped lone
    // surrogate or invalid UTF-8 in an unknown member, a duplicate inside an ignored object.
    let with = |extra: &str| ok.replacen('{', &format!("{{{extra},"), 1).into_bytes();
    assert_eq!(code(root_from_password_plaintext(&with(r#""note":"x""#), &m)), "ok");
    for extra in [r#""x":1,"x":2"#, r#""x":"\ud800""#, r#""x":["\udc00"]"#, r#""x":{"a":1,"a":2}"#, r#""\ud800":1"#] {
        assert_eq!(code(root_from_password_plaintext(&with(extra), &m)), "plaintext_invalid", "{extra}");
    }
    let mut bad_utf8 = with(r#""x":"??""#);
    let at = bad_utf8.iter().position(|&b| b == b'?').unwrap();
    bad_utf8[at] = 0xff;
    assert_eq!(code(root_from_password_plaintext(&bad_utf8, &m)), "plaintext_invalid");
    for junk in [&b""[..], b"not json", &[0u8; 31], &[0u8; 33], b"{}", b"[]"] {
        assert_eq!(code(root_from_password_plaintext(junk, &m)), "plaintext_invalid");
    }
}

#[test]
fn password_envelope_rejects_wrong_metadata() {
    let other = [
        EnvelopeMeta { envelope_id: "env_other", ..meta() },
        EnvelopeMeta { key_id: "ark_other", ..meta() },
        EnvelopeMeta { sub: "emthdXRoLXRlc3Qtc3ViIg", ..meta() },
    ];
    for m in &other {
        assert_eq!(code(export_key().open_password_envelope(kat("password_envelope"), m)), "unwrap_failed");
        assert_eq!(code(export_key().open_password_envelope(kat("password_envelope_kw2_json"), m)), "unwrap_failed");
    }
    assert_eq!(code(ExportKey::from_bytes([9; 32]).open_password_envelope(kat("password_envelope"), &meta())), "unwrap_failed");
}

#[test]
fn one_identifier_rule_everywhere() {
    let (ek, mut rng) = (export_key(), iv_rng());
    // Empty identifiers: refused by writers and readers alike (issue 13).
    assert_eq!(code(ek.wrap_root_key(&mut rng, &root(), "")), "invalid_input");
    assert_eq!(code(ek.unwrap_root_key(kat("wrapped_drk"), "")), "invalid_input");
    assert_eq!(code(ek.open_migrated_password_envelope(kat("wrapped_drk"), "")), "invalid_input");
    for m in [EnvelopeMeta { envelope_id: "", ..meta() }, EnvelopeMeta { key_id: "", ..meta() }, EnvelopeMeta { sub: "", ..meta() }] {
        assert_eq!(code(ek.open_password_envelope(kat("password_envelope"), &m)), "invalid_input");
        assert_eq!(code(RecoveryKey::generate(&mut rng).open_envelope(kat("recovery_envelope"), &m)), "invalid_input");
        assert_eq!(code(open_prf_envelope(&[1; 32], CREDENTIAL_ID, kat("prf_envelope"), &m)), "invalid_input");
        assert_eq!(code(password_envelope_aad(&m)), "invalid_input");
        assert_eq!(code(recovery_envelope_aad(&m)), "invalid_input");
        assert_eq!(code(prf_envelope_aad(&m)), "invalid_input");
    }
    for (sub, key_id, client_id, org_id) in [("", KEY_ID, CLIENT_ID, None), (SUB, "", CLIENT_ID, None), (SUB, KEY_ID, "", None), (SUB, KEY_ID, CLIENT_ID, Some(""))] {
        assert_eq!(code(root().derive_client_app_key(sub, key_id, client_id, org_id)), "invalid_input");
    }
    // The CAK formula's separator: two different contexts never derive one key.
    assert_eq!(code(root().derive_client_app_key("a|key_id=b", "c", CLIENT_ID, None)), "invalid_input");
    assert_eq!(code(root().derive_client_app_key("a", "b|key_id=c", CLIENT_ID, None)), "invalid_input");
    assert_eq!(code(root().derive_client_app_key(SUB, KEY_ID, "x|org_id=y", None)), "invalid_input");
    assert_eq!(code(root().derive_client_app_key(SUB, KEY_ID, CLIENT_ID, Some("o|aud=x"))), "invalid_input");
    // The passkey-PRF salt joins sub and credential_id the same way.
    let pipe_sub = EnvelopeMeta { sub: "a|credential_id=b", ..meta() };
    assert_eq!(code(seal_prf_envelope(&mut rng, &[1; 32], "c", &root(), &pipe_sub)), "invalid_input");
    assert_eq!(code(seal_prf_envelope(&mut rng, &[1; 32], "b|credential_id=c", &root(), &meta())), "invalid_input");
    assert_eq!(code(open_prf_envelope(&[1; 32], "", kat("prf_envelope"), &meta())), "invalid_input");
}

#[test]
fn seal_refuses_empty_metadata() {
    let mut rng = iv_rng();
    for m in [EnvelopeMeta { envelope_id: "", ..meta() }, EnvelopeMeta { key_id: "", ..meta() }, EnvelopeMeta { sub: "", ..meta() }] {
        assert_eq!(code(export_key().seal_password_envelope(&mut rng, &root(), &m)), "invalid_input");
        assert_eq!(code(RecoveryKey::generate(&mut rng).seal_envelope(&mut rng, &root(), &m)), "invalid_input");
        assert_eq!(code(seal_prf_envelope(&mut rng, &[1; 32], CREDENTIAL_ID, &root(), &m)), "invalid_input");
    }
}

// ---- bad encodings and lengths (§6 of the brief) ----

#[test]
fn bad_wrapped_inputs_have_typed_errors() {
    let ek = export_key();
    let m = meta();
    type Open<'a> = &'a dyn Fn(&str) -> &'static str;
    let opens: [(&str, Open<'_>); 4] = [
        ("wrapped_drk", &|w| code(ek.unwrap_root_key(w, SUB))),
        ("password", &|w| code(ek.open_password_envelope(w, &m))),
        ("recovery", &|w| code(RecoveryKey(Box::new(arr(0x40))).open_envelope(w, &m))),
        ("prf", &|w| code(open_prf_envelope(&seq(0x60, 32), CREDENTIAL_ID, w, &m))),
    ];
    let good = kat("password_envelope");
    for (name, open) in opens {
        // Encodings that are not canonical b64u.
        let two_short = &good[..good.len() - 2]; // ends in "lN": non-zero unused bits
        let three_short = &good[..good.len() - 3]; // length 1 mod 4
        for bad in
            ["", " ", "oKGio6Sl=", "oKGio6Sl+/", &format!("{good}="), &format!(" {good}"), &format!("{good}\n"), two_short, three_short]
        {
            assert_eq!(open(bad), "invalid_base64url", "{name}: {bad:?}");
        }
        // Canonical b64u, but shorter than iv + tag.
        for n in [1usize, 12, 27] {
            assert_eq!(open(&b64u::encode(&vec![0xa5; n])), "ciphertext_truncated", "{name}: {n} bytes");
        }
        // Exactly iv + tag (empty ciphertext) or any other length: AEAD failure.
        for n in [28usize, 59, 61] {
            assert_eq!(open(&b64u::encode(&vec![0xa5; n])), "unwrap_failed", "{name}: {n} bytes");
        }
    }
}

#[test]
fn tampering_is_unwrap_failed() {
    let ek = export_key();
    // Format A: bytes 0..12 iv, 12..28 tag, 28.. ciphertext.
    for i in [0usize, 11, 12, 27, 28, 59] {
        assert_eq!(code(ek.unwrap_root_key(&flip(kat("wrapped_drk"), i), SUB)), "unwrap_failed", "byte {i}");
        assert_eq!(code(ek.open_password_envelope(&flip(kat("password_envelope"), i), &meta())), "unwrap_failed", "byte {i}");
    }
    // Format B: tag is the last 16 bytes.
    let len = b64u::decode(kat("wrapped_enc_priv"), "t").unwrap().len();
    for i in [0usize, 12, len - 16, len - 1] {
        assert_eq!(code(root().unwrap_private_jwk(&flip(kat("wrapped_enc_priv"), i))), "unwrap_failed", "byte {i}");
    }
}

#[test]
fn truncations_never_panic() {
    let ek = export_key();
    let rs = RecoveryKey(Box::new(arr(0x40)));
    for s in [kat("wrapped_drk"), kat("password_envelope_kw2_json"), kat("wrapped_enc_priv")] {
        for i in 0..s.len() {
            let t = &s[..i];
            assert!(ek.unwrap_root_key(t, SUB).is_err());
            assert!(ek.open_password_envelope(t, &meta()).is_err());
            assert!(rs.open_envelope(t, &meta()).is_err());
            assert!(open_prf_envelope(&[1], CREDENTIAL_ID, t, &meta()).is_err());
            assert!(root().unwrap_private_jwk(t).is_err());
        }
    }
    let dek = root().derive_data_key(NOTE_ID);
    for i in 0..kat("note_ciphertext").len() {
        assert!(dek.decrypt(NOTE_ID, &kat("note_ciphertext")[..i]).is_err());
    }
}

// ---- CAK ----

#[test]
fn kat_client_app_key() {
    let r = root();
    assert_eq!(hex::encode(r.derive_client_app_key(SUB, KEY_ID, CLIENT_ID, None).unwrap().expose_secret()), kat("cak_no_org"));
    // One rule for empty identifiers (issue 13): an empty org id is refused, as sealDeliveryV2
    // refuses it; the account-wide key is `None`.
    assert_eq!(code(r.derive_client_app_key(SUB, KEY_ID, CLIENT_ID, Some(""))), "invalid_input");
    assert_eq!(hex::encode(r.derive_client_app_key(SUB, KEY_ID, CLIENT_ID, Some(ORG_ID)).unwrap().expose_secret()), kat("cak_org"));
    assert_ne!(hex::encode(r.derive_client_app_key(SUB, "legacy-drk:x", CLIENT_ID, None).unwrap().expose_secret()), kat("cak_no_org"));
}

// ---- recovery ----

#[test]
fn kat_recovery() {
    let secret = RecoveryKey::generate(&mut PatternRng::new(&seq(0x40, 32)));
    assert_eq!(secret.expose_display().as_str(), kat("recovery_display"));
    assert_eq!(secret.verifier(), kat("recovery_verifier"));
    assert_eq!(format!("{secret:?}"), "RecoveryKey([redacted])");
    let wrapped = secret.seal_envelope(&mut iv_rng(), &root(), &meta()).unwrap();
    assert_eq!(wrapped, kat("recovery_envelope"));
    assert_eq!(
        b64u::decode(&recovery_envelope_aad(&meta()).unwrap(), "t").unwrap(),
        kat("password_aad")
            .replace(
                r#""password","wrapping_alg":"OPAQUE-HKDF-SHA256+A256GCM/v2""#,
                r#""recovery","wrapping_alg":"DarkAuth-Recovery-HKDF-SHA256+A256GCM/v2""#
            )
            .as_bytes()
    );
    let parsed = RecoveryKey::from_display(kat("recovery_display")).unwrap();
    assert_eq!(
        parsed
            .open_envelope(kat("recovery_envelope"), &meta())
            .unwrap()
            .expose_secret(),
        &arr(0x20)
    );
    let pasted = RecoveryKey::from_display(&format!("  {}\n", kat("recovery_display"))).unwrap();
    assert_eq!(pasted.verifier(), kat("recovery_verifier"));
}

#[test]
fn recovery_rejects_bad_inputs() {
    assert_eq!(code(RecoveryKey::from_display(&kat("recovery_display")[..42])), "invalid_base64url");
    assert_eq!(code(RecoveryKey::from_display("QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9")), "invalid_base64url"); // trailing bits
    assert_eq!(code(RecoveryKey::from_display(&b64u::encode(&[1; 31]))), "invalid_length");
    assert_eq!(code(RecoveryKey::from_display(&b64u::encode(&[1; 33]))), "invalid_length");
    assert_eq!(code(RecoveryKey::from_display("")), "invalid_base64url");
    let wrong = RecoveryKey::from_display(&b64u::encode(&[1; 32])).unwrap();
    assert_eq!(code(wrong.open_envelope(kat("recovery_envelope"), &meta())), "unwrap_failed");
    let right = RecoveryKey::from_display(kat("recovery_display")).unwrap();
    assert_eq!(code(right.open_envelope(kat("recovery_envelope"), &EnvelopeMeta { key_id: "ark_x", ..meta() })), "unwrap_failed");
    // A password envelope under the same bytes is bound to a different type and key.
    assert_eq!(code(right.open_envelope(kat("password_envelope"), &meta())), "unwrap_failed");
}

// ---- passkey PRF ----

#[test]
fn kat_prf_envelope() {
    let prf = seq(0x60, 32);
    let wrapped = seal_prf_envelope(&mut iv_rng(), &prf, CREDENTIAL_ID, &root(), &meta()).unwrap();
    assert_eq!(wrapped, kat("prf_envelope"));
    assert_eq!(
        open_prf_envelope(&prf, CREDENTIAL_ID, kat("prf_envelope"), &meta())
            .unwrap()
            .expose_secret(),
        &arr(0x20)
    );
    assert_eq!(code(open_prf_envelope(&prf, "Y3JlZGVudGlhbC1pZC0wMDI", kat("prf_envelope"), &meta())), "unwrap_failed");
    assert_eq!(code(open_prf_envelope(&seq(0x61, 32), CREDENTIAL_ID, kat("prf_envelope"), &meta())), "unwrap_failed");
    assert_eq!(code(open_prf_envelope(&[], CREDENTIAL_ID, kat("prf_envelope"), &meta())), "invalid_input");
    assert_eq!(code(open_prf_envelope(&prf, "", kat("prf_envelope"), &meta())), "invalid_input");
    assert_eq!(code(seal_prf_envelope(&mut iv_rng(), &[], CREDENTIAL_ID, &root(), &meta())), "invalid_input");
    assert!(prf_envelope_aad(&meta()).unwrap() != password_envelope_aad(&meta()).unwrap());
}

// ---- wrapped_enc_priv ----

#[test]
fn kat_wrapped_enc_priv() {
    let r = root();
    let wrapped = r.wrap_private_jwk(&mut iv_rng(), PRIVATE_JWK).unwrap();
    assert_eq!(wrapped, kat("wrapped_enc_priv"));
    // §0: wrapping must not wipe the root key it was derived from.
    assert_eq!(r.expose_secret(), &arr(0x20));
    assert_eq!(r.unwrap_private_jwk(kat("wrapped_enc_priv")).unwrap().as_str(), PRIVATE_JWK);
    // The upstream hazard: a blob under a zeroed root key does not open under the real one.
    let zero_wrapped = RootKey::from_bytes([0; 32])
        .wrap_private_jwk(&mut iv_rng(), PRIVATE_JWK)
        .unwrap();
    assert_eq!(code(r.unwrap_private_jwk(&zero_wrapped)), "unwrap_failed");
    assert_eq!(code(RootKey::from_bytes([1; 32]).unwrap_private_jwk(kat("wrapped_enc_priv"))), "unwrap_failed");
    assert_eq!(code(r.wrap_private_jwk(&mut iv_rng(), "")), "invalid_input");
    // Format A is not format B: a key envelope does not open as a private JWK.
    assert_eq!(code(r.unwrap_private_jwk(kat("password_envelope"))), "unwrap_failed");
}

#[test]
fn private_jwk_must_be_utf8() {
    let r = root();
    let wk = private_key_wrap_key(r.expose_secret());
    let sealed = seal_format_b(&wk, &mut iv_rng(), &[0xff, 0xfe], PRIVATE_JWK_AAD).unwrap();
    assert_eq!(code(r.unwrap_private_jwk(&b64u::encode(&sealed))), "plaintext_invalid");
}

// ---- data keys ----

#[test]
fn kat_note() {
    let r = root();
    let dek = r.derive_data_key(NOTE_ID);
    assert_eq!(hex::encode(dek.expose_secret()), kat("note_dek"));
    assert_eq!(hex::encode(derive_data_key(&arr(0x20), NOTE_ID).expose_secret()), kat("note_dek"));
    assert_eq!(note_aad(NOTE_ID), kat("note_aad"));
    assert_eq!(note_aad(NOTE_ID_ODD), kat("note_odd_aad"));
    assert_eq!(dek.encrypt(&mut iv_rng(), NOTE_ID, NOTE_PT).unwrap(), kat("note_ciphertext"));
    assert_eq!(dek.decrypt(NOTE_ID, kat("note_ciphertext")).unwrap().as_slice(), NOTE_PT);
    assert_eq!(dek.decrypt_with_aad(kat("note_aad"), kat("note_ciphertext")).unwrap().as_slice(), NOTE_PT);
    let odd = r.derive_data_key(NOTE_ID_ODD);
    assert_eq!(odd.encrypt(&mut iv_rng(), NOTE_ID_ODD, NOTE_PT).unwrap(), kat("note_odd_ciphertext"));
    assert_eq!(odd.decrypt(NOTE_ID_ODD, kat("note_odd_ciphertext")).unwrap().as_slice(), NOTE_PT);
    let cak = r.derive_client_app_key(SUB, KEY_ID, CLIENT_ID, Some(ORG_ID)).unwrap();
    assert_eq!(hex::encode(cak.derive_data_key(NOTE_ID).expose_secret()), kat("note_dek_from_cak"));
}

#[test]
fn note_rejects_bad_inputs() {
    let dek = root().derive_data_key(NOTE_ID);
    assert_eq!(code(dek.decrypt("note-2", kat("note_ciphertext"))), "unwrap_failed");
    assert_eq!(code(root().derive_data_key("note-2").decrypt(NOTE_ID, kat("note_ciphertext"))), "unwrap_failed");
    let unpadded = kat("note_ciphertext").trim_end_matches('=');
    let url = kat("note_ciphertext").replace('+', "-").replace('/', "_");
    let extra_pad = format!("{}==", kat("note_ciphertext"));
    let three_pad = format!("{}===", &kat("note_ciphertext")[..kat("note_ciphertext").len() - 3]);
    let bits = kat("note_ciphertext").replace("Ag==", "Ah==");
    for bad in ["", "====", unpadded, &url, &extra_pad, &three_pad, &bits, &format!(" {}", kat("note_ciphertext"))] {
        assert_eq!(code(dek.decrypt(NOTE_ID, bad)), "invalid_base64", "{bad:?}");
    }
    assert_eq!(code(dek.decrypt(NOTE_ID, &b64std::encode(&[0; 27]))), "ciphertext_truncated");
    assert_eq!(code(dek.decrypt(NOTE_ID, &b64std::encode(&[0; 28]))), "unwrap_failed");
    let mut sealed = b64std::decode(kat("note_ciphertext")).unwrap();
    if let Some(last) = sealed.last_mut() {
        *last ^= 1;
    }
    assert_eq!(code(dek.decrypt(NOTE_ID, &b64std::encode(&sealed))), "unwrap_failed");
}

// ---- round trips with a real CSPRNG ----

#[test]
fn round_trips() {
    let mut rng = rand_core::OsRng;
    let ek = ExportKey::from_bytes([3; 32]);
    let r = RootKey::generate(&mut rng);
    let m = EnvelopeMeta { envelope_id: "env_x", key_id: "ark_y", sub: "c3Vi" };

    let w1 = ek.wrap_root_key(&mut rng, &r, m.sub).unwrap();
    let w2 = ek.wrap_root_key(&mut rng, &r, m.sub).unwrap();
    assert_ne!(w1, w2, "fresh IVs");
    assert_eq!(ek.unwrap_root_key(&w1, m.sub).unwrap().expose_secret(), r.expose_secret());

    let pw = ek.seal_password_envelope(&mut rng, &r, &m).unwrap();
    assert_eq!(ek.open_password_envelope(&pw, &m).unwrap().expose_secret(), r.expose_secret());

    let rs = RecoveryKey::generate(&mut rng);
    let rw = rs.seal_envelope(&mut rng, &r, &m).unwrap();
    let rs2 = RecoveryKey::from_display(&rs.expose_display()).unwrap();
    assert_eq!(rs2.open_envelope(&rw, &m).unwrap().expose_secret(), r.expose_secret());
    assert_eq!(rs2.verifier(), rs.verifier());

    let pw2 = seal_prf_envelope(&mut rng, &[5; 32], "cred", &r, &m).unwrap();
    assert_eq!(open_prf_envelope(&[5; 32], "cred", &pw2, &m).unwrap().expose_secret(), r.expose_secret());

    let jw = r.wrap_private_jwk(&mut rng, "{\"d\":\"é\"}").unwrap();
    assert_eq!(r.unwrap_private_jwk(&jw).unwrap().as_str(), "{\"d\":\"é\"}");

    let cak = r.derive_client_app_key(m.sub, m.key_id, "app", None).unwrap();
    for dek in [r.derive_data_key("i"), cak.derive_data_key("i")] {
        for pt in [&b""[..], b"x", &[7u8; 1000]] {
            let ct = dek.encrypt(&mut rng, "i", pt).unwrap();
            assert_eq!(dek.decrypt("i", &ct).unwrap().as_slice(), pt);
        }
    }
}

/// A key pair made for the user: the wrapped private JWK opens under the root key (only), is
/// the JWK WebCrypto exports for an ECDH key, and its `d` is the private key of the public JWK.
#[test]
fn a_new_enc_key_pair_wraps_the_private_half_of_its_public_key() {
    let r = root();
    let pair = r.create_enc_key_pair(&mut rand_core::OsRng).unwrap();
    let jwk = r.unwrap_private_jwk(&pair.wrapped_enc_private_jwk).unwrap();
    // The loader of `zk_pub`'s peer checks `d` against `x`/`y`: the private JWK is consistent.
    let kp = crate::delivery::DeliveryKeyPair::from_private_jwk(&jwk).unwrap();
    let public = zkauth_verify::public_jwk_json(&kp.public_key()).unwrap();
    assert_eq!(public, pair.enc_public_jwk);
    assert!(jwk.contains(r#""ext":true,"key_ops":["deriveBits"],"kty":"EC""#), "{}", jwk.as_str());
    assert_eq!(code(RootKey::from_bytes([1; 32]).unwrap_private_jwk(&pair.wrapped_enc_private_jwk)), "unwrap_failed");
    assert_ne!(r.create_enc_key_pair(&mut rand_core::OsRng).unwrap().enc_public_jwk, pair.enc_public_jwk, "fresh each time");
}

// ---- trusted-device envelope (§3.10, the device-local key) ----

#[test]
fn kat_trusted_device_envelope() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("../../tests/vectors/custody_kat.json")).unwrap();
    let k = &doc["trusted_device"];
    let hex32 = |s: &str| -> [u8; 32] { hex::decode(s).unwrap().try_into().unwrap() };
    let handle = k["inputs"]["key_handle"].as_str().unwrap();
    // Z is the x-coordinate of ECDH between the device key and its peer public key (what
    // WebCrypto's deriveBits(256) returns).
    let device = p256::SecretKey::from_slice(&hex32(k["inputs"]["device_scalar"].as_str().unwrap())).unwrap();
    let peer = p256::SecretKey::from_slice(&hex32(k["inputs"]["peer_scalar"].as_str().unwrap())).unwrap();
    let z = p256::ecdh::diffie_hellman(device.to_nonzero_scalar(), peer.public_key().as_affine());
    let z: [u8; 32] = z.raw_secret_bytes().as_slice().try_into().unwrap();
    assert_eq!(hex::encode(z), k["z"].as_str().unwrap());

    let wrapped = seal_trusted_device_envelope(&mut iv_rng(), &z, handle, &root(), &meta()).unwrap();
    assert_eq!(wrapped, k["envelope"].as_str().unwrap());
    assert_eq!(b64u::decode(&trusted_device_envelope_aad(&meta()).unwrap(), "aad").unwrap(), k["aad"].as_str().unwrap().as_bytes());
    let opened = open_trusted_device_envelope(&z, handle, k["envelope"].as_str().unwrap(), &meta()).unwrap();
    assert_eq!(opened.expose_secret(), &arr(0x20));
    // Another device's Z, another handle, another binding, the wrong kind of envelope.
    assert_eq!(code(open_trusted_device_envelope(&[7; 32], handle, k["envelope"].as_str().unwrap(), &meta())), "unwrap_failed");
    assert_eq!(code(open_trusted_device_envelope(&z, "dk_other", k["envelope"].as_str().unwrap(), &meta())), "unwrap_failed");
    let other = EnvelopeMeta { envelope_id: "env_other", ..meta() };
    assert_eq!(code(open_trusted_device_envelope(&z, handle, k["envelope"].as_str().unwrap(), &other)), "unwrap_failed");
    assert_eq!(code(open_trusted_device_envelope(&z, handle, kat("prf_envelope"), &meta())), "unwrap_failed");
    // The handle goes into a derivation string: the identifier rule.
    for bad in ["", "dk_a|b"] {
        assert_eq!(code(seal_trusted_device_envelope(&mut iv_rng(), &z, bad, &root(), &meta())), "invalid_input", "{bad:?}");
        assert_eq!(code(open_trusted_device_envelope(&z, bad, k["envelope"].as_str().unwrap(), &meta())), "invalid_input", "{bad:?}");
    }
}
