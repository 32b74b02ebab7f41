//! `wrapped_enc_private_jwk` (§3.11): the user's private encryption JWK, format B under a key
//! derived from the root key.

use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};
use zkauth_verify::b64u;

use super::format::{decode_sealed, open_format_b, seal_format_b};
use super::schedule::private_key_wrap_key;
use crate::{Error, RootKey};

/// AAD of `wrapped_enc_private_jwk` (§3.11).
pub(super) const PRIVATE_JWK_AAD: &[u8] = b"user-private-key";

/// A new user encryption key pair, as the server stores it: the public JWK and the private
/// JWK wrapped under the root key. The private key never exists outside this crate's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncKeyPair {
    /// `{"kty":"EC","crv":"P-256","x":…,"y":…}` for `PUT /crypto/enc-pub`.
    pub enc_public_jwk: String,
    /// For `PUT /crypto/wrapped-enc-priv`.
    pub wrapped_enc_private_jwk: String,
}

impl RootKey {
    /// Makes the user's ECDH P-256 key pair (§3.11) and wraps its private JWK under this root
    /// key. The private JWK is what WebCrypto exports for an ECDH key (`crv`, `d`, `ext`,
    /// `key_ops` `["deriveBits"]`, `kty`, `x`, `y`), so DarkAuth pages import it as their own;
    /// it is wiped once sealed.
    pub fn create_enc_key_pair<R: CryptoRng + RngCore>(&self, rng: &mut R) -> Result<EncKeyPair, Error> {
        let secret = p256::SecretKey::random(rng);
        let point = secret.public_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else { return Err(Error::InvalidInput("public key without affine coordinates")) };
        let (x, y) = (b64u::encode(x), b64u::encode(y));
        // EXPOSE: the private scalar, into the JWK that is sealed at once.
        let d = Zeroizing::new(b64u::encode(secret.to_bytes().as_slice()));
        let private_jwk = Zeroizing::new(format!(r#"{{"crv":"P-256","d":"{}","ext":true,"key_ops":["deriveBits"],"kty":"EC","x":"{x}","y":"{y}"}}"#, d.as_str()));
        let wrapped_enc_private_jwk = self.wrap_private_jwk(rng, &private_jwk)?;
        Ok(EncKeyPair { enc_public_jwk: zkauth_verify::public_jwk_json(&secret.public_key())?, wrapped_enc_private_jwk })
    }

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
