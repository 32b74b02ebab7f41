//! Sharing between users of one app (issue 24), for the app's bearer token (cross-origin, CORS
//! like `/notes`). No anchor in DarkAuth: a v2 app holds only its Client App Key, so each user
//! has a sharing key pair per app whose private half the app wraps under that key
//! (`zkauth::sharing`); the server keeps public keys, wrapped keys and share JWEs, and can open
//! none of them.
//!
//! - `PUT`/`GET /sharing/key` `{public_jwk, wrapped_private_key}`: the caller's sharing key for
//!   this app. Replacing a different key needs a sign-in within the step-up window (a stolen
//!   token alone cannot make others encrypt to a key of its choosing) and drops the shares
//!   sealed to the old key.
//! - `GET /sharing/recipients?email=` → `{sub, public_jwk}`: another user of this app who has a
//!   sharing key; only for clients with `share_by_email`, rate-limited per user, and one answer
//!   (`not_found`) for "no such account" and "no sharing key".
//! - `GET`/`POST /notes/{id}/shares`, `DELETE /notes/{id}/shares/{recipient_sub}`: the owner's
//!   shares of one note (`{recipient_sub, jwe}`: the note's data key sealed to the recipient's
//!   sharing key, checked against the JWE header rules of key delivery).
//! - `GET /shared-notes`: the notes shared with the caller, with their ciphertexts and JWEs.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::keys::{check_b64u, check_id};
use super::user_keys::canonical_public_jwk;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Bearer, JsonBody, PathPair, PathParam, QueryParams};
use crate::state::{AppState, LimitKind};
use crate::store::{Counted, SharingKeyRow, TokenRow};

/// Decoded size of a wrapped sharing key: IV, the 32-byte scalar, tag (format B).
const WRAPPED_KEY_LEN: usize = 12 + 32 + 16;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingKeyBody {
    public_jwk: Value,
    wrapped_private_key: String,
}

/// The stored canonical JWK text as a JSON member, byte for byte (`{"kty","crv","x","y"}` in
/// that order, the form `sealToRecipient` and `openSharingKey` are given).
fn jwk_member(text: String) -> ApiResult<Box<RawValue>> {
    RawValue::from_string(text).map_err(|_| ApiError::Internal)
}

#[derive(Serialize)]
pub struct KeyBody {
    public_jwk: Box<RawValue>,
    wrapped_private_key: String,
}

fn key_json(row: SharingKeyRow) -> ApiResult<Json<KeyBody>> {
    Ok(Json(KeyBody { public_jwk: jwk_member(row.public_jwk)?, wrapped_private_key: row.wrapped_private_key }))
}

#[derive(Serialize)]
pub struct RecipientBody {
    sub: String,
    public_jwk: Box<RawValue>,
}

/// Whether the token's sign-in is within the step-up window.
fn recent(state: &AppState, t: &TokenRow) -> bool {
    t.auth_time.is_some_and(|at| state.now() - at <= state.config.session.reauth_window_secs)
}

/// `PUT /sharing/key`
pub async fn put_key(State(state): State<AppState>, Bearer(t): Bearer, JsonBody(b): JsonBody<SharingKeyBody>) -> ApiResult<Json<KeyBody>> {
    let public_jwk = canonical_public_jwk(&b.public_jwk.to_string()).ok_or(ApiError::InvalidRequest("public_jwk must be a P-256 public JWK"))?;
    check_b64u(&b.wrapped_private_key, WRAPPED_KEY_LEN, WRAPPED_KEY_LEN, "wrapped_private_key must be canonical base64url of 60 bytes")?;
    let current = state.store.sharing_key(&t.sub, &t.client_id).await?;
    if current.as_ref().is_some_and(|c| c.public_jwk != public_jwk) && !recent(&state, &t) {
        return Err(ApiError::ReauthenticationRequired);
    }
    let row = SharingKeyRow { public_jwk, wrapped_private_key: b.wrapped_private_key };
    state.store.put_sharing_key(&t.sub, &t.client_id, &row, state.now()).await?;
    key_json(row)
}

