//! Recovery keys (wire profile §3.8): create (with its envelope, AAD always checked), list,
//! use (verifier compared in constant time, rate-limited, the session id rotated), revoke.
//!
//! The verifier is `H(secret)` with 256 bits of entropy; the server stores `b64u(H(verifier))`
//! (DarkAuth stores an Argon2id hash; a slow hash adds nothing against a 256-bit value and
//! would hand attackers a CPU lever, so `verifier_alg` says which one is used).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zkauth_verify::{ct_eq_str, hash_b64u};

use super::keys::{check_b64u, check_envelope, check_id, envelope_json, EnvelopeBody};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, JsonBody, PathParam};
use crate::session::{self, RecentSession, Session};
use crate::state::{random_b64u, AppState, Event, LimitKind};
use crate::store::{Counted, InsertError, NewEnvelope};

pub const VERIFIER_ALG: &str = "zkauth-RecoveryKey-Verifier-SHA256-v1";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    recovery_key_id: Option<String>,
    envelope_id: Option<String>,
    key_id: String,
    label: Option<String>,
    wrapping_alg: String,
    wrapped_key: String,
    aad: String,
    verifier: String,
    metadata: Option<Value>,
    #[serde(default)]
    revoke_existing: bool,
}

fn check_verifier(v: &str) -> ApiResult<()> {
    check_b64u(v, 32, 32, "verifier must be canonical base64url of exactly 32 bytes")
}

/// `POST /crypto/recovery-keys`
pub async fn create(State(state): State<AppState>, RecentSession(s): RecentSession, JsonBody(b): JsonBody<CreateBody>) -> ApiResult<impl IntoResponse> {
    check_verifier(&b.verifier)?;
    let recovery_key_id = b.recovery_key_id.unwrap_or_else(|| format!("rk_{}", random_b64u(24)));
    check_id(&recovery_key_id, "recovery_key_id must be 1..128 characters of [A-Za-z0-9_.:-]")?;
    let envelope = EnvelopeBody {
        envelope_id: b.envelope_id,
        key_id: b.key_id,
        envelope_type: "recovery".into(),
        label: b.label,
        wrapping_alg: b.wrapping_alg,
        wrapped_key: b.wrapped_key,
        aad: b.aad,
        metadata: b.metadata,
    };
    let (envelope_id, _, metadata) = check_envelope(&state, s.sub(), &envelope).await?;
    state.check_quota(Counted::RecoveryKeys, s.sub()).await?;
    state.check_quota(Counted::Envelopes, s.sub()).await?;
    let new = NewEnvelope {
        envelope_id: &envelope_id,
        key_id: &envelope.key_id,
        sub: s.sub(),
        envelope_type: "recovery",
        label: envelope.label.as_deref(),
        wrapping_alg: &envelope.wrapping_alg,
        wrapped_key: &envelope.wrapped_key,
        aad: &envelope.aad,
        metadata: metadata.as_deref(),
    };
    match state.store.create_recovery_key(&new, &recovery_key_id, &hash_b64u(&b.verifier), b.revoke_existing, state.now()).await {
        Ok(()) => {}
        Err(InsertError::Exists) => return Err(ApiError::Conflict("recovery_key_id or envelope_id exists")),
        Err(InsertError::Db(e)) => return Err(e.into()),
    }
    Ok((StatusCode::CREATED, Json(json!({"recovery_key_id": recovery_key_id, "envelope_id": envelope_id, "verifier_alg": VERIFIER_ALG}))))
}

/// `GET /crypto/recovery-keys`
pub async fn list(State(state): State<AppState>, s: Session) -> ApiResult<impl IntoResponse> {
    let keys = state.store.recovery_keys(s.sub()).await?;
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let envelope = state.store.envelope(s.sub(), &k.envelope_id).await?;
        out.push(json!({
            "recovery_key_id": k.recovery_key_id, "sub": k.sub, "envelope_id": k.envelope_id, "label": k.label,
            "verifier_alg": VERIFIER_ALG,
            "metadata": k.metadata.as_deref().and_then(|m| serde_json::from_str::<Value>(m).ok()),
            "created_at": k.created_at, "last_used_at": k.last_used_at, "revoked_at": k.revoked_at,
            "envelope": envelope.as_ref().map(envelope_json),
        }));
    }
    Ok(Json(json!({"recovery_keys": out})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseBody {
    verifier: String,
}

/// `POST /crypto/recovery-keys/{id}/use`: the envelope, and a fresh session id.
pub async fn use_key(
    State(state): State<AppState>,
    s: Session,
    ip: ClientIp,
    ctx: crate::device::DeviceContext,
    headers: HeaderMap,
    PathParam(id): PathParam,
    JsonBody(b): JsonBody<UseBody>,
) -> ApiResult<impl IntoResponse> {
    state.limit(LimitKind::Recovery, &[&ip.0, &state.log_name(s.sub())]).await?;
    check_verifier(&b.verifier)?;
    let key = state.store.recovery_key(s.sub(), &id).await?.filter(|k| k.revoked_at.is_none()).ok_or(ApiError::NotFound("no such live recovery key"))?;
    if !ct_eq_str(&hash_b64u(&b.verifier), &key.verifier_hash) {
        return Err(ApiError::Forbidden("invalid recovery key verifier"));
    }
    let envelope = state.store.envelope(s.sub(), &key.envelope_id).await?.filter(|e| e.revoked_at.is_none()).ok_or(ApiError::NotFound("no such live envelope"))?;
    state.store.mark_recovery_used(&id, state.now()).await?;
    // Privilege change: the old session id dies, a new one is issued.
    let device = crate::device::device_hash(&state, &headers);
    let (cookies, row, csrf) = session::start(&state, &headers, s.sub(), &ctx, device, session::Unlock::Unlocked).await?;
    state.event(Event::RecoveryUsed, &row.handle);
    Ok((cookies, Json(json!({"envelope": envelope_json(&envelope), "csrfToken": csrf}))))
}

/// `POST /crypto/recovery-keys/{id}/revoke`
pub async fn revoke(State(state): State<AppState>, RecentSession(s): RecentSession, PathParam(id): PathParam) -> ApiResult<impl IntoResponse> {
    if !state.store.revoke_recovery_key(s.sub(), &id, state.now()).await? {
        return Err(ApiError::NotFound("no such live recovery key"));
    }
    Ok(Json(json!({"success": true})))
}
