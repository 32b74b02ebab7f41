//! Deployment profiles: which KSF, server identity and context both sides of OPAQUE use.

use opaque_ke::Identifiers;
use zkauth_verify::b64u;

use super::Stretch;
use crate::Error;

/// Largest Argon2id memory cost a profile accepts (1 GiB).
pub const MAX_ARGON2_MEMORY_KIB: u32 = 1024 * 1024;

/// A deployment profile: KSF, server identity and context. Both sides must use the same one;
/// the server stores [`Profile::descriptor`] with each record and refuses a mismatch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub(crate) stretch: Stretch,
    pub(crate) server_identity: Option<Vec<u8>>,
    pub(crate) context: Vec<u8>,
}

impl Profile {
    /// DarkAuth: scrypt N=32768 r=8 p=1, server identity `DarkAuth`, empty context.
    pub fn darkauth() -> Self {
        Profile { stretch: Stretch::default(), server_identity: Some(b"DarkAuth".to_vec()), context: Vec::new() }
    }

    /// Argon2id with caller-chosen cost, server identity and context.
    pub fn argon2id(memory_kib: u32, iterations: u32, parallelism: u32, server_identity: &str, context: &str) -> Result<Self, Error> {
        if argon2::Params::new(memory_kib, iterations, parallelism, Some(32)).is_err() {
            return Err(Error::InvalidProfile("argon2id parameters out of range"));
        }
        // Browsers cap wasm memory (often at 2-4 GiB); a login KSF beyond 1 GiB is a mistake.
        if memory_kib > MAX_ARGON2_MEMORY_KIB {
            return Err(Error::InvalidProfile("argon2id memory above 1 GiB"));
        }
        if server_identity.is_empty() || server_identity.len() > 0xffff || context.len() > 0xffff {
            return Err(Error::InvalidProfile("server identity must be 1..65535 bytes, context at most 65535"));
        }
        Ok(Profile {
            stretch: Stretch::Argon2id { memory_kib, iterations, parallelism },
            server_identity: Some(server_identity.as_bytes().to_vec()),
            context: context.as_bytes().to_vec(),
        })
    }

    /// Identity KSF with explicit identities/context: for RFC 9807 conformance vectors only.
    #[cfg(feature = "conformance")]
    pub fn conformance_identity(server_identity: Option<&[u8]>, context: &[u8]) -> Self {
        Profile { stretch: Stretch::Identity, server_identity: server_identity.map(<[u8]>::to_vec), context: context.to_vec() }
    }

    /// Conformance profile with scrypt (the CLI's `"KSF": "scrypt"` vectors).
    #[cfg(feature = "conformance")]
    pub fn conformance_scrypt(log_n: u8, r: u32, p: u32, server_identity: Option<&[u8]>, context: &[u8]) -> Self {
        Profile { stretch: Stretch::Scrypt { log_n, r, p }, server_identity: server_identity.map(<[u8]>::to_vec), context: context.to_vec() }
    }

    /// A canonical string naming every parameter that changes OPAQUE's outputs.
    pub fn descriptor(&self) -> String {
        let ksf = match &self.stretch {
            Stretch::Identity => "identity".to_string(),
            Stretch::Scrypt { log_n, r, p } => format!("scrypt:N={},r={r},p={p}", 1u64 << log_n),
            Stretch::Argon2id { memory_kib, iterations, parallelism } => format!("argon2id:m={memory_kib},t={iterations},p={parallelism}"),
        };
        let sid = self.server_identity.as_deref().map(b64u::encode).unwrap_or_else(|| "-".into());
        format!("{ksf};sid={sid};ctx={}", b64u::encode(&self.context))
    }

    pub(crate) fn identifiers<'a>(&'a self, client_identity: Option<&'a [u8]>) -> Identifiers<'a> {
        Identifiers { client: client_identity, server: self.server_identity.as_deref() }
    }
}
