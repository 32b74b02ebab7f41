//! The Concat KDF of RFC 7518 §4.6.2 for `ECDH-ES` + `A256GCM`: the content key of every
//! delivery JWE, from the ECDH x-coordinate `Z`.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// `enc` of every delivery JWE; also the Concat KDF AlgorithmID.
const ENC: &str = "A256GCM";

/// RFC 7518 §4.6.2 Concat KDF for `ECDH-ES` + `A256GCM`, no apu/apv:
/// `CEK = SHA-256(00000001 ‖ Z ‖ len32("A256GCM") ‖ "A256GCM" ‖ len32("") ‖ len32("") ‖ 00000100)`.
pub(super) fn concat_kdf(z: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut h = Sha256::new();
    h.update(1u32.to_be_bytes());
    h.update(z);
    // ENC is a 7-byte constant: the cast cannot truncate.
    h.update((ENC.len() as u32).to_be_bytes());
    h.update(ENC.as_bytes());
    h.update(0u32.to_be_bytes()); // PartyUInfo: empty
    h.update(0u32.to_be_bytes()); // PartyVInfo: empty
    h.update(256u32.to_be_bytes()); // SuppPubInfo: key length in bits
    let mut cek = Zeroizing::new([0u8; 32]);
    cek.copy_from_slice(&h.finalize());
    cek
}
