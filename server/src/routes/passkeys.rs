//! Passkey endpoints (issue 19, wire profile §3.9): add a passkey (signed in, recent login),
//! sign in with one (username-less), store its PRF envelope, and list, rename and remove
//! passkeys. The ceremonies are checked by webauthn-rs (`crate::passkeys`); their states are
//! single use, five minutes, in the database, so any instance can finish what another
//! started. The server never sees a PRF output: only the envelope it wraps the root key in.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use webauthn_rs::prelude::{Passkey, Uuid};
use zkauth_verify::{hash_b64u, EnvelopeType, WRAPPING_ALG_PASSKEY_PRF};

use super::keys::{check_envelope, check_label, envelope_json, EnvelopeBody};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, JsonBody, PathParam};
use crate::lockout;
use crate::passkeys::CEREMONY_TTL_SECS;
use crate::session::{self, RecentSession, Session, Unlock};
use crate::state::{random_b64u, AppState, Event, LimitKind};
use crate::store::{Ceremony, Counted, InsertError, NewEnvelope, PasskeyListing, PasskeyRow};


fn parse_passkey(row: &PasskeyRow) -> ApiResult<Passkey> {
    serde_json::from_str(&row.passkey).map_err(|_| ApiError::Internal)
}

/// Stores a ceremony state; returns the `challenge_id` the browser sends back.
async fn begin(state: &AppState, kind: Ceremony, sub: Option<&str>, ceremony_state: &str) -> ApiResult<String> {
    let id = random_b64u(16);
    state.store.put_ceremony(&hash_b64u(&id), kind, sub, ceremony_state, state.now() + CEREMONY_TTL_SECS).await?;
    Ok(id)
}

/// What a start answers: the ceremony's id and the `publicKey` options for the browser.
fn start_answer(challenge_id: String, options: Value) -> Json<Value> {
    let public_key = options.get("publicKey").cloned().unwrap_or(Value::Null);
    Json(json!({"challenge_id": challenge_id, "public_key": public_key}))
}

