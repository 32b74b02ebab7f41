//! `private_key_jwt`'s replay guard: each assertion's `jti` is used once per client.

use super::Store;

impl Store {
    /// Records `jti` for `client_id` until `expires_at`; false if it was used before (a replay).
    pub async fn use_assertion_jti(&self, client_id: &str, jti: &str, expires_at: i64) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("INSERT INTO client_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT (client_id, jti) DO NOTHING")
            .bind(client_id)
            .bind(jti)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
