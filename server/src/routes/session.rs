//! Session endpoints: who am I (with the CSRF token), logout of this session, logout of every
//! session and refresh token of the user, and the list of sessions with revoke by handle.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

use zkauth_verify::ct_eq_str;

use crate::error::{ApiError, ApiResult};
use crate::extract::PathParam;
use crate::session::{self, RecentSession, Session};
use crate::state::{AppState, Event};

/// `GET /session`
pub async fn current(State(state): State<AppState>, s: Session) -> ApiResult<impl IntoResponse> {
    let user = state.store.user_by_sub(s.sub()).await?.ok_or(ApiError::Unauthenticated("the account no longer exists"))?;
    Ok(Json(json!({
        "authenticated": true,
        "sub": user.sub,
        "user": {"sub": user.sub, "email": user.email, "name": user.name},
        "csrfToken": s.csrf_token(&state),
        "expiresAt": s.row.absolute_expires_at,
        "unlocked": s.row.unlocked == 1,
    })))
}

/// `POST /logout`: ends this session. Answers 200 with cleared cookies even without one.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<impl IntoResponse> {
    if let Some(id_hash) = session::presented_session_hash(&state, &headers) {
        if state.store.delete_session(&id_hash).await? {
            state.event(Event::Logout, &state.log_name(&id_hash));
        }
    }
    Ok((session::clearing_headers(&state)?, Json(json!({"success": true}))))
}

/// `POST /logout/all`: every session, token, unredeemed code and pending login or reset of
/// the user ("nuclear logout").
pub async fn logout_all(State(state): State<AppState>, RecentSession(s): RecentSession) -> ApiResult<impl IntoResponse> {
    let ended = state.store.end_access_of(s.sub(), state.now()).await?;
    state.event(Event::LogoutAll, &s.row.handle);
    Ok((session::clearing_headers(&state)?, Json(json!({"success": true, "sessions_ended": ended.sessions, "tokens_revoked": ended.tokens}))))
}

/// `GET /sessions`: the user's live sessions, by public handle (ids are never shown), each
/// with its device: browser, OS, network, and whether it is this browser (same device cookie).
pub async fn list(State(state): State<AppState>, s: Session, headers: HeaderMap) -> ApiResult<impl IntoResponse> {
    let rows = state.store.sessions_of(s.sub(), state.now(), state.config.session.idle_timeout_secs).await?;
    let this_device = crate::device::device_hash(&state, &headers);
    let sessions: Vec<_> = rows
        .iter()
        .map(|r| {
            let same_device = matches!((&r.device_hash, &this_device), (Some(a), Some(b)) if ct_eq_str(a, b));
            json!({
                "handle": r.handle, "created_at": r.created_at, "last_seen_at": r.last_seen_at, "current": r.handle == s.row.handle,
                "browser": r.browser, "os": r.os, "ip_prefix": r.ip_prefix, "this_device": same_device || r.handle == s.row.handle,
            })
        })
        .collect();
    Ok(Json(json!({"sessions": sessions})))
}

/// `POST /sessions/{handle}/revoke`
pub async fn revoke(State(state): State<AppState>, RecentSession(s): RecentSession, PathParam(handle): PathParam) -> ApiResult<impl IntoResponse> {
    if !state.store.delete_session_by_handle(s.sub(), &handle).await? {
        return Err(ApiError::NotFound("no such session"));
    }
    state.event(Event::SessionRevoked, &s.row.handle);
    Ok((StatusCode::OK, Json(json!({"success": true}))))
}
