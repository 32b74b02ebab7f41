//! Accounts: the login identity, display name and OPAQUE record; pending OPAQUE logins.

use super::fast_write::text;
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

/// What a login start reads: see [`Store::user_for_login`].
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginRow {
    /// 1 when the identity has an account.
    pub known: i64,
    pub sub: String,
    pub opaque_record: String,
    pub opaque_profile: String,
}

/// An OPAQUE login between start and finish: the sealed server state, the account (none for
/// an unknown identity), and the keyed names a failure or a success is recorded under.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub sealed_state: String,
    pub sub: Option<String>,
    pub identity: String,
    pub limit_key: String,
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

    /// The account a login start names, read with the same work whether it exists or not
    /// (one row, the same columns; an unknown identity's record and profile are `twin_record`
    /// and `twin_profile`, and `known` is false), so the database read does not tell them apart
    /// by time.
    pub async fn user_for_login(&self, email: &str, twin_record: &str, twin_profile: &str) -> Result<LoginRow, sqlx::Error> {
        const SQL: &str = "SELECT CAST(CASE WHEN u.sub IS NULL THEN 0 ELSE 1 END AS BIGINT) AS known, COALESCE(u.sub, '') AS sub, \
             COALESCE(u.opaque_record, CAST($2 AS TEXT)) AS opaque_record, COALESCE(u.opaque_profile, CAST($3 AS TEXT)) AS opaque_profile \
             FROM (SELECT CAST($1 AS TEXT) AS e) q LEFT JOIN users u ON u.email = q.e";
        if let Some(fast) = &self.fast {
            let row = fast.row(SQL, [email, twin_record, twin_profile], |r| {
                Ok(LoginRow { known: r.get(0)?, sub: r.get(1)?, opaque_record: r.get(2)?, opaque_profile: r.get(3)? })
            })?;
            return row.ok_or(sqlx::Error::RowNotFound);
        }
        sqlx::query_as(SQL).bind(email).bind(twin_record).bind(twin_profile).fetch_one(&self.pool).await
    }

    pub async fn user_by_sub(&self, sub: &str) -> Result<Option<UserRow>, sqlx::Error> {
        const SQL: &str = "SELECT sub, email, name, opaque_record, opaque_profile FROM users WHERE sub = $1";
        if let Some(fast) = &self.fast {
            return fast.row(SQL, [sub], |r| Ok(UserRow { sub: r.get(0)?, email: r.get(1)?, name: r.get(2)?, opaque_record: r.get(3)?, opaque_profile: r.get(4)? }));
        }
        sqlx::query_as(SQL)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await
    }

    /// Replaces the account's OPAQUE record (password change or reset).
    pub async fn set_opaque_record(&self, sub: &str, record: &str, profile: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("UPDATE users SET opaque_record = $1, opaque_profile = $2 WHERE sub = $3")
            .bind(record)
            .bind(profile)
            .bind(sub)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// A password-reset grant (after a recovery key was proven), stored by its hash.
    pub async fn put_password_reset(&self, token_hash: &str, sub: &str, expires_at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO password_resets (token_hash, sub, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(sub)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The sub of a live reset grant, without spending it (reset start).
    pub async fn password_reset(&self, token_hash: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
        let v: Option<(String,)> = sqlx::query_as("SELECT sub FROM password_resets WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(v.map(|(s,)| s))
    }

    /// Spends a reset grant exactly once (reset finish).
    pub async fn take_password_reset(&self, token_hash: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
        let v: Option<(String, i64)> = sqlx::query_as("DELETE FROM password_resets WHERE token_hash = $1 RETURNING sub, expires_at")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(v.filter(|(_, exp)| *exp > now).map(|(s, _)| s))
    }

    /// Records a registration start for `identity` (a keyed name of the e-mail), until
    /// `expires_at`; a newer start for the same identity replaces it.
    pub async fn put_pending_registration(&self, identity: &str, expires_at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO pending_registrations (identity, expires_at) VALUES ($1, $2) ON CONFLICT (identity) DO UPDATE SET expires_at = $2")
            .bind(identity)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes the registration start of `identity` exactly once; false when there is none live.
    pub async fn take_pending_registration(&self, identity: &str, now: i64) -> Result<bool, sqlx::Error> {
        let row: Option<(i64,)> = sqlx::query_as("DELETE FROM pending_registrations WHERE identity = $1 RETURNING expires_at")
            .bind(identity)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some_and(|(exp,)| exp > now))
    }

    /// Stores an OPAQUE login state (sealed) under the hash of its session id.
    pub async fn put_pending_login(&self, id_hash: &str, p: &PendingLogin, expires_at: i64) -> Result<(), sqlx::Error> {
        const SQL: &str = "INSERT INTO pending_logins (id_hash, sealed_state, sub, expires_at, identity, limit_key) VALUES ($1, $2, $3, $4, $5, $6)";
        if let Some(write) = &self.write {
            let params = vec![text(id_hash), p.sealed_state.clone().into(), p.sub.clone().into(), expires_at.into(), p.identity.clone().into(), p.limit_key.clone().into()];
            if write.execute(SQL, params)?.is_some() {
                return Ok(());
            }
        }
        sqlx::query(SQL)
            .bind(id_hash)
            .bind(&p.sealed_state)
            .bind(&p.sub)
            .bind(expires_at)
            .bind(&p.identity)
            .bind(&p.limit_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes a login state out exactly once (a single `DELETE … RETURNING`, so two finishes
    /// racing on two instances cannot both get it). Expired states are refused.
    pub async fn take_pending_login(&self, id_hash: &str, now: i64) -> Result<Option<PendingLogin>, sqlx::Error> {
        type Row = (String, Option<String>, i64, Option<String>, Option<String>);
        const SQL: &str = "DELETE FROM pending_logins WHERE id_hash = $1 RETURNING sealed_state, sub, expires_at, identity, limit_key";
        let fast = self.write.as_deref().map(|w| w.row(SQL, vec![text(id_hash)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))).transpose()?.flatten();
        let row: Option<Row> = match fast {
            Some(row) => row,
            None => sqlx::query_as(SQL).bind(id_hash).fetch_optional(&self.pool).await?,
        };
        Ok(row.filter(|r| r.2 > now).map(|(sealed_state, sub, _, identity, limit_key)| PendingLogin {
            sealed_state,
            sub,
            identity: identity.unwrap_or_default(),
            limit_key: limit_key.unwrap_or_default(),
        }))
    }
}
