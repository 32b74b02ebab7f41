//! What the operator's `zkauth-server admin` reads and changes: accounts with their counts,
//! deleting an account with everything it owns, and revoking a client's tokens.

use super::Store;

/// One account as `admin users list/show` prints it (never an OPAQUE record or a hash).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AccountSummary {
    pub sub: String,
    pub email: String,
    pub name: String,
    pub created_at: i64,
    /// Live sessions.
    pub sessions: i64,
    /// Live (unrevoked, unexpired) access and refresh tokens.
    pub tokens: i64,
    pub account_keys: i64,
    pub notes: i64,
}

const SUMMARY: &str = "SELECT u.sub, u.email, u.name, u.created_at, \
     (SELECT COUNT(*) FROM sessions s WHERE s.sub = u.sub AND s.absolute_expires_at > $1) AS sessions, \
     (SELECT COUNT(*) FROM tokens t WHERE t.sub = u.sub AND t.revoked_at IS NULL AND t.expires_at > $1) AS tokens, \
     (SELECT COUNT(*) FROM account_keys k WHERE k.sub = u.sub) AS account_keys, \
     (SELECT COUNT(*) FROM notes n WHERE n.sub = u.sub) AS notes \
     FROM users u";

impl Store {
    pub async fn accounts(&self, now: i64) -> Result<Vec<AccountSummary>, sqlx::Error> {
        sqlx::query_as(&format!("{SUMMARY} ORDER BY u.created_at, u.email")).bind(now).fetch_all(&self.pool).await
    }

    pub async fn account(&self, email: &str, now: i64) -> Result<Option<AccountSummary>, sqlx::Error> {
        sqlx::query_as(&format!("{SUMMARY} WHERE u.email = $2")).bind(now).bind(email).fetch_optional(&self.pool).await
    }

    /// Deletes the account and everything it owns (sessions, keys, envelopes, recovery keys,
    /// codes, tokens, notes, pending logins and resets), in one transaction.
    pub async fn delete_account(&self, sub: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM notes WHERE sub = $1",
            "DELETE FROM consents WHERE sub = $1",
            "DELETE FROM account_events WHERE sub = $1",
            "DELETE FROM user_keys WHERE sub = $1",
            "DELETE FROM tokens WHERE sub = $1",
            "DELETE FROM auth_codes WHERE sub = $1",
            "DELETE FROM pending_logins WHERE sub = $1",
            "DELETE FROM recovery_keys WHERE sub = $1",
            "DELETE FROM key_envelopes WHERE sub = $1",
            "DELETE FROM account_keys WHERE sub = $1",
        ] {
            sqlx::query(sql).bind(sub).execute(&mut *tx).await?;
        }
        // Sessions, wrapped_drks and password resets go with the row (ON DELETE CASCADE).
        let gone = sqlx::query("DELETE FROM users WHERE sub = $1").bind(sub).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(gone > 0)
    }

    /// Revokes every token of a client and deletes its unredeemed codes. Returns the tokens
    /// revoked.
    pub async fn revoke_client(&self, client_id: &str, now: i64) -> Result<u64, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE client_id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(client_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM auth_codes WHERE client_id = $1 AND used_at IS NULL").bind(client_id).execute(&mut *tx).await?;
        // Remembered consents too: no silent (prompt=none) sign-in to a revoked client.
        sqlx::query("DELETE FROM consents WHERE client_id = $1").bind(client_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(n)
    }
}
