//! First-party sessions: stored by `b64u(SHA-256(id))`, listed by a random public handle.

use super::fast_write::text;
use super::Store;

/// A live session as stored. The cookie value itself is never stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub handle: String,
    pub sub: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub absolute_expires_at: i64,
    /// The device it was started on (`crate::device`): browser, OS, network, device-cookie hash.
    pub browser: Option<String>,
    pub os: Option<String>,
    pub ip_prefix: Option<String>,
    pub device_hash: Option<String>,
    /// 1 when the login opened the root key (a password, or a passkey with a PRF envelope);
    /// 0 for a passkey sign-in that still needs the password before keys can be delivered.
    pub unlocked: i64,
}

const COLUMNS: &str = "id_hash, handle, sub, created_at, last_seen_at, absolute_expires_at, browser, os, ip_prefix, device_hash, unlocked";

/// What [`Store::end_access_of`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    pub sessions: u64,
    pub tokens: u64,
    pub codes: u64,
}

impl Store {
    pub async fn create_session(&self, s: &SessionRow) -> Result<(), sqlx::Error> {
        let sql = format!("INSERT INTO sessions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        if let Some(write) = &self.write {
            let params = vec![
                s.id_hash.clone().into(),
                s.handle.clone().into(),
                s.sub.clone().into(),
                s.created_at.into(),
                s.last_seen_at.into(),
                s.absolute_expires_at.into(),
                s.browser.clone().into(),
                s.os.clone().into(),
                s.ip_prefix.clone().into(),
                s.device_hash.clone().into(),
                s.unlocked.into(),
            ];
            if write.execute(&sql, params)?.is_some() {
                return Ok(());
            }
        }
        sqlx::query(&sql)
            .bind(&s.id_hash)
            .bind(&s.handle)
            .bind(&s.sub)
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .bind(s.absolute_expires_at)
            .bind(&s.browser)
            .bind(&s.os)
            .bind(&s.ip_prefix)
            .bind(&s.device_hash)
            .bind(s.unlocked)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The session if it is alive at `now` (not past the absolute timeout, and seen within
    /// `idle_secs`); sliding: `last_seen_at` moves forward at most once a minute.
    pub async fn live_session(&self, id_hash: &str, now: i64, idle_secs: i64) -> Result<Option<SessionRow>, sqlx::Error> {
        let row: Option<SessionRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE id_hash = $1 AND absolute_expires_at > $2 AND last_seen_at > $3"
        ))
        .bind(id_hash)
        .bind(now)
        .bind(now - idle_secs)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(s) = &row {
            if now - s.last_seen_at >= 60 {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2").bind(now).bind(id_hash).execute(&self.pool).await?;
            }
        }
        Ok(row)
    }

    /// Ends one session; true if it existed.
    pub async fn delete_session(&self, id_hash: &str) -> Result<bool, sqlx::Error> {
        const SQL: &str = "DELETE FROM sessions WHERE id_hash = $1";
        let fast = self.write.as_deref().map(|w| w.execute(SQL, vec![text(id_hash)])).transpose()?.flatten();
        let deleted = match fast {
            Some(n) => n,
            None => sqlx::query(SQL).bind(id_hash).execute(&self.pool).await?.rows_affected(),
        };
        Ok(deleted > 0)
    }

    /// Ends one of the user's sessions by its public handle; true if it existed.
    pub async fn delete_session_by_handle(&self, sub: &str, handle: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("DELETE FROM sessions WHERE sub = $1 AND handle = $2").bind(sub).bind(handle).execute(&self.pool).await?;
        Ok(r.rows_affected() > 0)
    }

    /// Ends everything that lets anyone act as the user without a new login: every session,
    /// every access and refresh token, every unredeemed code (a code finalized a moment ago
    /// must not buy fresh tokens afterwards), every pending OPAQUE login state and every
    /// password-reset grant. One transaction. "Log out everywhere", password change and
    /// password reset all end here.
    pub async fn end_access_of(&self, sub: &str, now: i64) -> Result<Ended, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let sessions = sqlx::query("DELETE FROM sessions WHERE sub = $1").bind(sub).execute(&mut *tx).await?.rows_affected();
        let tokens = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE sub = $2 AND revoked_at IS NULL").bind(now).bind(sub).execute(&mut *tx).await?.rows_affected();
        let codes = sqlx::query("DELETE FROM auth_codes WHERE sub = $1 AND used_at IS NULL").bind(sub).execute(&mut *tx).await?.rows_affected();
        sqlx::query("DELETE FROM pending_logins WHERE sub = $1").bind(sub).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM password_resets WHERE sub = $1").bind(sub).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Ended { sessions, tokens, codes })
    }

    pub async fn sessions_of(&self, sub: &str, now: i64, idle_secs: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE sub = $1 AND absolute_expires_at > $2 AND last_seen_at > $3 ORDER BY created_at"
        ))
        .bind(sub)
        .bind(now)
        .bind(now - idle_secs)
        .fetch_all(&self.pool)
        .await
    }
}
