//! ID tokens: the claims, the JWS algorithms the server signs with, and `at_hash`. The keys
//! themselves, their JWKS and their rotation are `signing_keys`.

use serde::Serialize;
use zkauth_verify::b64u;

/// A JWS algorithm the server signs ID tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 and a 2048-bit key: OIDC's default, which every
    /// OpenID Provider must offer.
    RS256,
    ES256,
    EdDSA,
}

impl Alg {
    /// Every algorithm, in the order discovery lists them.
    pub const ALL: [Alg; 3] = [Alg::RS256, Alg::ES256, Alg::EdDSA];

    /// The JOSE name (`alg`).
    pub fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::EdDSA => "EdDSA",
            Alg::ES256 => "ES256",
        }
    }

    /// The algorithm a JOSE name stands for; `None` for one the server does not sign with.
    pub fn from_name(name: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.name() == name)
    }
}

#[derive(Serialize)]
pub struct IdClaims<'a> {
    pub iss: &'a str,
    pub sub: &'a str,
    pub aud: &'a str,
    pub iat: i64,
    pub exp: i64,
    /// When the user logged in (the session's login, kept through refresh grants).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    /// OIDC Core §3.1.3.6: the left half of the access token's hash, with the hash of the
    /// signature algorithm (see [`at_hash`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// The display name, for the `profile` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// For the `email` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
    /// For the `email` scope: always false (the reference server verifies no address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

/// `at_hash` for an access token signed over with `alg`: b64u of the left half of its hash,
/// SHA-256 for RS256 and ES256, SHA-512 for EdDSA with Ed25519 (the hash Ed25519 uses, as OpenID's
/// implementations and `oidc-token-hash` do).
pub fn at_hash(alg: Alg, access_token: &str) -> String {
    use sha2::Digest;
    match alg {
        Alg::RS256 | Alg::ES256 => {
            let d = sha2::Sha256::digest(access_token.as_bytes());
            b64u::encode(d.get(..16).unwrap_or(&d))
        }
        Alg::EdDSA => {
            let d = sha2::Sha512::digest(access_token.as_bytes());
            b64u::encode(d.get(..32).unwrap_or(&d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_three_names_are_algorithms() {
        for alg in Alg::ALL {
            assert_eq!(Alg::from_name(alg.name()), Some(alg));
        }
        assert_eq!(Alg::ALL.map(Alg::name), ["RS256", "ES256", "EdDSA"]);
        for name in ["es256", "rs256", "RS384", "PS256", "none", "HS256", ""] {
            assert_eq!(Alg::from_name(name), None, "{name}");
        }
    }

    #[test]
    fn at_hash_is_the_left_half_of_the_algorithms_hash() {
        // OIDC Core §3.1.3.6 (RS256/ES256: SHA-256). Known answer from Python's hashlib:
        // urlsafe_b64encode(sha256(b"jHkWEdUXMU1BwAsC4vtUsZwnNeiMUqhd").digest()[:16]).
        assert_eq!(at_hash(Alg::RS256, "jHkWEdUXMU1BwAsC4vtUsZwnNeiMUqhd"), "1ww-9FXeFR24QrqZrL-seQ");
        assert_eq!(at_hash(Alg::ES256, "jHkWEdUXMU1BwAsC4vtUsZwnNeiMUqhd"), "1ww-9FXeFR24QrqZrL-seQ");
        // EdDSA with Ed25519: SHA-512's left half (hashlib: sha512(...).digest()[:32]).
        assert_eq!(at_hash(Alg::EdDSA, "jHkWEdUXMU1BwAsC4vtUsZwnNeiMUqhd"), "eJ2_91Jn1AvA3Z3kFxBDYOKOEadHc4y7Jzf9is-U0-4");
    }
}
