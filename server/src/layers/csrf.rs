//! CSRF defence for cookie-authenticated state changes (every method but GET/HEAD/OPTIONS).
//!
//! 1. Same-origin signal: `Sec-Fetch-Site` must be `same-origin` when present (`same-site`
//!    is refused too: another port on localhost is same-site); without it, `Origin` (else
//!    `Referer`) must be exactly the issuer's origin; neither present → refused. This covers
//!    login and registration (login CSRF) as well.
//! 2. When the request carries a session cookie, `X-CSRF-Token` must equal the session's
//!    HMAC token (constant-time). Without a cookie the handler refuses for lack of a session.

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use zkauth_verify::ct_eq_str;

use crate::config::origin_of;
use crate::error::ApiError;
use crate::session::{cookie, csrf_token, CSRF_HEADER};
use crate::state::{AppState, Event};

fn check_same_origin(state: &AppState, req: &Request) -> Result<(), &'static str> {
    let h = req.headers();
    let get = |name| h.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    if let Some(site) = get(header::HeaderName::from_static("sec-fetch-site")) {
        return if site == "same-origin" { Ok(()) } else { Err("cross-origin request refused (Sec-Fetch-Site)") };
    }
    if let Some(origin) = get(header::ORIGIN) {
        return if origin == state.config.issuer_origin { Ok(()) } else { Err("cross-origin request refused (Origin)") };
    }
    if let Some(referer) = get(header::REFERER) {
        return if origin_of(referer).as_deref() == Some(state.config.issuer_origin.as_str()) {
            Ok(())
        } else {
            Err("cross-origin request refused (Referer)")
        };
    }
    Err("a same-origin signal (Sec-Fetch-Site, Origin or Referer) is required")
}

fn refuse(state: &AppState, why: &'static str) -> Response {
    state.event(Event::CsrfRefused, "-");
    ApiError::CsrfRefused(why).into_response()
}

fn is_safe(req: &Request) -> bool {
    matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Step 1 only: for the pre-session routes (login, register).
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match if is_safe(&req) { Ok(()) } else { check_same_origin(&state, &req) } {
        Ok(()) => next.run(req).await,
        Err(why) => refuse(&state, why),
    }
}

/// Steps 1 and 2: for every other first-party route.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_safe(&req) {
        return next.run(req).await;
    }
    let verdict = check_same_origin(&state, &req).and_then(|()| match cookie(req.headers(), state.config.cookies.session()) {
        None => Ok(()),
        Some(id) => {
            let given = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if ct_eq_str(given, &csrf_token(&state, id)) {
                Ok(())
            } else {
                Err("the X-CSRF-Token header is missing or wrong")
            }
        }
    });
    match verdict {
        Ok(()) => next.run(req).await,
        Err(why) => refuse(&state, why),
    }
}
