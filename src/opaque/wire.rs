//! DarkAuth's OPAQUE endpoint bodies (wire profile §2.5) and a server that speaks them:
//! register start/finish and login start/finish, with fake records for unknown users, state
//! kept server-side with a TTL, and the account taken from the identity saved at start.

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use super::server::{PendingLogins, ServerSetup, StoredRecord};
use super::Profile;
use crate::Error;

/// `POST /opaque/register/start` body. No `email` means credential identifier `""`.
#[derive(Deserialize)]
pub struct RegisterStartRequest {
    pub request: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// `POST /opaque/register/start` answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterStartResponse {
    pub message: String,
    pub server_public_key: String,
}

/// `POST /opaque/register/finish` body; the record may come as `record` instead of `message`,
/// and an extra `serverPublicKey` is ignored.
#[derive(Deserialize)]
pub struct RegisterFinishRequest {
    pub email: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(alias = "record")]
    pub message: String,
}

/// `POST /opaque/login/start` body.
#[derive(Deserialize)]
pub struct LoginStartRequest {
    pub email: String,
    pub request: String,
}

/// `POST /opaque/login/start` answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginStartResponse {
    pub message: String,
    pub session_id: String,
}

/// `POST /opaque/login/finish` body; `message` is accepted instead of `finish`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginFinishRequest {
    #[serde(alias = "message")]
    pub finish: String,
    pub session_id: String,
}

/// The OPAQUE part of the login-finish answer. A zkauth server never echoes the session key.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginFinishResponse {
    pub success: bool,
    pub sub: String,
    /// Always `null` (wire profile §0: the session key is not echoed).
    pub session_key: Option<String>,
}

// OPAQUE messages, records and identities never reach a log line (wire profile §6).
impl core::fmt::Debug for RegisterStartRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RegisterStartRequest([redacted])")
    }
}
impl core::fmt::Debug for RegisterStartResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RegisterStartResponse([redacted])")
    }
}
impl core::fmt::Debug for RegisterFinishRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RegisterFinishRequest([redacted])")
    }
}
impl core::fmt::Debug for LoginStartRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LoginStartRequest([redacted])")
    }
}
impl core::fmt::Debug for LoginStartResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LoginStartResponse([redacted])")
    }
}
impl core::fmt::Debug for LoginFinishRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LoginFinishRequest([redacted])")
    }
}
impl core::fmt::Debug for LoginFinishResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("LoginFinishResponse([redacted])")
    }
}

fn parse<'a, T: Deserialize<'a>>(body: &'a str) -> Result<T, Error> {
    serde_json::from_str(body).map_err(|_| Error::InvalidInput("request body does not have the endpoint's JSON shape"))
}

fn json<T: Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|_| Error::InvalidInput("response serialization failed"))
}

/// An OPAQUE server for one profile, holding pending logins in memory.
pub struct OpaqueServer {
    setup: ServerSetup,
    profile: Profile,
    pending: PendingLogins,
}

impl OpaqueServer {
    /// DarkAuth keeps login state 10 minutes.
    pub const LOGIN_TTL_SECS: i64 = 600;

    pub fn new(setup: ServerSetup, profile: Profile) -> Self {
        OpaqueServer { setup, profile, pending: PendingLogins::new(Self::LOGIN_TTL_SECS) }
    }

    /// Register start: returns the response body.
    pub fn register_start(&self, body: &str) -> Result<String, Error> {
        let req: RegisterStartRequest = parse(body)?;
        let identity = req.email.unwrap_or_default();
        let message = self.setup.registration_response(&req.request, identity.as_bytes())?;
        json(&RegisterStartResponse { message, server_public_key: self.setup.public_key() })
    }

    /// Register finish: validates the record; returns the login identity and the record to store.
    pub fn register_finish(&self, body: &str) -> Result<(String, StoredRecord), Error> {
        let req: RegisterFinishRequest = parse(body)?;
        let record = StoredRecord::new(&self.profile, &req.message)?;
        Ok((req.email, record))
    }

    /// Login start. `lookup` maps the e-mail to `(stored login identity, record)`; an unknown
    /// user gets a fake-record KE2 and a session that can never finish.
    pub fn login_start<R: CryptoRng + RngCore>(
        &mut self,
        rng: &mut R,
        body: &str,
        now: i64,
        lookup: impl FnOnce(&str) -> Option<(String, StoredRecord)>,
    ) -> Result<String, Error> {
        let req: LoginStartRequest = parse(body)?;
        let found = lookup(&req.email);
        let (identity, record) = match &found {
            Some((identity, record)) => (identity.clone(), Some(record)),
            None => (req.email.clone(), None),
        };
        let (message, state) = self.setup.login_start(rng, &self.profile, record, &req.request, identity.as_bytes(), identity.as_bytes())?;
        let bound = found.map(|(identity, _)| identity);
        let session_id = self.pending.insert(rng, state, bound, now)?;
        json(&LoginStartResponse { message, session_id })
    }

    /// Login finish: returns the authenticated login identity and the response body (with
    /// `sub` filled in by `sub_of`). Unknown, used or expired sessions, fake-record sessions and
    /// MAC failures are all `opaque_auth_failed`.
    pub fn login_finish(&mut self, body: &str, now: i64, sub_of: impl FnOnce(&str) -> String) -> Result<(String, String), Error> {
        let req: LoginFinishRequest = parse(body)?;
        let (state, identity) = self.pending.take(&req.session_id, now).map_err(|_| Error::OpaqueAuthFailed)?;
        let session_key = state.finish(&req.finish)?;
        drop(session_key); // unused by the protocol; wiped on drop
        let identity = identity.ok_or(Error::OpaqueAuthFailed)?;
        let sub = sub_of(&identity);
        let body = json(&LoginFinishResponse { success: true, sub, session_key: None })?;
        Ok((identity, body))
    }
}
