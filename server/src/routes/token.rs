//! `POST /token` (wire profile §4.6, §5): authorization-code and refresh-token grants.
//!
//! A code is spent by compare-and-set before anything else is checked, so a code is usable
//! once even under concurrent requests; a replayed code revokes every token issued from it.
//! PKCE S256 is compared in constant time. Refresh tokens rotate on every use and are bound to
//! the client; a reused one revokes its whole family. ZK codes answer with the spec's fields.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use zkauth_verify::{ct_eq_str, hash_b64u};

use super::authorize::is_pkce_verifier;
use crate::config::Client;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, FormBody};
use crate::idtoken::IdClaims;
use crate::state::{random_b64u, AppState, Event, LimitKind};
use crate::store::{CodeRow, Redeemed, Rotated, TokenRow};

pub const ACCESS_TTL_SECS: i64 = 600;
pub const REFRESH_TTL_SECS: i64 = 30 * 24 * 3600;
pub const ID_TOKEN_TTL_SECS: i64 = 600;

#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: String,
    code: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    /// `client_secret_post` clients only.
    client_secret: Option<String>,
    /// `private_key_jwt` clients only (RFC 7523).
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
}

/// `POST /token`
pub async fn token(State(state): State<AppState>, ip: ClientIp, headers: HeaderMap, FormBody(f): FormBody<TokenForm>) -> ApiResult<impl IntoResponse> {
    state.limit(LimitKind::Token, &[&ip.0]).await?;
    let creds = crate::client_auth::Credentials {
        client_id: f.client_id.as_deref(),
        client_secret: f.client_secret.as_deref(),
        client_assertion_type: f.client_assertion_type.as_deref(),
        client_assertion: f.client_assertion.as_deref(),
    };
    let client = crate::client_auth::authenticate(&state, &headers, creds).await?;
    let body = match f.grant_type.as_str() {
        "authorization_code" => code_grant(&state, client, &f).await?,
        "refresh_token" => refresh_grant(&state, client, &f).await?,
        _ => return Err(ApiError::UnsupportedGrantType),
    };
    Ok(([(header::PRAGMA, "no-cache")], Json(body)))
}

async fn code_grant(state: &AppState, client: &Client, f: &TokenForm) -> ApiResult<Value> {
    let code = f.code.as_deref().filter(|c| !c.is_empty() && c.len() <= 256).ok_or(ApiError::InvalidRequest("code is required"))?;
    let now = state.now();
    let row = match state.store.redeem_code(&hash_b64u(code), now).await? {
        Redeemed::Won(row) => row,
        Redeemed::Replayed => {
            state.event(Event::CodeReplay, &client.client_id);
            return Err(ApiError::InvalidGrant("the code was already used; tokens issued from it are revoked"));
        }
        Redeemed::Unknown => return Err(ApiError::InvalidGrant("unknown code")),
    };
    check_code(&row, client, f, now)?;
    let mut body = issue(state, client, &row.family_id, &row.sub, &row.scope, row.nonce.as_deref(), Some(row.auth_time)).await?;
    match (row.zk_version.as_deref(), &row.zk_hash) {
        (None, _) => {}
        (Some("v1-drk"), Some(h)) => {
            body.insert("zk_drk_hash".into(), json!(h));
        }
        (Some(_), Some(h)) => {
            body.insert("zk_key_hash".into(), json!(h));
            body.insert("zk_key_kind".into(), json!("client_app_key"));
            body.insert("zk_key_version".into(), json!("v2"));
        }
        (Some(_), None) => return Err(ApiError::InvalidGrant("ZK code without its delivery hash")),
    }
    // A replay that raced this redemption revoked the family before our tokens existed:
    // revoke them now. This request still won the code; its tokens are simply dead, as every
    // token of a replayed code must be.
    if state.store.family_replayed(&row.family_id).await? {
        state.store.revoke_family(&row.family_id, now).await?;
    }
    Ok(Value::Object(body))
}

