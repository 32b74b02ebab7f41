//! First-party cookie sessions.
//!
//! The session id is 256 random bits in `__Host-zkauth` (`Secure; HttpOnly; SameSite=Lax;
//! Path=/`, no `Domain`); the database keeps only `b64u(SHA-256(id))`. Sessions end after an
//! idle timeout (sliding, server-side) or an absolute timeout, whichever comes first. Every
//! login makes a new id and kills the one the request carried, so a pre-login cookie is never
//! promoted (no fixation). The CSRF token is `HMAC(csrf_key, id)`, given to script in
//! `__Host-zkauth-csrf` and echoed in `X-CSRF-Token`.
//!
//! The one exception is [`CookieProfile::DevHttp`]: only `--dev` with an `http://` loopback
//! issuer turns it on (and says so loudly), because WebKit keeps no `Secure` cookie set over
//! `http://localhost`. Every other start uses [`CookieProfile::Secure`].

use axum::extract::FromRequestParts;
use axum::http::header::{HeaderMap, HeaderValue, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use zkauth_verify::{b64u, hash_b64u};

use crate::error::{ApiError, ApiResult};
use crate::state::{random_b64u, AppState};
use crate::store::SessionRow;

pub const CSRF_HEADER: &str = "x-csrf-token";

/// The names and the `Secure` attribute of the session and CSRF cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookieProfile {
    /// `__Host-zkauth` and `__Host-zkauth-csrf`, `Secure`: every deployment.
    #[default]
    Secure,
    /// `zkauth-dev` and `zkauth-dev-csrf` without `Secure`: `--dev` on `http://localhost`
    /// only, so that `make demo` works in WebKit (which drops `Secure` cookies set over http).
    DevHttp,
}

impl CookieProfile {
    pub fn session(self) -> &'static str {
        match self {
            CookieProfile::Secure => "__Host-zkauth",
            CookieProfile::DevHttp => "zkauth-dev",
        }
    }

    pub fn csrf(self) -> &'static str {
        match self {
            CookieProfile::Secure => "__Host-zkauth-csrf",
            CookieProfile::DevHttp => "zkauth-dev-csrf",
        }
    }

    /// The device cookie that makes a browser known to the identities it logged in to
    /// (`crate::lockout`).
    pub fn device(self) -> &'static str {
        match self {
            CookieProfile::Secure => "__Host-zkauth-device",
            CookieProfile::DevHttp => "zkauth-dev-device",
        }
    }

    /// The cookie binding an authorization request to the browser that started it.
    pub fn binding(self) -> &'static str {
        match self {
            CookieProfile::Secure => "__Host-zkauth-authz",
            CookieProfile::DevHttp => "zkauth-dev-authz",
        }
    }

    /// The profile a start gets: `DevHttp` only for `--dev` with an `http://` issuer (the
    /// configuration allows that only on loopback).
    pub fn for_start(dev: bool, issuer_is_https: bool) -> CookieProfile {
        if dev && !issuer_is_https {
            CookieProfile::DevHttp
        } else {
            CookieProfile::Secure
        }
    }
}

/// The value of cookie `name` in the request (the first one; `__Host-` cookies cannot be
/// shadowed by a sibling domain).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The CSRF token bound to a session id.
pub fn csrf_token(state: &AppState, session_id: &str) -> String {
    b64u::encode(&state.csrf_key.mac(&[b"csrf", session_id.as_bytes()]))
}

/// An authenticated first-party session (cookie only; bearer tokens are never accepted here).
pub struct Session {
    pub row: SessionRow,
    /// The raw cookie value: needed to derive the CSRF token. Never logged.
    id: String,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session").field("handle", &self.row.handle).field("id", &"[redacted]").finish()
    }
}

impl Session {
    pub fn sub(&self) -> &str {
        &self.row.sub
    }

    pub fn csrf_token(&self, state: &AppState) -> String {
        csrf_token(state, &self.id)
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let id = cookie(&parts.headers, state.config.cookies.session()).ok_or(ApiError::Unauthenticated("no session"))?;
        if id.len() != 43 {
            return Err(ApiError::Unauthenticated("no session"));
        }
        let row = state
            .store
            .live_session(&hash_b64u(id), state.now(), state.config.session.idle_timeout_secs)
            .await?
            .ok_or(ApiError::Unauthenticated("the session has ended"))?;
        Ok(Session { row, id: id.to_string() })
    }
}

/// A session whose login is at most `session.reauth_window_secs` (5 minutes) old: required (step-up) for every
/// action that can take the account or its data away, so that a stolen session cookie alone
/// is never a takeover: password change, recovery-key create and revoke, key creation and
/// rotation, envelope deletion, `wrapped-drk` overwrite, revoking sessions, logging out
/// everywhere. Refused with `reauthentication_required` (403).
pub struct RecentSession(pub Session);

impl FromRequestParts<AppState> for RecentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let s = Session::from_request_parts(parts, state).await?;
        if state.now() - s.row.created_at > state.config.session.reauth_window_secs {
            return Err(ApiError::ReauthenticationRequired);
        }
        Ok(RecentSession(s))
    }
}

