//! Trusted devices and device approval (wire profile §3.10, issue 24): a browser that holds the
//! root key registers as a trusted device (its ECDSA P-256 approval key and its
//! `trusted_device` envelope); a signed-in browser without keys asks for approval with its ECDH
//! public key; a trusted device of the same user approves with a JWE for that key and an ECDSA
//! proof over the AAD the server computed; the requesting session consumes the approval once
//! and becomes unlocked. The server never sees the root key: the JWE is opaque to it.
//!
//! The hashes are the spec's: `new_device_public_jwk_hash = b64u(SHA-256(the JWK exactly as
//! sent))`, `request_binding_hash = b64u(SHA-256(JSON {sub, request_id, requester_session_id,
//! client_id, state_hash, verification_code_hash, new_device_public_jwk_hash}))` (that member
//! order), `approval_aad = b64u("DarkAuth|device-approval|" + sub + "|" + request_id + "|" +
//! new_device_public_jwk_hash + "|" + request_binding_hash)`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use p256::ecdsa::signature::Verifier;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use zkauth_verify::{b64u, ct_eq_str, hash_b64u};

use super::keys::{check_b64u, check_label};
use super::user_keys::canonical_public_jwk;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, PathParam};
use crate::session::{RecentSession, Session};
use crate::state::{AppState, LimitKind};
use crate::store::{ApprovalRow, TrustedDeviceRow};

/// How long an approval request lives (the spec's default; at most 30 minutes).
pub const APPROVAL_TTL_SECS: i64 = 600;
/// Trusted devices per account (revoked ones included, as history).
const MAX_DEVICES: usize = 50;
/// Open (pending or approved) requests per session.
const MAX_OPEN_PER_SESSION: i64 = 3;


#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceBody {
    label: String,
    public_jwk: Value,
    key_handle: String,
    envelope_id: String,
}

/// `dk_` and a UUID, as the spec's local key handles are.
fn is_key_handle(handle: &str) -> bool {
    handle.strip_prefix("dk_").is_some_and(|u| uuid::Uuid::parse_str(u).is_ok() && u.len() == 36)
}

/// `POST /crypto/devices` (recent login): registers this browser as a trusted device.
pub async fn register(State(state): State<AppState>, RecentSession(s): RecentSession, JsonBody(b): JsonBody<DeviceBody>) -> ApiResult<impl IntoResponse> {
    check_label(&b.label)?;
    let public_jwk = canonical_public_jwk(&b.public_jwk.to_string()).ok_or(ApiError::InvalidRequest("public_jwk must be a P-256 public JWK"))?;
    if !is_key_handle(&b.key_handle) {
        return Err(ApiError::InvalidRequest("key_handle must be dk_<uuid>"));
    }
    let envelope = state.store.envelope(s.sub(), &b.envelope_id).await?;
    if !envelope.is_some_and(|e| e.envelope_type == "trusted_device" && e.revoked_at.is_none()) {
        return Err(ApiError::InvalidRequest("envelope_id must name a live trusted_device envelope of this account"));
    }
    if state.store.trusted_devices_of(s.sub()).await?.len() >= MAX_DEVICES {
        return Err(ApiError::QuotaExceeded("the account holds as many trusted devices as it may"));
    }
    let row = TrustedDeviceRow {
        device_id: uuid::Uuid::new_v4().to_string(),
        sub: s.sub().to_string(),
        label: b.label,
        public_jwk,
        key_handle: b.key_handle,
        envelope_id: b.envelope_id,
        created_at: state.now(),
        last_used_at: None,
        revoked_at: None,
    };
    match state.store.insert_trusted_device(&row).await {
        Ok(()) => {}
        Err(crate::store::InsertError::Exists) => return Err(ApiError::Conflict("device exists")),
        Err(crate::store::InsertError::Db(e)) => return Err(e.into()),
    }
    Ok((StatusCode::CREATED, Json(json!({"device": row}))))
}

/// `GET /crypto/devices`
pub async fn list(State(state): State<AppState>, s: Session) -> ApiResult<impl IntoResponse> {
    Ok(Json(json!({"devices": state.store.trusted_devices_of(s.sub()).await?})))
}

