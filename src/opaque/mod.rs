//! OPAQUE (RFC 9807) with P256-SHA256 on opaque-ke: the one suite, the KSF profiles, and the
//! client. The server half (`server`, `wire`) is behind the cargo feature `server`, the RFC 9807
//! conformance runner (`vectors`) behind `conformance`: neither is in the wasm package.
//!
//! Every message is checked for its exact length (wire profile §2.4) before parsing, so
//! too-long input is refused instead of silently truncated.

#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "conformance")]
pub mod vectors;
#[cfg(feature = "server")]
pub mod wire;

use opaque_ke::errors::InternalError;
use opaque_ke::generic_array::{ArrayLength, GenericArray};
use opaque_ke::ksf::Ksf;
use opaque_ke::{
    CipherSuite, ClientLoginFinishParameters, ClientRegistrationFinishParameters, CredentialResponse, Identifiers,
    RegistrationResponse, TripleDh,
};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};
use zkauth_verify::b64u;

use crate::error::b64u_decode;
use crate::{Error, ExportKey, SessionKey};

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

/// The key-stretching function of a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stretch {
    /// No stretching: RFC 9807 conformance vectors only; the npm API cannot reach it.
    Identity,
    /// scrypt with empty salt and 32-byte output (DarkAuth: N=32768, r=8, p=1).
    Scrypt { log_n: u8, r: u32, p: u32 },
    /// Argon2id v1.3 with a 16-byte zero salt (opaque-ke's convention), output = Nh.
    Argon2id { memory_kib: u32, iterations: u32, parallelism: u32 },
}

impl Default for Stretch {
    /// The DarkAuth scrypt parameters (never Identity, so a forgotten KSF is never "none").
    fn default() -> Self {
        Stretch::Scrypt { log_n: 15, r: 8, p: 1 }
    }
}

impl Ksf for Stretch {
    fn hash<L: ArrayLength<u8>>(&self, input: GenericArray<u8, L>) -> Result<GenericArray<u8, L>, InternalError> {
        let mut out = GenericArray::<u8, L>::default();
        match self {
            Stretch::Identity => return Ok(input),
            Stretch::Scrypt { log_n, r, p } => {
                let params = scrypt::Params::new(*log_n, *r, *p, out.len()).map_err(|_| InternalError::KsfError)?;
                scrypt::scrypt(&input, &[], &params, &mut out).map_err(|_| InternalError::KsfError)?;
            }
            Stretch::Argon2id { memory_kib, iterations, parallelism } => {
                let params = argon2::Params::new(*memory_kib, *iterations, *parallelism, Some(out.len()))
                    .map_err(|_| InternalError::KsfError)?;
                // Allocate the work area fallibly: an allocation failure must be an error, not
                // a wasm trap that would strand the password in the unfinished state.
                let mut blocks: Vec<argon2::Block> = Vec::new();
                blocks.try_reserve_exact(params.block_count()).map_err(|_| InternalError::KsfError)?;
                blocks.resize(params.block_count(), argon2::Block::default());
                let result = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                    .hash_password_into_with_memory(&input, &[0u8; 16], &mut out, &mut blocks);
                blocks.iter_mut().for_each(Zeroize::zeroize);
                result.map_err(|_| InternalError::KsfError)?;
            }
        }
        Ok(out)
    }
}

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

/// Decodes a b64u OPAQUE message of exactly `n` bytes.
pub(crate) fn decode_message(s: &str, n: usize, what: &'static str) -> Result<Vec<u8>, Error> {
    let bytes = b64u_decode(s, what)?;
    if bytes.len() != n {
        return Err(Error::OpaqueMessageInvalid(what));
    }
    Ok(bytes)
}

/// The client side of one profile.
#[derive(Clone, Debug)]
pub struct OpaqueClient {
    profile: Profile,
}

/// Output of a registration: the record to upload and the client's export key.
pub struct RegistrationFinish {
    /// b64u RegistrationRecord (129 bytes).
    pub record: String,
    /// b64u server public key (33 bytes), as recovered from the response.
    pub server_public_key: String,
    pub export_key: ExportKey,
}

/// Output of a login: KE3 to send, and the client's keys.
pub struct LoginFinish {
    /// b64u KE3 (32 bytes).
    pub finish: String,
    pub server_public_key: String,
    pub export_key: ExportKey,
    pub session_key: SessionKey,
}

/// Registration state: single use (consumed by `finish`), password wiped on drop.
pub struct ClientRegistration {
    state: opaque_ke::ClientRegistration<Suite>,
    password: Zeroizing<Vec<u8>>,
    profile: Profile,
}

/// Login state: single use (consumed by `finish`), password wiped on drop.
pub struct ClientLogin {
    state: opaque_ke::ClientLogin<Suite>,
    password: Zeroizing<Vec<u8>>,
    profile: Profile,
}

impl core::fmt::Debug for ClientRegistration {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ClientRegistration([redacted])")
    }
}
impl core::fmt::Debug for ClientLogin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ClientLogin([redacted])")
    }
}

fn output_key<T: From<[u8; 32]>>(bytes: &[u8]) -> Result<T, Error> {
    let arr: [u8; 32] = bytes.try_into().map_err(|_| Error::OpaqueLoginFailed)?;
    Ok(T::from(arr))
}

