//! The OPAQUE server: setup, registration response, login start (with the RFC's fake-record
//! response for unknown users) and login finish, in DarkAuth's message shapes.
//!
//! Login state serializes to DarkAuth's 64-byte layout `expected_client_mac ‖ session_key`,
//! so login-finish may run in another process (the reference server seals it into its
//! database, single use, with a TTL).

use opaque_ke::{CredentialFinalization, CredentialRequest, RegistrationRequest, RegistrationUpload, ServerLoginParameters, ServerRegistration};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};
use zkauth_verify::b64u;

use super::{decode_message, len, Profile, Suite};
use crate::error::b64u_decode;
use crate::{Error, SessionKey};

/// The server's static OPAQUE state (OPRF seed, AKE key pair, fake-record key). Secret.
pub struct ServerSetup(opaque_ke::ServerSetup<Suite>);

impl core::fmt::Debug for ServerSetup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ServerSetup([redacted])")
    }
}

/// A stored registration: the 129-byte record and the profile it was made with, parsed once
/// (one point decompression) when it is made or read. `Debug` is redacted: the record holds
/// the masking key and the envelope.
#[derive(Clone)]
pub struct StoredRecord {
    record: Vec<u8>,
    registration: ServerRegistration<Suite>,
    profile: String,
}

impl PartialEq for StoredRecord {
    fn eq(&self, other: &Self) -> bool {
        self.record == other.record && self.profile == other.profile
    }
}

impl Eq for StoredRecord {}

/// A valid RegistrationRecord that belongs to nobody, as stored (base64url): its public key
/// is the P-256 base point (SEC 2 §2.4.2, compressed: its y is odd), the rest zeros. A login
/// start for an unknown identity reads it exactly as a known identity's stored record is read
/// ([`StoredRecord::from_parts`]: one decode, one point decompression), so both do the same
/// work (issue 23: they differed by two point decompressions, 0.045 ms).
pub const TIMING_TWIN_RECORD: &str = "A2sX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

impl core::fmt::Debug for StoredRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StoredRecord([redacted])")
    }
}

/// Server login state between KE2 and KE3. Single use; wiped on drop.
pub struct ServerLoginState(Zeroizing<[u8; 64]>);

impl core::fmt::Debug for ServerLoginState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ServerLoginState([redacted])")
    }
}

impl ServerSetup {
    /// A fresh setup from a CSPRNG.
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> Self {
        ServerSetup(opaque_ke::ServerSetup::<Suite>::new(rng))
    }

    /// Restores a setup from `oprf_seed(32) ‖ server_private_key(32) ‖ fake_record_public_key(33)`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() != 97 {
            return Err(Error::InvalidInput("server setup must be 97 bytes"));
        }
        opaque_ke::ServerSetup::<Suite>::deserialize(bytes).map(ServerSetup).map_err(|_| Error::InvalidInput("server setup"))
    }

    /// b64u of the serialized setup. Secret (OPRF seed and private key): store it like a
    /// private key; the returned string is wiped when dropped.
    pub fn to_b64u(&self) -> Zeroizing<String> {
        let mut bytes = self.0.serialize();
        let out = Zeroizing::new(b64u::encode(&bytes));
        bytes.as_mut_slice().zeroize();
        out
    }

    pub fn from_b64u(s: &str) -> Result<Self, Error> {
        let bytes = Zeroizing::new(b64u_decode(s, "server setup")?);
        Self::from_bytes(&bytes)
    }

    /// b64u of the server's 33-byte public key.
    pub fn public_key(&self) -> String {
        b64u::encode(&self.0.keypair().public().serialize())
    }

    /// Register start: evaluates the blinded password for `credential_identifier`.
    /// Returns the b64u RegistrationResponse.
    pub fn registration_response(&self, request: &str, credential_identifier: &[u8]) -> Result<String, Error> {
        let bytes = decode_message(request, len::REGISTRATION_REQUEST, "registration request")?;
        let req = RegistrationRequest::<Suite>::deserialize(&bytes).map_err(|_| Error::OpaqueMessageInvalid("registration request"))?;
        let resp = ServerRegistration::<Suite>::start(&self.0, req, credential_identifier)
            .map_err(|_| Error::OpaqueMessageInvalid("registration request"))?;
        Ok(b64u::encode(&resp.message.serialize()))
    }

    /// Login start. `record = None` (unknown user) answers with the RFC 9807 fake record, so
    /// the response is indistinguishable and enumeration is not possible.
    pub fn login_start<R: CryptoRng + RngCore>(
        &self,
        rng: &mut R,
        profile: &Profile,
        record: Option<&StoredRecord>,
        ke1: &str,
        credential_identifier: &[u8],
        client_identity: &[u8],
    ) -> Result<(String, ServerLoginState), Error> {
        self.login_start_with(rng, Some(client_identity), profile, record, ke1, credential_identifier)
    }

    /// [`Self::login_start`] with the client identity optional: `None` is RFC 9807's default
    /// (the client's public key), which only the conformance vectors use.
    pub(crate) fn login_start_with<R: CryptoRng + RngCore>(
        &self,
        rng: &mut R,
        client_identity: Option<&[u8]>,
        profile: &Profile,
        record: Option<&StoredRecord>,
        ke1: &str,
        credential_identifier: &[u8],
    ) -> Result<(String, ServerLoginState), Error> {
        let bytes = decode_message(ke1, len::KE1, "KE1")?;
        let request = CredentialRequest::<Suite>::deserialize(&bytes).map_err(|_| Error::OpaqueMessageInvalid("KE1"))?;
        let descriptor = profile.descriptor();
        let password_file = match record {
            Some(r) if r.profile != descriptor => return Err(Error::OpaqueProfileMismatch),
            Some(r) => Some(r.registration.clone()),
            None => {
                // The same read and check a known identity's record had (see TIMING_TWIN_RECORD).
                let twin = StoredRecord::from_parts(TIMING_TWIN_RECORD, &descriptor)?;
                core::hint::black_box(twin.profile != descriptor);
                core::hint::black_box(twin.registration.clone());
                None
            }
        };
        let params = ServerLoginParameters { context: Some(&profile.context), identifiers: profile.identifiers(client_identity) };
        let start = opaque_ke::ServerLogin::start(rng, &self.0, password_file, request, credential_identifier, params)
            .map_err(|_| Error::OpaqueMessageInvalid("KE1"))?;
        let mut raw = start.state.serialize();
        let state = ServerLoginState::from_opaque_ke_layout(&raw);
        raw.as_mut_slice().zeroize();
        Ok((b64u::encode(&start.message.serialize()), state?))
    }
}

