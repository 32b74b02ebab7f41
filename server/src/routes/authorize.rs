//! `GET /authorize` and `POST /authorize/finalize` (wire profile §4.1, §4.6, §5).
//!
//! Authorize checks the request against the registered client (exact redirect URI, PKCE S256,
//! the client's ZK rules, a strictly valid `zk_pub`), stores it for 5 minutes and sends the
//! browser to the login page with the spec's query. Until the client and its exact redirect
//! URI are known, errors are JSON and never redirect (an unregistered URI receives nothing);
//! after that they go back to the client by redirect, with `state` and `iss` (RFC 6749
//! §4.1.2.1, RFC 9207). Finalize (session + CSRF) consumes the
//! request atomically and stores only the delivery's hash with a 60-second code; its answer's
//! `redirect_to` is the complete callback URL.
//!
//! A request is bound to the browser that started it: authorize sets a binding cookie (256
//! random bits, reused while it lives) and stores its hash; the consent screen and finalize
//! refuse another browser, so a leaked login link cannot sign its finder into the starter's
//! app session, nor a victim into an attacker's.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use zkauth_verify::{ct_eq_str, hash_b64u, validate_zk_pub};

use super::keys::check_b64u;
use crate::config::KeyDelivery;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, FormBody, PathParam, QueryParams};
use crate::session::{cookie, set_cookie, Session};
use crate::state::{random_b64u, AppState, LimitKind};
use crate::store::{AuthRequestRow, CodeRow};

pub const REQUEST_TTL_SECS: i64 = 300;
pub const CODE_TTL_SECS: i64 = 60;

#[derive(Deserialize)]
pub struct AuthorizeQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    state: Option<String>,
    scope: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    zk_pub: Option<String>,
    organization_id: Option<String>,
    prompt: Option<String>,
    max_age: Option<String>,
    login_hint: Option<String>,
}

/// OIDC Core §3.1.2.1 `prompt`: `none` (no page: a code from the session and a remembered
/// consent, or an error), `login` (sign in again), `consent` (ask again: the page always asks);
/// `select_account` is accepted (the page offers "use another account").
#[derive(Debug, Default, PartialEq, Eq)]
struct Prompt {
    none: bool,
    login: bool,
}

fn parse_prompt(p: Option<&str>) -> Option<Prompt> {
    let Some(p) = p else { return Some(Prompt::default()) };
    let mut out = Prompt::default();
    let words: Vec<&str> = p.split(' ').collect();
    for w in &words {
        match *w {
            "none" => out.none = true,
            "login" => out.login = true,
            "consent" | "select_account" => {}
            _ => return None,
        }
    }
    // `none` with any other value is an error (OIDC Core §3.1.2.1).
    (!(out.none && words.len() > 1)).then_some(out)
}

/// 43..128 characters of the base64url alphabet (the S256 code challenge, §4.1).
pub fn is_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A PKCE code verifier: 43..128 characters of RFC 7636 §4.1's unreserved alphabet
/// (`A-Z a-z 0-9 - . _ ~`), which client libraries use in full.
pub fn is_pkce_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| if matches!(i, 8 | 13 | 18 | 23) { b == b'-' } else { b.is_ascii_hexdigit() })
}

/// An authorization error once the client and its redirect URI are known: it goes back to the
/// client by redirect (RFC 6749 §4.1.2.1) with `error`, `error_description`, `state` and `iss`
/// (RFC 9207). Server and database failures stay JSON answers.
enum Refusal {
    Redirect(&'static str, &'static str),
    Api(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        Refusal::Api(e)
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Refusal::Api(e.into())
    }
}

