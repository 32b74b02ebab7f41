//! Wrapped keys and envelopes never panic and a fuzzed one never opens under fixed keys:
//! the legacy wrapped DRK, password / recovery / passkey-PRF envelopes, the wrapped private
//! JWK, note ciphertexts and the recovery-key display form. Behind the AEAD, the
//! password-envelope plaintext reader is fuzzed directly (`--cfg fuzzing` hook).
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkauth::keys::{open_prf_envelope, root_from_password_plaintext, EnvelopeMeta, RecoveryKey};
use zkauth::{ExportKey, RootKey};

const META: EnvelopeMeta<'static> = EnvelopeMeta { envelope_id: "env_1", key_id: "key_1", sub: "user-1" };

fuzz_target!(|data: &[u8]| {
    let export = ExportKey::from_bytes([7; 32]);
    let root = RootKey::from_bytes([9; 32]);
    let recovery = RecoveryKey::from_display(&zkauth_verify::b64u::encode(&[5u8; 32])).ok();
    if let Ok(s) = std::str::from_utf8(data) {
        assert!(export.unwrap_root_key(s, "user-1").is_err(), "a fuzzed wrapped DRK opened");
        assert!(export.open_password_envelope(s, &META).is_err(), "a fuzzed password envelope opened");
        assert!(export.open_migrated_password_envelope(s, "user-1").is_err());
        assert!(open_prf_envelope(&[3; 32], "cred", s, &META).is_err(), "a fuzzed PRF envelope opened");
        assert!(root.unwrap_private_jwk(s).is_err(), "a fuzzed wrapped private JWK opened");
        assert!(root.derive_data_key("note-1").decrypt("note-1", s).is_err(), "a fuzzed note opened");
        if let Some(r) = &recovery {
            assert!(r.open_envelope(s, &META).is_err(), "a fuzzed recovery envelope opened");
        }
        if let Ok(k) = RecoveryKey::from_display(s) {
            // One spelling per key (around ASCII whitespace, which is trimmed).
            assert_eq!(k.expose_display().as_str(), s.trim_ascii(), "a non-canonical recovery key was accepted");
        }
    }
    if let Ok(key) = root_from_password_plaintext(data, &META) {
        // Accepted: the raw 32-byte form, or JSON bound to exactly this sub and key id.
        let text = std::str::from_utf8(data).unwrap_or("");
        assert!(data.len() == 32 || (text.contains("user-1") && text.contains("key_1")) || text.contains("\\u"));
        let _ = key;
    }
});
