//! The demo app's notes API (bearer access token of the app): ciphertext only. A note is
//! padded standard base64 of `iv ‖ ct ‖ tag` (wire profile §3.12) with its AAD JSON.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::keys::check_id;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Bearer, JsonBody, PathParam};
use crate::state::AppState;
use crate::store::Counted;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    ciphertext: String,
    aad: String,
}

/// Shape only: the server cannot and does not decrypt. At most 32 KiB of standard base64.
fn check_note(b: &NoteBody) -> ApiResult<()> {
    let ok_b64 = !b.ciphertext.is_empty()
        && b.ciphertext.len() <= 32 * 1024
        && b.ciphertext.len() % 4 == 0
        && b.ciphertext.trim_end_matches('=').bytes().all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/');
    if !ok_b64 {
        return Err(ApiError::InvalidRequest("ciphertext must be padded standard base64 of at most 32 KiB"));
    }
    if b.aad.is_empty() || b.aad.len() > 1024 {
        return Err(ApiError::InvalidRequest("aad must be 1..1024 characters"));
    }
    Ok(())
}

pub async fn list(State(state): State<AppState>, Bearer(t): Bearer) -> ApiResult<Json<Value>> {
    let notes = state.store.notes(&t.sub, &t.client_id).await?;
    Ok(Json(json!({"notes": notes})))
}

pub async fn get(State(state): State<AppState>, Bearer(t): Bearer, PathParam(id): PathParam) -> ApiResult<Json<Value>> {
    let note = state.store.note(&t.sub, &t.client_id, &id).await?.ok_or(ApiError::NotFound("no such note"))?;
    Ok(Json(json!({"note": note})))
}

pub async fn put(State(state): State<AppState>, Bearer(t): Bearer, PathParam(id): PathParam, JsonBody(b): JsonBody<NoteBody>) -> ApiResult<Json<Value>> {
    check_id(&id, "note id must be 1..128 characters of [A-Za-z0-9_.:-]")?;
    check_note(&b)?;
    if state.store.note(&t.sub, &t.client_id, &id).await?.is_none() {
        state.check_quota(Counted::Notes, &t.sub).await?;
    }
    state.store.put_note(&t.sub, &t.client_id, &id, &b.ciphertext, &b.aad, state.now()).await?;
    Ok(Json(json!({"success": true})))
}

pub async fn delete(State(state): State<AppState>, Bearer(t): Bearer, PathParam(id): PathParam) -> ApiResult<Json<Value>> {
    if !state.store.delete_note(&t.sub, &t.client_id, &id).await? {
        return Err(ApiError::NotFound("no such note"));
    }
    Ok(Json(json!({"success": true})))
}