/// `GET /authorize`
pub async fn authorize(State(state): State<AppState>, ip: ClientIp, headers: HeaderMap, QueryParams(q): QueryParams<AuthorizeQuery>) -> ApiResult<Response> {
    // Anonymous, and each request is a row: limited per client, and bounded in total.
    state.limit(LimitKind::Authorize, &[&ip.0]).await?;
    if state.store.pending_auth_requests(state.now()).await? >= state.config.rate_limits.pending_authorizations {
        return Err(ApiError::Unavailable);
    }
    // Until the client and its exact redirect URI are known, refusals are JSON and never
    // redirect (an unregistered URI must receive nothing).
    let client_id = q.client_id.clone().ok_or(ApiError::InvalidRequest("client_id is required"))?;
    let client = state.config.client(&client_id).ok_or(ApiError::InvalidClient("unknown client"))?;
    let redirect_uri = q.redirect_uri.clone().ok_or(ApiError::InvalidRequest("redirect_uri is required"))?;
    if !client.redirect_uris.contains(&redirect_uri) {
        return Err(ApiError::InvalidRequest("redirect_uri is not registered for this client"));
    }
    // A state that passed the extractor's checks and is not too long is echoed.
    let echo_state = q.state.clone().filter(|s| s.len() <= 512);
    match accept(&state, client, redirect_uri.clone(), &headers, q).await {
        Ok(response) => Ok(response),
        Err(Refusal::Api(e)) => Err(e),
        Err(Refusal::Redirect(error, description)) => {
            let url = callback_url(&state, &redirect_uri, vec![("error", error), ("error_description", description)], echo_state.as_deref())?;
            let location = HeaderValue::from_str(&url).map_err(|_| ApiError::Internal)?;
            Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
        }
    }
}

/// The complete authorization response URL (RFC 6749 §4.1.2 / §4.1.2.1): `params` in the
/// registered redirect URI's query (after any query it has), then `state` when there was one
/// and `iss` (RFC 9207).
fn callback_url<'a>(state: &'a AppState, redirect_uri: &str, mut params: Vec<(&'a str, &'a str)>, echo_state: Option<&'a str>) -> ApiResult<String> {
    if let Some(s) = echo_state {
        params.push(("state", s));
    }
    params.push(("iss", state.config.issuer.as_str()));
    let query = serde_urlencoded::to_string(&params).map_err(|_| ApiError::Internal)?;
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    Ok(format!("{redirect_uri}{separator}{query}"))
}

/// The rest of `/authorize` for a known client and redirect URI.
async fn accept(state: &AppState, client: &crate::config::Client, redirect_uri: String, headers: &HeaderMap, q: AuthorizeQuery) -> Result<Response, Refusal> {
    let invalid = |d: &'static str| Refusal::Redirect("invalid_request", d);
    if q.response_type.as_deref() != Some("code") {
        return Err(Refusal::Redirect("unsupported_response_type", "response_type must be code"));
    }
    if q.code_challenge_method.as_deref() != Some("S256") {
        return Err(invalid("PKCE with code_challenge_method=S256 is required"));
    }
    let code_challenge = q.code_challenge.filter(|c| is_pkce_string(c)).ok_or_else(|| invalid("code_challenge must be 43..128 base64url characters"))?;
    let zk_pub_kid = match (&q.zk_pub, client.delivery, client.zk_required) {
        (Some(_), KeyDelivery::None, _) => return Err(invalid("this client does not support ZK delivery")),
        (None, _, true) => return Err(invalid("zk_pub is required for this client")),
        (None, _, false) => None,
        (Some(zk_pub), _, _) => {
            if zk_pub.len() > 2048 || validate_zk_pub(zk_pub).is_err() {
                return Err(invalid("zk_pub is not a valid P-256 public JWK"));
            }
            Some(hash_b64u(zk_pub))
        }
    };
    if q.organization_id.as_deref().is_some_and(|o| !is_uuid(o)) {
        return Err(invalid("organization_id must be a UUID"));
    }
    for (value, what) in [(&q.state, "state must be at most 512 characters"), (&q.nonce, "nonce must be at most 512 characters")] {
        if value.as_ref().is_some_and(|v| v.len() > 512) {
            return Err(invalid(what));
        }
    }
    let scope = q.scope.unwrap_or_else(|| "openid profile".into());
    if scope.split(' ').any(|s| !client.scopes.iter().any(|c| c == s)) {
        return Err(Refusal::Redirect("invalid_scope", "scope names a scope this client may not request"));
    }
    let prompt = parse_prompt(q.prompt.as_deref()).ok_or_else(|| invalid("prompt must be none, or any of login, consent, select_account"))?;
    let max_age = match q.max_age.as_deref() {
        None => None,
        Some(m) => Some(m.parse::<i64>().ok().filter(|v| (0..=i64::from(u32::MAX)).contains(v)).ok_or_else(|| invalid("max_age must be a non-negative integer"))?),
    };
    if prompt.none {
        let code = silent_code(state, client, &redirect_uri, headers, &scope, q.nonce.as_deref(), &code_challenge, zk_pub_kid.is_some(), max_age).await?;
        return Ok(found(&callback_url(state, &redirect_uri, vec![("code", &code)], q.state.as_deref())?)?);
    }
    let request_id = random_b64u(32);
    let binding = binding_of(state, headers).map(str::to_string).unwrap_or_else(|| random_b64u(32));
    state
        .store
        .put_auth_request(&AuthRequestRow {
            request_id: request_id.clone(),
            client_id: client.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            state: q.state.clone(),
            scope: scope.clone(),
            nonce: q.nonce,
            code_challenge,
            zk_pub_kid: zk_pub_kid.clone(),
            expires_at: state.now() + REQUEST_TTL_SECS,
            binding_hash: Some(hash_b64u(&binding)),
            prompt: prompt.login.then(|| "login".to_string()),
            max_age,
        })
        .await?;
    let mut params: Vec<(&str, &str)> = vec![
        ("request_id", &request_id),
        ("client_id", &client.client_id),
        ("client_name", &client.client_name),
        ("redirect_uri", &redirect_uri),
        ("scopes", &scope),
        ("client_key_scope", "account"),
        ("require_organization_selection", "0"),
    ];
    if let Some(s) = &q.state {
        params.push(("state", s));
    }
    // The e-mail address to prefill (OIDC `login_hint`); the page ignores one that is not.
    if let Some(h) = q.login_hint.as_deref().filter(|h| h.len() <= 320) {
        params.push(("login_hint", h));
    }
    if let Some(zk_pub) = q.zk_pub.as_deref().filter(|_| zk_pub_kid.is_some()) {
        params.extend([
            ("has_zk", "1"),
            ("zk_pub", zk_pub),
            ("key_delivery_version", client.delivery.version()),
            ("delivered_key_kind", client.delivery.key_kind()),
        ]);
    }
    let query = serde_urlencoded::to_string(&params).map_err(|_| ApiError::Internal)?;
    let location = HeaderValue::from_str(&format!("{}/?{query}", state.config.issuer)).map_err(|_| ApiError::Internal)?;
    let binding_cookie = set_cookie(state, state.config.cookies.binding(), &binding, REQUEST_TTL_SECS, true)?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location), (header::SET_COOKIE, binding_cookie)]).into_response())
}

