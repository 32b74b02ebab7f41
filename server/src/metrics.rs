//! `GET /metrics` (Prometheus text format) on its own listener: counts of security events,
//! so operators can alert on bursts of failed logins, CSRF refusals or refresh reuse.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::state::{AppState, Event};

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::from("# HELP zkauth_security_events_total Security events since start.\n# TYPE zkauth_security_events_total counter\n");
    for e in Event::ALL {
        out.push_str(&format!("zkauth_security_events_total{{event=\"{}\"}} {}\n", e.name(), state.count(e)));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

pub fn router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(state)
}
