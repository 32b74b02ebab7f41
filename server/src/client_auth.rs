//! Client authentication at `/token` and `/revoke` (RFC 6749 §2.3, §3.2.1): who the client is,
//! and whether it proved it.
//!
//! - A public client (a browser app) names itself with `client_id` and sends no secret; a call
//!   carrying an `Origin` must come from one of its `allowed_origins`. PKCE protects its codes.
//! - A confidential client's backend proves a secret: HTTP Basic (`client_secret_basic`, the
//!   id and secret form-urlencoded, RFC 6749 §2.3.1) or `client_secret` in the form
//!   (`client_secret_post`), only the method its configuration names. The server keeps only
//!   SHA-256 of the secret and compares in constant time. Or it signs a JWT with a registered
//!   key (`private_key_jwt`, RFC 7523; `crate::client_assertion`), each `jti` used once. A
//!   request with an `Origin` header is refused: a confidential client's token requests come
//!   from its backend, never a browser.
//!
//! Every failure is `invalid_client` (401, `WWW-Authenticate: Basic`).

use axum::http::{header, HeaderMap};
use zkauth_verify::{b64std, ct_eq_str, hash_b64u};

use crate::config::{Client, ClientAuth};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `Authorization: Basic` credentials, decoded (`None` when absent or another scheme).
fn basic(headers: &HeaderMap) -> ApiResult<Option<(String, String)>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| ApiError::InvalidClient("malformed Authorization header"))?;
    let Some((scheme, encoded)) = value.split_once(' ') else { return Err(ApiError::InvalidClient("malformed Authorization header")) };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ApiError::InvalidClient("client authentication is HTTP Basic or none"));
    }
    let decoded = b64std::decode(encoded.trim()).ok_or(ApiError::InvalidClient("malformed Basic credentials"))?;
    let text = String::from_utf8(decoded).map_err(|_| ApiError::InvalidClient("malformed Basic credentials"))?;
    let (id, secret) = text.split_once(':').ok_or(ApiError::InvalidClient("malformed Basic credentials"))?;
    let unescape = |s: &str| serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}")).ok().and_then(|v| v.into_iter().next()).map(|(_, v)| v);
    match (unescape(id), unescape(secret)) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        _ => Err(ApiError::InvalidClient("malformed Basic credentials")),
    }
}

/// The client credentials a token, revocation or introspection form carries.
#[derive(Default, Clone, Copy)]
pub struct Credentials<'f> {
    pub client_id: Option<&'f str>,
    pub client_secret: Option<&'f str>,
    pub client_assertion_type: Option<&'f str>,
    pub client_assertion: Option<&'f str>,
}

/// The authenticated client of a token, revocation or introspection request.
pub async fn authenticate<'a>(state: &'a AppState, headers: &HeaderMap, form: Credentials<'_>) -> ApiResult<&'a Client> {
    if form.client_assertion.is_some() || form.client_assertion_type.is_some() {
        return assertion(state, headers, form).await;
    }
    let (form_client_id, form_secret) = (form.client_id, form.client_secret);
    let basic = basic(headers)?;
    let client_id = match (&basic, form_client_id) {
        (Some((id, _)), Some(form)) if id != form => return Err(ApiError::InvalidClient("client_id differs from the Basic credentials")),
        (Some((id, _)), _) => id.as_str(),
        (None, Some(form)) => form,
        (None, None) => return Err(ApiError::InvalidClient("unknown client")),
    };
    let client = state.config.client(client_id).ok_or(ApiError::InvalidClient("unknown client"))?;
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let presented = match (&basic, form_secret) {
        (Some(_), Some(_)) => return Err(ApiError::InvalidClient("one client authentication method per request")),
        (Some((_, s)), None) => Some(("basic", s.as_str())),
        (None, Some(s)) => Some(("post", s)),
        (None, None) => None,
    };
    let expected = match &client.auth {
        ClientAuth::None => {
            if presented.is_some() {
                return Err(ApiError::InvalidClient("a public client sends no secret"));
            }
            if let Some(o) = origin {
                if !client.allowed_origins.iter().any(|a| a == o) {
                    return Err(ApiError::InvalidClient("this origin is not allowed for this client"));
                }
            }
            return Ok(client);
        }
        ClientAuth::SecretBasic(h) => ("basic", h),
        ClientAuth::SecretPost(h) => ("post", h),
        ClientAuth::PrivateKeyJwt(_) => return Err(ApiError::InvalidClient("this client authenticates with a client assertion (private_key_jwt)")),
    };
    if origin.is_some() {
        return Err(ApiError::InvalidClient("a confidential client calls from its backend, never from a browser"));
    }
    match presented {
        Some((method, secret)) if method == expected.0 && !secret.is_empty() && secret.len() <= 512 && ct_eq_str(&hash_b64u(secret), expected.1) => Ok(client),
        Some((method, _)) if method != expected.0 => Err(ApiError::InvalidClient("this client authenticates with another method")),
        _ => Err(ApiError::InvalidClient("client authentication failed")),
    }
}

/// `private_key_jwt`: the assertion names the client (`client_id`, when also sent, must
/// agree), proves it, and is used once.
async fn assertion<'a>(state: &'a AppState, headers: &HeaderMap, form: Credentials<'_>) -> ApiResult<&'a Client> {
    use crate::client_assertion as ca;
    if form.client_assertion_type != Some(ca::ASSERTION_TYPE) {
        return Err(ApiError::InvalidClient("client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
    }
    if form.client_secret.is_some() || headers.contains_key(header::AUTHORIZATION) {
        return Err(ApiError::InvalidClient("one client authentication method per request"));
    }
    let jwt = form.client_assertion.ok_or(ApiError::InvalidClient("client_assertion is required"))?;
    // The client is the one the (still unverified) assertion names; its keys then decide.
    let claimed = jwt.split('.').nth(1).and_then(|p| zkauth_verify::b64u::decode(p, "jws").ok()).and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    let sub = claimed.as_ref().and_then(|c| c.get("sub")).and_then(|s| s.as_str()).ok_or(ApiError::InvalidClient("the client assertion names no client"))?;
    if form.client_id.is_some_and(|id| id != sub) {
        return Err(ApiError::InvalidClient("client_id differs from the client assertion's"));
    }
    let client = state.config.client(sub).ok_or(ApiError::InvalidClient("unknown client"))?;
    let ClientAuth::PrivateKeyJwt(keys) = &client.auth else { return Err(ApiError::InvalidClient("this client authenticates with another method")) };
    if headers.contains_key(header::ORIGIN) {
        return Err(ApiError::InvalidClient("a confidential client calls from its backend, never from a browser"));
    }
    let issuer = state.config.issuer.as_str();
    let token_endpoint = format!("{issuer}/token");
    let now = state.now();
    let v = ca::verify(jwt, &client.client_id, keys, &[token_endpoint.as_str(), issuer], now)?;
    if !state.store.use_assertion_jti(&client.client_id, &v.jti, v.exp).await? {
        return Err(ApiError::InvalidClient("the client assertion was used before"));
    }
    Ok(client)
}

/// A fresh client secret (256 random bits, b64u) and the config line that registers it.
pub fn new_secret() -> (String, String) {
    let secret = crate::state::random_b64u(32);
    let line = format!("client_secret_sha256 = \"{}\"", hash_b64u(&secret));
    (secret, line)
}
