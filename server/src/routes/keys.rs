//! Key storage endpoints (wire profile §3.5): the legacy `wrapped_drk`, the keybag's account
//! keys and envelopes, and key rotation. The server stores ciphertext, AAD and metadata only,
//! never inspects a ciphertext, and recomputes the canonical AAD of every v2 envelope with
//! zkauth-verify (the same rule the SDK writes with).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zkauth_verify::{b64u, envelope_aad_matches, EnvelopeAad, EnvelopeType};

use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParam, QueryParams};
use crate::session::{RecentSession, Session};
use crate::state::{random_b64u, AppState};
use crate::store::{AccountKeyRow, Counted, EnvelopeRow, InsertError, NewEnvelope};

/// Identifiers chosen by clients (`env_<uuid>`, `ark_…`, `legacy-drk:<sub>`): 1..128
/// characters of `[A-Za-z0-9_.:-]`.
pub fn check_id(value: &str, what: &'static str) -> ApiResult<()> {
    let ok = !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(what))
    }
}

/// The spec's deterministic ids name their owner (`legacy-drk:<sub>` for the v1→v2 account
/// key, `legacy-drk-password:<sub>` for its envelope), and the ids are global: an id that
/// names another user is refused, so no account can take the id another's migration needs.
pub fn check_owned_id(id: &str, sub: &str) -> ApiResult<()> {
    let named = id.strip_prefix("legacy-drk:").or_else(|| id.strip_prefix("legacy-drk-password:"));
    match named {
        Some(owner) if owner != sub => Err(ApiError::Forbidden("this id names another account")),
        _ => Ok(()),
    }
}

/// A name the user gives a passkey or a trusted device: 1..100 characters without control
/// characters.
pub fn check_label(label: &str) -> ApiResult<()> {
    if label.trim().is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest("label must be 1..100 characters without control characters"));
    }
    Ok(())
}

/// Canonical b64u decoding to `min..=max` bytes (§1.1 receiver rules).
pub fn check_b64u(value: &str, min: usize, max: usize, what: &'static str) -> ApiResult<()> {
    // Length in characters bounds the decoded size before any decoding work.
    if value.len() > max.saturating_mul(4).div_ceil(3) + 1 {
        return Err(ApiError::InvalidRequest(what));
    }
    match b64u::decode(value, what) {
        Ok(bytes) if (min..=max).contains(&bytes.len()) => Ok(()),
        _ => Err(ApiError::InvalidRequest(what)),
    }
}

/// Envelope metadata: a JSON object of at most 4 KiB, stored as compact JSON text.
pub fn metadata_text(metadata: &Option<Value>) -> ApiResult<Option<String>> {
    match metadata {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => {
            let text = serde_json::to_string(v).map_err(|_| ApiError::InvalidRequest("metadata"))?;
            if text.len() > 4096 {
                return Err(ApiError::InvalidRequest("metadata must be at most 4 KiB"));
            }
            Ok(Some(text))
        }
        Some(_) => Err(ApiError::InvalidRequest("metadata must be a JSON object")),
    }
}

/// An envelope as the API shows it (`metadata` parsed back into JSON).
pub fn envelope_json(e: &EnvelopeRow) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        let metadata = e.metadata.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or(Value::Null);
        map.insert("metadata".into(), metadata);
    }
    v
}

