//! The OPAQUE client: registration and login, each a single-use state that holds the password
//! (wiped on drop) until `finish` turns the server's answer into the export key.

use opaque_ke::errors::InternalError;
use opaque_ke::{ClientLoginFinishParameters, ClientRegistrationFinishParameters, CredentialResponse, RegistrationResponse};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};
use zkauth_verify::b64u;

use super::{decode_message, len, Profile, Suite};
use crate::{Error, ExportKey, SessionKey};

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
    /// Finishes login with KE2. Every failure the server's answer or the password can cause
    /// is one code, `opaque_login_failed`: a KE2 that is not canonical b64u or not 259 bytes,
    /// an invalid element, a tampered or fake-record response, a wrong password, and a
    /// key-stretching failure alike, so the outcome says nothing more than "no login".
    pub fn finish<R: CryptoRng + RngCore>(self, rng: &mut R, response: &str, client_identity: &str) -> Result<LoginFinish, Error> {
        self.finish_with(rng, response, Some(client_identity.as_bytes()))
    }

    pub(crate) fn finish_with<R: CryptoRng + RngCore>(self, rng: &mut R, response: &str, client_identity: Option<&[u8]>) -> Result<LoginFinish, Error> {
        let bytes = decode_message(response, len::KE2, "KE2").map_err(|_| Error::OpaqueLoginFailed)?;
        let message = CredentialResponse::<Suite>::deserialize(&bytes).map_err(|_| Error::OpaqueLoginFailed)?;
        let ClientLogin { state, password, profile } = self;
        let params = ClientLoginFinishParameters::new(Some(&profile.context), profile.identifiers(client_identity), Some(&profile.stretch));
        let mut done = state.finish(rng, &password, message, params).map_err(|_| Error::OpaqueLoginFailed)?;
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
