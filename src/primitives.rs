//! Raw primitives (HKDF-SHA-256, AES-256-GCM, SHA-256). Crate-private on purpose: callers
//! outside use whole operations (`keys`, `delivery`), which bind the right context.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::Error;

/// HKDF-SHA-256 (RFC 5869, extract then expand) to exactly 32 bytes, the one length the key
/// schedules use. Infallible by construction: for L = HashLen, HKDF-Expand is the single block
/// `T(1) = HMAC(PRK, info ‖ 0x01)`, computed here with the PRK as HMAC key (zero-padded to the
/// block size, as HMAC pads it), so there is no length error to ignore and no longer output to
/// ask for. Checked against every Wycheproof HKDF-SHA256 case (src/wycheproof/hkdf.rs).
pub(crate) fn hkdf32(ikm: &[u8], salt: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let (mut prk, _) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    let mut key = Zeroizing::new(hmac::digest::Key::<Hmac<Sha256>>::default());
    for (k, p) in key.iter_mut().zip(prk.iter()) {
        *k = *p;
    }
    prk.zeroize();
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&key);
    mac.update(info);
    mac.update(&[1]);
    let mut block = mac.finalize().into_bytes();
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&block);
    block.zeroize();
    out
}

/// SHA-256 digest.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// An empty buffer with room for `capacity` bytes, allocated fallibly: memory that cannot be
/// had is `invalid_input`, never an out-of-memory abort (a trap that kills the wasm instance).
pub(crate) fn try_with_capacity(capacity: usize) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    buf.try_reserve_exact(capacity).map_err(|_| Error::InvalidInput("not enough memory for this input"))?;
    Ok(buf)
}

/// A copy of `data` in a fallibly allocated buffer.
fn try_copy(data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut buf = try_with_capacity(data.len())?;
    buf.extend_from_slice(data);
    Ok(buf)
}

/// AES-256-GCM encryption; returns `(ciphertext, tag)`.
pub(crate) fn aead_seal(key: &[u8; 32], iv: &[u8; 12], plaintext: &[u8], aad: &[u8]) -> Result<(Vec<u8>, [u8; 16]), Error> {
    let cipher = Aes256Gcm::new(key.into());
    let mut buf = try_copy(plaintext)?;
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(iv), aad, &mut buf)
        .map_err(|_| Error::InvalidInput("plaintext too long"))?;
    Ok((buf, tag.into()))
}

/// AES-256-GCM decryption; the plaintext is wiped when dropped.
pub(crate) fn aead_open(key: &[u8; 32], iv: &[u8; 12], ciphertext: &[u8], tag: &[u8; 16], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let cipher = Aes256Gcm::new(key.into());
    let mut buf = Zeroizing::new(try_copy(ciphertext)?);
    cipher
        .decrypt_in_place_detached(Nonce::from_slice(iv), aad, &mut buf, Tag::from_slice(tag))
        .map_err(|_| Error::UnwrapFailed)?;
    Ok(buf)
}