/// `DELETE /crypto/devices/{id}` (recent login): revokes the device and its envelope.
pub async fn revoke(State(state): State<AppState>, RecentSession(s): RecentSession, PathParam(id): PathParam) -> ApiResult<impl IntoResponse> {
    if !state.store.revoke_trusted_device(s.sub(), &id, state.now()).await? {
        return Err(ApiError::NotFound("no such live device"));
    }
    Ok(Json(json!({"success": true})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequestBody {
    new_device_public_jwk: Box<RawValue>,
    authorization_request_id: Option<String>,
    client_id: Option<String>,
    state_hash: Option<String>,
    verification_code_hash: String,
}

/// The members of `request_binding_hash`, in the spec's order.
#[derive(Serialize)]
struct Binding<'a> {
    sub: &'a str,
    request_id: &'a str,
    requester_session_id: &'a str,
    client_id: &'a str,
    state_hash: &'a str,
    verification_code_hash: &'a str,
    new_device_public_jwk_hash: &'a str,
}

impl Binding<'_> {
    /// `(request_binding_hash, approval_aad)` of §3.10: the binding object's hash, and b64u of
    /// `"DarkAuth|device-approval|" + sub + "|" + request_id + "|" + jwk_hash + "|" + binding_hash`.
    fn hashes(&self) -> Option<(String, String)> {
        let binding_hash = hash_b64u(&serde_json::to_string(self).ok()?);
        let aad = format!("DarkAuth|device-approval|{}|{}|{}|{binding_hash}", self.sub, self.request_id, self.new_device_public_jwk_hash);
        Some((binding_hash, b64u::encode(aad.as_bytes())))
    }
}

/// The new device's ECDH public JWK exactly as sent: compact JSON whose members are all
/// strings (so the consume proof can hash the same text), a P-256 public key.
fn check_new_device_jwk(raw: &str) -> ApiResult<()> {
    let refuse = || ApiError::InvalidRequest("new_device_public_jwk must be a P-256 public JWK as compact JSON with string members only");
    let members: serde_json::Map<String, Value> = serde_json::from_str(raw).map_err(|_| refuse())?;
    let compact = !raw.bytes().any(|b| b.is_ascii_whitespace());
    if !compact || raw.len() > 1024 || !members.values().all(Value::is_string) || canonical_public_jwk(raw).is_none() {
        return Err(refuse());
    }
    Ok(())
}

/// A six-digit code: a random `u32 mod 10^6`, zero-padded.
fn six_digits() -> String {
    format!("{:06}", OsRng.next_u32() % 1_000_000)
}

/// `POST /crypto/device-approvals`: a signed-in browser without keys asks a trusted device.
pub async fn create(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<ApprovalRequestBody>) -> ApiResult<impl IntoResponse> {
    state.limit(LimitKind::Approval, &[&s.row.handle]).await?;
    let raw = b.new_device_public_jwk.get();
    check_new_device_jwk(raw)?;
    check_b64u(&b.verification_code_hash, 32, 32, "verification_code_hash must be base64url of 32 bytes")?;
    let now = state.now();
    let (client_id, state_hash) = match &b.authorization_request_id {
        // With a pending authorization, its client and state (not the body's).
        Some(id) => {
            let req = state.store.auth_request(id, now).await?.ok_or(ApiError::InvalidRequest("unknown or expired authorization request"))?;
            (req.client_id, hash_b64u(req.state.as_deref().unwrap_or("")))
        }
        None => {
            let state_hash = b.state_hash.unwrap_or_else(|| hash_b64u(""));
            check_b64u(&state_hash, 32, 32, "state_hash must be base64url of 32 bytes")?;
            let client_id = b.client_id.unwrap_or_default();
            if client_id.len() > 128 || client_id.chars().any(char::is_control) {
                return Err(ApiError::InvalidRequest("client_id must be at most 128 characters"));
            }
            (client_id, state_hash)
        }
    };
    if state.store.open_approvals_of_session(&s.row.id_hash, now).await? >= MAX_OPEN_PER_SESSION {
        return Err(ApiError::QuotaExceeded("this session has as many open approval requests as it may"));
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    let jwk_hash = hash_b64u(raw);
    let binding = Binding {
        sub: s.sub(),
        request_id: &request_id,
        requester_session_id: &s.row.handle,
        client_id: &client_id,
        state_hash: &state_hash,
        verification_code_hash: &b.verification_code_hash,
        new_device_public_jwk_hash: &jwk_hash,
    };
    let (binding_hash, aad) = binding.hashes().ok_or(ApiError::Internal)?;
    let row = ApprovalRow {
        request_id,
        sub: s.sub().to_string(),
        requester_session: s.row.id_hash.clone(),
        client_id,
        state_hash,
        verification_code_hash: b.verification_code_hash,
        new_device_public_jwk: raw.to_string(),
        new_device_public_jwk_hash: jwk_hash,
        request_binding_hash: binding_hash,
        approval_aad: aad,
        verification_code: six_digits(),
        status: "pending".into(),
        encrypted_approval: None,
        approved_device_id: None,
        created_at: now,
        expires_at: now + APPROVAL_TTL_SECS,
    };
    state.store.insert_approval(&row).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "request_id": row.request_id, "status": row.status, "approval_aad": row.approval_aad,
            "new_device_public_jwk_hash": row.new_device_public_jwk_hash, "request_binding_hash": row.request_binding_hash,
            "verification_code": row.verification_code, "expires_at": row.expires_at,
        })),
    ))
}