fn found(url: &str) -> ApiResult<Response> {
    let location = HeaderValue::from_str(url).map_err(|_| ApiError::Internal)?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

/// `prompt=none`: a code without any page, only for a signed-in user (recently enough for
/// `max_age`) who already approved these scopes for this client, and never with key delivery
/// (the key is sealed by the login page, in the browser). Otherwise the OIDC error goes back
/// to the client.
#[allow(clippy::too_many_arguments)]
async fn silent_code(
    state: &AppState,
    client: &crate::config::Client,
    redirect_uri: &str,
    headers: &HeaderMap,
    scope: &str,
    nonce: Option<&str>,
    code_challenge: &str,
    key_delivery: bool,
    max_age: Option<i64>,
) -> Result<String, Refusal> {
    if key_delivery {
        return Err(Refusal::Redirect("interaction_required", "key delivery needs the login page: sign in without prompt=none"));
    }
    let now = state.now();
    let session = crate::session::presented_live(state, headers).await?.ok_or(Refusal::Redirect("login_required", "nobody is signed in"))?;
    if max_age.is_some_and(|m| now - session.created_at > m) {
        return Err(Refusal::Redirect("login_required", "the sign-in is older than max_age"));
    }
    let approved = state.store.consent(&session.sub, &client.client_id).await?.unwrap_or_default();
    if !scope.split(' ').all(|s| approved.split(' ').any(|a| a == s)) {
        return Err(Refusal::Redirect("consent_required", "the user has not approved these scopes for this client"));
    }
    let code = issue_code(state, &session, &client.client_id, redirect_uri, scope, nonce.map(str::to_string), code_challenge.to_string(), None, None).await?;
    Ok(code)
}

/// Stores a 60-second code for `session`'s user (hashed), in a new refresh family tied to
/// the session (RP-Initiated Logout ends it with the session); returns the code.
#[allow(clippy::too_many_arguments)]
async fn issue_code(
    state: &AppState,
    session: &crate::store::SessionRow,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    nonce: Option<String>,
    code_challenge: String,
    zk_hash: Option<String>,
    zk_version: Option<&str>,
) -> ApiResult<String> {
    let now = state.now();
    let code = random_b64u(32);
    let family_id = random_b64u(16);
    state.store.link_family(&family_id, &session.handle, now + state.config.session.refresh_family_lifetime_secs).await?;
    state
        .store
        .put_code(&CodeRow {
            code_hash: hash_b64u(&code),
            family_id,
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            sub: session.sub.clone(),
            scope: scope.to_string(),
            nonce,
            code_challenge,
            zk_hash,
            zk_version: zk_version.map(str::to_string),
            auth_time: session.created_at,
            expires_at: now + CODE_TTL_SECS,
        })
        .await?;
    Ok(code)
}

/// The binding cookie the request carries, if well-formed.
fn binding_of<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<&'a str> {
    cookie(headers, state.config.cookies.binding()).filter(|v| v.len() == 43)
}

