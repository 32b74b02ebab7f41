//! Remembered consent, the user's side: `GET /consents` (the apps approved, with their scopes)
//! and `POST /consents/{client_id}/revoke` (that app can no longer sign in silently with
//! `prompt=none`; the next sign-in asks again). Session and CSRF, like every account route.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::PathParam;
use crate::session::Session;
use crate::state::AppState;

/// `GET /consents`
pub async fn list(State(state): State<AppState>, s: Session) -> ApiResult<Json<Value>> {
    let rows = state.store.consents_of(s.sub()).await?;
    let consents: Vec<Value> = rows
        .iter()
        .map(|r| {
            // The registered name; a client no longer configured is listed by its id.
            let name = state.config.client(&r.client_id).map_or(r.client_id.as_str(), |c| c.client_name.as_str());
            json!({"client_id": r.client_id, "client_name": name, "scope": r.scope, "granted_at": r.granted_at})
        })
        .collect();
    Ok(Json(json!({"consents": consents})))
}

/// `POST /consents/{client_id}/revoke`
pub async fn revoke(State(state): State<AppState>, s: Session, PathParam(client_id): PathParam) -> ApiResult<Json<Value>> {
    if !state.store.forget_consent(s.sub(), &client_id).await? {
        return Err(ApiError::NotFound("no consent for that app"));
    }
    Ok(Json(json!({"success": true})))
}
