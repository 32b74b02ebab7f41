//! OAuth state: pending authorization requests, codes, and access/refresh tokens.
//!
//! Codes and tokens are stored as `b64u(SHA-256)`. Redemption and rotation are single
//! compare-and-set `UPDATE … WHERE used_at IS NULL … RETURNING` statements, so two concurrent
//! requests (on one instance or several) can never both win. Every token issued from one code
//! shares a `family_id`: a replayed code or a reused refresh token revokes the whole family.

use super::Store;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthRequestRow {
    pub request_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: String,
    /// Present for ZK requests: `b64u(H(zk_pub))`.
    pub zk_pub_kid: Option<String>,
    pub expires_at: i64,
    /// `b64u(H(binding cookie))` of the browser that started the request.
    pub binding_hash: Option<String>,
    /// OIDC `prompt` (`login`, `consent`; `none` never waits for a page) and `max_age`.
    pub prompt: Option<String>,
    pub max_age: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub code_hash: String,
    pub family_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub sub: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: String,
    /// `zk_key_hash` (v2) or `drk_hash` (v1) as received at finalize.
    pub zk_hash: Option<String>,
    /// `"v2"` or `"v1-drk"` for ZK codes.
    pub zk_version: Option<String>,
    pub auth_time: i64,
    pub expires_at: i64,
}

/// An access or refresh token as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub token_hash: String,
    pub kind: String,
    pub family_id: String,
    pub client_id: String,
    pub sub: String,
    pub scope: String,
    pub expires_at: i64,
    /// When the login behind this family happened (`None` before migration 0006).
    pub auth_time: Option<i64>,
    /// When this token was issued (`None` before migration 0007).
    pub issued_at: Option<i64>,
}

/// The outcome of a code redemption.
pub enum Redeemed {
    /// This request won the compare-and-set.
    Won(Box<CodeRow>),
    /// The code exists but was used before: a replay. Its family has been revoked.
    Replayed,
    Unknown,
}

/// The outcome of a refresh-token rotation.
pub enum Rotated {
    Won(Box<TokenRow>),
    /// The token was used or revoked before: reuse. Its family has been revoked.
    Reused,
    Unknown,
}

const CODE_COLUMNS: &str = "code_hash, family_id, client_id, redirect_uri, sub, scope, nonce, code_challenge, zk_hash, zk_version, auth_time, expires_at";
const TOKEN_COLUMNS: &str = "token_hash, kind, family_id, client_id, sub, scope, expires_at, auth_time, issued_at";

impl Store {
    pub async fn put_auth_request(&self, r: &AuthRequestRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO auth_requests (request_id, client_id, redirect_uri, state, scope, nonce, code_challenge, zk_pub_kid, expires_at, binding_hash, prompt, max_age) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&r.request_id)
        .bind(&r.client_id)
        .bind(&r.redirect_uri)
        .bind(&r.state)
        .bind(&r.scope)
        .bind(&r.nonce)
        .bind(&r.code_challenge)
        .bind(&r.zk_pub_kid)
        .bind(r.expires_at)
        .bind(&r.binding_hash)
        .bind(&r.prompt)
        .bind(r.max_age)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A live pending request, without consuming it (the consent screen reads it).
    /// How many authorization requests are pending (not expired).
    pub async fn pending_auth_requests(&self, now: i64) -> Result<u64, sqlx::Error> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM auth_requests WHERE expires_at > $1").bind(now).fetch_one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub async fn auth_request(&self, request_id: &str, now: i64) -> Result<Option<AuthRequestRow>, sqlx::Error> {
        sqlx::query_as(
            "SELECT request_id, client_id, redirect_uri, state, scope, nonce, code_challenge, zk_pub_kid, expires_at, binding_hash, prompt, max_age \
             FROM auth_requests WHERE request_id = $1 AND expires_at > $2",
        )
        .bind(request_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
    }

    /// Consumes a pending request exactly once; expired requests are refused.
    pub async fn take_auth_request(&self, request_id: &str, now: i64) -> Result<Option<AuthRequestRow>, sqlx::Error> {
        let row: Option<AuthRequestRow> = sqlx::query_as(
            "DELETE FROM auth_requests WHERE request_id = $1 \
             RETURNING request_id, client_id, redirect_uri, state, scope, nonce, code_challenge, zk_pub_kid, expires_at, binding_hash, prompt, max_age",
        )
        .bind(request_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.filter(|r| r.expires_at > now))
    }

