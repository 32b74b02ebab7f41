//! Server metadata and sealed server secrets (first writer wins, so instances converge).

use super::Store;

impl Store {
    pub async fn meta(&self, key: &str) -> Result<Option<String>, sqlx::Error> {
        let v: Option<(String,)> = sqlx::query_as("SELECT value FROM server_meta WHERE key = $1").bind(key).fetch_optional(&self.pool).await?;
        Ok(v.map(|(v,)| v))
    }

    /// Stores `value` unless the key exists; returns the stored value either way.
    pub async fn meta_init(&self, key: &str, value: &str) -> Result<String, sqlx::Error> {
        sqlx::query("INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        let v: (String,) = sqlx::query_as("SELECT value FROM server_meta WHERE key = $1").bind(key).fetch_one(&self.pool).await?;
        Ok(v.0)
    }

    pub async fn sealed_secret(&self, name: &str) -> Result<Option<String>, sqlx::Error> {
        let v: Option<(String,)> = sqlx::query_as("SELECT sealed FROM server_secrets WHERE name = $1").bind(name).fetch_optional(&self.pool).await?;
        Ok(v.map(|(v,)| v))
    }

    /// Stores a sealed secret unless one exists; returns the stored one either way, so two
    /// instances starting at once end up with the same secret.
    pub async fn sealed_secret_init(&self, name: &str, sealed: &str) -> Result<String, sqlx::Error> {
        sqlx::query("INSERT INTO server_secrets (name, sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(sealed)
            .execute(&self.pool)
            .await?;
        let v: (String,) = sqlx::query_as("SELECT sealed FROM server_secrets WHERE name = $1").bind(name).fetch_one(&self.pool).await?;
        Ok(v.0)
    }
}
