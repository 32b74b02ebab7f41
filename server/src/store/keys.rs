//! Key custody storage (wire profile §3.5, §3.8): the legacy wrapped root key, account keys,
//! key envelopes and recovery keys. Everything here is ciphertext, AAD or metadata.

use serde::Serialize;

use super::{insert_result, InsertError, Store};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AccountKeyRow {
    pub key_id: String,
    pub sub: String,
    pub version: String,
    pub status: String,
    pub created_at: i64,
    pub rotated_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EnvelopeRow {
    pub envelope_id: String,
    pub key_id: String,
    pub sub: String,
    #[serde(rename = "type")]
    #[sqlx(rename = "type")]
    pub envelope_type: String,
    pub label: Option<String>,
    pub wrapping_alg: String,
    pub wrapped_key: String,
    pub aad: String,
    /// JSON text as the client sent it (already parsed and re-serialized by the handler).
    #[serde(skip)]
    pub metadata: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// An envelope to insert (the handler has checked every field).
pub struct NewEnvelope<'a> {
    pub envelope_id: &'a str,
    pub key_id: &'a str,
    pub sub: &'a str,
    pub envelope_type: &'a str,
    pub label: Option<&'a str>,
    pub wrapping_alg: &'a str,
    pub wrapped_key: &'a str,
    pub aad: &'a str,
    pub metadata: Option<&'a str>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecoveryKeyRow {
    pub recovery_key_id: String,
    pub sub: String,
    pub envelope_id: String,
    pub label: Option<String>,
    pub verifier_hash: String,
    pub metadata: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub(super) const ENVELOPE_COLUMNS: &str = "envelope_id, key_id, sub, type, label, wrapping_alg, wrapped_key, aad, metadata, created_at, last_used_at, revoked_at";
const RECOVERY_COLUMNS: &str = "recovery_key_id, sub, envelope_id, label, verifier_hash, metadata, created_at, last_used_at, revoked_at";

/// The one INSERT of an envelope, run on the pool or inside a transaction.
/// Revokes one of the user's live envelopes (also inside another store's transaction: a passkey
/// or trusted device takes its envelope with it).
pub(super) fn envelope_revoke<'q>(sub: &'q str, envelope_id: &'q str, now: i64) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query("UPDATE key_envelopes SET revoked_at = $1 WHERE sub = $2 AND envelope_id = $3 AND revoked_at IS NULL").bind(now).bind(sub).bind(envelope_id)
}

pub(super) fn envelope_insert<'q>(e: &NewEnvelope<'q>, now: i64) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(
        "INSERT INTO key_envelopes (envelope_id, key_id, sub, type, label, wrapping_alg, wrapped_key, aad, metadata, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.envelope_id)
    .bind(e.key_id)
    .bind(e.sub)
    .bind(e.envelope_type)
    .bind(e.label)
    .bind(e.wrapping_alg)
    .bind(e.wrapped_key)
    .bind(e.aad)
    .bind(e.metadata)
    .bind(now)
}

impl Store {
    pub async fn wrapped_drk(&self, sub: &str) -> Result<Option<String>, sqlx::Error> {
        let v: Option<(String,)> = sqlx::query_as("SELECT wrapped_drk FROM wrapped_drks WHERE sub = $1").bind(sub).fetch_optional(&self.pool).await?;
        Ok(v.map(|(v,)| v))
    }

