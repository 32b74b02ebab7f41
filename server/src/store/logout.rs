//! RP-Initiated Logout's storage: the refresh-token families each login-service session
//! issued, so that ending the session ends them.

use super::Store;

impl Store {
    /// Records that `family_id` was issued in the session `session_handle`.
    pub async fn link_family(&self, family_id: &str, session_handle: &str, expires_at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO session_families (family_id, session_handle, expires_at) VALUES ($1, $2, $3) ON CONFLICT (family_id) DO NOTHING")
            .bind(family_id)
            .bind(session_handle)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends the session with id hash `id_hash` and every token and unredeemed code of the
    /// families issued in it, in one transaction. Returns (whether a session ended, tokens
    /// revoked).
    pub async fn end_session_and_families(&self, id_hash: &str, now: i64) -> Result<(bool, u64), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let handle: Option<(String,)> = sqlx::query_as("DELETE FROM sessions WHERE id_hash = $1 RETURNING handle").bind(id_hash).fetch_optional(&mut *tx).await?;
        let Some((handle,)) = handle else {
            tx.commit().await?;
            return Ok((false, 0));
        };
        let families = "SELECT family_id FROM session_families WHERE session_handle = $1";
        let revoked = sqlx::query(&format!("UPDATE tokens SET revoked_at = $2 WHERE revoked_at IS NULL AND family_id IN ({families})"))
            .bind(&handle)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(&format!("DELETE FROM auth_codes WHERE used_at IS NULL AND family_id IN ({families})")).bind(&handle).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM session_families WHERE session_handle = $1").bind(&handle).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok((true, revoked))
    }
}