    pub async fn put_code(&self, c: &CodeRow) -> Result<(), sqlx::Error> {
        sqlx::query(&format!("INSERT INTO auth_codes ({CODE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
            .bind(&c.code_hash)
            .bind(&c.family_id)
            .bind(&c.client_id)
            .bind(&c.redirect_uri)
            .bind(&c.sub)
            .bind(&c.scope)
            .bind(&c.nonce)
            .bind(&c.code_challenge)
            .bind(&c.zk_hash)
            .bind(&c.zk_version)
            .bind(c.auth_time)
            .bind(c.expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks a code used (compare-and-set). A code used before revokes its token family.
    /// Expiry is checked by the caller on the returned row, after the code is spent.
    pub async fn redeem_code(&self, code_hash: &str, now: i64) -> Result<Redeemed, sqlx::Error> {
        let won: Option<CodeRow> =
            sqlx::query_as(&format!("UPDATE auth_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL RETURNING {CODE_COLUMNS}"))
                .bind(now)
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
        if let Some(row) = won {
            return Ok(Redeemed::Won(Box::new(row)));
        }
        let family: Option<(String,)> =
            sqlx::query_as("SELECT family_id FROM auth_codes WHERE code_hash = $1").bind(code_hash).fetch_optional(&self.pool).await?;
        match family {
            Some((family_id,)) => {
                // Mark first, revoke second: a winner that inserts its tokens after our revoke
                // sees the mark in `family_replayed` and revokes them itself.
                sqlx::query("UPDATE auth_codes SET replayed_at = $1 WHERE code_hash = $2").bind(now).bind(code_hash).execute(&self.pool).await?;
                self.revoke_family(&family_id, now).await?;
                Ok(Redeemed::Replayed)
            }
            None => Ok(Redeemed::Unknown),
        }
    }

    pub async fn insert_token(&self, t: &TokenRow) -> Result<(), sqlx::Error> {
        sqlx::query(&format!("INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
            .bind(&t.token_hash)
            .bind(&t.kind)
            .bind(&t.family_id)
            .bind(&t.client_id)
            .bind(&t.sub)
            .bind(&t.scope)
            .bind(t.expires_at)
            .bind(t.auth_time)
            .bind(t.issued_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A live access token.
    pub async fn access_token(&self, token_hash: &str, now: i64) -> Result<Option<TokenRow>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1 AND kind = 'access' AND revoked_at IS NULL AND expires_at > $2"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
    }

    /// Spends a refresh token (compare-and-set). A token spent or revoked before revokes its
    /// family (reuse detection).
    pub async fn rotate_refresh(&self, token_hash: &str, now: i64) -> Result<Rotated, sqlx::Error> {
        let won: Option<TokenRow> = sqlx::query_as(&format!(
            "UPDATE tokens SET used_at = $1 WHERE token_hash = $2 AND kind = 'refresh' AND used_at IS NULL AND revoked_at IS NULL \
             AND expires_at > $1 RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = won {
            return Ok(Rotated::Won(Box::new(row)));
        }
        let family: Option<(String, i64)> = sqlx::query_as("SELECT family_id, expires_at FROM tokens WHERE token_hash = $1 AND kind = 'refresh'")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        match family {
            Some((family_id, expires_at)) if expires_at > now => {
                self.revoke_family(&family_id, now).await?;
                Ok(Rotated::Reused)
            }
            _ => Ok(Rotated::Unknown),
        }
    }

    /// True if the code of this family was replayed (checked after issuing its tokens).
    pub async fn family_replayed(&self, family_id: &str) -> Result<bool, sqlx::Error> {
        let v: Option<(String,)> = sqlx::query_as("SELECT family_id FROM auth_codes WHERE family_id = $1 AND replayed_at IS NOT NULL")
            .bind(family_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(v.is_some())
    }

    /// A token that is live now: not revoked, not expired, and (a refresh token) not spent.
    pub async fn live_token(&self, token_hash: &str, now: i64) -> Result<Option<TokenRow>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 AND (kind = 'access' OR used_at IS NULL)"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
    }

    /// Any token by its hash, live or not (for revocation, RFC 7009).
    pub async fn token_any(&self, token_hash: &str) -> Result<Option<TokenRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1")).bind(token_hash).fetch_optional(&self.pool).await
    }

    /// Revokes one token.
    pub async fn revoke_token(&self, token_hash: &str, now: i64) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    pub async fn revoke_family(&self, family_id: &str, now: i64) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(family_id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }
}