/// `POST /webauthn/register/start`: options to add a passkey to the signed-in account.
pub async fn register_start(State(state): State<AppState>, RecentSession(s): RecentSession) -> ApiResult<impl IntoResponse> {
    state.check_quota(Counted::Passkeys, s.sub()).await?;
    let user = state.store.user_by_sub(s.sub()).await?.ok_or(ApiError::Unauthenticated("the session has ended"))?;
    let handle = state.store.webauthn_user_handle(s.sub(), &Uuid::new_v4().to_string()).await?;
    let handle = Uuid::parse_str(&handle).map_err(|_| ApiError::Internal)?;
    let existing = state.store.passkeys_of(s.sub()).await?.iter().map(parse_passkey).collect::<ApiResult<Vec<_>>>()?;
    let display = if user.name.is_empty() { &user.email } else { &user.name };
    let (options, ceremony) = state.passkeys.registration_options(handle, &user.email, display, &existing)?;
    let id = begin(&state, Ceremony::Register, Some(s.sub()), &ceremony).await?;
    Ok(start_answer(id, options))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterFinishRequest {
    challenge_id: String,
    response: Value,
    label: Option<String>,
}

/// `POST /webauthn/register/finish`: checks the new credential and stores it.
pub async fn register_finish(State(state): State<AppState>, RecentSession(s): RecentSession, JsonBody(req): JsonBody<RegisterFinishRequest>) -> ApiResult<impl IntoResponse> {
    let label = req.label.unwrap_or_else(|| "Passkey".into());
    check_label(&label)?;
    let Some((owner, ceremony)) = state.store.take_ceremony(&hash_b64u(&req.challenge_id), Ceremony::Register, state.now()).await? else {
        return Err(ApiError::InvalidRequest("no such registration ceremony (it is used once and lasts five minutes): start again"));
    };
    if owner.as_deref() != Some(s.sub()) {
        return Err(ApiError::Forbidden("this ceremony was started by another account"));
    }
    let registered = state.passkeys.finish_registration(&req.response, &ceremony)?;
    let row = PasskeyRow {
        credential_id: zkauth_verify::b64u::encode(registered.passkey.cred_id()),
        sub: s.sub().to_string(),
        passkey: serde_json::to_string(&registered.passkey).map_err(|_| ApiError::Internal)?,
        label,
        prf_enabled: i64::from(registered.prf_enabled),
        envelope_id: None,
        created_at: state.now(),
        last_used_at: None,
    };
    match state.store.insert_passkey(&row).await {
        Ok(()) => {}
        Err(InsertError::Exists) => return Err(ApiError::Conflict("this passkey is registered already")),
        Err(InsertError::Db(e)) => return Err(e.into()),
    }
    Ok((StatusCode::CREATED, Json(json!({"credential": PasskeyListing::from(&row)}))))
}

/// `POST /webauthn/login/start`: options for a username-less sign-in.
pub async fn login_start(State(state): State<AppState>, ip: ClientIp) -> ApiResult<impl IntoResponse> {
    state.limit(LimitKind::Login, &[&ip.0]).await?;
    let (options, ceremony) = state.passkeys.login_options()?;
    let id = begin(&state, Ceremony::Login, None, &ceremony).await?;
    Ok(start_answer(id, options))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginFinishRequest {
    challenge_id: String,
    response: Value,
    /// DarkAuth's client says it evaluated PRF locally; informational only.
    #[serde(default, rename = "prf_result_confirmed")]
    _prf_result_confirmed: Option<bool>,
}

/// `POST /webauthn/login/finish`: checks the assertion and starts a session, unlocked when the
/// passkey has a PRF envelope (which the answer carries for the browser to open).
pub async fn login_finish(
    State(state): State<AppState>,
    ip: ClientIp,
    ctx: crate::device::DeviceContext,
    headers: HeaderMap,
    JsonBody(req): JsonBody<LoginFinishRequest>,
) -> ApiResult<impl IntoResponse> {
    state.limit(LimitKind::Login, &[&ip.0]).await?;
    let failed = |why: &str| {
        state.event(Event::LoginFailed, &state.log_name(why));
        ApiError::AuthenticationFailed
    };
    let Some((_, ceremony)) = state.store.take_ceremony(&hash_b64u(&req.challenge_id), Ceremony::Login, state.now()).await? else {
        return Err(failed("passkey-ceremony"));
    };
    let (handle, credential_id, credential) = state.passkeys.identify(&req.response)?;
    let row = state.store.passkey(&credential_id).await?.ok_or_else(|| failed("passkey-unknown"))?;
    // The authenticator's user handle must name the credential's owner.
    let handle_owner = state.store.sub_of_user_handle(&handle.to_string()).await?;
    if handle_owner.as_deref() != Some(row.sub.as_str()) {
        return Err(failed("passkey-handle"));
    }
    let before = parse_passkey(&row)?;
    let updated = state.passkeys.finish_login(&credential, &ceremony, &before).map_err(|_| failed("passkey-verify"))?;
    let after = serde_json::to_string(&updated).map_err(|_| ApiError::Internal)?;
    if !state.store.passkey_used(&credential_id, &row.passkey, &after, state.now()).await? {
        // Another sign-in with this passkey changed it meanwhile (or it was removed).
        return Err(failed("passkey-race"));
    }
    let user = state.store.user_by_sub(&row.sub).await?.ok_or_else(|| failed("passkey-user"))?;
    let envelope = state.store.prf_envelope_of(&credential_id).await?;
    let unlock = if envelope.is_some() { Unlock::Unlocked } else { Unlock::Locked };
    let keys = lockout::keys_for(&state, &headers, &user.email).await?;
    let (cookies, _, csrf) = session::start_for_login(&state, &headers, &ctx, &user.sub, &keys, unlock).await?;
    let listing = PasskeyListing::from(&PasskeyRow { passkey: String::new(), last_used_at: Some(state.now()), ..row });
    let unlock_with = envelope.map(|e| json!({"prf_salt": state.passkeys.prf_salt(), "envelope": envelope_json(&e)}));
    let body = json!({
        "success": true,
        "sub": user.sub,
        "user": {"sub": user.sub, "email": user.email, "name": user.name},
        "credential": listing,
        "unlocked": unlock_with.is_some(),
        "unlock": unlock_with,
        "csrfToken": csrf,
    });
    Ok((cookies, Json(body)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrfEnvelopeRequest {
    credential_id: String,
    key_id: String,
    envelope_id: Option<String>,
    label: Option<String>,
    wrapping_alg: String,
    wrapped_key: String,
    aad: String,
    prf_salt: String,
    prf_result_confirmed: bool,
    metadata: Option<Value>,
}

/// `POST /webauthn/prf-envelope` (recent login, as adding the passkey): the root key wrapped
/// under one passkey's PRF output. The passkey must be the user's, have reported PRF at registration, and have no envelope yet;
/// the salt must be the deployment's.
pub async fn create_prf_envelope(State(state): State<AppState>, RecentSession(s): RecentSession, JsonBody(req): JsonBody<PrfEnvelopeRequest>) -> ApiResult<impl IntoResponse> {
    if !req.prf_result_confirmed {
        return Err(ApiError::InvalidRequest("prf_result_confirmed must be true"));
    }
    if req.wrapping_alg != WRAPPING_ALG_PASSKEY_PRF {
        return Err(ApiError::InvalidRequest("wrapping_alg must be WebAuthn-PRF-HKDF-SHA256+A256GCM/v2"));
    }
    if !zkauth_verify::ct_eq_str(&req.prf_salt, state.passkeys.prf_salt()) {
        return Err(ApiError::InvalidRequest("prf_salt is not this deployment's PRF salt"));
    }
    // The envelope records the salt its PRF output came from (§3.9).
    let mut metadata = match req.metadata {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(ApiError::InvalidRequest("metadata must be a JSON object")),
    };
    metadata.insert("prf_salt".into(), Value::String(req.prf_salt));
    let body = EnvelopeBody {
        envelope_id: req.envelope_id,
        key_id: req.key_id,
        envelope_type: EnvelopeType::PasskeyPrf.as_str().to_string(),
        label: req.label,
        wrapping_alg: req.wrapping_alg,
        wrapped_key: req.wrapped_key,
        aad: req.aad,
        metadata: Some(Value::Object(metadata)),
    };
    let (envelope_id, _, metadata) = check_envelope(&state, s.sub(), &body).await?;
    state.check_quota(Counted::Envelopes, s.sub()).await?;
    let new = NewEnvelope {
        envelope_id: &envelope_id,
        key_id: &body.key_id,
        sub: s.sub(),
        envelope_type: EnvelopeType::PasskeyPrf.as_str(),
        label: body.label.as_deref(),
        wrapping_alg: &body.wrapping_alg,
        wrapped_key: &body.wrapped_key,
        aad: &body.aad,
        metadata: metadata.as_deref(),
    };
    match state.store.add_prf_envelope(&req.credential_id, &new, state.now()).await {
        Ok(true) => {}
        Ok(false) => return Err(ApiError::Conflict("no passkey of this account that reported PRF and has no envelope yet")),
        Err(InsertError::Exists) => return Err(ApiError::Conflict("envelope_id exists")),
        Err(InsertError::Db(e)) => return Err(e.into()),
    }
    let row = state.store.envelope(s.sub(), &envelope_id).await?.ok_or(ApiError::Internal)?;
    Ok((StatusCode::CREATED, Json(json!({"envelope": envelope_json(&row)}))))
}

/// `GET /webauthn/credentials`
pub async fn list(State(state): State<AppState>, s: Session) -> ApiResult<impl IntoResponse> {
    let rows = state.store.passkeys_of(s.sub()).await?;
    Ok(Json(json!({"credentials": rows.iter().map(PasskeyListing::from).collect::<Vec<_>>(), "prf_salt": state.passkeys.prf_salt()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameRequest {
    label: String,
}

/// `PATCH /webauthn/credentials/{id}`: renames.
pub async fn rename(State(state): State<AppState>, s: Session, PathParam(id): PathParam, JsonBody(req): JsonBody<RenameRequest>) -> ApiResult<impl IntoResponse> {
    check_label(&req.label)?;
    if !state.store.rename_passkey(s.sub(), &id, &req.label).await? {
        return Err(ApiError::NotFound("no such passkey"));
    }
    Ok(Json(json!({"success": true})))
}

/// `DELETE /webauthn/credentials/{id}` (recent login): removes the passkey and revokes its
/// PRF envelope.
pub async fn remove(State(state): State<AppState>, RecentSession(s): RecentSession, PathParam(id): PathParam) -> ApiResult<impl IntoResponse> {
    if !state.store.delete_passkey(s.sub(), &id, state.now()).await? {
        return Err(ApiError::NotFound("no such passkey"));
    }
    Ok(Json(json!({"success": true})))
}
