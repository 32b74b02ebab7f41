//! The router: which endpoint is where, and which cross-cutting rules wrap which routes.
//!
//! - First-party routes (OPAQUE, session, keys, recovery, authorize): cookie session only,
//!   same-origin + CSRF checks on every state change, no bearer tokens, never CORS.
//! - Cross-origin routes (`/token`, `/revoke`, `/introspect`, `/userinfo`, `/notes`,
//!   `/shared-notes`, `/sharing`, `/.well-known/*`): CORS for the registered clients' exact
//!   origins, fixed methods and headers, never `*`, never credentials (they authenticate by
//!   token, so a cookie must not ride along).
//! - RP-Initiated Logout (`/end_session`): a navigation from the relying party's site; no CORS,
//!   no bearer, ends a session only for the user its `id_token_hint` names.
//! - Everything: 64 KiB body limit, security headers, a request log without queries.

mod account_events;
mod authorize;
mod consents;
mod csp_report;
mod discovery;
mod end_session;
mod introspection;
mod keys;
mod notes;
mod sharing;
mod opaque;
mod passkeys;
mod password;
mod recovery;
mod revocation;
mod session;
mod token;
mod trusted_devices;
mod user_keys;
mod userinfo;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::ApiError;
use crate::layers::{csrf, no_bearer, request_log, same_origin, security_headers};
use crate::state::AppState;
use crate::static_files::{serve_dir, serve_package};

pub use authorize::{CODE_TTL_SECS, REQUEST_TTL_SECS};
pub use opaque::LOGIN_STATE_TTL_SECS;

