//! The app sharing key pair: created and opened with the Client App Key, its public JWK for the
//! server, its private scalar only ever in this crate's memory.

use core::fmt;

use p256::SecretKey;
use rand_core::{CryptoRng, RngCore};
use zkauth_verify::{b64u, parse_epk_value, public_jwk_json};

use crate::delivery::DeliveryKeyPair;
use crate::keys::format::{decode_sealed, open_format_b, seal_format_b};
use crate::primitives::hkdf32;
use crate::{AppKey, Error};

/// HKDF salt of the sharing wrap key (the raw string).
pub const SHARING_WRAP_SALT: &str = "zkauth|v1|app-sharing-key";
/// HKDF info of the sharing wrap key.
pub const SHARING_WRAP_INFO: &str = "sharing-private-key-wrap";
/// AAD of `wrapped_private_key`.
pub const SHARING_KEY_AAD: &str = "zkauth-app-sharing-private-key";

/// A user's sharing key pair for one app. The private scalar is wiped on drop; no `Clone`, and
/// `Debug` never prints it.
pub struct SharingKeyPair(pub(super) DeliveryKeyPair);

impl fmt::Debug for SharingKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharingKeyPair([redacted])")
    }
}

/// A new sharing key pair and what the server stores for it.
pub struct NewSharingKey {
    pub key_pair: SharingKeyPair,
    /// `{"kty":"EC","crv":"P-256","x":…,"y":…}`, published for other users of the app.
    pub public_jwk: String,
    /// The private scalar, format B under the CAK's sharing wrap key, as b64u (80 characters).
    pub wrapped_private_key: String,
}

impl fmt::Debug for NewSharingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSharingKey").field("public_jwk", &self.public_jwk).field("wrapped_private_key", &"[redacted]").finish_non_exhaustive()
    }
}

impl AppKey {
    fn sharing_wrap_key(&self) -> zeroize::Zeroizing<[u8; 32]> {
        // EXPOSE: the CAK is the IKM of the sharing wrap key.
        hkdf32(self.expose_secret(), SHARING_WRAP_SALT.as_bytes(), SHARING_WRAP_INFO.as_bytes())
    }

    /// Makes the user's sharing key pair for this app and wraps its private scalar.
    pub fn create_sharing_key<R: CryptoRng + RngCore>(&self, rng: &mut R) -> Result<NewSharingKey, Error> {
        let secret = SecretKey::random(rng);
        let public_jwk = public_jwk_json(&secret.public_key())?;
        // EXPOSE: the private scalar is the plaintext being wrapped (`to_bytes` is wiped on drop).
        let sealed = seal_format_b(&self.sharing_wrap_key(), rng, &secret.to_bytes(), SHARING_KEY_AAD.as_bytes())?;
        Ok(NewSharingKey { key_pair: SharingKeyPair(DeliveryKeyPair { secret }), public_jwk, wrapped_private_key: b64u::encode(&sealed) })
    }

    /// Opens the wrapped private scalar (`unwrap_failed` under another app key, `invalid_length`
    /// or `plaintext_invalid` for a plaintext that is not a P-256 scalar) and requires its public
    /// key to be `public_jwk` (`sharing_key_mismatch`; `invalid_recipient_key` when `public_jwk`
    /// is not a P-256 public JWK).
    pub fn open_sharing_key(&self, public_jwk: &str, wrapped_private_key: &str) -> Result<SharingKeyPair, Error> {
        let expected = parse_epk_value(public_jwk).map_err(|_| Error::InvalidRecipientKey)?;
        let sealed = decode_sealed(wrapped_private_key, "wrapped_private_key")?;
        let plaintext = open_format_b(&self.sharing_wrap_key(), &sealed, SHARING_KEY_AAD.as_bytes())?;
        if plaintext.len() != 32 {
            return Err(zkauth_verify::Error::InvalidLength { what: "sharing private key", expected: 32, actual: plaintext.len() }.into());
        }
        let secret = SecretKey::from_slice(&plaintext).map_err(|_| Error::PlaintextInvalid("sharing private key (not a P-256 scalar)"))?;
        if secret.public_key() != expected {
            return Err(Error::SharingKeyMismatch);
        }
        Ok(SharingKeyPair(DeliveryKeyPair { secret }))
    }
}

impl SharingKeyPair {
    /// The public JWK, compact with string members only: what the server publishes.
    pub fn public_jwk(&self) -> Result<String, Error> {
        Ok(public_jwk_json(&self.0.public_key())?)
    }
}
