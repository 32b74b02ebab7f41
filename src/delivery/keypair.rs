//! The relying party's ephemeral delivery key pair: its `zk_pub`, and `open_v2`/`open_v1`,
//! which run the checks of [`super::open`] around a native ECDH step.

use core::fmt;

use p256::{PublicKey, SecretKey};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;
use zkauth_verify::{b64u, hash_b64u, parse_private_jwk, public_jwk_json};

use super::jwe::shared_x;
use super::open::{finish_v1, finish_v2, finish_v2_payload, prepare_v1, prepare_v2};
use super::{DeliveredKey, ExpectV1, ExpectV2};
use crate::Error;

/// The RP's ephemeral delivery key pair (one per login). The private scalar is wiped on drop;
/// no `Clone`, and `Debug` never prints it. Opening never mutates the pair, so a bad JWE never
/// leaves it unusable.
///
/// Every way to decrypt runs the checks of wire profile §4.7; decrypting without them is not
/// part of the API:
///
/// ```compile_fail
/// let kp = zkauth::delivery::DeliveryKeyPair::generate(&mut rand_core::OsRng);
/// let _ = kp.open_raw("e30..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA");
/// ```
pub struct DeliveryKeyPair {
    pub(crate) secret: SecretKey,
}

impl fmt::Debug for DeliveryKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeliveryKeyPair([redacted])")
    }
}

impl DeliveryKeyPair {
    /// A fresh P-256 key pair.
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> Self {
        Self { secret: SecretKey::random(rng) }
    }

    /// Loads a P-256 private JWK: `kty` = "EC", `crv` = "P-256", `d` canonical b64u of exactly
    /// 32 bytes (a valid non-zero scalar); `x` and `y`, when present, must both be there and
    /// match `d`. Duplicate members are refused; other members are ignored (at most 16 members in
    /// all, at most 4 KiB of JSON).
    pub fn from_private_jwk(json: &str) -> Result<Self, Error> {
        parse_private_jwk(json).map(|secret| Self { secret }).map_err(Error::InvalidPrivateJwk)
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.secret.public_key()
    }

    /// `zk_pub`: b64u of zkauth's compact public JWK `{"kty":"EC","crv":"P-256","x":…,"y":…}`.
    pub fn zk_pub(&self) -> Result<String, Error> {
        Ok(b64u::encode(public_jwk_json(&self.secret.public_key())?.as_bytes()))
    }

    /// `zk_pub_kid = b64u(SHA-256(zk_pub))`.
    pub fn zk_pub_kid(&self) -> Result<String, Error> {
        Ok(hash_b64u(&self.zk_pub()?))
    }

    /// The ECDH x-coordinate with a validated `epk`, passed to `f` and wiped afterwards.
    pub(crate) fn with_shared<T>(&self, epk: &PublicKey, f: impl FnOnce(&[u8; 32]) -> Result<T, Error>) -> Result<T, Error> {
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), epk.as_affine());
        f(shared_x(&shared)?)
    }

    /// Opens a v2 delivery and returns the Client App Key after every check of wire profile
    /// §4.7 and §0 has passed.
    pub fn open_v2(&self, jwe: &str, e: &ExpectV2<'_>) -> Result<DeliveredKey, Error> {
        let parsed = prepare_v2(jwe, e)?;
        self.with_shared(&parsed.epk, |z| finish_v2(&parsed, z, e))
    }

    /// Opens a v1 delivery and returns the root key (exactly 32 bytes).
    pub fn open_v1(&self, jwe: &str, e: &ExpectV1<'_>) -> Result<DeliveredKey, Error> {
        let parsed = prepare_v1(jwe, e)?;
        self.with_shared(&parsed.epk, |z| finish_v1(&parsed, z, e))
    }

    /// Runs every check of [`open_v2`](Self::open_v2) and returns the claim object exactly as
    /// it was encrypted (wiped on drop), for inspection tools such as `zkauth jwe open`. The
    /// payload holds the Client App Key in `cak`.
    pub fn open_v2_payload(&self, jwe: &str, e: &ExpectV2<'_>) -> Result<Zeroizing<Vec<u8>>, Error> {
        let parsed = prepare_v2(jwe, e)?;
        self.with_shared(&parsed.epk, |z| finish_v2_payload(&parsed, z, e)).map(|(_, payload)| payload)
    }

    /// Decrypts a JWE whose header passes the v2 rules (exactly {alg, enc, epk}, ECDH-ES,
    /// A256GCM, valid `epk`) without any hash binding or claim check: for this crate's own
    /// tests (Wycheproof's JWE file), never public API.
    #[cfg(test)]
    pub(crate) fn open_raw(&self, jwe: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
        let parsed = zkauth_verify::parse_compact_jwe(jwe, zkauth_verify::JweVersion::V2)?;
        self.with_shared(&parsed.epk, |z| super::jwe::decrypt_parsed(&parsed, z))
    }
}
