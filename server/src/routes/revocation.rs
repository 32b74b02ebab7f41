//! `POST /revoke` (RFC 7009, token revocation): a refresh token ends its whole family (every
//! access and refresh token issued from the same code); an access token ends itself. The
//! client authenticates as at `/token` (`crate::client_auth`) and may revoke only its own
//! tokens. An unknown, expired or already revoked token answers 200 too (§2.2), so the endpoint
//! says nothing about which tokens exist.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zkauth_verify::hash_b64u;

use crate::config::Client;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, FormBody};
use crate::state::{AppState, LimitKind};

/// The form of a revocation (RFC 7009 §2.1) and of an introspection (RFC 7662 §2.1, the same
/// shape): the token, an optional hint, and the client's credentials.
#[derive(Deserialize)]
pub struct TokenForm {
    token: Option<String>,
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
}

impl TokenForm {
    /// The authenticated client (as at `/token`).
    pub(super) async fn client<'a>(&self, state: &'a AppState, headers: &HeaderMap) -> ApiResult<&'a Client> {
        let creds = crate::client_auth::Credentials {
            client_id: self.client_id.as_deref(),
            client_secret: self.client_secret.as_deref(),
            client_assertion_type: self.client_assertion_type.as_deref(),
            client_assertion: self.client_assertion.as_deref(),
        };
        crate::client_auth::authenticate(state, headers, creds).await
    }

    /// The token, with a well-formed hint if any. The hint only speeds a lookup up; every
    /// token is found by its hash either way.
    pub(super) fn token(&self) -> ApiResult<&str> {
        if self.token_type_hint.as_deref().is_some_and(|h| h != "access_token" && h != "refresh_token") {
            return Err(ApiError::InvalidRequest("token_type_hint must be access_token or refresh_token"));
        }
        self.token.as_deref().filter(|t| !t.is_empty() && t.len() <= 256).ok_or(ApiError::InvalidRequest("token is required"))
    }
}

pub async fn revoke(State(state): State<AppState>, ip: ClientIp, headers: HeaderMap, FormBody(f): FormBody<TokenForm>) -> ApiResult<Json<Value>> {
    state.limit(LimitKind::Token, &[&ip.0]).await?;
    let client = f.client(&state, &headers).await?;
    let token = f.token()?;
    let now = state.now();
    let hash = hash_b64u(token);
    if let Some(row) = state.store.token_any(&hash).await? {
        if row.client_id != client.client_id {
            return Err(ApiError::InvalidRequest("the token was issued to another client"));
        }
        if row.kind == "refresh" {
            state.store.revoke_family(&row.family_id, now).await?;
        } else {
            state.store.revoke_token(&hash, now).await?;
        }
    }
    Ok(Json(json!({})))
}
