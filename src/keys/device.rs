//! Trusted-device envelopes (§3.10): the root key wrapped under a key that only this browser
//! can derive. `type: "trusted_device"`, `wrapping_alg: "DarkAuth-DeviceLocal-AESGCM/v2"`,
//! format A, canonical AAD, metadata `{"version":"v2","key_handle":"dk_<uuid>"}`.
//!
//! DarkAuth keeps a non-extractable WebCrypto AES-GCM key and lets WebCrypto encrypt the root
//! key, which would hand the root key's bytes to JavaScript. zkauth keeps a non-extractable
//! WebCrypto **ECDH** key instead: `Z = ECDH(device key, the device's stored peer public key)`
//! comes out of `deriveBits` and the wrap is done here, so the root key never leaves wasm:
//!
//! ```text
//! wrap_key = HKDF-SHA-256(Z, H(UTF8("zkauth|v1|device-local-key|sub=" + sub + "|key_handle=" + key_handle)), "wrap-key", 32)
//! ```
//!
//! Only this device can open the envelope (nobody else holds the key), so the derivation is
//! local and changes nothing on the wire.

use rand_core::{CryptoRng, RngCore};
use zkauth_verify::{EnvelopeType, WRAPPING_ALG_TRUSTED_DEVICE};

use super::EnvelopeMeta;
use crate::identifiers::{KEY_HANDLE, SUB};
use crate::primitives::{hkdf32, sha256};
use crate::{Error, RootKey};

fn device_wrap_key(z: &[u8; 32], sub: &str, key_handle: &str) -> Result<zeroize::Zeroizing<[u8; 32]>, Error> {
    SUB.check_in_derivation(sub)?;
    KEY_HANDLE.check_in_derivation(key_handle)?;
    let salt = sha256(format!("zkauth|v1|device-local-key|sub={sub}|key_handle={key_handle}").as_bytes());
    Ok(hkdf32(z, &salt, b"wrap-key"))
}

/// Writes a trusted-device envelope of `root` for the device `key_handle`; `z` is the 32-byte
/// ECDH output of the device's key (`deriveBits`), wiped by the caller afterwards.
pub fn seal_trusted_device_envelope<R: CryptoRng + RngCore>(rng: &mut R, z: &[u8; 32], key_handle: &str, root: &RootKey, meta: &EnvelopeMeta<'_>) -> Result<String, Error> {
    let key = device_wrap_key(z, meta.sub, key_handle)?;
    meta.seal_root(rng, &key, root, EnvelopeType::TrustedDevice, WRAPPING_ALG_TRUSTED_DEVICE)
}

/// Opens a trusted-device envelope (raw 32-byte plaintext) with the device's `z`.
pub fn open_trusted_device_envelope(z: &[u8; 32], key_handle: &str, wrapped: &str, meta: &EnvelopeMeta<'_>) -> Result<RootKey, Error> {
    let key = device_wrap_key(z, meta.sub, key_handle)?;
    meta.open_root(&key, wrapped, EnvelopeType::TrustedDevice, WRAPPING_ALG_TRUSTED_DEVICE)
}

/// `b64u` of the canonical trusted-device envelope AAD.
pub fn trusted_device_envelope_aad(meta: &EnvelopeMeta<'_>) -> Result<String, Error> {
    meta.aad_b64u(EnvelopeType::TrustedDevice, WRAPPING_ALG_TRUSTED_DEVICE)
}
