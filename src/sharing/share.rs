//! A share: one item's data key sealed to another user's sharing public key, and opened with
//! the recipient's [`SharingKeyPair`].

use rand_core::{CryptoRng, RngCore};
use zkauth_verify::{parse_compact_jwe, parse_epk_value, v2_header_json, JweVersion};

use super::SharingKeyPair;
use crate::delivery::jwe::{decrypt_parsed, seal_compact};
use crate::{DataKey, Error};

/// Seals `key` to the recipient's sharing public JWK (`invalid_recipient_key` unless it is a
/// P-256 public JWK by the `zk_pub` rules): ECDH-ES + A256GCM, header `{alg, enc, epk}`,
/// payload the raw 32-byte data key. Returns the compact JWE.
pub fn seal_to_recipient<R: CryptoRng + RngCore>(rng: &mut R, key: &DataKey, recipient_public_jwk: &str) -> Result<String, Error> {
    let recipient = parse_epk_value(recipient_public_jwk).map_err(|_| Error::InvalidRecipientKey)?;
    // EXPOSE: the data key is the payload, encrypted to the recipient.
    Ok(seal_compact(rng, &recipient, v2_header_json, key.expose_secret())?.jwe)
}

impl SharingKeyPair {
    /// Opens a share addressed to this key pair: the v2 header rules (exactly {alg, enc, epk},
    /// a valid `epk`), ECDH, AES-GCM (`jwe_decrypt_failed`), then exactly 32 bytes of payload
    /// (`invalid_length`). Returns the data key.
    pub fn open_shared(&self, jwe: &str) -> Result<DataKey, Error> {
        let parsed = parse_compact_jwe(jwe, JweVersion::V2)?;
        self.0.with_shared(&parsed.epk, |z| {
            let payload = decrypt_parsed(&parsed, z)?;
            if payload.len() != 32 {
                return Err(zkauth_verify::Error::InvalidLength { what: "shared data key", expected: 32, actual: payload.len() }.into());
            }
            DataKey::from_slice(&payload)
        })
    }
}
