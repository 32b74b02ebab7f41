//! Password change (after a fresh login) and password reset with a recovery key.
//!
//! Change: the session must be at most 5 minutes old, i.e. made by a login just now (the
//! login page re-authenticates with OPAQUE first); the new record replaces the old one,
//! everything the old password opened ends (sessions, tokens, unredeemed codes, pending logins
//! and reset grants) and this browser gets a new session. Reset: proving a recovery key (its verifier,
//! compared in constant time against the account's live recovery keys) returns the recovery
//! envelope and a 10-minute single-use grant to register a new record; unknown e-mail and
//! wrong key answer alike. The root key never changes, so app keys and data stay readable.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use zkauth::opaque::server::StoredRecord;
use zkauth_verify::{ct_eq_str, hash_b64u};

use super::keys::{check_b64u, envelope_json};
use super::opaque::opaque_refusal;
use crate::identity;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, JsonBody};
use crate::session::{self, RecentSession};
use crate::state::{random_b64u, AppState, Event, LimitKind};

pub const RESET_TTL_SECS: i64 = 600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartBody {
    request: String,
    /// Reset only: the grant from `/recovery/start`.
    token: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinishBody {
    record: String,
    /// Sent by DarkAuth clients (zkauth's login page sends none). Ignored: it would be a hash of
    /// a secret the server must never hold.
    #[serde(default, rename = "export_key_hash")]
    _export_key_hash: Option<String>,
    token: Option<String>,
}

async fn registration_response(state: &AppState, request: String, email: String) -> ApiResult<impl IntoResponse> {
    let s = state.clone();
    let identity = email.clone();
    let message = tokio::task::spawn_blocking(move || s.secrets.opaque.registration_response(&request, identity.as_bytes())).await?.map_err(opaque_refusal)?;
    Ok(Json(json!({"message": message, "serverPublicKey": state.secrets.opaque.public_key(), "identityU": email})))
}

fn new_record(state: &AppState, record: &str) -> ApiResult<StoredRecord> {
    StoredRecord::new(&state.config.profile, record).map_err(|_| ApiError::InvalidRequest("malformed registration record"))
}

/// Replaces the record, ends everything the old password opened (every session, token,
/// unredeemed code, pending login and reset grant), and starts a fresh session.
async fn replace_record(state: &AppState, headers: &HeaderMap, ctx: &crate::device::DeviceContext, sub: &str, record: &StoredRecord) -> ApiResult<impl IntoResponse> {
    if !state.store.set_opaque_record(sub, &record.record_b64u(), record.profile()).await? {
        return Err(ApiError::NotFound("no such account"));
    }
    state.store.end_access_of(sub, state.now()).await?;
    let device = crate::device::device_hash(state, headers);
    let (cookies, row, csrf) = session::start(state, headers, sub, ctx, device, session::Unlock::Unlocked).await?;
    state.event(Event::LogoutAll, &row.handle);
    Ok((cookies, Json(json!({"success": true, "sub": sub, "csrfToken": csrf}))))
}

/// `POST /password/change/start`
pub async fn change_start(State(state): State<AppState>, RecentSession(s): RecentSession, JsonBody(b): JsonBody<StartBody>) -> ApiResult<impl IntoResponse> {
    let user = state.store.user_by_sub(s.sub()).await?.ok_or(ApiError::Unauthenticated("the account no longer exists"))?;
    registration_response(&state, b.request, user.email).await
}

/// `POST /password/change/finish`
pub async fn change_finish(State(state): State<AppState>, RecentSession(s): RecentSession, ctx: crate::device::DeviceContext, headers: HeaderMap, JsonBody(b): JsonBody<FinishBody>) -> ApiResult<impl IntoResponse> {
    let record = new_record(&state, &b.record)?;
    replace_record(&state, &headers, &ctx, s.sub(), &record).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryStartBody {
    email: String,
    verifier: String,
}

/// `POST /recovery/start`: a recovery key in place of the password.
pub async fn recovery_start(State(state): State<AppState>, ip: ClientIp, JsonBody(b): JsonBody<RecoveryStartBody>) -> ApiResult<impl IntoResponse> {
    identity::check(&b.email)?;
    // Malformed requests never count against the identity's limit.
    check_b64u(&b.verifier, 32, 32, "verifier must be canonical base64url of exactly 32 bytes")?;
    state.limit(LimitKind::Recovery, &[&ip.0, &state.log_name(&b.email)]).await?;
    let given = hash_b64u(&b.verifier);
    let keys = state.store.live_recovery_keys_by_email(&b.email).await?;
    // Compare against every key (constant time each) so timing does not depend on which matched.
    let matched = keys.iter().fold(None, |found, k| if ct_eq_str(&given, &k.verifier_hash) { Some(k) } else { found });
    let key = matched.ok_or(ApiError::Forbidden("invalid recovery key"))?;
    let envelope = state.store.envelope(&key.sub, &key.envelope_id).await?.filter(|e| e.revoked_at.is_none()).ok_or(ApiError::Forbidden("invalid recovery key"))?;
    let token = random_b64u(32);
    let now = state.now();
    state.store.put_password_reset(&hash_b64u(&token), &key.sub, now + RESET_TTL_SECS).await?;
    state.store.mark_recovery_used(&key.recovery_key_id, now).await?;
    state.event(Event::RecoveryUsed, &state.log_name(&key.sub));
    Ok(Json(json!({"sub": key.sub, "recovery_key_id": key.recovery_key_id, "envelope": envelope_json(&envelope), "reset_token": token})))
}

fn reset_token(token: &Option<String>) -> ApiResult<String> {
    token.as_deref().filter(|t| t.len() == 43).map(hash_b64u).ok_or(ApiError::InvalidRequest("token is required"))
}

/// `POST /password/reset/start`
pub async fn reset_start(State(state): State<AppState>, JsonBody(b): JsonBody<StartBody>) -> ApiResult<impl IntoResponse> {
    let sub = state.store.password_reset(&reset_token(&b.token)?, state.now()).await?.ok_or(ApiError::Forbidden("unknown or expired reset token"))?;
    let user = state.store.user_by_sub(&sub).await?.ok_or(ApiError::Forbidden("unknown or expired reset token"))?;
    registration_response(&state, b.request, user.email).await
}

/// `POST /password/reset/finish`
pub async fn reset_finish(State(state): State<AppState>, ctx: crate::device::DeviceContext, headers: HeaderMap, JsonBody(b): JsonBody<FinishBody>) -> ApiResult<impl IntoResponse> {
    let record = new_record(&state, &b.record)?;
    let sub = state.store.take_password_reset(&reset_token(&b.token)?, state.now()).await?.ok_or(ApiError::Forbidden("unknown or expired reset token"))?;
    replace_record(&state, &headers, &ctx, &sub, &record).await
}
