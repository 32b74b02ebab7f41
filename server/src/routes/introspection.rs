//! `POST /introspect` (RFC 7662): a confidential client asks whether a token is live. Only
//! confidential clients may ask (a public client's token request comes from a browser, which
//! must not learn more than its own token response said), authenticated as at `/token`. A
//! token of another client, or a revoked, expired or spent one, is `{"active": false}` and
//! nothing else.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Map, Value};
use zkauth_verify::hash_b64u;

use super::revocation::TokenForm;
use crate::config::ClientAuth;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, FormBody};
use crate::state::{AppState, LimitKind};

pub async fn introspect(State(state): State<AppState>, ip: ClientIp, headers: HeaderMap, FormBody(f): FormBody<TokenForm>) -> ApiResult<Json<Value>> {
    state.limit(LimitKind::Token, &[&ip.0]).await?;
    let client = f.client(&state, &headers).await?;
    if matches!(client.auth, ClientAuth::None) {
        return Err(ApiError::InvalidClient("introspection is for confidential clients"));
    }
    let token = f.token()?;
    let Some(row) = state.store.live_token(&hash_b64u(token), state.now()).await?.filter(|r| r.client_id == client.client_id) else {
        return Ok(Json(json!({"active": false})));
    };
    let mut out = Map::new();
    out.insert("active".into(), json!(true));
    out.insert("sub".into(), json!(row.sub));
    out.insert("client_id".into(), json!(row.client_id));
    out.insert("scope".into(), json!(row.scope));
    out.insert("exp".into(), json!(row.expires_at));
    if let Some(iat) = row.issued_at {
        out.insert("iat".into(), json!(iat));
    }
    out.insert("iss".into(), json!(state.config.issuer));
    out.insert("token_type".into(), json!(if row.kind == "access" { "Bearer" } else { "refresh_token" }));
    Ok(Json(Value::Object(out)))
}