impl From<[u8; 32]> for ExportKey {
    fn from(b: [u8; 32]) -> Self {
        ExportKey::from_bytes(b)
    }
}
impl From<[u8; 32]> for SessionKey {
    fn from(b: [u8; 32]) -> Self {
        SessionKey::from_bytes(b)
    }
}

impl OpaqueClient {
    pub fn new(profile: Profile) -> Self {
        OpaqueClient { profile }
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Blinds the password; returns the b64u RegistrationRequest and the single-use state.
    pub fn start_registration<R: CryptoRng + RngCore>(&self, rng: &mut R, password: &[u8]) -> Result<(String, ClientRegistration), Error> {
        let password = Zeroizing::new(password.to_vec());
        let start = opaque_ke::ClientRegistration::<Suite>::start(rng, &password).map_err(|_| Error::InvalidInput("password"))?;
        let request = b64u::encode(&start.message.serialize());
        Ok((request, ClientRegistration { state: start.state, password, profile: self.profile.clone() }))
    }

    /// Blinds the password and makes KE1; returns the b64u KE1 and the single-use state.
    pub fn start_login<R: CryptoRng + RngCore>(&self, rng: &mut R, password: &[u8]) -> Result<(String, ClientLogin), Error> {
        let password = Zeroizing::new(password.to_vec());
        let start = opaque_ke::ClientLogin::<Suite>::start(rng, &password).map_err(|_| Error::InvalidInput("password"))?;
        let ke1 = b64u::encode(&start.message.serialize());
        Ok((ke1, ClientLogin { state: start.state, password, profile: self.profile.clone() }))
    }
}

impl ClientRegistration {
    /// Finishes registration with the server's response; `client_identity` is the login string as typed.
    pub fn finish<R: CryptoRng + RngCore>(self, rng: &mut R, response: &str, client_identity: &str) -> Result<RegistrationFinish, Error> {
        self.finish_with(rng, response, Some(client_identity.as_bytes()))
    }

    pub(crate) fn finish_with<R: CryptoRng + RngCore>(self, rng: &mut R, response: &str, client_identity: Option<&[u8]>) -> Result<RegistrationFinish, Error> {
        let bytes = decode_message(response, len::REGISTRATION_RESPONSE, "registration response")?;
        let message = RegistrationResponse::<Suite>::deserialize(&bytes).map_err(|_| Error::OpaqueMessageInvalid("registration response"))?;
        let ClientRegistration { state, password, profile } = self;
        let params = ClientRegistrationFinishParameters::new(profile.identifiers(client_identity), Some(&profile.stretch));
        let mut done = state.finish(rng, &password, message, params).map_err(|e| match e {
            opaque_ke::errors::ProtocolError::LibraryError(InternalError::KsfError) => Error::KsfFailed,
            _ => Error::OpaqueMessageInvalid("registration response"),
        })?;
        let export_key = output_key::<ExportKey>(&done.export_key);
        done.export_key.as_mut_slice().zeroize();
        Ok(RegistrationFinish {
            record: b64u::encode(&done.message.serialize()),
            server_public_key: b64u::encode(&done.server_s_pk.serialize()),
            export_key: export_key?,
        })
    }
}

impl ClientLogin {
    /// Finishes login with KE2. A wrong password or any tampering gives `opaque_login_failed`.
    pub fn finish<R: CryptoRng + RngCore>(self, rng: &mut R, response: &str, client_identity: &str) -> Result<LoginFinish, Error> {
        self.finish_with(rng, response, Some(client_identity.as_bytes()))
    }

    pub(crate) fn finish_with<R: CryptoRng + RngCore>(self, rng: &mut R, response: &str, client_identity: Option<&[u8]>) -> Result<LoginFinish, Error> {
        let bytes = decode_message(response, len::KE2, "KE2")?;
        let message = CredentialResponse::<Suite>::deserialize(&bytes).map_err(|_| Error::OpaqueLoginFailed)?;
        let ClientLogin { state, password, profile } = self;
        let params = ClientLoginFinishParameters::new(Some(&profile.context), profile.identifiers(client_identity), Some(&profile.stretch));
        let mut done = state.finish(rng, &password, message, params).map_err(|e| match e {
            opaque_ke::errors::ProtocolError::LibraryError(InternalError::KsfError) => Error::KsfFailed,
            _ => Error::OpaqueLoginFailed,
        })?;
        let export_key = output_key::<ExportKey>(&done.export_key);
        let session_key = output_key::<SessionKey>(&done.session_key);
        done.export_key.as_mut_slice().zeroize();
        done.session_key.as_mut_slice().zeroize();
        Ok(LoginFinish {
            finish: b64u::encode(&done.message.serialize()),
            server_public_key: b64u::encode(&done.server_s_pk.serialize()),
            export_key: export_key?,
            session_key: session_key?,
        })
    }
}

impl core::fmt::Debug for RegistrationFinish {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RegistrationFinish([redacted])")
    }
}
impl core::fmt::Debug for LoginFinish {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LoginFinish([redacted])")
    }
}