/// Everything a spent code must match: time, client, redirect URI, PKCE verifier.
fn check_code(row: &CodeRow, client: &Client, f: &TokenForm, now: i64) -> ApiResult<()> {
    if row.expires_at <= now {
        return Err(ApiError::InvalidGrant("the code has expired"));
    }
    if row.client_id != client.client_id {
        return Err(ApiError::InvalidGrant("the code was issued to another client"));
    }
    if f.redirect_uri.as_deref() != Some(row.redirect_uri.as_str()) {
        return Err(ApiError::InvalidGrant("redirect_uri does not match the authorization request"));
    }
    let verifier = f.code_verifier.as_deref().filter(|v| is_pkce_verifier(v)).ok_or(ApiError::InvalidGrant("code_verifier is missing or malformed"))?;
    if !ct_eq_str(&hash_b64u(verifier), &row.code_challenge) {
        return Err(ApiError::InvalidGrant("code_verifier does not match code_challenge"));
    }
    Ok(())
}

async fn refresh_grant(state: &AppState, client: &Client, f: &TokenForm) -> ApiResult<Value> {
    let token = f.refresh_token.as_deref().filter(|t| !t.is_empty() && t.len() <= 256).ok_or(ApiError::InvalidRequest("refresh_token is required"))?;
    let now = state.now();
    let row = match state.store.rotate_refresh(&hash_b64u(token), now).await? {
        Rotated::Won(row) => row,
        Rotated::Reused => {
            state.event(Event::RefreshReuse, &client.client_id);
            return Err(ApiError::InvalidGrant("the refresh token was already used; its family is revoked"));
        }
        Rotated::Unknown => return Err(ApiError::InvalidGrant("unknown or expired refresh token")),
    };
    if row.client_id != client.client_id {
        // Another client holds this client's token: treat it as stolen.
        state.store.revoke_family(&row.family_id, now).await?;
        return Err(ApiError::InvalidGrant("the refresh token was issued to another client"));
    }
    // The ID token keeps the login's auth_time, not the refresh's (OIDC Core §12.2).
    let body = issue(state, client, &row.family_id, &row.sub, &row.scope, None, row.auth_time).await?;
    Ok(Value::Object(body))
}

/// Stores a new access and refresh token in `family` and, when `openid` was requested, signs
/// an ID token (with `at_hash`, `auth_time`, and the claims of the `profile` and `email`
/// scopes).
async fn issue(state: &AppState, client: &Client, family: &str, sub: &str, scope: &str, nonce: Option<&str>, auth_time: Option<i64>) -> ApiResult<Map<String, Value>> {
    let now = state.now();
    let access = random_b64u(32);
    let refresh = random_b64u(32);
    // The family ends a fixed time after its login, however often it rotates.
    let family_end = auth_time.unwrap_or(now) + state.config.session.refresh_family_lifetime_secs;
    let refresh_ttl = REFRESH_TTL_SECS.min(family_end - now);
    if refresh_ttl <= 0 {
        return Err(ApiError::InvalidGrant("the login behind this refresh token is too old: sign in again"));
    }
    for (token, kind, ttl) in [(&access, "access", ACCESS_TTL_SECS), (&refresh, "refresh", refresh_ttl)] {
        state
            .store
            .insert_token(&TokenRow {
                token_hash: hash_b64u(token),
                kind: kind.into(),
                family_id: family.into(),
                client_id: client.client_id.clone(),
                sub: sub.into(),
                scope: scope.into(),
                expires_at: now + ttl,
                auth_time,
                issued_at: Some(now),
            })
            .await?;
    }
    let scopes: Vec<&str> = scope.split(' ').collect();
    let mut body = Map::new();
    if scopes.contains(&"openid") {
        let (profile, email) = (scopes.contains(&"profile"), scopes.contains(&"email"));
        let user = if profile || email { state.store.user_by_sub(sub).await? } else { None };
        let name = user.as_ref().filter(|_| profile).map(|u| u.name.as_str()).filter(|n| !n.is_empty());
        let claims = IdClaims {
            iss: &state.config.issuer,
            sub,
            aud: &client.client_id,
            iat: now,
            exp: now + ID_TOKEN_TTL_SECS,
            auth_time,
            nonce,
            at_hash: Some(crate::idtoken::at_hash(client.id_token_alg, &access)),
            name,
            email: user.as_ref().filter(|_| email).map(|u| u.email.as_str()),
            email_verified: email.then_some(false),
        };
        let id_token = state.secrets.signing.current(&state.store, now).await.sign(client.id_token_alg, &claims).ok_or(ApiError::Internal)?;
        body.insert("id_token".into(), json!(id_token));
    }
    body.insert("access_token".into(), json!(access));
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("expires_in".into(), json!(ACCESS_TTL_SECS));
    body.insert("refresh_token".into(), json!(refresh));
    body.insert("scope".into(), json!(scope));
    Ok(body)
}
