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

#[cfg(test)]
mod tests {
    use super::*;

    /// `server/dist/alerts.yml` names only events the server counts, every alert has a
    /// severity, and the events that mean a stolen credential or an injected script page.
    #[test]
    fn the_alert_rules_name_real_events() {
        let file = include_str!("../dist/alerts.yml");
        let rules: String = file.lines().filter(|l| !l.trim_start().starts_with('#')).map(|l| format!("{l}\n")).collect();
        let names: Vec<&str> = Event::ALL.iter().map(|e| e.name()).collect();
        let mut used = vec![];
        for part in rules.split("event=\"").skip(1) {
            let name = part.split('"').next().unwrap_or("");
            assert!(names.contains(&name), "alerts.yml names an event the server does not count: {name}");
            used.push(name);
        }
        for must in ["code_replay", "refresh_reuse", "csp_violation", "login_failed", "rate_limited", "csrf_refused"] {
            assert!(used.contains(&must), "no alert on {must}");
        }
        let alerts = rules.matches("- alert: ").count();
        assert!(alerts >= 6);
        assert_eq!(rules.matches("severity: ").count(), alerts, "every alert has a severity");
        assert_eq!(rules.matches("expr: ").count(), alerts, "every alert has an expression");
        for block in rules.split("- alert: ").skip(1) {
            let severity = block.split("severity: ").nth(1).and_then(|s| s.split_whitespace().next()).unwrap_or("");
            assert!(["page", "warning"].contains(&severity), "{block}");
            if block.contains("event=\"code_replay\"") || block.contains("event=\"refresh_reuse\"") || block.contains("event=\"csp_violation\"") {
                assert_eq!(severity, "page", "{block}");
            }
        }
    }
}
