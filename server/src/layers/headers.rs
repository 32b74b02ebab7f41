//! Security headers on every response: a strict CSP (wasm allowed, Trusted Types required),
//! no sniffing, no referrer, an isolated browsing context, no powerful features, no caching
//! of anything auth-related, and HSTS when the issuer is https.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// The CSP for this configuration (`frame-ancestors` lists the embedders when partitioned
/// cookies are on, else `'none'`).
pub fn content_security_policy(state: &AppState) -> String {
    let ancestors = if state.config.partitioned_cookies && !state.config.frame_ancestors.is_empty() {
        state.config.frame_ancestors.join(" ")
    } else {
        "'none'".to_string()
    };
    csp(&ancestors, None, &state.config.issuer)
}

/// The one CSP shape of every zkauth page; `connect` adds origins to `connect-src`, and
/// violations are reported to the issuer's `/csp-report`.
pub fn csp(frame_ancestors: &str, connect: Option<&str>, issuer: &str) -> String {
    let connect = connect.map(|c| format!("connect-src 'self' {c}; ")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; {connect}object-src 'none'; base-uri 'none'; \
         frame-ancestors {frame_ancestors}; form-action 'self'; require-trusted-types-for 'script'; report-uri {issuer}/csp-report"
    )
}

/// The headers every page gets, whatever server serves it.
pub fn set_page_headers(h: &mut axum::http::HeaderMap, csp: &str) {
    if let Ok(csp) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    // No other site may embed these responses (no-cors loads); CORS routes still answer
    // their registered origins, which CORP does not govern.
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), publickey-credentials-create=(self), publickey-credentials-get=(self)"),
    );
    // `no-store` unless the response chose its caching (only the SDK package does: `no-cache`
    // with an ETag, see static_files).
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
}

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    set_page_headers(h, &content_security_policy(&state));
    if state.config.is_https() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    }
    response
}
