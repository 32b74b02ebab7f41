//! Remembered consent: the scopes each user approved for each client (the last approval
//! replaces the one before), which `prompt=none` requires.

use super::Store;

/// One client a user approved.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ConsentRow {
    pub client_id: String,
    pub scope: String,
    pub granted_at: i64,
}

impl Store {
    /// Records that `sub` approved `scope` (space-separated) for `client_id` now.
    pub async fn remember_consent(&self, sub: &str, client_id: &str, scope: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO consents (sub, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sub, client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at",
        )
        .bind(sub)
        .bind(client_id)
        .bind(scope)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The scope `sub` last approved for `client_id`, if any.
    pub async fn consent(&self, sub: &str, client_id: &str) -> Result<Option<String>, sqlx::Error> {
        let row: Option<(String,)> = sqlx::query_as("SELECT scope FROM consents WHERE sub = $1 AND client_id = $2").bind(sub).bind(client_id).fetch_optional(&self.pool).await?;
        Ok(row.map(|(s,)| s))
    }

    /// Every client `sub` approved, by client id.
    pub async fn consents_of(&self, sub: &str) -> Result<Vec<ConsentRow>, sqlx::Error> {
        sqlx::query_as("SELECT client_id, scope, granted_at FROM consents WHERE sub = $1 ORDER BY client_id").bind(sub).fetch_all(&self.pool).await
    }

    /// Forgets `sub`'s consent for `client_id`; true if there was one.
    pub async fn forget_consent(&self, sub: &str, client_id: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("DELETE FROM consents WHERE sub = $1 AND client_id = $2").bind(sub).bind(client_id).execute(&self.pool).await?;
        Ok(r.rows_affected() > 0)
    }
}
