//! OPAQUE endpoints in DarkAuth's JSON shapes (wire profile §2.5): register start/finish and
//! login start/finish.
//!
//! Unknown users get a KE2 from the RFC 9807 fake record, at the cost of a real one. Login
//! state is sealed into the database for at most 60 s and consumed once; the identity at
//! finish comes from that state, never from the body. Failed finishes count towards the
//! identity's backoff (`crate::lockout`). The curve work runs on the blocking
//! pool, never on the async workers. A successful finish starts a new session.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use zkauth::opaque::server::{ServerLoginState, StoredRecord, TIMING_TWIN_RECORD};
use zkauth_verify::hash_b64u;

use super::keys::check_b64u;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, JsonBody};
use crate::identity;
use crate::lockout;
use crate::session;
use crate::state::{random_b64u, AppState, Event, LimitKind};
use crate::store::{InsertError, PendingLogin, UserRow};

/// Login state lifetime.
pub const LOGIN_STATE_TTL_SECS: i64 = 60;
/// How long a registration start stays usable by its finish.
pub const REGISTRATION_TTL_SECS: i64 = 600;

/// `POST /opaque/register/start` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterStartRequest {
    request: String,
    email: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterStartResponse {
    message: String,
    server_public_key: String,
}

/// `POST /opaque/register/finish` body: the record may come as `record` instead of
/// `message`; an extra `serverPublicKey` is ignored (wire profile §2.5).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegisterFinishRequest {
    email: String,
    name: Option<String>,
    #[serde(alias = "record")]
    message: String,
    #[serde(default, rename = "serverPublicKey")]
    _server_public_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginStartRequest {
    email: String,
    request: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginStartResponse {
    message: String,
    session_id: String,
}

/// `POST /opaque/login/finish` body; `message` is accepted instead of `finish`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LoginFinishRequest {
    #[serde(alias = "message")]
    finish: String,
    session_id: String,
}

pub(super) fn opaque_refusal(e: zkauth::Error) -> ApiError {
    match e {
        zkauth::Error::OpaqueMessageInvalid(_) | zkauth::Error::Verify(_) => ApiError::InvalidRequest("malformed OPAQUE message"),
        _ => ApiError::AuthenticationFailed,
    }
}

/// `GET /opaque/config`: the OPAQUE profile, so the login page builds the same one
/// (`OpaqueProfile.darkauth()` or `OpaqueProfile.argon2id({…})`).
pub async fn config(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.config.profile_json.clone())
}

/// `POST /opaque/register/start`
pub async fn register_start(State(state): State<AppState>, ip: ClientIp, JsonBody(req): JsonBody<RegisterStartRequest>) -> ApiResult<Json<RegisterStartResponse>> {
    let email = req.email.unwrap_or_default();
    identity::check_new(&email)?;
    state.limit(LimitKind::Register, &[&ip.0, &state.log_name(&email)]).await?;
    let identity = email.clone();
    let s = state.clone();
    let message = tokio::task::spawn_blocking(move || s.secrets.opaque.registration_response(&req.request, email.as_bytes()))
        .await?
        .map_err(opaque_refusal)?;
    state.store.put_pending_registration(&state.log_name(&identity), state.now() + REGISTRATION_TTL_SECS).await?;
    Ok(Json(RegisterStartResponse { message, server_public_key: state.secrets.opaque.public_key() }))
}

#[derive(Serialize)]
struct UserJson<'a> {
    sub: &'a str,
    email: &'a str,
    name: &'a str,
}

/// `POST /opaque/register/finish`: stores the record and starts a session.
pub async fn register_finish(
    State(state): State<AppState>,
    ip: ClientIp,
    ctx: crate::device::DeviceContext,
    headers: HeaderMap,
    JsonBody(req): JsonBody<RegisterFinishRequest>,
) -> ApiResult<impl IntoResponse> {
    identity::check_new(&req.email)?;
    state.limit(LimitKind::Register, &[&ip.0]).await?;
    let name = req.name.unwrap_or_default();
    if name.len() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest("name must be at most 200 characters without control characters"));
    }
    let record = StoredRecord::new(&state.config.profile, &req.message).map_err(|_| ApiError::InvalidRequest("malformed registration record"))?;
    // A record is accepted only after a start for the same identity (single use, 10 minutes).
    if !state.store.take_pending_registration(&state.log_name(&req.email), state.now()).await? {
        return Err(ApiError::InvalidRequest("start the registration with /opaque/register/start first"));
    }
    let user = UserRow {
        sub: random_b64u(16),
        email: req.email,
        name,
        opaque_record: record.record_b64u(),
        opaque_profile: record.profile().to_string(),
    };
    match state.store.create_user(&user, state.now()).await {
        Ok(()) => {}
        Err(InsertError::Exists) => return Err(ApiError::Conflict("an account with this email exists")),
        Err(InsertError::Db(e)) => return Err(e.into()),
    }
    // The registering browser is the account's first known device.
    let (device_cookie, device) = lockout::remember(&state, &headers, &state.log_name(&user.email)).await?;
    let (mut cookies, row, csrf) = session::start(&state, &headers, &user.sub, &ctx, Some(device), session::Unlock::Unlocked).await?;
    lockout::add_cookie(&mut cookies, device_cookie);
    state.event(Event::Registered, &row.handle);
    let user_json = UserJson { sub: &user.sub, email: &user.email, name: &user.name };
    let body = json!({"sub": user.sub, "message": "registered", "requiresEmailVerification": false, "user": user_json, "csrfToken": csrf});
    Ok((StatusCode::CREATED, cookies, Json(body)))
}

