//! `GET`/`POST /userinfo` (OpenID Connect Core 1.0 §5.3): the claims the access token's scopes
//! allow, `sub` always. Bearer tokens only (never the session cookie), CORS for the clients'
//! origins like `/notes`.
//!
//! `profile` gives `name` (when the account has one); `email` gives `email` and
//! `email_verified: false` (the reference server never verifies an address).

use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::Bearer;
use crate::state::AppState;

pub async fn userinfo(State(state): State<AppState>, Bearer(t): Bearer) -> ApiResult<Json<Value>> {
    let user = state.store.user_by_sub(&t.sub).await?.ok_or(ApiError::InvalidToken("the access token's account no longer exists"))?;
    let scopes: Vec<&str> = t.scope.split(' ').collect();
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(user.sub));
    if scopes.contains(&"profile") && !user.name.is_empty() {
        claims.insert("name".into(), json!(user.name));
    }
    if scopes.contains(&"email") {
        claims.insert("email".into(), json!(user.email));
        claims.insert("email_verified".into(), json!(false));
    }
    Ok(Json(Value::Object(claims)))
}
