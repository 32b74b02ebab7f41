//! Trusted devices and device approvals (wire profile §3.10): each user's devices with their
//! approval public keys, and the approval requests, whose every state change (approve, deny,
//! consume) is a single compare-and-set on the request's status.

use serde::Serialize;

use super::Store;

/// A trusted device as stored and listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TrustedDeviceRow {
    pub device_id: String,
    #[serde(skip)]
    pub sub: String,
    pub label: String,
    #[serde(skip)]
    pub public_jwk: String,
    pub key_handle: String,
    pub envelope_id: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// An approval request as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApprovalRow {
    pub request_id: String,
    pub sub: String,
    pub requester_session: String,
    pub client_id: String,
    pub state_hash: String,
    pub verification_code_hash: String,
    pub new_device_public_jwk: String,
    pub new_device_public_jwk_hash: String,
    pub request_binding_hash: String,
    pub approval_aad: String,
    pub verification_code: String,
    pub status: String,
    pub encrypted_approval: Option<String>,
    pub approved_device_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

const DEVICE_COLUMNS: &str = "device_id, sub, label, public_jwk, key_handle, envelope_id, created_at, last_used_at, revoked_at";
const APPROVAL_COLUMNS: &str = "request_id, sub, requester_session, client_id, state_hash, verification_code_hash, new_device_public_jwk, \
    new_device_public_jwk_hash, request_binding_hash, approval_aad, verification_code, status, encrypted_approval, approved_device_id, created_at, expires_at";

impl Store {
    pub async fn insert_trusted_device(&self, d: &TrustedDeviceRow) -> Result<(), super::InsertError> {
        let sql = format!("INSERT INTO trusted_devices ({DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        let q = sqlx::query(&sql)
            .bind(&d.device_id)
            .bind(&d.sub)
            .bind(&d.label)
            .bind(&d.public_jwk)
            .bind(&d.key_handle)
            .bind(&d.envelope_id)
            .bind(d.created_at)
            .bind(d.last_used_at)
            .bind(d.revoked_at);
        super::insert_result(q.execute(&self.pool).await)
    }

    /// The user's devices, revoked ones included, oldest first.
    pub async fn trusted_devices_of(&self, sub: &str) -> Result<Vec<TrustedDeviceRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {DEVICE_COLUMNS} FROM trusted_devices WHERE sub = $1 ORDER BY created_at, device_id")).bind(sub).fetch_all(&self.pool).await
    }

    /// One of the user's live (not revoked) devices.
    pub async fn live_trusted_device(&self, sub: &str, device_id: &str) -> Result<Option<TrustedDeviceRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {DEVICE_COLUMNS} FROM trusted_devices WHERE sub = $1 AND device_id = $2 AND revoked_at IS NULL"))
            .bind(sub)
            .bind(device_id)
            .fetch_optional(&self.pool)
            .await
    }

    /// Revokes one of the user's devices and its envelope, in one transaction; false if it
    /// was not live.
    pub async fn revoke_trusted_device(&self, sub: &str, device_id: &str, now: i64) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let envelope: Option<(String,)> =
            sqlx::query_as("UPDATE trusted_devices SET revoked_at = $1 WHERE sub = $2 AND device_id = $3 AND revoked_at IS NULL RETURNING envelope_id")
                .bind(now)
                .bind(sub)
                .bind(device_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((envelope_id,)) = envelope else {
            return Ok(false);
        };
        super::keys::envelope_revoke(sub, &envelope_id, now).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn insert_approval(&self, a: &ApprovalRow) -> Result<(), sqlx::Error> {
        let sql = format!("INSERT INTO device_approvals ({APPROVAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)");
        sqlx::query(&sql)
            .bind(&a.request_id)
            .bind(&a.sub)
            .bind(&a.requester_session)
            .bind(&a.client_id)
            .bind(&a.state_hash)
            .bind(&a.verification_code_hash)
            .bind(&a.new_device_public_jwk)
            .bind(&a.new_device_public_jwk_hash)
            .bind(&a.request_binding_hash)
            .bind(&a.approval_aad)
            .bind(&a.verification_code)
            .bind(&a.status)
            .bind(&a.encrypted_approval)
            .bind(&a.approved_device_id)
            .bind(a.created_at)
            .bind(a.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// One of the user's approval requests that has not expired.
    pub async fn approval(&self, sub: &str, request_id: &str, now: i64) -> Result<Option<ApprovalRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {APPROVAL_COLUMNS} FROM device_approvals WHERE sub = $1 AND request_id = $2 AND expires_at > $3"))
            .bind(sub)
            .bind(request_id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
    }

    /// The user's pending requests that have not expired, newest first.
    pub async fn pending_approvals(&self, sub: &str, now: i64) -> Result<Vec<ApprovalRow>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {APPROVAL_COLUMNS} FROM device_approvals WHERE sub = $1 AND status = 'pending' AND expires_at > $2 ORDER BY created_at DESC, request_id"
        ))
        .bind(sub)
        .bind(now)
        .fetch_all(&self.pool)
        .await
    }

    /// Live requests the session has open (for the per-session cap).
    pub async fn open_approvals_of_session(&self, requester_session: &str, now: i64) -> Result<i64, sqlx::Error> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM device_approvals WHERE requester_session = $1 AND status IN ('pending', 'approved') AND expires_at > $2")
            .bind(requester_session)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// pending → approved with the approval JWE and the approving device; false when the
    /// request is not pending (any more) or has expired.
    pub async fn approve(&self, sub: &str, request_id: &str, encrypted_approval: &str, device_id: &str, now: i64) -> Result<bool, sqlx::Error> {
        let r = sqlx::query(
            "UPDATE device_approvals SET status = 'approved', encrypted_approval = $1, approved_device_id = $2 \
             WHERE sub = $3 AND request_id = $4 AND status = 'pending' AND expires_at > $5",
        )
        .bind(encrypted_approval)
        .bind(device_id)
        .bind(sub)
        .bind(request_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 {
            sqlx::query("UPDATE trusted_devices SET last_used_at = $1 WHERE device_id = $2").bind(now).bind(device_id).execute(&self.pool).await?;
        }
        Ok(r.rows_affected() == 1)
    }

    /// pending → denied; false when it is not pending.
    pub async fn deny(&self, sub: &str, request_id: &str, now: i64) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("UPDATE device_approvals SET status = 'denied' WHERE sub = $1 AND request_id = $2 AND status = 'pending' AND expires_at > $3")
            .bind(sub)
            .bind(request_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// approved → consumed by the requesting session, which becomes unlocked, in one
    /// transaction; returns the approval JWE, or None when the request is not approved, has
    /// expired, or belongs to another session.
    pub async fn consume_approval(&self, request_id: &str, requester_session: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let jwe: Option<(Option<String>,)> = sqlx::query_as(
            "UPDATE device_approvals SET status = 'consumed' WHERE request_id = $1 AND requester_session = $2 AND status = 'approved' AND expires_at > $3 \
             RETURNING encrypted_approval",
        )
        .bind(request_id)
        .bind(requester_session)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((Some(jwe),)) = jwe else {
            return Ok(None);
        };
        sqlx::query("UPDATE sessions SET unlocked = 1 WHERE id_hash = $1").bind(requester_session).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(jwe))
    }
}