/// Largest request body accepted (refused with 413 before parsing).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    // Before a session exists: the same-origin check only (login CSRF), so a stale cookie
    // can never block a login.
    let pre_session = Router::new()
        .route("/opaque/register/start", post(opaque::register_start))
        .route("/opaque/register/finish", post(opaque::register_finish))
        .route("/opaque/login/start", post(opaque::login_start))
        .route("/opaque/login/finish", post(opaque::login_finish))
        .route("/webauthn/login/start", post(passkeys::login_start))
        .route("/webauthn/login/finish", post(passkeys::login_finish))
        .route("/recovery/start", post(password::recovery_start))
        .route("/password/reset/start", post(password::reset_start))
        .route("/password/reset/finish", post(password::reset_finish))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), same_origin));
    let first_party = Router::new()
        .route("/opaque/config", get(opaque::config))
        .route("/session", get(session::current))
        .route("/logout", post(session::logout))
        .route("/logout/all", post(session::logout_all))
        .route("/sessions", get(session::list))
        .route("/sessions/{handle}/revoke", post(session::revoke))
        .route("/consents", get(consents::list))
        .route("/account/events", get(account_events::list))
        .route("/consents/{client_id}/revoke", post(consents::revoke))
        .route("/crypto/wrapped-drk", get(keys::get_wrapped_drk).put(keys::put_wrapped_drk))
        .route("/crypto/keybag", get(keys::keybag))
        .route("/crypto/enc-pub", get(user_keys::get_enc_pub).put(user_keys::put_enc_pub))
        .route("/crypto/wrapped-enc-priv", get(user_keys::get_wrapped).put(user_keys::put_wrapped))
        .route("/crypto/user-enc-pub", get(user_keys::get_user_enc_pub))
        .route("/crypto/keybag/account-key", post(keys::create_account_key))
        .route("/crypto/keybag/envelopes", post(keys::create_envelope))
        .route("/crypto/keybag/envelopes/{id}", axum::routing::delete(keys::revoke_envelope))
        .route("/crypto/keybag/rotate", post(keys::rotate))
        .route("/crypto/keybag/recovery", post(recovery::create))
        .route("/crypto/recovery-keys", get(recovery::list).post(recovery::create))
        .route("/crypto/recovery-keys/{id}/use", post(recovery::use_key))
        .route("/crypto/recovery-keys/{id}/revoke", post(recovery::revoke))
        .route("/webauthn/register/start", post(passkeys::register_start))
        .route("/webauthn/register/finish", post(passkeys::register_finish))
        .route("/webauthn/prf-envelope", post(passkeys::create_prf_envelope))
        .route("/webauthn/credentials", get(passkeys::list))
        .route("/webauthn/credentials/{id}", axum::routing::patch(passkeys::rename).delete(passkeys::remove))
        .route("/crypto/devices", get(trusted_devices::list).post(trusted_devices::register))
        .route("/crypto/devices/{id}", axum::routing::delete(trusted_devices::revoke))
        .route("/crypto/device-approvals", get(trusted_devices::pending).post(trusted_devices::create))
        .route("/crypto/device-approvals/{id}/approve", post(trusted_devices::approve))
        .route("/crypto/device-approvals/{id}/deny", post(trusted_devices::deny))
        .route("/crypto/device-approvals/{id}/consume", post(trusted_devices::consume))
        .route("/password/change/start", post(password::change_start))
        .route("/password/change/finish", post(password::change_finish))
        .route("/authorize", get(authorize::authorize))
        .route("/authorize/requests/{request_id}", get(authorize::pending))
        .route("/authorize/requests/{request_id}/client", get(authorize::pending_client))
        .route("/authorize/finalize", post(authorize::finalize))
        .route("/end_session/confirm", post(end_session::confirm))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), csrf))
        .merge(pre_session)
        .layer(from_fn(no_bearer));

    let origins: Vec<_> = state.config.clients.iter().flat_map(|c| &c.allowed_origins).filter_map(|o| o.parse().ok()).collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600));
    let cross_origin = Router::new()
        .route("/token", post(token::token))
        .route("/revoke", post(revocation::revoke))
        .route("/introspect", post(introspection::introspect))
        .route("/userinfo", get(userinfo::userinfo).post(userinfo::userinfo))
        .route("/notes", get(notes::list))
        .route("/notes/{id}", get(notes::get).put(notes::put).delete(notes::delete))
        .route("/notes/{id}/shares", get(sharing::list_shares).post(sharing::create_share))
        .route("/notes/{id}/shares/{recipient}", axum::routing::delete(sharing::revoke_share))
        .route("/shared-notes", get(sharing::shared_with_me))
        .route("/sharing/key", get(sharing::get_key).put(sharing::put_key))
        .route("/sharing/recipients", get(sharing::recipient))
        .route("/.well-known/openid-configuration", get(discovery::openid_configuration))
        .route("/.well-known/jwks.json", get(discovery::jwks))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(cors);

    // An unknown path or a wrong method answers with the JSON error body too (axum's
    // defaults are empty bodies; the server_requests fuzz target found them). Each group sets
    // its wrong-method answer before its layers, so CORS still answers preflights.
    // CSP reports come from any page a browser shows (the login page, the demo app, a page
    // under attack): no cookie, no CSRF token, no CORS (browsers send them without one).
    let reports = Router::new().route("/csp-report", post(csp_report::report)).method_not_allowed_fallback(method_not_allowed);
    // RP-Initiated Logout: a top-level navigation (GET) or form post from the relying party's
    // site, so no same-origin or CSRF check; it ends a session at once only for the user its
    // id_token_hint names (end_session.rs), and never takes a bearer token.
    let logout = Router::new()
        .route("/end_session", get(end_session::end_session_get).post(end_session::end_session_post))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn(no_bearer));
    let mut app = Router::new().merge(first_party).merge(cross_origin).merge(reports).merge(logout);
    if let Some(dir) = &state.config.sdk_dir {
        app = app.nest_service("/pkg", serve_package(dir));
    }
    app = match &state.config.login_page_dir {
        Some(dir) => app.fallback_service(serve_dir(dir, true)),
        None => app.fallback(no_such_endpoint),
    };
    let request_limit = Duration::from_secs(state.config.http.request_timeout_secs);
    app.layer(from_fn(move |req, next| crate::serve::request_timeout(request_limit, req, next)))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn(request_log))
        .layer(from_fn_with_state(state.clone(), security_headers))
        .with_state(state)
}

async fn no_such_endpoint() -> ApiError {
    ApiError::NotFound("no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
