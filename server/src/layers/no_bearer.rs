//! First-party routes authenticate by cookie only: a request carrying `Authorization` is
//! refused, so a leaked app token can never act as the user on the login service.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub async fn no_bearer(req: Request, next: Next) -> Response {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return ApiError::InvalidRequest("bearer tokens are not accepted on first-party routes").into_response();
    }
    next.run(req).await
}
