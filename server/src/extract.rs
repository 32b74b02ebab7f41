//! Request extractors that refuse with the server's JSON errors: bodies (JSON and form, with
//! the endpoint's exact shape), path parameters and queries, the client IP for rate limits, and
//! the bearer access token of resource endpoints. No string a request carries (a JSON string
//! or member name, a form or query value, a path segment) may hold a control character: the
//! server stores and compares none, and PostgreSQL refuses NUL outright (a 500 before this).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use zkauth_verify::hash_b64u;

use crate::client_ip::{client_ip, limit_key};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::TokenRow;

/// A JSON body in the endpoint's shape (unknown members and duplicates refused by the types).
pub struct JsonBody<T>(pub T);

const CONTROL_REFUSED: ApiError = ApiError::InvalidRequest("control characters are not allowed");

/// Whether `s` holds a control character (C0, DEL or C1).
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Whether a JSON text has a control character inside a string: escaped (`\n` and the other
/// one-letter escapes but `\"`, `\\`, `\/`; `\u0000`–`\u001f`, `\u007f`–`\u009f`) or raw (DEL
/// and C1; raw C0 is not JSON and the parser refuses it).
/// Outside strings JSON has no backslash and no such byte but for white space.
fn json_has_control(text: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b'\\' => match text.get(i + 1) {
                // \b \f \n \r \t: control characters by another name.
                Some(b'b' | b'f' | b'n' | b'r' | b't') => return true,
                Some(b'u') => {
                    let code = text.get(i + 2..i + 6).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u32::from_str_radix(h, 16).ok());
                    if code.and_then(char::from_u32).is_some_and(char::is_control) {
                        return true;
                    }
                    i += 2;
                }
                _ => i += 2,
            },
            0x7f => return true,
            0xc2 if text.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)) => return true,
            _ => i += 1,
        }
    }
    false
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")));
        if !json_type {
            return Err(ApiError::UnsupportedMediaType);
        }
        let body = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(ApiError::PayloadTooLarge),
            Err(_) => return Err(ApiError::InvalidRequest("the body could not be read")),
        };
        if json_has_control(&body) {
            return Err(CONTROL_REFUSED);
        }
        serde_json::from_slice(&body).map(JsonBody).map_err(|_| ApiError::InvalidRequest("the body is not this endpoint's JSON shape"))
    }
}

/// One path parameter (an id or handle). A segment that is not UTF-8 is `invalid_request`,
/// not axum's plain-text refusal (found by the server_requests fuzz target).
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) if has_control(&v) => Err(CONTROL_REFUSED),
            Ok(axum::extract::Path(v)) => Ok(PathParam(v)),
            Err(_) => Err(ApiError::InvalidRequest("the path parameter is not valid UTF-8")),
        }
    }
}

/// Two path parameters (`/notes/{id}/shares/{recipient}`), with [`PathParam`]'s rules.
pub struct PathPair(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathPair {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<(String, String)>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path((a, b))) if has_control(&a) || has_control(&b) => Err(CONTROL_REFUSED),
            Ok(axum::extract::Path((a, b))) => Ok(PathPair(a, b)),
            Err(_) => Err(ApiError::InvalidRequest("the path parameters are not valid UTF-8")),
        }
    }
}

/// A query string in the endpoint's shape; anything else is `invalid_request`.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        if form_has_control(parts.uri.query().unwrap_or("").as_bytes()) {
            return Err(CONTROL_REFUSED);
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(QueryParams(v)),
            Err(_) => Err(ApiError::InvalidRequest("malformed or repeated query parameters")),
        }
    }
}

/// Whether any name or value of a urlencoded string decodes to a control character (or is
/// not UTF-8, which the typed read refuses anyway).
fn form_has_control(raw: &[u8]) -> bool {
    match serde_urlencoded::from_bytes::<Vec<(String, String)>>(raw) {
        Ok(pairs) => pairs.iter().any(|(k, v)| has_control(k) || has_control(v)),
        Err(_) => false,
    }
}

/// An `application/x-www-form-urlencoded` body (OAuth endpoints).
pub struct FormBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for FormBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let pairs = match axum::Form::<Vec<(String, String)>>::from_request(req, state).await {
            Ok(axum::Form(v)) => v,
            Err(FormRejection::InvalidFormContentType(_)) => return Err(ApiError::UnsupportedMediaType),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(ApiError::PayloadTooLarge),
            Err(_) => return Err(ApiError::InvalidRequest("the form is missing parameters or has malformed ones")),
        };
        if pairs.iter().any(|(k, v)| has_control(k) || has_control(v)) {
            return Err(CONTROL_REFUSED);
        }
        // Re-encoded and read in the endpoint's shape (repeated or missing parameters refused).
        let encoded = serde_urlencoded::to_string(&pairs).map_err(|_| ApiError::InvalidRequest("the form is missing parameters or has malformed ones"))?;
        serde_urlencoded::from_str(&encoded).map(FormBody).map_err(|_| ApiError::InvalidRequest("the form is missing parameters or has malformed ones"))
    }
}

/// The client, as a key for per-client limits: the peer, or behind a trusted proxy the
/// address it forwards (`client_ip`); IPv6 by /64. `"unknown"` when the listener gave no peer.
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The extractor (not the raw extension): it also reads a test's `MockConnectInfo`.
        let key = match ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await {
            Ok(ConnectInfo(peer)) => {
                let c = &state.config;
                limit_key(client_ip(peer.ip(), &parts.headers, &c.trusted_proxies, c.client_ip_header))
            }
            Err(_) => "unknown".into(),
        };
        Ok(ClientIp(key))
    }
}

/// A live access token from `Authorization: Bearer …` (resource endpoints only).
pub struct Bearer(pub TokenRow);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or(ApiError::InvalidToken("a bearer token is required"))?;
        // The scheme is case-insensitive (RFC 9110 §11.1, RFC 6750 §2.1).
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t)
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ApiError::InvalidToken("a bearer token is required"))?;
        let row = state.store.access_token(&hash_b64u(token), state.now()).await?;
        row.map(Bearer).ok_or(ApiError::InvalidToken("the access token is unknown, expired or revoked"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_raw_and_escaped_but_not_in_lookalikes() {
        for bad in [r#"{"a":"x\u0000"}"#, r#"{"a":"\u001F"}"#, r#"{"a":"\u007f"}"#, r#"{"a":"\u0085"}"#, r#"{"\u0000":1}"#, "{\"a\":\"\u{7f}\"}", "{\"a\":\"\u{85}\"}", r#"{"a":"line\nbreak"}"#, r#"{"a":"\t"}"#] {
            assert!(json_has_control(bad.as_bytes()), "{bad}");
        }
        for good in [r#"{"a":"x\\u0000"}"#, r#"{"a":"\u00e9\u0020\/\""}"#, "{\n\t\"a\": \"\u{e9}\u{20ac}\"}", r#"{"a":"\\"}"#, r#"{"a":1}"#] {
            assert!(!json_has_control(good.as_bytes()), "{good}");
        }
    }
}
