//! The compact-JWE body shared by every delivery: encrypt to a recipient with a fresh
//! ephemeral key, and decrypt a JWE that `zkauth-verify` has parsed.

use p256::PublicKey;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;
use zkauth_verify::{b64u, hash_b64u, CompactJwe, MAX_HEADER_LEN, MAX_JWE_LEN};

use super::concat_kdf::concat_kdf;
use super::Sealed;
use crate::primitives::{aead_open, aead_seal};
use crate::Error;

/// Encrypts `payload` to `recipient` with a fresh ephemeral key. `make_header` builds the
/// protected header JSON from the ephemeral public key (the v1 or v2 header of `zkauth-verify`).
/// A JWE the opener would refuse for its size (protected header over [`MAX_HEADER_LEN`] or the
/// whole over [`MAX_JWE_LEN`] characters) is `invalid_input` here, never sent.
pub(crate) fn seal_compact<R: CryptoRng + RngCore>(
    rng: &mut R,
    recipient: &PublicKey,
    make_header: impl FnOnce(&PublicKey) -> Result<String, zkauth_verify::Error>,
    payload: &[u8],
) -> Result<Sealed, Error> {
    let eph = p256::ecdh::EphemeralSecret::random(rng);
    let epk = eph.public_key();
    let shared = eph.diffie_hellman(recipient);
    drop(eph);
    let cek = concat_kdf(shared_x(&shared)?);
    drop(shared);
    let mut iv = [0u8; 12];
    rng.fill_bytes(&mut iv);
    let header = b64u::encode(make_header(&epk)?.as_bytes());
    if header.len() > MAX_HEADER_LEN {
        return Err(Error::InvalidInput("the protected header would be longer than the opener accepts (2 KiB)"));
    }
    let (ciphertext, tag) = aead_seal(&cek, &iv, payload, header.as_bytes())?;
    let jwe = format!("{header}..{}.{}.{}", b64u::encode(&iv), b64u::encode(&ciphertext), b64u::encode(&tag));
    if jwe.len() > MAX_JWE_LEN {
        return Err(Error::InvalidInput("the JWE would be longer than the opener accepts (64 KiB)"));
    }
    let hash = hash_b64u(&jwe);
    Ok(Sealed { jwe, hash })
}

/// `Z` as a 32-byte array reference (a P-256 field element is always 32 bytes).
pub(super) fn shared_x(shared: &p256::ecdh::SharedSecret) -> Result<&[u8; 32], Error> {
    <&[u8; 32]>::try_from(shared.raw_secret_bytes().as_slice()).map_err(|_| Error::InvalidInput("shared secret must be 32 bytes"))
}

/// Concat KDF + AES-256-GCM over a parsed JWE. AEAD failure is `jwe_decrypt_failed`.
pub(crate) fn decrypt_parsed(parsed: &CompactJwe<'_>, z: &[u8; 32]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let cek = concat_kdf(z);
    aead_open(&cek, &parsed.iv, &parsed.ciphertext, &parsed.tag, parsed.aad.as_bytes()).map_err(|_| Error::JweDecryptFailed)
}