/// Refuses a request started in another browser (constant-time comparison of the hashes).
fn check_binding(state: &AppState, headers: &HeaderMap, req: &AuthRequestRow) -> ApiResult<()> {
    let Some(stored) = &req.binding_hash else { return Ok(()) };
    let presented = binding_of(state, headers).map(hash_b64u).unwrap_or_default();
    if !ct_eq_str(&presented, stored) {
        return Err(ApiError::Forbidden("this sign-in request was started in another browser"));
    }
    Ok(())
}

/// `GET /authorize/requests/{request_id}` (session required): what the server holds for a
/// pending request, so the consent screen shows the registered client and redirect URI rather
/// than its own query, and seals only to the `zk_pub` whose hash (`zk_pub_kid`) was stored.
pub async fn pending(State(state): State<AppState>, _s: Session, headers: HeaderMap, PathParam(request_id): PathParam) -> ApiResult<impl IntoResponse> {
    let req = state.store.auth_request(&request_id, state.now()).await?.ok_or(ApiError::NotFound("unknown or expired authorization request"))?;
    check_binding(&state, &headers, &req)?;
    let client = state.config.client(&req.client_id).ok_or(ApiError::InvalidClient("unknown client"))?;
    Ok(Json(json!({
        "request_id": req.request_id,
        "client_id": client.client_id,
        "client_name": client.client_name,
        "redirect_uri": req.redirect_uri,
        "scopes": req.scope,
        "state": req.state,
        "zk_pub_kid": req.zk_pub_kid,
        "key_delivery_version": req.zk_pub_kid.as_ref().map(|_| client.delivery.version()),
        "delivered_key_kind": req.zk_pub_kid.as_ref().map(|_| client.delivery.key_kind()),
        "expires_at": req.expires_at,
    })))
}

/// `GET /authorize/requests/{id}/client`, no session: the registered name of the client a live
/// request is for, so the pre-login banner never shows a name a link made up (the query's
/// `client_name` is the spec's, but anyone can edit a link). The request id is 256 random
/// bits: knowing it is holding the link.
pub async fn pending_client(State(state): State<AppState>, PathParam(request_id): PathParam) -> ApiResult<impl IntoResponse> {
    let req = state.store.auth_request(&request_id, state.now()).await?.ok_or(ApiError::NotFound("unknown or expired authorization request"))?;
    let client = state.config.client(&req.client_id).ok_or(ApiError::InvalidClient("unknown client"))?;
    Ok(Json(json!({"client_id": client.client_id, "client_name": client.client_name})))
}

#[derive(Deserialize)]
pub struct FinalizeForm {
    request_id: String,
    approve: String,
    zk_key_hash: Option<String>,
    drk_hash: Option<String>,
    organization_id: Option<String>,
}

