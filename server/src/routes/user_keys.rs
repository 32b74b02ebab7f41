//! The user's encryption key pair (wire profile §3.11): `PUT`/`GET /crypto/enc-pub`,
//! `PUT`/`GET /crypto/wrapped-enc-priv`, and `GET /crypto/user-enc-pub?sub=` (another user's
//! public key, only where `[user_keys] enc_public_visible_to_authenticated_users` allows it).
//!
//! Stricter than DarkAuth, which stores any JSON object: the public key must be a P-256 public
//! JWK by zkauth-verify's rules (those of `zk_pub` and `epk`: on the curve, no private member),
//! stored in its canonical form; the wrapped private key is canonical base64url of 29..10 240 bytes (format B:
//! IV, ciphertext, tag). Replacing a key that exists needs a recent sign-in (step-up), as a
//! `wrapped-drk` overwrite does: a stolen session alone cannot swap the key others encrypt to.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::keys::check_b64u;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, QueryParams};
use crate::session::Session;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncPubBody {
    enc_public_jwk: Value,
}

/// The canonical form of a P-256 public JWK given as JSON text (zkauth-verify's rules, as for
/// `zk_pub` and `epk`), or `None`. Trusted devices' approval keys use it too.
pub(super) fn canonical_public_jwk(jwk: &str) -> Option<String> {
    let key = zkauth_verify::parse_epk_value(jwk).ok()?;
    zkauth_verify::public_jwk_json(&key).ok()
}

/// A replacement of an existing key needs a sign-in within the step-up window.
fn require_recent_for_replace(state: &AppState, s: &Session, exists: bool) -> ApiResult<()> {
    if exists && state.now() - s.row.created_at > state.config.session.reauth_window_secs {
        return Err(ApiError::ReauthenticationRequired);
    }
    Ok(())
}

/// `PUT /crypto/enc-pub`
pub async fn put_enc_pub(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<EncPubBody>) -> ApiResult<Json<Value>> {
    let jwk = canonical_public_jwk(&b.enc_public_jwk.to_string()).ok_or(ApiError::InvalidRequest("enc_public_jwk must be a P-256 public JWK"))?;
    let current = state.store.user_keys(s.sub()).await?;
    require_recent_for_replace(&state, &s, current.as_ref().is_some_and(|(pubkey, _)| *pubkey != jwk))?;
    state.store.put_enc_public(s.sub(), &jwk, state.now()).await?;
    Ok(Json(json!({"success": true})))
}

/// `GET /crypto/enc-pub`: the user's own public key.
pub async fn get_enc_pub(State(state): State<AppState>, s: Session) -> ApiResult<Json<Value>> {
    let (jwk, _) = state.store.user_keys(s.sub()).await?.ok_or(ApiError::NotFound("no encryption public key"))?;
    Ok(Json(json!({"enc_public_jwk": serde_json::from_str::<Value>(&jwk).map_err(|_| ApiError::Internal)?})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrappedBody {
    wrapped_enc_private_jwk: String,
}

/// `PUT /crypto/wrapped-enc-priv` (the public key first).
pub async fn put_wrapped(State(state): State<AppState>, s: Session, JsonBody(b): JsonBody<WrappedBody>) -> ApiResult<Json<Value>> {
    check_b64u(&b.wrapped_enc_private_jwk, 29, 10_240, "wrapped_enc_private_jwk must be canonical base64url of 29..10240 bytes")?;
    let current = state.store.user_keys(s.sub()).await?.ok_or(ApiError::InvalidRequest("PUT /crypto/enc-pub first"))?;
    require_recent_for_replace(&state, &s, current.1.as_ref().is_some_and(|w| *w != b.wrapped_enc_private_jwk))?;
    if !state.store.put_wrapped_enc_private(s.sub(), &b.wrapped_enc_private_jwk, state.now()).await? {
        return Err(ApiError::InvalidRequest("PUT /crypto/enc-pub first"));
    }
    Ok(Json(json!({"success": true})))
}

/// `GET /crypto/wrapped-enc-priv`
pub async fn get_wrapped(State(state): State<AppState>, s: Session) -> ApiResult<Json<Value>> {
    let wrapped = state.store.user_keys(s.sub()).await?.and_then(|(_, w)| w).ok_or(ApiError::NotFound("no wrapped_enc_private_jwk"))?;
    Ok(Json(json!({"wrapped_enc_private_jwk": wrapped})))
}

#[derive(Deserialize)]
pub struct SubQuery {
    sub: String,
}

/// `GET /crypto/user-enc-pub?sub=`
pub async fn get_user_enc_pub(State(state): State<AppState>, _s: Session, QueryParams(q): QueryParams<SubQuery>) -> ApiResult<Json<Value>> {
    if !state.config.user_keys.enc_public_visible_to_authenticated_users {
        return Err(ApiError::Forbidden("other users' public keys are not visible on this server"));
    }
    let (jwk, _) = state.store.user_keys(&q.sub).await?.ok_or(ApiError::NotFound("no such user or no public key"))?;
    Ok(Json(json!({"sub": q.sub, "enc_public_jwk": serde_json::from_str::<Value>(&jwk).map_err(|_| ApiError::Internal)?})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_p256_public_jwk_on_the_curve_is_accepted_and_stored_canonically() {
        // RFC 7517 appendix A.1's P-256 public key.
        let x = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4";
        let y = "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM";
        let webcrypto = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "ext": true, "key_ops": []});
        assert_eq!(canonical_public_jwk(&webcrypto.to_string()).unwrap(), format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"}}"#));
        let off_curve = json!({"kty": "EC", "crv": "P-256", "x": x, "y": x});
        let private = json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "d": "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"});
        let other_curve = json!({"kty": "EC", "crv": "P-384", "x": x, "y": y});
        for bad in [off_curve, private, other_curve, json!("jwk"), json!({})] {
            assert!(canonical_public_jwk(&bad.to_string()).is_none(), "{bad}");
        }
    }
}
