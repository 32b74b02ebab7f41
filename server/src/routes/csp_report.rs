//! `POST /csp-report`: where browsers send Content-Security-Policy violation reports
//! (`report-uri` in every page's policy; `application/csp-report` or JSON). Each report is a
//! `csp_violation` security event: counted in `/metrics` and logged with the violated
//! directive's name only (never the blocked URL or the document's, which can carry codes or
//! fragments). No cookie or token is read; a report that is not one answers 400.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Event};

/// The largest report read (a real one is well under 2 KiB).
const MAX_REPORT_BYTES: usize = 8 * 1024;

/// The directives a zkauth page's policy sets; anything else is logged as `other`.
const DIRECTIVES: [&str; 9] = [
    "default-src", "script-src", "script-src-elem", "style-src", "style-src-attr", "connect-src", "object-src", "form-action",
    "require-trusted-types-for",
];

#[derive(Deserialize)]
struct Report {
    #[serde(rename = "csp-report")]
    body: ReportBody,
}

#[derive(Deserialize)]
struct ReportBody {
    #[serde(rename = "effective-directive")]
    effective: Option<String>,
    #[serde(rename = "violated-directive")]
    violated: Option<String>,
}

pub async fn report(State(state): State<AppState>, body: Bytes) -> ApiResult<StatusCode> {
    if body.len() > MAX_REPORT_BYTES {
        return Err(ApiError::InvalidRequest("a CSP report is at most 8 KiB"));
    }
    let report: Report = serde_json::from_slice(&body).map_err(|_| ApiError::InvalidRequest("not a CSP report"))?;
    let given = report.body.effective.or(report.body.violated).unwrap_or_default();
    let name = given.split(' ').next().unwrap_or("");
    let directive = DIRECTIVES.into_iter().find(|d| *d == name).unwrap_or("other");
    state.event(Event::CspViolation, directive);
    Ok(StatusCode::NO_CONTENT)
}
