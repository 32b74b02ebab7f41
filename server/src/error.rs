//! The server's one error type. Every refusal has an HTTP status and a stable `error` string
//! (the OAuth name where OAuth has one); the JSON body never carries a secret or a stack.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Everything a request can be refused for. Descriptions are fixed sentences: they never
/// echo request values (codes, tokens, e-mail addresses, `zk_pub`).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed or missing parameters (OAuth `invalid_request`).
    #[error("{0}")]
    InvalidRequest(&'static str),
    /// Unknown client, or a client that failed authentication (OAuth `invalid_client`).
    #[error("{0}")]
    InvalidClient(&'static str),
    /// A code or refresh token that is unknown, expired, used, or bound to something else.
    #[error("{0}")]
    InvalidGrant(&'static str),
    #[error("unsupported grant_type")]
    UnsupportedGrantType,
    /// No valid session cookie, or an expired session.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// OPAQUE login failed: unknown user, wrong password, unknown or expired login session.
    #[error("authentication failed")]
    AuthenticationFailed,
    /// No valid bearer token (resource endpoints).
    #[error("{0}")]
    InvalidToken(&'static str),
    /// The same-origin signal or the CSRF token is missing or wrong.
    #[error("{0}")]
    CsrfRefused(&'static str),
    /// Authenticated, but this object is not the caller's or the action is not allowed.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The action takes an account or its data away: it needs a login within the last
    /// 5 minutes (the page asks for the password again and retries).
    #[error("log in again (within 5 minutes) before this action")]
    ReauthenticationRequired,
    /// A key delivery on a session whose sign-in did not open the root key (a passkey without
    /// a PRF envelope): the page asks for the password once and retries.
    #[error("this sign-in has not unlocked the keys: enter the password once")]
    UnlockRequired,
    #[error("{0}")]
    NotFound(&'static str),
    /// The path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The object exists already (e-mail taken, key id taken).
    #[error("{0}")]
    Conflict(&'static str),
    /// The account holds as many of these as its quota allows (`[quotas]`).
    #[error("{0}")]
    QuotaExceeded(&'static str),
    /// Too many attempts; retry after the given number of seconds.
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The database is unreachable or overloaded: retry later.
    #[error("service unavailable")]
    Unavailable,
    /// A bug or an invariant that does not hold. Logged; the body says nothing more.
    #[error("internal error")]
    Internal,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: String,
}

impl ApiError {
    /// The stable `error` string of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::InvalidClient(_) => "invalid_client",
            ApiError::InvalidGrant(_) => "invalid_grant",
            ApiError::UnsupportedGrantType => "unsupported_grant_type",
            ApiError::Unauthenticated(_) => "login_required",
            ApiError::AuthenticationFailed => "authentication_failed",
            ApiError::InvalidToken(_) => "invalid_token",
            ApiError::CsrfRefused(_) => "csrf_refused",
            ApiError::Forbidden(_) => "access_denied",
            ApiError::ReauthenticationRequired => "reauthentication_required",
            ApiError::UnlockRequired => "unlock_required",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::QuotaExceeded(_) => "quota_exceeded",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::Unavailable => "temporarily_unavailable",
            ApiError::Internal => "server_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidRequest(_) | ApiError::InvalidGrant(_) | ApiError::UnsupportedGrantType => StatusCode::BAD_REQUEST,
            ApiError::InvalidClient(_) | ApiError::Unauthenticated(_) | ApiError::AuthenticationFailed | ApiError::InvalidToken(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::CsrfRefused(_) | ApiError::Forbidden(_) | ApiError::ReauthenticationRequired | ApiError::UnlockRequired | ApiError::QuotaExceeded(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body { error: self.code(), error_description: self.to_string() };
        let mut response = (self.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            ApiError::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs.max(1)));
            }
            ApiError::InvalidToken(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
            }
            // RFC 6749 §5.2: a failed client authentication names the scheme it accepts.
            ApiError::InvalidClient(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"zkauth\""));
            }
            ApiError::Unavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            // The database is down, restarting or saturated: the client may retry.
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => {
                tracing::warn!(target: "zkauth::store", kind = "unavailable", "database unavailable");
                ApiError::Unavailable
            }
            sqlx::Error::Database(ref db) if is_busy(db.message()) => {
                tracing::warn!(target: "zkauth::store", kind = "busy", "database busy");
                ApiError::Unavailable
            }
            other => {
                // sqlx errors name the statement's failure, never bound values.
                tracing::error!(target: "zkauth::store", error = %other, "database error");
                ApiError::Internal
            }
        }
    }
}

fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(_: tokio::task::JoinError) -> Self {
        tracing::error!(target: "zkauth::server", "a blocking task panicked or was cancelled");
        ApiError::Internal
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
