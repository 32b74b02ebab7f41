//! The AES-256-GCM byte layouts of key custody (§3.4): format A `iv(12) ‖ tag(16) ‖ ct` for
//! wrapped keys, format B `iv(12) ‖ ct ‖ tag(16)` for the private JWK and note ciphertexts,
//! and the raw 32-byte root key as format A's usual plaintext.

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;
use zkauth_verify::b64u;

use crate::error::b64u_decode;
use crate::primitives::{aead_open, aead_seal, try_with_capacity};
use crate::{Error, RootKey};

const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Shortest format A or B blob: IV and tag around an empty ciphertext.
pub(super) const MIN_SEALED_LEN: usize = IV_LEN + TAG_LEN;

fn random_iv<R: CryptoRng + RngCore>(rng: &mut R) -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    rng.fill_bytes(&mut iv);
    iv
}

/// Format A: `iv ‖ tag ‖ ct`.
pub(crate) fn seal_format_a<R: CryptoRng + RngCore>(key: &[u8; 32], rng: &mut R, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, Error> {
    let iv = random_iv(rng);
    let (ct, tag) = aead_seal(key, &iv, plaintext, aad)?;
    let mut out = try_with_capacity(MIN_SEALED_LEN.saturating_add(ct.len()))?;
    out.extend_from_slice(&iv);
    out.extend_from_slice(&tag);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens format A. Callers have checked the minimum length; this checks it again.
pub(crate) fn open_format_a(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (iv, rest) = sealed
        .split_first_chunk::<IV_LEN>()
        .ok_or(Error::CiphertextTruncated("wrapped key"))?;
    let (tag, ct) = rest
        .split_first_chunk::<TAG_LEN>()
        .ok_or(Error::CiphertextTruncated("wrapped key"))?;
    aead_open(key, iv, ct, tag, aad)
}

/// Format B: `iv ‖ ct ‖ tag`.
pub(crate) fn seal_format_b<R: CryptoRng + RngCore>(key: &[u8; 32], rng: &mut R, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, Error> {
    let iv = random_iv(rng);
    let (ct, tag) = aead_seal(key, &iv, plaintext, aad)?;
    let mut out = try_with_capacity(MIN_SEALED_LEN.saturating_add(ct.len()))?;
    out.extend_from_slice(&iv);
    out.extend_from_slice(&ct);
    out.extend_from_slice(&tag);
    Ok(out)
}

pub(crate) fn open_format_b(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (iv, rest) = sealed
        .split_first_chunk::<IV_LEN>()
        .ok_or(Error::CiphertextTruncated("ciphertext"))?;
    let (ct, tag) = rest
        .split_last_chunk::<TAG_LEN>()
        .ok_or(Error::CiphertextTruncated("ciphertext"))?;
    aead_open(key, iv, ct, tag, aad)
}

/// Decodes canonical b64u and checks the iv + tag minimum.
pub(crate) fn decode_sealed(s: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    let bytes = b64u_decode(s, what)?;
    if bytes.len() < MIN_SEALED_LEN {
        return Err(Error::CiphertextTruncated("sealed value"));
    }
    Ok(bytes)
}

/// Format A of the raw 32-byte root key, as b64u.
pub(super) fn seal_root<R: CryptoRng + RngCore>(key: &[u8; 32], rng: &mut R, root: &RootKey, aad: &[u8]) -> Result<String, Error> {
    // EXPOSE: the root key is the plaintext being wrapped.
    let sealed = seal_format_a(key, rng, root.expose_secret(), aad)?;
    Ok(b64u::encode(&sealed))
}

/// A plaintext that must be exactly the raw 32-byte root key.
pub(super) fn root_from_raw(plaintext: &[u8]) -> Result<RootKey, Error> {
    if plaintext.len() != 32 {
        return Err(zkauth_verify::Error::InvalidLength { what: "root key", expected: 32, actual: plaintext.len() }.into());
    }
    RootKey::from_slice(plaintext)
}
