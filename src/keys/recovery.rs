//! Recovery keys (§3.8): a random secret the user writes down, its server-side verifier, and
//! the recovery envelope that wraps the root key under it.

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};
use zkauth_verify::{b64u, EnvelopeType, WRAPPING_ALG_RECOVERY};

use super::schedule::recovery_wrap_key;
use super::EnvelopeMeta;
use crate::error::b64u_decode;
use crate::primitives::sha256;
use crate::{Error, RootKey};

/// A recovery secret: 32 random bytes, shown to the user once as b64u (43 characters).
/// Only `H(secret)` (the verifier) goes to the server.
#[derive(ZeroizeOnDrop)]
pub struct RecoveryKey(pub(super) Box<[u8; 32]>);

impl core::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RecoveryKey([redacted])")
    }
}

impl RecoveryKey {
    /// A fresh recovery secret from a CSPRNG.
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> Self {
        let mut secret = Box::new([0u8; 32]);
        rng.fill_bytes(secret.as_mut_slice());
        Self(secret)
    }

    /// Parses the display string: canonical b64u of exactly 32 bytes. Surrounding ASCII
    /// whitespace (from copy and paste) is ignored.
    pub fn from_display(display: &str) -> Result<Self, Error> {
        let bytes = Zeroizing::new(b64u_decode(display.trim_ascii(), "recovery key")?);
        let mut secret = Box::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(zkauth_verify::Error::InvalidLength { what: "recovery key", expected: 32, actual: bytes.len() }.into());
        }
        secret.copy_from_slice(&bytes);
        Ok(Self(secret))
    }

    /// The one-time display string `b64u(secret)`. Show it once; it is wiped when dropped.
    pub fn expose_display(&self) -> Zeroizing<String> {
        Zeroizing::new(b64u::encode(self.0.as_slice()))
    }

    /// The verifier sent to the server: `b64u(H(secret))`.
    pub fn verifier(&self) -> String {
        let mut digest = sha256(self.0.as_slice());
        let out = b64u::encode(&digest);
        digest.zeroize();
        out
    }

    /// Writes a recovery envelope: format A under the recovery wrap key, canonical AAD with
    /// `type: "recovery"` and `wrapping_alg: "DarkAuth-Recovery-HKDF-SHA256+A256GCM/v2"`.
    pub fn seal_envelope<R: CryptoRng + RngCore>(
        &self,
        rng: &mut R,
        root: &RootKey,
        meta: &EnvelopeMeta<'_>,
    ) -> Result<String, Error> {
        let key = recovery_wrap_key(&self.0, meta.sub);
        meta.seal_root(rng, &key, root, EnvelopeType::Recovery, WRAPPING_ALG_RECOVERY)
    }

    /// Opens a recovery envelope (raw 32-byte plaintext).
    pub fn open_envelope(&self, wrapped: &str, meta: &EnvelopeMeta<'_>) -> Result<RootKey, Error> {
        let key = recovery_wrap_key(&self.0, meta.sub);
        meta.open_root(&key, wrapped, EnvelopeType::Recovery, WRAPPING_ALG_RECOVERY)
    }
}

/// `b64u` of the canonical recovery-envelope AAD (the `aad` field of `POST /crypto/recovery-keys`).
pub fn recovery_envelope_aad(meta: &EnvelopeMeta<'_>) -> Result<String, Error> {
    meta.aad_b64u(EnvelopeType::Recovery, WRAPPING_ALG_RECOVERY)
}
