//! `GET /account/events`: the account's security events of the last 90 days (today: sign-ins
//! from a device never seen for the account), newest first, each with `seen` telling whether
//! an earlier visit showed it; this call marks them seen. A session is not told about its own
//! sign-in. Session only (first-party).

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::error::ApiResult;
use crate::session::Session;
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, s: Session) -> ApiResult<Json<Value>> {
    let rows = state.store.take_account_events(s.sub(), &s.row.handle, state.now()).await?;
    let events: Vec<Value> = rows
        .iter()
        .map(|e| json!({"kind": e.kind, "at": e.at, "browser": e.browser, "os": e.os, "ip_prefix": e.ip_prefix, "seen": e.seen_at.is_some(), "session": e.session_handle}))
        .collect();
    Ok(Json(json!({"events": events})))
}