impl StoredRecord {
    /// Validates an uploaded RegistrationRecord (exactly 129 bytes, valid public key) and binds it to `profile`.
    pub fn new(profile: &Profile, record: &str) -> Result<Self, Error> {
        Self::from_parts(record, &profile.descriptor())
    }

    /// Restores a record read from storage (as written by [`StoredRecord::record_b64u`] and [`StoredRecord::profile`]).
    pub fn from_parts(record: &str, profile_descriptor: &str) -> Result<Self, Error> {
        let bytes = decode_message(record, len::REGISTRATION_RECORD, "registration record")?;
        let upload = RegistrationUpload::<Suite>::deserialize(&bytes).map_err(|_| Error::OpaqueMessageInvalid("registration record"))?;
        Ok(StoredRecord { record: bytes, registration: ServerRegistration::finish(upload), profile: profile_descriptor.to_string() })
    }

    pub fn record_b64u(&self) -> String {
        b64u::encode(&self.record)
    }

    /// The descriptor of the profile this record was made with.
    pub fn profile(&self) -> &str {
        &self.profile
    }
}

impl ServerLoginState {
    // opaque-ke writes session_key ‖ expected_mac; DarkAuth stores expected_mac ‖ session_key.
    fn from_opaque_ke_layout(raw: &[u8]) -> Result<Self, Error> {
        let (session_key, mac) = raw.split_first_chunk::<32>().ok_or(Error::InvalidInput("login state"))?;
        let mut out = Zeroizing::new([0u8; 64]);
        let (a, b) = out.split_at_mut(32);
        a.copy_from_slice(mac);
        b.copy_from_slice(session_key);
        Ok(ServerLoginState(out))
    }

    /// DarkAuth's 64-byte layout: `expected_client_mac(32) ‖ session_key(32)`. Secret.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 64]> {
        self.0.clone()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let arr: [u8; 64] = bytes.try_into().map_err(|_| Error::InvalidInput("login state must be 64 bytes"))?;
        Ok(ServerLoginState(Zeroizing::new(arr)))
    }

    /// Login finish: checks the client's MAC in constant time. Consumes the state.
    pub fn finish(self, ke3: &str) -> Result<SessionKey, Error> {
        let bytes = decode_message(ke3, len::KE3, "KE3")?;
        let message = CredentialFinalization::<Suite>::deserialize(&bytes).map_err(|_| Error::OpaqueMessageInvalid("KE3"))?;
        let (mac, session_key) = self.0.split_first_chunk::<32>().ok_or(Error::InvalidInput("login state"))?;
        let mut ke_layout = Zeroizing::new([0u8; 64]);
        let (a, b) = ke_layout.split_at_mut(32);
        a.copy_from_slice(session_key);
        b.copy_from_slice(mac);
        let state = opaque_ke::ServerLogin::<Suite>::deserialize(&ke_layout[..]).map_err(|_| Error::InvalidInput("login state"))?;
        let mut done = state.finish(message, ServerLoginParameters::default()).map_err(|_| Error::OpaqueAuthFailed)?;
        let key: Result<[u8; 32], _> = done.session_key.as_slice().try_into();
        done.session_key.as_mut_slice().zeroize();
        key.map(SessionKey::from_bytes).map_err(|_| Error::OpaqueAuthFailed)
    }
}
