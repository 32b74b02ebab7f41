//! Keybag envelopes (§3.5): the fields an envelope is bound to, the canonical AAD built from
//! them, and the root key sealed as an envelope (format A, raw 32-byte plaintext) under the
//! wrap key of its type (password, recovery, passkey PRF).

use rand_core::{CryptoRng, RngCore};
use zkauth_verify::{b64u, envelope_aad, EnvelopeAad, EnvelopeType};

use super::format::{decode_sealed, open_format_a, root_from_raw, seal_root};
use crate::identifiers::{ENVELOPE_ID, KEY_ID, SUB};
use crate::{Error, RootKey};

/// The keybag fields an envelope is bound to through the canonical AAD (§3.5).
///
/// The client chooses `envelope_id` itself (e.g. `env_<uuid-v4>`) so it can compute the AAD
/// before encrypting; `key_id` is the account key; `sub` is the session's user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeMeta<'a> {
    pub envelope_id: &'a str,
    pub key_id: &'a str,
    pub sub: &'a str,
}

impl EnvelopeMeta<'_> {
    /// The canonical AAD JSON for this envelope type and `wrapping_alg`, after the identifier
    /// rule (each binding non-empty): sealing, opening and the server's `aad` field alike.
    pub(super) fn aad(&self, envelope_type: EnvelopeType, wrapping_alg: &str) -> Result<String, Error> {
        ENVELOPE_ID.check(self.envelope_id)?;
        KEY_ID.check(self.key_id)?;
        SUB.check(self.sub)?;
        Ok(envelope_aad(&EnvelopeAad { envelope_id: self.envelope_id, key_id: self.key_id, sub: self.sub, envelope_type, wrapping_alg }))
    }

    /// `b64u` of the canonical AAD: the `aad` field the server stores with the envelope.
    pub(super) fn aad_b64u(&self, envelope_type: EnvelopeType, wrapping_alg: &str) -> Result<String, Error> {
        Ok(b64u::encode(self.aad(envelope_type, wrapping_alg)?.as_bytes()))
    }

    /// Seals `root` under `key` as an envelope of `envelope_type` (empty bindings refused).
    pub(super) fn seal_root<R: CryptoRng + RngCore>(
        &self,
        rng: &mut R,
        key: &[u8; 32],
        root: &RootKey,
        envelope_type: EnvelopeType,
        wrapping_alg: &str,
    ) -> Result<String, Error> {
        seal_root(key, rng, root, self.aad(envelope_type, wrapping_alg)?.as_bytes())
    }

    /// Opens an envelope of `envelope_type` under `key` whose plaintext is the raw root key.
    pub(super) fn open_root(&self, key: &[u8; 32], wrapped: &str, envelope_type: EnvelopeType, wrapping_alg: &str) -> Result<RootKey, Error> {
        let aad = self.aad(envelope_type, wrapping_alg)?;
        let sealed = decode_sealed(wrapped, "wrapped_key")?;
        let plaintext = open_format_a(key, &sealed, aad.as_bytes())?;
        root_from_raw(&plaintext)
    }
}
