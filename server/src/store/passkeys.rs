//! Passkeys (issue 19): each user's WebAuthn user handle, their credentials (webauthn-rs'
//! serialised `Passkey`, label, PRF capability, the PRF envelope), and the single-use ceremony
//! states that let a ceremony started on one instance finish on another.

use serde::Serialize;

use super::keys::{envelope_insert, envelope_revoke, ENVELOPE_COLUMNS};
use super::{insert_result, EnvelopeRow, InsertError, NewEnvelope, Store};

/// A passkey as stored. `passkey` is webauthn-rs' JSON (public key, counter, backup flags).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    pub credential_id: String,
    pub sub: String,
    pub passkey: String,
    pub label: String,
    pub prf_enabled: i64,
    pub envelope_id: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A passkey as `GET /webauthn/credentials` lists it (never the public key or counter).
#[derive(Debug, Serialize)]
pub struct PasskeyListing {
    pub credential_id: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub prf_enabled: bool,
    pub has_prf_envelope: bool,
}

impl From<&PasskeyRow> for PasskeyListing {
    fn from(r: &PasskeyRow) -> Self {
        PasskeyListing {
            credential_id: r.credential_id.clone(),
            label: r.label.clone(),
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            prf_enabled: r.prf_enabled == 1,
            has_prf_envelope: r.envelope_id.is_some(),
        }
    }
}

/// Which ceremony a stored state belongs to (a registration state never finishes a login).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    Register,
    Login,
}

impl Ceremony {
    fn name(self) -> &'static str {
        match self {
            Ceremony::Register => "register",
            Ceremony::Login => "login",
        }
    }
}

const COLUMNS: &str = "credential_id, sub, passkey, label, prf_enabled, envelope_id, created_at, last_used_at";

impl Store {
    /// The user's WebAuthn user handle, made (from `fresh`) on first use.
    pub async fn webauthn_user_handle(&self, sub: &str, fresh: &str) -> Result<String, sqlx::Error> {
        sqlx::query("INSERT INTO webauthn_users (sub, user_handle) VALUES ($1, $2) ON CONFLICT (sub) DO NOTHING")
            .bind(sub)
            .bind(fresh)
            .execute(&self.pool)
            .await?;
        let (handle,): (String,) = sqlx::query_as("SELECT user_handle FROM webauthn_users WHERE sub = $1").bind(sub).fetch_one(&self.pool).await?;
        Ok(handle)
    }

    /// Whose user handle this is.
    pub async fn sub_of_user_handle(&self, user_handle: &str) -> Result<Option<String>, sqlx::Error> {
        let v: Option<(String,)> = sqlx::query_as("SELECT sub FROM webauthn_users WHERE user_handle = $1").bind(user_handle).fetch_optional(&self.pool).await?;
        Ok(v.map(|(s,)| s))
    }

    /// Stores a ceremony state under the hash of its id.
    pub async fn put_ceremony(&self, id_hash: &str, kind: Ceremony, sub: Option<&str>, state: &str, expires_at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO webauthn_ceremonies (id_hash, kind, sub, state, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id_hash)
            .bind(kind.name())
            .bind(sub)
            .bind(state)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Consumes a ceremony state (single use, delete-returning): `(sub, state)` if it was
    /// there, of this kind and not expired.
    pub async fn take_ceremony(&self, id_hash: &str, kind: Ceremony, now: i64) -> Result<Option<(Option<String>, String)>, sqlx::Error> {
        type Row = (String, Option<String>, String, i64);
        let row: Option<Row> = sqlx::query_as("DELETE FROM webauthn_ceremonies WHERE id_hash = $1 RETURNING kind, sub, state, expires_at")
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.filter(|r| r.0 == kind.name() && r.3 > now).map(|(_, sub, state, _)| (sub, state)))
    }

    pub async fn insert_passkey(&self, row: &PasskeyRow) -> Result<(), InsertError> {
        let sql = format!("INSERT INTO passkeys ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        let q = sqlx::query(&sql)
            .bind(&row.credential_id)
            .bind(&row.sub)
            .bind(&row.passkey)
            .bind(&row.label)
            .bind(row.prf_enabled)
            .bind(&row.envelope_id)
            .bind(row.created_at)
            .bind(row.last_used_at);
        insert_result(q.execute(&self.pool).await)
    }

    pub async fn passkey(&self, credential_id: &str) -> Result<Option<PasskeyRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1")).bind(credential_id).fetch_optional(&self.pool).await
    }

    pub async fn passkeys_of(&self, sub: &str) -> Result<Vec<PasskeyRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM passkeys WHERE sub = $1 ORDER BY created_at, credential_id")).bind(sub).fetch_all(&self.pool).await
    }

    /// After a sign-in: the updated counter and backup flags, and when it was used. The
    /// update applies only over the state the sign-in was checked against, so of two
    /// concurrent uses of one assertion's counter at most one is recorded.
    pub async fn passkey_used(&self, credential_id: &str, before: &str, after: &str, now: i64) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE credential_id = $3 AND passkey = $4")
            .bind(after)
            .bind(now)
            .bind(credential_id)
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Renames one of the user's passkeys; false if it is not theirs.
    pub async fn rename_passkey(&self, sub: &str, credential_id: &str, label: &str) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("UPDATE passkeys SET label = $1 WHERE sub = $2 AND credential_id = $3").bind(label).bind(sub).bind(credential_id).execute(&self.pool).await?;
        Ok(r.rows_affected() == 1)
    }

    /// Deletes one of the user's passkeys and revokes its PRF envelope, in one transaction;
    /// false if it is not theirs.
    pub async fn delete_passkey(&self, sub: &str, credential_id: &str, now: i64) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let envelope: Option<(Option<String>,)> = sqlx::query_as("DELETE FROM passkeys WHERE sub = $1 AND credential_id = $2 RETURNING envelope_id")
            .bind(sub)
            .bind(credential_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((envelope_id,)) = envelope else {
            return Ok(false);
        };
        if let Some(id) = envelope_id {
            envelope_revoke(sub, &id, now).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Stores the PRF envelope of one of the user's passkeys and links it, in one
    /// transaction. `Ok(false)`: no such passkey of this user that reported PRF and has no
    /// envelope yet (nothing is written).
    pub async fn add_prf_envelope(&self, credential_id: &str, e: &NewEnvelope<'_>, now: i64) -> Result<bool, InsertError> {
        let mut tx = self.pool.begin().await?;
        insert_result(envelope_insert(e, now).execute(&mut *tx).await)?;
        let r = sqlx::query("UPDATE passkeys SET envelope_id = $1 WHERE sub = $2 AND credential_id = $3 AND prf_enabled = 1 AND envelope_id IS NULL")
            .bind(e.envelope_id)
            .bind(e.sub)
            .bind(credential_id)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() != 1 {
            return Ok(false); // dropped: rolls the envelope back
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The live PRF envelope of a passkey, if it has one.
    pub async fn prf_envelope_of(&self, credential_id: &str) -> Result<Option<EnvelopeRow>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {ENVELOPE_COLUMNS} FROM key_envelopes WHERE revoked_at IS NULL AND envelope_id = (SELECT envelope_id FROM passkeys WHERE credential_id = $1)"
        ))
        .bind(credential_id)
        .fetch_optional(&self.pool)
        .await
    }
}