/// The live session the request's cookie names, if any (for endpoints that serve anonymous
/// and signed-in browsers alike: `prompt=none`, `/end_session`).
pub async fn presented_live(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<SessionRow>> {
    match cookie(headers, state.config.cookies.session()).filter(|id| id.len() == 43) {
        Some(id) => Ok(state.store.live_session(&hash_b64u(id), state.now(), state.config.session.idle_timeout_secs).await?),
        None => Ok(None),
    }
}

/// The hash of the session id the request carries, if any (to end it at login or logout).
pub fn presented_session_hash(state: &AppState, headers: &HeaderMap) -> Option<String> {
    cookie(headers, state.config.cookies.session()).map(hash_b64u)
}

/// A `Set-Cookie` value for `Path=/; SameSite=Lax`, `Secure` in the secure profile.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64, http_only: bool) -> ApiResult<HeaderValue> {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age}");
    if state.config.cookies == CookieProfile::Secure {
        c.push_str("; Secure");
    }
    if http_only {
        c.push_str("; HttpOnly");
    }
    if state.config.partitioned_cookies {
        c.push_str("; Partitioned");
    }
    HeaderValue::from_str(&c).map_err(|_| ApiError::Internal)
}

/// How a login proved who it is: whether the browser now holds the opened root key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlock {
    /// A password (OPAQUE), a recovery key, or a passkey with its PRF envelope.
    Unlocked,
    /// A passkey without a PRF envelope: signed in, but keys need the password once.
    Locked,
}

/// Starts a session for `sub` on the device `ctx` (with device cookie hash `device`): ends the
/// session the request carried (if any), stores the new one, and returns the `Set-Cookie`
/// headers and the CSRF token.
pub async fn start(
    state: &AppState,
    request_headers: &HeaderMap,
    sub: &str,
    ctx: &crate::device::DeviceContext,
    device: Option<String>,
    unlock: Unlock,
) -> ApiResult<(HeaderMap, SessionRow, String)> {
    if let Some(old) = presented_session_hash(state, request_headers) {
        state.store.delete_session(&old).await?;
    }
    // At most `quotas.sessions` live at once: a new login ends the user's oldest.
    state.store.trim_sessions(sub, state.config.quotas.sessions - 1).await?;
    let now = state.now();
    let id = random_b64u(32);
    let lifetime = state.config.session.absolute_timeout_secs;
    let row = SessionRow {
        id_hash: hash_b64u(&id),
        handle: random_b64u(12),
        sub: sub.to_string(),
        created_at: now,
        last_seen_at: now,
        absolute_expires_at: now + lifetime,
        browser: ctx.browser.clone(),
        os: ctx.os.clone(),
        ip_prefix: ctx.ip_prefix.clone(),
        device_hash: device,
        unlocked: i64::from(unlock == Unlock::Unlocked),
    };
    state.store.create_session(&row).await?;
    let csrf = csrf_token(state, &id);
    let mut headers = HeaderMap::new();
    let names = state.config.cookies;
    headers.append(SET_COOKIE, set_cookie(state, names.session(), &id, lifetime, true)?);
    headers.append(SET_COOKIE, set_cookie(state, names.csrf(), &csrf, lifetime, false)?);
    Ok((headers, row, csrf))
}

/// A login that succeeded (a password or a passkey): clears the identity's failures and
/// remembers the browser (`crate::lockout`), starts the session, and records the sign-in, and
/// a sign-in from a browser never seen for the account as `new_device_login` (logged with the
/// session handle and the device's keyed name, never the address; kept for the account page).
pub async fn start_for_login(
    state: &AppState,
    request_headers: &HeaderMap,
    ctx: &crate::device::DeviceContext,
    sub: &str,
    keys: &crate::lockout::LoginKeys,
    unlock: Unlock,
) -> ApiResult<(HeaderMap, SessionRow, String)> {
    use crate::state::Event;
    let success = crate::lockout::succeeded(state, request_headers, keys).await?;
    let (mut cookies, row, csrf) = start(state, request_headers, sub, ctx, Some(success.device_hash.clone()), unlock).await?;
    crate::lockout::add_cookie(&mut cookies, success.set_cookie);
    state.event(Event::LoginOk, &row.handle);
    if success.new_device {
        state.event(Event::NewDeviceLogin, &format!("{} device={}", row.handle, state.log_name(&success.device_hash)));
        state.store.add_account_event(sub, Event::NewDeviceLogin.name(), &row, state.now()).await?;
    }
    Ok((cookies, row, csrf))
}

/// `Set-Cookie` headers that expire both cookies, and `Clear-Site-Data` for this origin's
/// cache and storage. Not `"cookies"`: that one clears every cookie of the registrable domain
/// (other apps on sibling hosts), so our two are expired by name instead.
pub fn clearing_headers(state: &AppState) -> ApiResult<HeaderMap> {
    let mut headers = HeaderMap::new();
    let names = state.config.cookies;
    headers.append(SET_COOKIE, set_cookie(state, names.session(), "", 0, true)?);
    headers.append(SET_COOKIE, set_cookie(state, names.csrf(), "", 0, false)?);
    headers.insert("clear-site-data", HeaderValue::from_static("\"cache\", \"storage\""));
    Ok(headers)
}
