//! Request extractors that refuse with the server's JSON errors: bodies (JSON and form, with
//! the endpoint's exact shape), path parameters and queries, the client IP for rate limits, and the bearer access token
//! of resource endpoints.

use std::net::SocketAddr;

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use zkauth_verify::hash_b64u;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::TokenRow;

/// A JSON body in the endpoint's shape (unknown members and duplicates refused by the types).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::PayloadTooLarge),
            Err(_) => Err(ApiError::InvalidRequest("the body is not this endpoint's JSON shape")),
        }
    }
}

/// One path parameter (an id or handle). A segment that is not UTF-8 is `invalid_request`,
/// not axum's plain-text refusal (found by the server_requests fuzz target).
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PathParam(v)),
            Err(_) => Err(ApiError::InvalidRequest("the path parameter is not valid UTF-8")),
        }
    }
}

/// A query string in the endpoint's shape; anything else is `invalid_request`.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(QueryParams(v)),
            Err(_) => Err(ApiError::InvalidRequest("malformed or repeated query parameters")),
        }
    }
}

/// An `application/x-www-form-urlencoded` body (OAuth endpoints).
pub struct FormBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for FormBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(FormBody(v)),
            Err(FormRejection::InvalidFormContentType(_)) => Err(ApiError::UnsupportedMediaType),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::PayloadTooLarge),
            Err(_) => Err(ApiError::InvalidRequest("the form is missing parameters or has malformed ones")),
        }
    }
}

/// The peer address, as a key for per-IP limits (`"unknown"` when the listener gave none).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}

/// A live access token from `Authorization: Bearer …` (resource endpoints only).
pub struct Bearer(pub TokenRow);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or(ApiError::InvalidToken("a bearer token is required"))?;
        let token = value
            .strip_prefix("Bearer ")
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ApiError::InvalidToken("a bearer token is required"))?;
        let row = state.store.access_token(&hash_b64u(token), state.now()).await?;
        row.map(Bearer).ok_or(ApiError::InvalidToken("the access token is unknown, expired or revoked"))
    }
}
