//! ID tokens: compact JWS signed with Ed25519 (`alg: EdDSA`), and the JWKS that publishes the
//! verification key.

use ed25519_dalek::{Signer, SigningKey};
use serde::Serialize;
use serde_json::{json, Value};
use zkauth_verify::{b64u, hash_b64u};

/// JSON → b64u: one JWS segment.
fn encode_json<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_vec(v).ok().map(|bytes| b64u::encode(&bytes))
}

/// The key id: `b64u(H(b64u(public key)))`.
pub fn kid(key: &SigningKey) -> String {
    hash_b64u(&b64u::encode(key.verifying_key().as_bytes()))
}

/// `{"keys":[…]}` with the one Ed25519 verification key.
pub fn jwks(key: &SigningKey) -> Value {
    json!({"keys": [{
        "kty": "OKP", "crv": "Ed25519", "x": b64u::encode(key.verifying_key().as_bytes()),
        "kid": kid(key), "alg": "EdDSA", "use": "sig"
    }]})
}

#[derive(Serialize)]
pub struct IdClaims<'a> {
    pub iss: &'a str,
    pub sub: &'a str,
    pub aud: &'a str,
    pub iat: i64,
    pub exp: i64,
    pub auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    /// The display name, for the `profile` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

/// Signs the claims as a compact JWS.
pub fn sign(key: &SigningKey, claims: &IdClaims<'_>) -> Option<String> {
    let header = encode_json(&json!({"alg": "EdDSA", "typ": "JWT", "kid": kid(key)}))?;
    let payload = encode_json(claims)?;
    let signing_input = format!("{header}.{payload}");
    let signature = key.sign(signing_input.as_bytes());
    Some(format!("{signing_input}.{}", b64u::encode(&signature.to_bytes())))
}
