//! Deployment profiles: which KSF, server identity and context both sides of OPAQUE use.

use opaque_ke::Identifiers;
use zkauth_verify::b64u;

use super::Stretch;
use crate::Error;

/// Largest Argon2id memory cost a profile accepts (1 GiB).
pub const MAX_ARGON2_MEMORY_KIB: u32 = 1024 * 1024;
/// Largest Argon2id iteration count a profile accepts. RFC 9106 recommends 1 or 3, OWASP at
/// most 5 and Bitwarden's clients cap it at 10; a profile from an untrusted source must not
/// freeze the page for hours (2^32 − 1 passes over 1 GiB would).
pub const MAX_ARGON2_ITERATIONS: u32 = 16;

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
        if iterations > MAX_ARGON2_ITERATIONS {
            return Err(Error::InvalidProfile("argon2id iterations above 16"));
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

    /// Conformance profile with scrypt (the CLI's `"KSF": "scrypt"` vectors). Parameters outside
    /// RFC 7914 (N = 2^log_n > 1, N < 2^(16r), r·p < 2^30) are `invalid_profile`.
    #[cfg(feature = "conformance")]
    pub fn conformance_scrypt(log_n: u8, r: u32, p: u32, server_identity: Option<&[u8]>, context: &[u8]) -> Result<Self, Error> {
        let valid = log_n > 0 && r > 0 && p > 0 && u32::from(log_n) < r.saturating_mul(16) && u64::from(r) * u64::from(p) < 1 << 30;
        if !valid || log_n >= 64 {
            return Err(Error::InvalidProfile("scrypt parameters outside RFC 7914"));
        }
        Ok(Profile { stretch: Stretch::Scrypt { log_n, r, p }, server_identity: server_identity.map(<[u8]>::to_vec), context: context.to_vec() })
    }

    /// A canonical string naming every parameter that changes OPAQUE's outputs.
    pub fn descriptor(&self) -> String {
        let ksf = match &self.stretch {
            Stretch::Identity => "identity".to_string(),
            // N = 2^log_n, written as a number while it fits in 64 bits (every valid profile's
            // does); a shift that would overflow is written as a power instead of wrapping.
            Stretch::Scrypt { log_n, r, p } => match 1u64.checked_shl(u32::from(*log_n)) {
                Some(n) => format!("scrypt:N={n},r={r},p={p}"),
                None => format!("scrypt:N=2^{log_n},r={r},p={p}"),
            },
            Stretch::Argon2id { memory_kib, iterations, parallelism } => format!("argon2id:m={memory_kib},t={iterations},p={parallelism}"),
        };
        let sid = self.server_identity.as_deref().map(b64u::encode).unwrap_or_else(|| "-".into());
        format!("{ksf};sid={sid};ctx={}", b64u::encode(&self.context))
    }

    pub(crate) fn identifiers<'a>(&'a self, client_identity: Option<&'a [u8]>) -> Identifiers<'a> {
        Identifiers { client: client_identity, server: self.server_identity.as_deref() }
    }
}
