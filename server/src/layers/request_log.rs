//! One log line per request: method, route template (never the URI: queries carry codes,
//! `zk_pub` and state), status and latency.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

pub async fn request_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "(static)".into());
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(target: "zkauth::http", %method, route, status, ms, "request");
    } else {
        tracing::info!(target: "zkauth::http", %method, route, status, ms, "request");
    }
    response
}
