//! `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9): a confidential client proves itself with a
//! JWT it signed with a private key whose public half is registered in its `jwks`.
//!
//! The assertion must be a compact JWS with `alg` RS256, ES256 or EdDSA, signed by a key of
//! the client's JWKS (by `kid` when the header names one); `iss` and `sub` are the client id;
//! `aud` names the token endpoint or the issuer; `exp` is in the future and at most 5 minutes
//! ahead; `nbf`, if present, has passed; `jti` is new: it is kept until `exp`, in the database,
//! so a replay fails on every instance.

use serde_json::Value;
use zkauth_verify::b64u;

use crate::error::{ApiError, ApiResult};

/// RFC 7523's `client_assertion_type`.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The algorithms an assertion may use (discovery lists them).
pub const ALGS: [&str; 3] = ["RS256", "ES256", "EdDSA"];
/// The longest an assertion may be valid ahead.
pub const MAX_LIFETIME_SECS: i64 = 300;

/// A client's public key, parsed from its registered JWK.
#[derive(Clone)]
enum PublicKey {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    P256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// One registered key with its optional `kid`.
#[derive(Clone)]
pub struct ClientKey {
    kid: Option<String>,
    key: PublicKey,
}

impl ClientKey {
    /// The key a public JWK describes: RSA (2048 bits or more, any `e`), EC P-256 or OKP
    /// Ed25519; a JWK with private members (`d`, …) is refused, as is anything else.
    pub fn from_jwk(jwk: &Value) -> Result<ClientKey, &'static str> {
        let o = jwk.as_object().ok_or("each key must be a JWK object")?;
        if ["d", "p", "q", "dp", "dq", "qi", "k"].iter().any(|m| o.contains_key(*m)) {
            return Err("a key holds private members: register only the public key");
        }
        let text = |k: &str| o.get(k).and_then(Value::as_str);
        let bytes = |k: &str| text(k).and_then(|t| b64u::decode(t, "jwk member").ok());
        let kid = text("kid").map(str::to_string);
        let key = match (text("kty"), text("crv")) {
            (Some("RSA"), _) => {
                let n = bytes("n").ok_or("an RSA key needs n")?;
                let e = bytes("e").ok_or("an RSA key needs e")?;
                if n.first().is_none_or(|b| *b == 0) || n.len() < 256 {
                    return Err("an RSA key must have a modulus of at least 2048 bits");
                }
                PublicKey::Rsa { n, e }
            }
            (Some("EC"), Some("P-256")) => {
                let (x, y) = (bytes("x").ok_or("an EC key needs x")?, bytes("y").ok_or("an EC key needs y")?);
                if x.len() != 32 || y.len() != 32 {
                    return Err("a P-256 key has 32-byte x and y");
                }
                let sec1 = [&[4u8][..], &x, &y].concat();
                PublicKey::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| "the P-256 point is not on the curve")?)
            }
            (Some("OKP"), Some("Ed25519")) => {
                let x: [u8; 32] = bytes("x").and_then(|x| x.try_into().ok()).ok_or("an Ed25519 key has a 32-byte x")?;
                PublicKey::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(&x).map_err(|_| "not an Ed25519 public key")?)
            }
            _ => return Err("keys are RSA, EC P-256 or OKP Ed25519"),
        };
        Ok(ClientKey { kid, key })
    }

    fn alg(&self) -> &'static str {
        match self.key {
            PublicKey::Rsa { .. } => "RS256",
            PublicKey::P256(_) => "ES256",
            PublicKey::Ed25519(_) => "EdDSA",
        }
    }

    fn verifies(&self, input: &[u8], sig: &[u8]) -> bool {
        use ed25519_dalek::Verifier as _;
        match &self.key {
            PublicKey::Rsa { n, e } => ring::signature::RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() }.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, input, sig).is_ok(),
            PublicKey::P256(k) => p256::ecdsa::Signature::from_slice(sig).is_ok_and(|s| p256::ecdsa::signature::Verifier::verify(k, input, &s).is_ok()),
            PublicKey::Ed25519(k) => ed25519_dalek::Signature::from_slice(sig).is_ok_and(|s| k.verify(input, &s).is_ok()),
        }
    }
}

/// A `jwks` table from the configuration: `{keys = [...]}`, at least one key.
pub fn parse_jwks(jwks: &Value) -> Result<Vec<ClientKey>, &'static str> {
    let keys = jwks.get("keys").and_then(Value::as_array).ok_or("jwks must be { keys = [ ... ] }")?;
    if keys.is_empty() || keys.len() > 16 {
        return Err("jwks holds 1..16 keys");
    }
    keys.iter().map(ClientKey::from_jwk).collect()
}

/// What a verified assertion asks the server to remember: its `jti` until `exp`.
pub struct Verified {
    pub jti: String,
    pub exp: i64,
}

/// Checks `assertion` for `client_id` against its `keys` (everything but `jti`'s novelty).
/// Every failure is `invalid_client`.
pub fn verify(assertion: &str, client_id: &str, keys: &[ClientKey], audiences: &[&str], now: i64) -> ApiResult<Verified> {
    let bad = ApiError::InvalidClient;
    if assertion.len() > 8 * 1024 {
        return Err(bad("the client assertion is too long"));
    }
    let (input, sig) = assertion.rsplit_once('.').ok_or(bad("the client assertion is not a compact JWS"))?;
    let (header, payload) = input.split_once('.').ok_or(bad("the client assertion is not a compact JWS"))?;
    let json = |part: &str| -> Option<Value> { serde_json::from_slice::<Value>(&b64u::decode(part, "jws").ok()?).ok().filter(Value::is_object) };
    let header = json(header).ok_or(bad("the client assertion's header is not JSON"))?;
    let alg = header.get("alg").and_then(Value::as_str).filter(|a| ALGS.contains(a)).ok_or(bad("the client assertion's alg must be RS256, ES256 or EdDSA"))?;
    if header.get("crit").is_some() {
        return Err(bad("the client assertion has crit header parameters"));
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let sig = b64u::decode(sig, "signature").map_err(|_| bad("the client assertion's signature is not base64url"))?;
    let signed = keys.iter().filter(|k| k.alg() == alg && kid.is_none_or(|kid| k.kid.as_deref() == Some(kid))).any(|k| k.verifies(input.as_bytes(), &sig));
    if !signed {
        return Err(bad("the client assertion is not signed by a key of this client"));
    }
    let claims = json(payload).ok_or(bad("the client assertion's claims are not JSON"))?;
    let text = |k: &str| claims.get(k).and_then(Value::as_str);
    if text("iss") != Some(client_id) || text("sub") != Some(client_id) {
        return Err(bad("the client assertion's iss and sub must be the client id"));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => audiences.contains(&a.as_str()),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(|a| audiences.contains(&a)),
        _ => false,
    };
    if !aud_ok {
        return Err(bad("the client assertion's aud must name the token endpoint or the issuer"));
    }
    let exp = claims.get("exp").and_then(Value::as_i64).ok_or(bad("the client assertion needs exp"))?;
    if exp <= now || exp > now + MAX_LIFETIME_SECS {
        return Err(bad("the client assertion's exp must be in the next 5 minutes"));
    }
    if claims.get("nbf").is_some_and(|n| n.as_i64().is_none_or(|n| n > now + 60)) {
        return Err(bad("the client assertion is not valid yet"));
    }
    let jti = text("jti").filter(|j| !j.is_empty() && j.len() <= 256).ok_or(bad("the client assertion needs a jti"))?;
    Ok(Verified { jti: jti.to_string(), exp })
}
