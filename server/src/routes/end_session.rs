//! OIDC RP-Initiated Logout 1.0: `GET`/`POST /end_session` (a relying party sends the browser
//! here to sign the user out) and `POST /end_session/confirm` (the login page, after the user
//! said yes).
//!
//! - `id_token_hint` must be an ID token this issuer signed (with a key still in its JWKS;
//!   an expired token is fine, as the specification allows) for a registered client; it names
//!   the client, and `client_id`, when also sent, must agree.
//! - `post_logout_redirect_uri` is used only when it exactly equals one of that client's
//!   `post_logout_redirect_uris`; otherwise nobody is redirected anywhere (the login page says
//!   "signed out"). `state` is echoed.
//! - The session ends at once only when the hint is for the user signed in here: a third-party
//!   page cannot end someone's session with a bare link. Otherwise the login page asks the user
//!   to confirm, and the confirmation (same-origin, CSRF) ends it.
//! - Ending the session ends every refresh-token family issued in it (`store/logout.rs`).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::extract::{FormBody, JsonBody, QueryParams};
use crate::session::{self, Session};
use crate::state::{AppState, Event};

#[derive(Deserialize)]
pub struct EndSessionParams {
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    client_id: Option<String>,
    // logout_hint and ui_locales, the specification's optional hints, are ignored.
}

/// Where the browser goes once the session has ended.
struct Target {
    client_id: Option<String>,
    redirect: Option<String>,
    state: Option<String>,
}

impl Target {
    /// The registered URI with `state`, or the login page's "signed out" screen.
    fn url(&self, state: &AppState) -> ApiResult<String> {
        let Some(uri) = &self.redirect else { return Ok(format!("{}/?signed_out=1", state.config.issuer)) };
        let Some(s) = &self.state else { return Ok(uri.clone()) };
        let query = serde_urlencoded::to_string([("state", s)]).map_err(|_| ApiError::Internal)?;
        Ok(format!("{uri}{}{query}", if uri.contains('?') { '&' } else { '?' }))
    }
}

/// Checks the hint (returns its `sub`) and the client, and keeps the redirect only if the
/// client registered it.
async fn resolve(state: &AppState, hint: Option<&str>, client_id: Option<String>, redirect: Option<String>, echo: Option<String>) -> ApiResult<(Option<String>, Target)> {
    let now = state.now();
    let (hint_sub, hint_client) = match hint {
        None => (None, None),
        Some(h) => {
            let keys = state.secrets.signing.current(&state.store, now).await;
            let claims = keys.verify(h, now, state.config.signing.retired_key_overlap_secs).ok_or(ApiError::InvalidRequest("id_token_hint is not an ID token this issuer signed"))?;
            let text = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_string);
            if text("iss").as_deref() != Some(state.config.issuer.as_str()) {
                return Err(ApiError::InvalidRequest("id_token_hint was issued by another issuer"));
            }
            let aud = text("aud").ok_or(ApiError::InvalidRequest("id_token_hint has no audience"))?;
            (Some(text("sub").ok_or(ApiError::InvalidRequest("id_token_hint has no sub"))?), Some(aud))
        }
    };
    let client_id = match (hint_client, client_id) {
        (Some(a), Some(b)) if a != b => return Err(ApiError::InvalidRequest("client_id is not the id_token_hint's audience")),
        (a, b) => a.or(b),
    };
    let client = match &client_id {
        Some(id) => Some(state.config.client(id).ok_or(ApiError::InvalidRequest("unknown client"))?),
        None => None,
    };
    let redirect = redirect.filter(|u| client.is_some_and(|c| c.post_logout_redirect_uris.iter().any(|r| r == u)));
    let echo = echo.filter(|s| s.len() <= 512 && redirect.is_some());
    Ok((hint_sub, Target { client_id, redirect, state: echo }))
}

fn found(location: &str, mut headers: HeaderMap) -> ApiResult<Response> {
    headers.insert(header::LOCATION, HeaderValue::from_str(location).map_err(|_| ApiError::Internal)?);
    Ok((StatusCode::FOUND, headers).into_response())
}

/// Ends the session the request carries and the families issued in it.
async fn end(state: &AppState, headers: &HeaderMap) -> ApiResult<HeaderMap> {
    if let Some(id_hash) = session::presented_session_hash(state, headers) {
        let (ended, _) = state.store.end_session_and_families(&id_hash, state.now()).await?;
        if ended {
            state.event(Event::Logout, &state.log_name(&id_hash));
        }
    }
    session::clearing_headers(state)
}

async fn end_session(state: AppState, headers: HeaderMap, p: EndSessionParams) -> ApiResult<Response> {
    let (hint_sub, target) = resolve(&state, p.id_token_hint.as_deref(), p.client_id, p.post_logout_redirect_uri, p.state).await?;
    match session::presented_live(&state, &headers).await? {
        // Nobody is signed in here: nothing to end.
        None => found(&target.url(&state)?, HeaderMap::new()),
        // The relying party proved whom it is signing out, and that is who is signed in.
        Some(row) if hint_sub.as_deref() == Some(row.sub.as_str()) => found(&target.url(&state)?, end(&state, &headers).await?),
        // Anything else is the user's decision: the login page asks.
        Some(_) => {
            let mut q: Vec<(&str, &str)> = vec![("end_session", "1")];
            if let Some(c) = &target.client_id {
                q.push(("client_id", c));
            }
            if let Some(r) = &target.redirect {
                q.push(("post_logout_redirect_uri", r));
            }
            if let Some(s) = &target.state {
                q.push(("state", s));
            }
            let query = serde_urlencoded::to_string(&q).map_err(|_| ApiError::Internal)?;
            found(&format!("{}/?{query}", state.config.issuer), HeaderMap::new())
        }
    }
}

/// `GET /end_session`
pub async fn end_session_get(State(state): State<AppState>, headers: HeaderMap, QueryParams(p): QueryParams<EndSessionParams>) -> ApiResult<Response> {
    end_session(state, headers, p).await
}

/// `POST /end_session` (form, as the specification also allows).
pub async fn end_session_post(State(state): State<AppState>, headers: HeaderMap, FormBody(p): FormBody<EndSessionParams>) -> ApiResult<Response> {
    end_session(state, headers, p).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

/// `POST /end_session/confirm` (session, same origin, CSRF): the user confirmed on the login
/// page. Ends the session and its families; answers `{redirect_to}`, the registered URI with
/// `state`, or the signed-out screen.
pub async fn confirm(State(state): State<AppState>, _s: Session, headers: HeaderMap, JsonBody(b): JsonBody<ConfirmBody>) -> ApiResult<impl IntoResponse> {
    let (_, target) = resolve(&state, None, b.client_id, b.post_logout_redirect_uri, b.state).await?;
    let url = target.url(&state)?;
    Ok((end(&state, &headers).await?, Json(json!({"redirect_to": url}))))
}