/// `POST /opaque/login/start`
pub async fn login_start(State(state): State<AppState>, ip: ClientIp, headers: HeaderMap, JsonBody(req): JsonBody<LoginStartRequest>) -> ApiResult<Json<LoginStartResponse>> {
    identity::check(&req.email)?;
    // A malformed KE1 is refused before any limit is consulted.
    check_b64u(&req.request, zkauth::opaque::len::KE1, zkauth::opaque::len::KE1, "request must be a base64url KE1")?;
    // Attempts count per client address; per identity only failures count (crate::lockout),
    // so a stranger who knows the e-mail address cannot lock its owner's browser out.
    state.limit(LimitKind::Login, &[&ip.0]).await?;
    let keys = lockout::keys_for(&state, &headers, &req.email).await?;
    lockout::check(&state, &keys.limit_key).await?;
    // Known and unknown identities take the same work: one row read alike, one record parsed
    // (the stored one, or inside login_start the RFC 9807 fake's timing twin).
    let descriptor = state.config.profile.descriptor();
    let user = state.store.user_for_login(&req.email, TIMING_TWIN_RECORD, &descriptor).await?;
    let s = state.clone();
    let email = req.email;
    let (record_b64u, profile, known) = (user.opaque_record, user.opaque_profile, user.known == 1);
    let (message, login_state) = tokio::task::spawn_blocking(move || {
        let record = if known { Some(StoredRecord::from_parts(&record_b64u, &profile)?) } else { None };
        s.secrets.opaque.login_start(&mut OsRng, &s.config.profile, record.as_ref(), &req.request, email.as_bytes(), email.as_bytes())
    })
    .await?
    .map_err(|e| {
        if matches!(e, zkauth::Error::OpaqueProfileMismatch) {
            tracing::warn!(target: "zkauth::opaque", "a stored record was made under another OPAQUE profile");
        }
        opaque_refusal(e)
    })?;
    let session_id = random_b64u(16);
    let id_hash = hash_b64u(&session_id);
    let sealed = state.login_state_key.seal(&login_state.to_bytes()[..], id_hash.as_bytes()).ok_or(ApiError::Internal)?;
    let expires = state.now() + LOGIN_STATE_TTL_SECS;
    let pending = PendingLogin { sealed_state: sealed, sub: known.then_some(user.sub), identity: keys.identity, limit_key: keys.limit_key };
    state.store.put_pending_login(&id_hash, &pending, expires).await?;
    Ok(Json(LoginStartResponse { message, session_id }))
}

/// `POST /opaque/login/finish`: verifies KE3 and starts a session.
pub async fn login_finish(
    State(state): State<AppState>,
    ip: ClientIp,
    ctx: crate::device::DeviceContext,
    headers: HeaderMap,
    JsonBody(req): JsonBody<LoginFinishRequest>,
) -> ApiResult<impl IntoResponse> {
    state.limit(LimitKind::Login, &[&ip.0]).await?;
    let id_hash = hash_b64u(&req.session_id);
    let Some(pending) = state.store.take_pending_login(&id_hash, state.now()).await? else {
        state.event(Event::LoginFailed, &state.log_name(&id_hash));
        return Err(ApiError::AuthenticationFailed);
    };
    let keys = lockout::LoginKeys { identity: pending.identity.clone(), limit_key: pending.limit_key.clone() };
    let user = match finish(&state, &id_hash, pending, &req.finish).await {
        Ok(user) => user,
        Err(e) => {
            state.event(Event::LoginFailed, &state.log_name(&id_hash));
            if matches!(e, ApiError::AuthenticationFailed) && !keys.limit_key.is_empty() {
                lockout::failed(&state, &keys.limit_key).await?;
            }
            return Err(e);
        }
    };
    let (cookies, _, csrf) = session::start_for_login(&state, &headers, &ctx, &user.sub, &keys, session::Unlock::Unlocked).await?;
    let body = json!({
        "success": true,
        "sub": user.sub,
        "user": UserJson { sub: &user.sub, email: &user.email, name: &user.name },
        "sessionKey": null,
        "otpRequired": false,
        "csrfToken": csrf,
    });
    Ok((cookies, Json(body)))
}

/// Checks KE3 against the (already consumed) login state; every failure is
/// `authentication_failed`.
async fn finish(state: &AppState, id_hash: &str, pending: PendingLogin, ke3: &str) -> ApiResult<UserRow> {
    let bytes = state.login_state_key.open(&pending.sealed_state, id_hash.as_bytes()).ok_or(ApiError::AuthenticationFailed)?;
    let login_state = ServerLoginState::from_bytes(&bytes).map_err(|_| ApiError::AuthenticationFailed)?;
    let session_key = login_state.finish(ke3).map_err(|_| ApiError::AuthenticationFailed)?;
    drop(session_key); // unused by the protocol (wire profile §2.6); wiped on drop
    let sub = pending.sub.ok_or(ApiError::AuthenticationFailed)?;
    state.store.user_by_sub(&sub).await?.ok_or(ApiError::AuthenticationFailed)
}
