//! The demo relying party for `make demo` and the end-to-end tests: static files on their own
//! origin (so CORS and cross-origin delivery are real), `/callback` answering `index.html`, the
//! SDK at `/pkg/`, and the same page headers as the login service, with `connect-src` opened
//! to the issuer only. Not part of what a deployment runs.

use axum::extract::Request;
use axum::middleware::{from_fn, Next};
use axum::response::Response;
use axum::Router;
use tower_http::services::ServeFile;

use crate::config::{Config, DemoApp};
use crate::layers::{csp, set_page_headers};
use crate::static_files::serve_dir;

pub fn router(config: &Config, app: &DemoApp) -> Router {
    let policy = csp("'none'", Some(&config.issuer_origin), &config.issuer);
    let mut router = Router::new().route_service("/callback", ServeFile::new(app.dir.join("index.html")));
    if let Some(dir) = &config.sdk_dir {
        router = router.nest_service("/pkg", serve_dir(dir, false));
    }
    router.fallback_service(serve_dir(&app.dir, true)).layer(from_fn(move |req: Request, next: Next| {
        let policy = policy.clone();
        async move {
            let mut response: Response = next.run(req).await;
            set_page_headers(response.headers_mut(), &policy);
            response
        }
    }))
}