/// `GET /crypto/wrapped-drk`
pub async fn get_wrapped_drk(State(state): State<AppState>, s: Session) -> ApiResult<impl IntoResponse> {
    let wrapped = state.store.wrapped_drk(s.sub()).await?.ok_or(ApiError::NotFound("no wrapped_drk"))?;
    Ok(Json(json!({"wrapped_drk": wrapped})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrappedDrkBody {
    wrapped_drk: String,
}

/// `PUT /crypto/wrapped-drk`: canonical b64u of 1..10 240 bytes.
pub async fn put_wrapped_drk(State(state): State<AppState>, RecentSession(s): RecentSession, JsonBody(b): JsonBody<WrappedDrkBody>) -> ApiResult<impl IntoResponse> {
    check_b64u(&b.wrapped_drk, 1, 10_240, "wrapped_drk must be canonical base64url of 1..10240 bytes")?;
    state.store.put_wrapped_drk(s.sub(), &b.wrapped_drk, state.now()).await?;
    Ok(Json(json!({"success": true})))
}

#[derive(Deserialize)]
pub struct KeybagQuery {
    #[serde(default)]
    include_revoked: bool,
}

/// `GET /crypto/keybag`
pub async fn keybag(State(state): State<AppState>, s: Session, QueryParams(q): QueryParams<KeybagQuery>) -> ApiResult<impl IntoResponse> {
    let keys = state.store.account_keys(s.sub()).await?;
    let envelopes = state.store.envelopes(s.sub(), q.include_revoked).await?;
    Ok(Json(json!({"account_keys": keys, "envelopes": envelopes.iter().map(envelope_json).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountKeyBody {
    key_id: Option<String>,
    version: Option<String>,
    #[serde(default)]
    retire_old_envelopes: bool,
}

async fn create_key(state: &AppState, s: &Session, b: AccountKeyBody, rotate: bool) -> ApiResult<AccountKeyRow> {
    let key_id = b.key_id.unwrap_or_else(|| format!("ark_{}", random_b64u(24)));
    check_id(&key_id, "key_id must be 1..128 characters of [A-Za-z0-9_.:-]")?;
    check_owned_id(&key_id, s.sub())?;
    state.check_quota(Counted::AccountKeys, s.sub()).await?;
    let version = b.version.unwrap_or_else(|| "v2".into());
    if version != "v1" && version != "v2" {
        return Err(ApiError::InvalidRequest("version must be \"v1\" or \"v2\""));
    }
    match state.store.create_account_key(s.sub(), &key_id, &version, state.now(), rotate, rotate && b.retire_old_envelopes).await {
        Ok(row) => Ok(row),
        Err(InsertError::Exists) => Err(ApiError::Conflict("key_id exists")),
        Err(InsertError::Db(e)) => Err(e.into()),
    }
}

/// `POST /crypto/keybag/account-key`: older active keys stay active (use rotate instead).
pub async fn create_account_key(State(state): State<AppState>, RecentSession(s): RecentSession, JsonBody(b): JsonBody<AccountKeyBody>) -> ApiResult<impl IntoResponse> {
    if b.retire_old_envelopes {
        return Err(ApiError::InvalidRequest("retire_old_envelopes belongs to /crypto/keybag/rotate"));
    }
    let row = create_key(&state, &s, b, false).await?;
    Ok((StatusCode::CREATED, Json(json!({"account_key": row}))))
}

/// `POST /crypto/keybag/rotate`: the new key becomes the only active one.
pub async fn rotate(State(state): State<AppState>, RecentSession(s): RecentSession, JsonBody(b): JsonBody<AccountKeyBody>) -> ApiResult<impl IntoResponse> {
    let row = create_key(&state, &s, b, true).await?;
    Ok((StatusCode::CREATED, Json(json!({"account_key": row}))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeBody {
    pub envelope_id: Option<String>,
    pub key_id: String,
    #[serde(rename = "type")]
    pub envelope_type: String,
    pub label: Option<String>,
    pub wrapping_alg: String,
    pub wrapped_key: String,
    pub aad: String,
    pub metadata: Option<Value>,
}

/// Checks an envelope body against §3.5 and §5 for `sub`; returns its id, type and metadata.
pub async fn check_envelope(state: &AppState, sub: &str, b: &EnvelopeBody) -> ApiResult<(String, EnvelopeType, Option<String>)> {
    let envelope_type = EnvelopeType::from_name(&b.envelope_type).ok_or(ApiError::InvalidRequest("type is not an envelope type"))?;
    let envelope_id = b.envelope_id.clone().unwrap_or_else(|| format!("env_{}", random_b64u(24)));
    check_id(&envelope_id, "envelope_id must be 1..128 characters of [A-Za-z0-9_.:-]")?;
    check_id(&b.key_id, "key_id must be 1..128 characters of [A-Za-z0-9_.:-]")?;
    check_owned_id(&envelope_id, sub)?;
    if b.wrapping_alg.trim().is_empty() || b.wrapping_alg.len() > 128 {
        return Err(ApiError::InvalidRequest("wrapping_alg must be 1..128 characters"));
    }
    if b.label.as_ref().is_some_and(|l| l.len() > 200) {
        return Err(ApiError::InvalidRequest("label must be at most 200 characters"));
    }
    check_b64u(&b.wrapped_key, 1, 1 << 20, "wrapped_key must be canonical base64url of 1..1048576 bytes")?;
    check_b64u(&b.aad, 1, 1 << 20, "aad must be canonical base64url of 1..1048576 bytes")?;
    let metadata = metadata_text(&b.metadata)?;
    let v2_meta = b.metadata.as_ref().and_then(|m| m.get("version")).and_then(Value::as_str) == Some("v2");
    if v2_meta || b.wrapping_alg.ends_with("/v2") || envelope_type == EnvelopeType::Recovery {
        let aad = EnvelopeAad { envelope_id: &envelope_id, key_id: &b.key_id, sub, envelope_type, wrapping_alg: &b.wrapping_alg };
        if !envelope_aad_matches(&b.aad, &aad) {
            return Err(ApiError::InvalidRequest("invalid envelope AAD"));
        }
    }
    match state.store.account_key_owner(&b.key_id).await? {
        Some(owner) if owner == sub => Ok((envelope_id, envelope_type, metadata)),
        Some(_) => Err(ApiError::Forbidden("envelope subject mismatch")),
        None => Err(ApiError::InvalidRequest("key_id is not an account key of this user")),
    }
}

/// `POST /crypto/keybag/envelopes`
pub async fn create_envelope(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<EnvelopeBody>) -> ApiResult<impl IntoResponse> {
    let (envelope_id, envelope_type, metadata) = check_envelope(&state, s.sub(), &b).await?;
    state.check_quota(Counted::Envelopes, s.sub()).await?;
    let new = NewEnvelope {
        envelope_id: &envelope_id,
        key_id: &b.key_id,
        sub: s.sub(),
        envelope_type: envelope_type.as_str(),
        label: b.label.as_deref(),
        wrapping_alg: &b.wrapping_alg,
        wrapped_key: &b.wrapped_key,
        aad: &b.aad,
        metadata: metadata.as_deref(),
    };
    match state.store.insert_envelope(&new, state.now()).await {
        Ok(()) => {}
        Err(InsertError::Exists) => return Err(ApiError::Conflict("envelope_id exists")),
        Err(InsertError::Db(e)) => return Err(e.into()),
    }
    let row = state.store.envelope(s.sub(), &envelope_id).await?.ok_or(ApiError::Internal)?;
    Ok((StatusCode::CREATED, Json(json!({"envelope": envelope_json(&row)}))))
}

/// `DELETE /crypto/keybag/envelopes/{id}`: revokes.
pub async fn revoke_envelope(State(state): State<AppState>, RecentSession(s): RecentSession, PathParam(id): PathParam) -> ApiResult<impl IntoResponse> {
    if !state.store.revoke_envelope(s.sub(), &id, state.now()).await? {
        return Err(ApiError::NotFound("no such live envelope"));
    }
    Ok(Json(json!({"success": true})))
}
