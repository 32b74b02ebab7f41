//! Accounts: the login identity, display name and OPAQUE record; pending OPAQUE logins.

use super::{insert_result, InsertError, Store};

/// One account. `opaque_record` is the 129-byte RegistrationRecord (b64u), bound to the
/// profile descriptor it was made with.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub sub: String,
    pub email: String,
    pub name: String,
    pub opaque_record: String,
    pub opaque_profile: String,
}

impl Store {
    /// Creates an account; `Exists` when the e-mail (or sub) is taken.
    pub async fn create_user(&self, u: &UserRow, now: i64) -> Result<(), InsertError> {
        insert_result(
            sqlx::query("INSERT INTO users (sub, email, name, opaque_record, opaque_profile, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&u.sub)
                .bind(&u.email)
                .bind(&u.name)
                .bind(&u.opaque_record)
                .bind(&u.opaque_profile)
                .bind(now)
                .execute(&self.pool)
                .await,
        )
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
        sqlx::query_as("SELECT sub, email, name, opaque_record, opaque_profile FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn user_by_sub(&self, sub: &str) -> Result<Option<UserRow>, sqlx::Error> {
        sqlx::query_as("SELECT sub, email, name, opaque_record, opaque_profile FROM users WHERE sub = $1")
            .bind(sub)
            .fetch_optional(&self.pool)
            .await
    }

    /// Stores an OPAQUE login state (sealed) under the hash of its session id.
    pub async fn put_pending_login(&self, id_hash: &str, sealed_state: &str, sub: Option<&str>, expires_at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO pending_logins (id_hash, sealed_state, sub, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(id_hash)
            .bind(sealed_state)
            .bind(sub)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes a login state out exactly once (a single `DELETE … RETURNING`, so two finishes
    /// racing on two instances cannot both get it). Expired states are refused.
    pub async fn take_pending_login(&self, id_hash: &str, now: i64) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
        let row: Option<(String, Option<String>, i64)> =
            sqlx::query_as("DELETE FROM pending_logins WHERE id_hash = $1 RETURNING sealed_state, sub, expires_at")
                .bind(id_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.filter(|(_, _, exp)| *exp > now).map(|(s, sub, _)| (s, sub)))
    }
}
