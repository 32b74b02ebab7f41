//! The user's encryption key pair (wire profile §3.11): the public JWK and the wrapped private
//! JWK, one pair per user.

use super::Store;

impl Store {
    /// Sets the public JWK (compact JSON). A different key than the stored one drops the
    /// wrapped private key of the old pair.
    pub async fn put_enc_public(&self, sub: &str, jwk: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO user_keys (sub, enc_public_jwk, wrapped_enc_private_jwk, updated_at) VALUES ($1, $2, NULL, $3) \
             ON CONFLICT (sub) DO UPDATE SET \
               wrapped_enc_private_jwk = CASE WHEN user_keys.enc_public_jwk = excluded.enc_public_jwk THEN user_keys.wrapped_enc_private_jwk ELSE NULL END, \
               enc_public_jwk = excluded.enc_public_jwk, updated_at = excluded.updated_at",
        )
        .bind(sub)
        .bind(jwk)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sets the wrapped private JWK; false when the user has no public key yet.
    pub async fn put_wrapped_enc_private(&self, sub: &str, wrapped: &str, now: i64) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("UPDATE user_keys SET wrapped_enc_private_jwk = $2, updated_at = $3 WHERE sub = $1").bind(sub).bind(wrapped).bind(now).execute(&self.pool).await?;
        Ok(r.rows_affected() == 1)
    }

    /// `(enc_public_jwk, wrapped_enc_private_jwk)` of `sub`.
    pub async fn user_keys(&self, sub: &str) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
        sqlx::query_as("SELECT enc_public_jwk, wrapped_enc_private_jwk FROM user_keys WHERE sub = $1").bind(sub).fetch_optional(&self.pool).await
    }
}
