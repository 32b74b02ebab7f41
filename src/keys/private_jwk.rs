//! `wrapped_enc_private_jwk` (§3.11): the user's private encryption JWK, format B under a key
//! derived from the root key.

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};
use zkauth_verify::b64u;

use super::format::{decode_sealed, open_format_b, seal_format_b};
use super::schedule::private_key_wrap_key;
use crate::{Error, RootKey};

/// AAD of `wrapped_enc_private_jwk` (§3.11).
pub(super) const PRIVATE_JWK_AAD: &[u8] = b"user-private-key";

impl RootKey {
    /// `wrapped_enc_private_jwk = b64u(formatB(wk, jwk_json, AAD = "user-private-key"))`.
    /// The root key is only read, never wiped here (§0 "zeroed key after password reset").
    pub fn wrap_private_jwk<R: CryptoRng + RngCore>(&self, rng: &mut R, jwk_json: &str) -> Result<String, Error> {
        if jwk_json.is_empty() {
            return Err(Error::InvalidInput("private JWK is empty"));
        }
        // EXPOSE: the root key is the IKM of the private-key wrap key.
        let wk = private_key_wrap_key(self.expose_secret());
        let sealed = seal_format_b(&wk, rng, jwk_json.as_bytes(), PRIVATE_JWK_AAD)?;
        Ok(b64u::encode(&sealed))
    }

    /// Opens `wrapped_enc_private_jwk`; the JWK JSON is wiped when dropped.
    pub fn unwrap_private_jwk(&self, wrapped: &str) -> Result<Zeroizing<String>, Error> {
        let sealed = decode_sealed(wrapped, "wrapped_enc_private_jwk")?;
        // EXPOSE: the root key is the IKM of the private-key wrap key.
        let wk = private_key_wrap_key(self.expose_secret());
        let mut plaintext = open_format_b(&wk, &sealed, PRIVATE_JWK_AAD)?;
        match String::from_utf8(core::mem::take(&mut *plaintext)) {
            Ok(s) => Ok(Zeroizing::new(s)),
            Err(e) => {
                let mut bytes = e.into_bytes();
                bytes.zeroize();
                Err(Error::PlaintextInvalid("private JWK (not UTF-8)"))
            }
        }
    }
}
