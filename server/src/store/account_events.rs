//! Account events: what the account page tells the user on the next visit (a sign-in from a
//! device never seen for the account), with the session's device context, never an address.

use super::{SessionRow, Store};

/// One event as the account page shows it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AccountEventRow {
    pub event_id: String,
    pub kind: String,
    pub at: i64,
    pub session_handle: Option<String>,
    pub browser: Option<String>,
    pub os: Option<String>,
    pub ip_prefix: Option<String>,
    pub seen_at: Option<i64>,
}

/// How long events are kept (and listed).
pub const ACCOUNT_EVENT_DAYS: i64 = 90;

impl Store {
    /// Records `kind` for `sub`, with the context of `session`.
    pub async fn add_account_event(&self, sub: &str, kind: &str, session: &SessionRow, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO account_events (event_id, sub, kind, at, session_handle, browser, os, ip_prefix) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(crate::state::random_b64u(12))
            .bind(sub)
            .bind(kind)
            .bind(now)
            .bind(&session.handle)
            .bind(&session.browser)
            .bind(&session.os)
            .bind(&session.ip_prefix)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The user's events of the last 90 days, newest first, as they were before this call,
    /// except those of `viewer` (the session asking: a new device is not told about itself);
    /// the unseen ones are marked seen now (the account page showed them).
    pub async fn take_account_events(&self, sub: &str, viewer: &str, now: i64) -> Result<Vec<AccountEventRow>, sqlx::Error> {
        let rows: Vec<AccountEventRow> = sqlx::query_as(
            "SELECT event_id, kind, at, session_handle, browser, os, ip_prefix, seen_at FROM account_events \
             WHERE sub = $1 AND at > $2 AND (session_handle IS NULL OR session_handle <> $3) ORDER BY at DESC, event_id LIMIT 100",
        )
        .bind(sub)
        .bind(now - ACCOUNT_EVENT_DAYS * 86_400)
        .bind(viewer)
        .fetch_all(&self.pool)
        .await?;
        sqlx::query("UPDATE account_events SET seen_at = $2 WHERE sub = $1 AND seen_at IS NULL AND (session_handle IS NULL OR session_handle <> $3)")
            .bind(sub)
            .bind(now)
            .bind(viewer)
            .execute(&self.pool)
            .await?;
        Ok(rows)
    }
}
