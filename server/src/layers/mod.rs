//! Cross-cutting rules as middleware, so handlers read like the spec: security headers on
//! every response, same-origin + CSRF checks on first-party state changes, no bearer tokens
//! on first-party routes, and a request log that never carries a query string or a body.

mod csrf;
mod headers;
mod no_bearer;
mod request_log;

pub use csrf::{csrf, same_origin};
pub use headers::{csp, security_headers, set_page_headers};
pub use no_bearer::no_bearer;
pub use request_log::request_log;