    pub async fn put_wrapped_drk(&self, sub: &str, wrapped: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO wrapped_drks (sub, wrapped_drk, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (sub) DO UPDATE SET wrapped_drk = $2, updated_at = $3",
        )
        .bind(sub)
        .bind(wrapped)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn account_keys(&self, sub: &str) -> Result<Vec<AccountKeyRow>, sqlx::Error> {
        sqlx::query_as("SELECT key_id, sub, version, status, created_at, rotated_at FROM account_keys WHERE sub = $1 ORDER BY created_at, key_id")
            .bind(sub)
            .fetch_all(&self.pool)
            .await
    }

    /// Creates an active account key. With `demote_others`, the user's other active keys
    /// become `rotated` (and with `revoke_envelopes`, their envelopes are revoked) in the same
    /// transaction, so the keybag never holds two active keys after a rotation.
    pub async fn create_account_key(
        &self,
        sub: &str,
        key_id: &str,
        version: &str,
        now: i64,
        demote_others: bool,
        revoke_envelopes: bool,
    ) -> Result<AccountKeyRow, InsertError> {
        let mut tx = self.pool.begin().await?;
        // The insert comes first: on SQLite a transaction that starts by writing takes the
        // write lock at once and cannot deadlock on a lock upgrade.
        insert_result(
            sqlx::query("INSERT INTO account_keys (key_id, sub, version, status, created_at) VALUES ($1, $2, $3, 'active', $4)")
                .bind(key_id)
                .bind(sub)
                .bind(version)
                .bind(now)
                .execute(&mut *tx)
                .await,
        )?;
        if demote_others {
            if revoke_envelopes {
                sqlx::query(
                    "UPDATE key_envelopes SET revoked_at = $1 WHERE sub = $2 AND revoked_at IS NULL AND key_id IN \
                     (SELECT key_id FROM account_keys WHERE sub = $2 AND status = 'active' AND key_id <> $3)",
                )
                .bind(now)
                .bind(sub)
                .bind(key_id)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE account_keys SET status = 'rotated', rotated_at = $1 WHERE sub = $2 AND status = 'active' AND key_id <> $3")
                .bind(now)
                .bind(sub)
                .bind(key_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(AccountKeyRow { key_id: key_id.into(), sub: sub.into(), version: version.into(), status: "active".into(), created_at: now, rotated_at: None })
    }

    pub async fn account_key_owner(&self, key_id: &str) -> Result<Option<String>, sqlx::Error> {
        let v: Option<(String,)> = sqlx::query_as("SELECT sub FROM account_keys WHERE key_id = $1").bind(key_id).fetch_optional(&self.pool).await?;
        Ok(v.map(|(v,)| v))
    }

    pub async fn envelopes(&self, sub: &str, include_revoked: bool) -> Result<Vec<EnvelopeRow>, sqlx::Error> {
        let filter = if include_revoked { "" } else { " AND revoked_at IS NULL" };
        sqlx::query_as(&format!("SELECT {ENVELOPE_COLUMNS} FROM key_envelopes WHERE sub = $1{filter} ORDER BY created_at, envelope_id"))
            .bind(sub)
            .fetch_all(&self.pool)
            .await
    }

    pub async fn envelope(&self, sub: &str, envelope_id: &str) -> Result<Option<EnvelopeRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {ENVELOPE_COLUMNS} FROM key_envelopes WHERE sub = $1 AND envelope_id = $2"))
            .bind(sub)
            .bind(envelope_id)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn insert_envelope(&self, e: &NewEnvelope<'_>, now: i64) -> Result<(), InsertError> {
        insert_result(envelope_insert(e, now).execute(&self.pool).await)
    }

    /// Revokes one of the user's envelopes; true if it was live.
    pub async fn revoke_envelope(&self, sub: &str, envelope_id: &str, now: i64) -> Result<bool, sqlx::Error> {
        let r = envelope_revoke(sub, envelope_id, now).execute(&self.pool).await?;
        Ok(r.rows_affected() > 0)
    }

    /// Creates a recovery key and its envelope in one transaction; with `revoke_existing`, the
    /// user's older recovery keys and their envelopes are revoked in it too.
    pub async fn create_recovery_key(
        &self,
        envelope: &NewEnvelope<'_>,
        recovery_key_id: &str,
        verifier_hash: &str,
        revoke_existing: bool,
        now: i64,
    ) -> Result<(), InsertError> {
        let mut tx = self.pool.begin().await?;
        if revoke_existing {
            sqlx::query(
                "UPDATE key_envelopes SET revoked_at = $1 WHERE sub = $2 AND revoked_at IS NULL AND envelope_id IN \
                 (SELECT envelope_id FROM recovery_keys WHERE sub = $2 AND revoked_at IS NULL)",
            )
            .bind(now)
            .bind(envelope.sub)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE recovery_keys SET revoked_at = $1 WHERE sub = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(envelope.sub)
                .execute(&mut *tx)
                .await?;
        }
        insert_result(envelope_insert(envelope, now).execute(&mut *tx).await)?;
        insert_result(
            sqlx::query(
                "INSERT INTO recovery_keys (recovery_key_id, sub, envelope_id, label, verifier_hash, metadata, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(recovery_key_id)
            .bind(envelope.sub)
            .bind(envelope.envelope_id)
            .bind(envelope.label)
            .bind(verifier_hash)
            .bind(envelope.metadata)
            .bind(now)
            .execute(&mut *tx)
            .await,
        )?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn recovery_keys(&self, sub: &str) -> Result<Vec<RecoveryKeyRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {RECOVERY_COLUMNS} FROM recovery_keys WHERE sub = $1 ORDER BY created_at, recovery_key_id"))
            .bind(sub)
            .fetch_all(&self.pool)
            .await
    }

    pub async fn recovery_key(&self, sub: &str, id: &str) -> Result<Option<RecoveryKeyRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {RECOVERY_COLUMNS} FROM recovery_keys WHERE sub = $1 AND recovery_key_id = $2"))
            .bind(sub)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
    }

    /// The live recovery keys of the account with this login identity (unauthenticated
    /// recovery: the verifier is checked against each).
    pub async fn live_recovery_keys_by_email(&self, email: &str) -> Result<Vec<RecoveryKeyRow>, sqlx::Error> {
        let cols = RECOVERY_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ");
        sqlx::query_as(&format!("SELECT {cols} FROM recovery_keys r JOIN users u ON u.sub = r.sub WHERE u.email = $1 AND r.revoked_at IS NULL"))
            .bind(email)
            .fetch_all(&self.pool)
            .await
    }

    pub async fn mark_recovery_used(&self, id: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE recovery_keys SET last_used_at = $1 WHERE recovery_key_id = $2").bind(now).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Revokes a recovery key and its envelope; true if it was live.
    pub async fn revoke_recovery_key(&self, sub: &str, id: &str, now: i64) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query("UPDATE recovery_keys SET revoked_at = $1 WHERE sub = $2 AND recovery_key_id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(sub)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE key_envelopes SET revoked_at = $1 WHERE sub = $2 AND revoked_at IS NULL AND envelope_id IN (SELECT envelope_id FROM recovery_keys WHERE recovery_key_id = $3)")
            .bind(now)
            .bind(sub)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected() > 0)
    }
}
