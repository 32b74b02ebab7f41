//! Counting what one account holds, for the per-user quotas (`config::Quotas`).
//!
//! A create checks the count first and then inserts: on SQLite the two run under one write
//! lock in practice (a single writer), on PostgreSQL concurrent creates of one user can pass
//! the check together, so a quota can be exceeded by at most the user's concurrent requests.

use super::fast_write::text;
use super::Store;

/// What a quota counts. The SQL is fixed per variant (never built from input).
#[derive(Debug, Clone, Copy)]
pub enum Counted {
    Notes,
    AccountKeys,
    Envelopes,
    RecoveryKeys,
    Passkeys,
    /// Note shares the user made (all recipients of all notes).
    Shares,
}

impl Counted {
    fn sql(self) -> &'static str {
        match self {
            Counted::Notes => "SELECT COUNT(*) FROM notes WHERE sub = $1",
            Counted::AccountKeys => "SELECT COUNT(*) FROM account_keys WHERE sub = $1",
            Counted::Envelopes => "SELECT COUNT(*) FROM key_envelopes WHERE sub = $1",
            Counted::RecoveryKeys => "SELECT COUNT(*) FROM recovery_keys WHERE sub = $1",
            Counted::Passkeys => "SELECT COUNT(*) FROM passkeys WHERE sub = $1",
            Counted::Shares => "SELECT COUNT(*) FROM note_shares WHERE owner_sub = $1",
        }
    }
}

impl Store {
    pub async fn count_of(&self, what: Counted, sub: &str) -> Result<i64, sqlx::Error> {
        let (n,): (i64,) = sqlx::query_as(what.sql()).bind(sub).fetch_one(&self.pool).await?;
        Ok(n)
    }

    /// Ends the user's oldest sessions so that at most `keep` remain (before a new one starts).
    pub async fn trim_sessions(&self, sub: &str, keep: i64) -> Result<u64, sqlx::Error> {
        const SQL: &str = "DELETE FROM sessions WHERE sub = $1 AND id_hash NOT IN \
                           (SELECT id_hash FROM sessions WHERE sub = $1 ORDER BY created_at DESC, id_hash LIMIT $2)";
        if let Some(write) = &self.write {
            if let Some(n) = write.execute(SQL, vec![text(sub), keep.max(0).into()])? {
                return Ok(n);
            }
        }
        Ok(sqlx::query(SQL).bind(sub).bind(keep.max(0)).execute(&self.pool).await?.rows_affected())
    }
}