/// `GET /crypto/device-approvals`: the account's pending requests, for its trusted devices.
pub async fn pending(State(state): State<AppState>, s: Session) -> ApiResult<impl IntoResponse> {
    let rows = state.store.pending_approvals(s.sub(), state.now()).await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "request_id": r.request_id, "client_id": r.client_id, "approval_aad": r.approval_aad,
                "new_device_public_jwk": serde_json::from_str::<Value>(&r.new_device_public_jwk).unwrap_or(Value::Null),
                "verification_code_hash": r.verification_code_hash, "created_at": r.created_at, "expires_at": r.expires_at,
            })
        })
        .collect();
    Ok(Json(json!({"approvals": list})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    encrypted_approval: String,
    approval_aad: String,
    approval_proof: String,
    approved_device_id: String,
}

/// `b64u(UTF8(compact JWE))`: five base64url segments once decoded.
fn check_encrypted_approval(value: &str) -> ApiResult<()> {
    let refuse = || ApiError::InvalidRequest("encrypted_approval must be base64url of a compact JWE");
    check_b64u(value, 1, 16 * 1024, "encrypted_approval must be base64url of at most 16 KiB")?;
    let text = b64u::decode(value, "encrypted_approval").map_err(|_| refuse())?;
    let text = String::from_utf8(text).map_err(|_| refuse())?;
    let segments: Vec<&str> = text.split('.').collect();
    let ok = segments.len() == 5 && segments.iter().all(|s| s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    if ok {
        Ok(())
    } else {
        Err(refuse())
    }
}

/// Whether `proof` (b64u of a raw `r ‖ s` ECDSA-P256-SHA256 signature) signs `aad_b64u`'s
/// bytes under the device's stored public JWK.
fn proof_verifies(public_jwk: &str, aad_b64u: &str, proof: &str) -> bool {
    let Ok(key) = zkauth_verify::parse_epk_value(public_jwk) else { return false };
    let Ok(aad) = b64u::decode(aad_b64u, "approval_aad") else { return false };
    let Ok(sig) = b64u::decode(proof, "approval_proof") else { return false };
    let Ok(sig) = p256::ecdsa::Signature::from_slice(&sig) else { return false };
    p256::ecdsa::VerifyingKey::from(key).verify(&aad, &sig).is_ok()
}

/// `POST /crypto/device-approvals/{id}/approve`: a trusted device hands over the approval JWE.
pub async fn approve(State(state): State<AppState>, s: Session, PathParam(id): PathParam, JsonBody(b): JsonBody<ApproveBody>) -> ApiResult<impl IntoResponse> {
    check_encrypted_approval(&b.encrypted_approval)?;
    let device = state.store.live_trusted_device(s.sub(), &b.approved_device_id).await?.ok_or(ApiError::Forbidden("not a live trusted device of this account"))?;
    let req = state.store.approval(s.sub(), &id, state.now()).await?.ok_or(ApiError::NotFound("no such approval request (or it expired)"))?;
    if !ct_eq_str(&b.approval_aad, &req.approval_aad) {
        return Err(ApiError::InvalidRequest("approval_aad is not this request's"));
    }
    if !proof_verifies(&device.public_jwk, &req.approval_aad, &b.approval_proof) {
        return Err(ApiError::Forbidden("the approval proof does not verify with this device's key"));
    }
    if !state.store.approve(s.sub(), &id, &b.encrypted_approval, &device.device_id, state.now()).await? {
        return Err(ApiError::Conflict("this request is not pending"));
    }
    Ok(Json(json!({"success": true, "status": "approved"})))
}

/// `POST /crypto/device-approvals/{id}/deny`
pub async fn deny(State(state): State<AppState>, s: Session, PathParam(id): PathParam) -> ApiResult<impl IntoResponse> {
    if !state.store.deny(s.sub(), &id, state.now()).await? {
        return Err(ApiError::Conflict("this request is not pending"));
    }
    Ok(Json(json!({"success": true, "status": "denied"})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumeBody {
    request_id: String,
    new_device_proof: String,
}

/// `POST /crypto/device-approvals/{id}/consume`: the requesting session polls; once approved it
/// takes the JWE (once) and becomes unlocked. Pending answers `{status: "pending"}`.
pub async fn consume(State(state): State<AppState>, s: Session, PathParam(id): PathParam, JsonBody(b): JsonBody<ConsumeBody>) -> ApiResult<impl IntoResponse> {
    state.limit(LimitKind::ApprovalPoll, &[&s.row.handle]).await?;
    if b.request_id != id {
        return Err(ApiError::InvalidRequest("request_id must be the path's"));
    }
    let req = state.store.approval(s.sub(), &id, state.now()).await?.ok_or(ApiError::NotFound("no such approval request (or it expired)"))?;
    // Only the session that asked may take it, with the hash of the key it asked for.
    if !ct_eq_str(&req.requester_session, &s.row.id_hash) {
        return Err(ApiError::Forbidden("another session made this request"));
    }
    if !ct_eq_str(&b.new_device_proof, &req.new_device_public_jwk_hash) {
        return Err(ApiError::Forbidden("new_device_proof is not the hash of the requesting key"));
    }
    match req.status.as_str() {
        "pending" => Ok(Json(json!({"status": "pending"}))),
        "denied" => Err(ApiError::Forbidden("the request was denied")),
        "approved" => {
            let jwe = state.store.consume_approval(&id, &s.row.id_hash, state.now()).await?.ok_or(ApiError::Conflict("this approval was consumed already"))?;
            Ok(Json(json!({"status": "consumed", "encrypted_approval": jwe})))
        }
        _ => Err(ApiError::Conflict("this approval was consumed already")),
    }
}

#[cfg(test)]
mod tests {
    //! Known answers from tests/vectors/custody_kat.json (written by custody_kat.py: Python
    //! hashlib and `cryptography`, from the wire profile's text, never by this code).
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn kat() -> Value {
        serde_json::from_str(include_str!("../../../tests/vectors/custody_kat.json")).unwrap()
    }

    #[test]
    fn hashes_aad_and_proof_match_an_independent_implementation() {
        let doc = kat();
        let k = &doc["device_approval"];
        let s = |v: &Value| v.as_str().unwrap().to_string();
        let jwk = s(&k["new_device_public_jwk"]);
        assert!(check_new_device_jwk(&jwk).is_ok(), "the compact string-member JWK is accepted");
        let jwk_hash = hash_b64u(&jwk);
        assert_eq!(jwk_hash, s(&k["new_device_public_jwk_hash"]));
        let i = &k["inputs"];
        let binding = Binding {
            sub: i["sub"].as_str().unwrap(),
            request_id: i["request_id"].as_str().unwrap(),
            requester_session_id: i["requester_session_id"].as_str().unwrap(),
            client_id: i["client_id"].as_str().unwrap(),
            state_hash: &hash_b64u(""),
            verification_code_hash: &hash_b64u(i["verification_code"].as_str().unwrap()),
            new_device_public_jwk_hash: &jwk_hash,
        };
        assert_eq!(serde_json::to_string(&binding).unwrap(), s(&k["request_binding"]));
        let (binding_hash, aad) = binding.hashes().unwrap();
        assert_eq!(binding_hash, s(&k["request_binding_hash"]));
        assert_eq!(aad, s(&k["approval_aad"]));
        // Python's deterministic ECDSA proof verifies under the trusted device's key; a flipped
        // bit, another key or other bytes do not.
        let device = canonical_public_jwk(&s(&k["trusted_device_public_jwk"])).unwrap();
        let proof = s(&k["approval_proof"]);
        assert!(proof_verifies(&device, &aad, &proof));
        let mut bad = b64u::decode(&proof, "p").unwrap();
        bad[10] ^= 1;
        assert!(!proof_verifies(&device, &aad, &b64u::encode(&bad)));
        assert!(!proof_verifies(&canonical_public_jwk(&jwk).unwrap(), &aad, &proof));
        assert!(!proof_verifies(&device, &b64u::encode(b"other bytes"), &proof));
    }
}