/// `POST /authorize/finalize` (form; session and CSRF required).
pub async fn finalize(State(state): State<AppState>, s: Session, headers: HeaderMap, FormBody(f): FormBody<FinalizeForm>) -> ApiResult<impl IntoResponse> {
    if f.organization_id.as_deref().is_some_and(|o| !is_uuid(o)) {
        return Err(ApiError::InvalidRequest("organization_id must be a UUID"));
    }
    let now = state.now();
    // Everything the form can get wrong is checked before the request is consumed, so neither
    // another browser holding the link nor a malformed hash burns it.
    let gone = || ApiError::InvalidRequest("unknown or expired authorization request");
    let peek = state.store.auth_request(&f.request_id, now).await?.ok_or_else(gone)?;
    check_binding(&state, &headers, &peek)?;
    let client = state.config.client(&peek.client_id).ok_or(ApiError::InvalidClient("unknown client"))?;
    let approved = f.approve == "true";
    let (zk_hash, zk_version) = if approved { delivery_hash(&peek, client.delivery, f.zk_key_hash, f.drk_hash)? } else { (None, None) };
    // A key can only be delivered by a sign-in that opened the root key (a password, or a
    // passkey with its PRF envelope).
    if zk_hash.is_some() && s.row.unlocked != 1 {
        return Err(ApiError::UnlockRequired);
    }
    // OIDC prompt=login / max_age: the sign-in must be one made after the request, or recent
    // enough (the page signs in again and retries; auth_time stays honest).
    if approved && peek.prompt.as_deref() == Some("login") && s.row.created_at < peek.expires_at - REQUEST_TTL_SECS {
        return Err(ApiError::Unauthenticated("this app asked for a new sign-in"));
    }
    if approved && peek.max_age.is_some_and(|m| now - s.row.created_at > m) {
        return Err(ApiError::Unauthenticated("this app asked for a more recent sign-in"));
    }
    // The atomic consume: of two finalizes of one request, one gets it.
    let req = state.store.take_auth_request(&f.request_id, now).await?.ok_or_else(gone)?;
    if !approved {
        let description = "the user denied the request";
        let redirect_to = callback_url(&state, &req.redirect_uri, vec![("error", "access_denied"), ("error_description", description)], req.state.as_deref())?;
        return Ok(Json(json!({
            "error": "access_denied", "error_description": description,
            "state": req.state, "redirect_uri": req.redirect_uri, "iss": state.config.issuer, "redirect_to": redirect_to,
        })));
    }
    state.store.remember_consent(s.sub(), &req.client_id, &req.scope, now).await?;
    let code = issue_code(&state, &s.row, &req.client_id, &req.redirect_uri, &req.scope, req.nonce, req.code_challenge, zk_hash, zk_version).await?;
    // `redirect_to` is the whole callback (code, state, and RFC 9207's iss, so an app talking to
    // several issuers cannot be mixed up): the login page only appends the fragment JWE. The
    // separate members are DarkAuth's answer, kept for its pages.
    let redirect_to = callback_url(&state, &req.redirect_uri, vec![("code", &code)], req.state.as_deref())?;
    Ok(Json(json!({"code": code, "state": req.state, "redirect_uri": req.redirect_uri, "iss": state.config.issuer, "redirect_to": redirect_to})))
}

/// The delivery hash the consent form must send for this request (wire profile §4.6): none
/// without a `zk_pub`, `drk_hash` for a v1 client, `zk_key_hash` for a v2 one; base64url of 32
/// bytes.
fn delivery_hash(req: &AuthRequestRow, delivery: KeyDelivery, zk_key_hash: Option<String>, drk_hash: Option<String>) -> ApiResult<(Option<String>, Option<&'static str>)> {
    let (hash, version) = match (&req.zk_pub_kid, delivery) {
        (None, _) => {
            if zk_key_hash.is_some() || drk_hash.is_some() {
                return Err(ApiError::InvalidRequest("this request has no zk_pub: no delivery hash may be sent"));
            }
            return Ok((None, None));
        }
        (Some(_), KeyDelivery::V1Drk) => (drk_hash.filter(|_| zk_key_hash.is_none()).ok_or(ApiError::InvalidRequest("drk_hash (and no zk_key_hash) is required"))?, "v1-drk"),
        (Some(_), _) => (zk_key_hash.filter(|_| drk_hash.is_none()).ok_or(ApiError::InvalidRequest("zk_key_hash (and no drk_hash) is required"))?, "v2"),
    };
    check_b64u(&hash, 32, 32, "the delivery hash must be base64url of 32 bytes")?;
    Ok((Some(hash), Some(version)))
}