/// `GET /sharing/key`
pub async fn get_key(State(state): State<AppState>, Bearer(t): Bearer) -> ApiResult<Json<KeyBody>> {
    let row = state.store.sharing_key(&t.sub, &t.client_id).await?.ok_or(ApiError::NotFound("no sharing key for this app"))?;
    key_json(row)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientQuery {
    email: String,
}

/// `GET /sharing/recipients?email=`
pub async fn recipient(State(state): State<AppState>, Bearer(t): Bearer, QueryParams(q): QueryParams<RecipientQuery>) -> ApiResult<Json<RecipientBody>> {
    if !state.config.client(&t.client_id).is_some_and(|c| c.share_by_email) {
        return Err(ApiError::Forbidden("this app does not look up users by e-mail address"));
    }
    state.limit(LimitKind::RecipientLookup, &[&state.log_name(&t.sub)]).await?;
    crate::identity::check(&q.email)?;
    const NONE: ApiError = ApiError::NotFound("no user of this app with that e-mail address has a sharing key");
    let email = crate::identity::normalized(&q.email).ok_or(NONE)?;
    let (sub, public_jwk) = state.store.sharing_recipient(&email, &t.client_id).await?.ok_or(NONE)?;
    if sub == t.sub {
        return Err(ApiError::InvalidRequest("that is your own address"));
    }
    Ok(Json(RecipientBody { sub, public_jwk: jwk_member(public_jwk)? }))
}

/// The caller's own note, or `not_found`.
async fn own_note(state: &AppState, t: &TokenRow, note_id: &str) -> ApiResult<()> {
    check_id(note_id, "note id must be 1..128 characters of [A-Za-z0-9_.:-]")?;
    state.store.note(&t.sub, &t.client_id, note_id).await?.ok_or(ApiError::NotFound("no such note"))?;
    Ok(())
}

/// `GET /notes/{id}/shares`
pub async fn list_shares(State(state): State<AppState>, Bearer(t): Bearer, PathParam(id): PathParam) -> ApiResult<Json<Value>> {
    own_note(&state, &t, &id).await?;
    let shares = state.store.note_shares(&t.sub, &t.client_id, &id).await?;
    Ok(Json(json!({"shares": shares})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    recipient_sub: String,
    jwe: String,
}

/// `POST /notes/{id}/shares`
pub async fn create_share(State(state): State<AppState>, Bearer(t): Bearer, PathParam(id): PathParam, JsonBody(b): JsonBody<ShareBody>) -> ApiResult<(StatusCode, Json<Value>)> {
    own_note(&state, &t, &id).await?;
    if b.recipient_sub == t.sub {
        return Err(ApiError::InvalidRequest("a note is not shared with its owner"));
    }
    // The header rules of key delivery (exactly {alg, enc, epk}, ECDH-ES, A256GCM, a valid
    // P-256 epk) and its size caps; the payload is the recipient's to open.
    zkauth_verify::parse_compact_jwe(&b.jwe, zkauth_verify::JweVersion::V2).map_err(|_| ApiError::InvalidRequest("jwe must be a compact ECDH-ES + A256GCM JWE"))?;
    if state.store.sharing_key(&b.recipient_sub, &t.client_id).await?.is_none() {
        return Err(ApiError::NotFound("the recipient has no sharing key for this app"));
    }
    if state.store.note_shares(&t.sub, &t.client_id, &id).await?.iter().all(|s| s.recipient_sub != b.recipient_sub) {
        state.check_quota(Counted::Shares, &t.sub).await?;
    }
    let now = state.now();
    state.store.put_note_share(&t.sub, &t.client_id, &id, &b.recipient_sub, &b.jwe, now).await?;
    Ok((StatusCode::CREATED, Json(json!({"share": {"recipient_sub": b.recipient_sub, "created_at": now}}))))
}

/// `DELETE /notes/{id}/shares/{recipient_sub}`: the recipient's JWE is deleted.
pub async fn revoke_share(State(state): State<AppState>, Bearer(t): Bearer, PathPair(id, recipient): PathPair) -> ApiResult<Json<Value>> {
    own_note(&state, &t, &id).await?;
    if !state.store.delete_note_share(&t.sub, &t.client_id, &id, &recipient).await? {
        return Err(ApiError::NotFound("the note is not shared with that user"));
    }
    Ok(Json(json!({"success": true})))
}

/// `GET /shared-notes`
pub async fn shared_with_me(State(state): State<AppState>, Bearer(t): Bearer) -> ApiResult<Json<Value>> {
    let notes = state.store.notes_shared_with(&t.sub, &t.client_id).await?;
    Ok(Json(json!({"notes": notes})))
}
