//! App data keys (§3.12): one key per item, derived from the root key or a Client App Key,
//! and the note encryption DarkAuth's demo app uses (format B, padded standard base64).

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;
use zkauth_verify::{b64std, push_json_string};

use super::format::{open_format_b, seal_format_b, MIN_SEALED_LEN};
use super::schedule::data_key_bytes;
use crate::{AppKey, DataKey, Error, RootKey};

impl RootKey {
    /// The data key of one item (§3.12), derived from the root key.
    pub fn derive_data_key(&self, item_id: &str) -> DataKey {
        // EXPOSE: the root key is the IKM of the DEK derivation.
        derive_data_key(self.expose_secret(), item_id)
    }
}

impl AppKey {
    /// The data key of one item (§3.12), derived from a Client App Key (for v2 relying
    /// parties, which hold only a CAK).
    pub fn derive_data_key(&self, item_id: &str) -> DataKey {
        // EXPOSE: the CAK is the IKM of the DEK derivation.
        derive_data_key(self.expose_secret(), item_id)
    }
}

/// `DEK = HKDF(key, "DarkAuth|demo-notes", "note:" + item_id)`, where `key` is the root key
/// (owner DEK, as DarkAuth's demo app does) or a CAK.
pub fn derive_data_key(key: &[u8; 32], item_id: &str) -> DataKey {
    let dek = data_key_bytes(key, item_id);
    DataKey::from_bytes(*dek)
}

/// Longest plaintext [`DataKey::encrypt`] takes (4 MiB).
pub const MAX_DATA_PLAINTEXT: usize = 4 << 20;
/// Longest ciphertext string [`DataKey::decrypt`] takes: the padded base64 of the longest
/// plaintext with its IV and tag.
pub const MAX_DATA_CIPHERTEXT_B64: usize = (MAX_DATA_PLAINTEXT + MIN_SEALED_LEN).div_ceil(3) * 4;

/// `JSON.stringify({note_id})`, written member by member (it cannot fail or come out empty).
pub(super) fn note_aad(item_id: &str) -> String {
    let mut out = String::from("{\"note_id\":");
    push_json_string(&mut out, item_id);
    out.push('}');
    out
}

impl DataKey {
    /// Encrypts one item: format B with AAD `{"note_id":"<item_id>"}`, as padded standard base64.
    /// A plaintext over [`MAX_DATA_PLAINTEXT`] is `invalid_input` (as is memory that runs out).
    pub fn encrypt<R: CryptoRng + RngCore>(&self, rng: &mut R, item_id: &str, plaintext: &[u8]) -> Result<String, Error> {
        if plaintext.len() > MAX_DATA_PLAINTEXT {
            return Err(Error::InvalidInput("plaintext is longer than 4 MiB"));
        }
        let aad = note_aad(item_id);
        // EXPOSE: the DEK encrypts the item.
        let sealed = seal_format_b(self.expose_secret(), rng, plaintext, aad.as_bytes())?;
        Ok(b64std::encode(&sealed))
    }

    /// Decrypts one item encrypted under AAD `{"note_id":"<item_id>"}`.
    pub fn decrypt(&self, item_id: &str, ciphertext_b64: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.decrypt_with_aad(&note_aad(item_id), ciphertext_b64)
    }

    /// Decrypts with an AAD given verbatim (DarkAuth's decrypt takes the caller's
    /// `JSON.stringify(aadObject)` and does not rebuild it from the note id, §3.12).
    pub fn decrypt_with_aad(&self, aad: &str, ciphertext_b64: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
        if ciphertext_b64.len() > MAX_DATA_CIPHERTEXT_B64 {
            return Err(Error::InvalidInput("ciphertext is longer than any DataKey.encrypt output"));
        }
        let sealed = b64std::decode(ciphertext_b64).ok_or(Error::InvalidBase64("note ciphertext"))?;
        if sealed.len() < MIN_SEALED_LEN {
            return Err(Error::CiphertextTruncated("sealed value"));
        }
        // EXPOSE: the DEK decrypts the item.
        open_format_b(self.expose_secret(), &sealed, aad.as_bytes())
    }
}
