//! OPAQUE (RFC 9807) with P256-SHA256 on opaque-ke: the one suite, the KSF profiles, and the
//! client. The server half (`server`: setup, records, login state) is behind the cargo feature
//! `server` (DarkAuth's endpoint bodies live in zkauth-server), the RFC 9807
//! conformance runner (`vectors`) behind `conformance`: neither is in the wasm package.
//!
//! Every message is checked for its exact length (wire profile §2.4) before parsing, so
//! too-long input is refused instead of silently truncated.

mod client;
mod ksf;
mod profile;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "conformance")]
pub mod vectors;
#[cfg(test)]
mod tests;

pub use client::{ClientLogin, ClientRegistration, LoginFinish, OpaqueClient, RegistrationFinish};
pub use ksf::Stretch;
#[cfg(all(target_arch = "wasm32", feature = "ksf-instance"))]
pub(crate) use ksf::{can_allocate, touch_pages};
pub use profile::{Profile, MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB};

use opaque_ke::{CipherSuite, TripleDh};

use crate::error::b64u_decode;
use crate::Error;

/// Byte lengths of the suite's messages (wire profile §2.4).
pub mod len {
    pub const REGISTRATION_REQUEST: usize = 33;
    pub const REGISTRATION_RESPONSE: usize = 66;
    pub const REGISTRATION_RECORD: usize = 129;
    pub const KE1: usize = 98;
    pub const KE2: usize = 259;
    pub const KE3: usize = 32;
    pub const SERVER_PUBLIC_KEY: usize = 33;
}

/// The one cipher suite: OPRF P256-SHA256, 3DH on P-256 with SHA-256, KSF chosen by profile.
pub struct Suite;

impl CipherSuite for Suite {
    type OprfCs = p256::NistP256;
    type KeyExchange = TripleDh<p256::NistP256, sha2::Sha256>;
    type Ksf = Stretch;
}

/// Decodes a b64u OPAQUE message of exactly `n` bytes.
pub(crate) fn decode_message(s: &str, n: usize, what: &'static str) -> Result<Vec<u8>, Error> {
    let bytes = b64u_decode(s, what)?;
    if bytes.len() != n {
        return Err(Error::OpaqueMessageInvalid(what));
    }
    Ok(bytes)
}
