//! ID tokens: compact JWS signed with the algorithm the client registered
//! (`id_token_signed_response_alg`: `EdDSA` with Ed25519, or `ES256` with ECDSA P-256, which
//! every browser's WebCrypto verifies), and the JWKS that publishes every verification key.

// One `signature::Signer` trait serves both keys (ed25519-dalek and p256 share the crate).
use ed25519_dalek::Signer as _;
use serde::Serialize;
use serde_json::{json, Value};
use zkauth_verify::{b64u, hash_b64u};

/// A JWS algorithm the server signs ID tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    EdDSA,
    ES256,
}

impl Alg {
    /// Every algorithm, in the order discovery lists them.
    pub const ALL: [Alg; 2] = [Alg::ES256, Alg::EdDSA];

    /// The JOSE name (`alg`).
    pub fn name(self) -> &'static str {
        match self {
            Alg::EdDSA => "EdDSA",
            Alg::ES256 => "ES256",
        }
    }

    /// The algorithm a JOSE name stands for; `None` for one the server does not sign with.
    pub fn from_name(name: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// The ID-token signing keys, one per algorithm. `Debug` prints nothing of them.
pub struct SigningKeys {
    pub ed25519: ed25519_dalek::SigningKey,
    pub es256: p256::ecdsa::SigningKey,
}

impl core::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SigningKeys([redacted])")
    }
}

impl SigningKeys {
    /// The public JWK (without `kid`) of the key for `alg`.
    fn public_jwk(&self, alg: Alg) -> Value {
        match alg {
            Alg::EdDSA => json!({"kty": "OKP", "crv": "Ed25519", "x": b64u::encode(self.ed25519.verifying_key().as_bytes())}),
            Alg::ES256 => {
                let point = self.es256.verifying_key().to_encoded_point(false);
                let (x, y) = (point.x().map(|c| b64u::encode(c)), point.y().map(|c| b64u::encode(c)));
                json!({"kty": "EC", "crv": "P-256", "x": x, "y": y})
            }
        }
    }

    /// The key id: the RFC 7638 JWK thumbprint, `b64u(SHA-256(required members in
    /// lexicographic order, no white space))`.
    pub fn kid(&self, alg: Alg) -> String {
        let jwk = self.public_jwk(alg);
        let text = |k: &str| jwk.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let canonical = match alg {
            Alg::EdDSA => format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, text("x")),
            Alg::ES256 => format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#, text("x"), text("y")),
        };
        hash_b64u(&canonical)
    }

    /// `{"keys":[…]}`: every verification key, each with `kid`, `alg` and `use`.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = Alg::ALL
            .into_iter()
            .map(|alg| {
                let mut jwk = self.public_jwk(alg);
                if let Some(o) = jwk.as_object_mut() {
                    o.insert("kid".into(), json!(self.kid(alg)));
                    o.insert("alg".into(), json!(alg.name()));
                    o.insert("use".into(), json!("sig"));
                }
                jwk
            })
            .collect();
        json!({ "keys": keys })
    }

    /// Signs the claims as a compact JWS with `alg` (ES256: the JOSE `r ‖ s` signature).
    pub fn sign(&self, alg: Alg, claims: &IdClaims<'_>) -> Option<String> {
        let header = encode_json(&json!({"alg": alg.name(), "typ": "JWT", "kid": self.kid(alg)}))?;
        let payload = encode_json(claims)?;
        let signing_input = format!("{header}.{payload}");
        let signature = match alg {
            Alg::EdDSA => self.ed25519.sign(signing_input.as_bytes()).to_bytes().to_vec(),
            Alg::ES256 => {
                let sig: p256::ecdsa::Signature = self.es256.sign(signing_input.as_bytes());
                sig.to_bytes().to_vec()
            }
        };
        Some(format!("{signing_input}.{}", b64u::encode(&signature)))
    }
}

/// JSON → b64u: one JWS segment.
fn encode_json<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_vec(v).ok().map(|bytes| b64u::encode(&bytes))
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
/// SHA-256 for ES256, SHA-512 for EdDSA with Ed25519 (the hash Ed25519 uses, as OpenID's
/// implementations and `oidc-token-hash` do).
pub fn at_hash(alg: Alg, access_token: &str) -> String {
    use sha2::Digest;
    match alg {
        Alg::ES256 => {
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
    use ed25519_dalek::Verifier as _;
    use rand_core::OsRng;

    fn keys(ed25519_secret: [u8; 32]) -> SigningKeys {
        SigningKeys { ed25519: ed25519_dalek::SigningKey::from_bytes(&ed25519_secret), es256: p256::ecdsa::SigningKey::random(&mut OsRng) }
    }

    fn decode(segment: &str) -> Vec<u8> {
        b64u::decode(segment, "segment").unwrap()
    }

    #[test]
    fn ed25519_kid_is_the_rfc_8037_thumbprint() {
        // RFC 8037 appendix A.1 (the key) and A.3 (its RFC 7638 thumbprint).
        let d: [u8; 32] = decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A").try_into().unwrap();
        let k = keys(d);
        assert_eq!(k.public_jwk(Alg::EdDSA)["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        assert_eq!(k.kid(Alg::EdDSA), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    #[test]
    fn each_algorithm_signs_a_token_its_jwks_key_verifies() {
        let k = keys([7u8; 32]);
        let claims = IdClaims { iss: "https://i", sub: "s", aud: "a", iat: 1, exp: 2, auth_time: Some(1), nonce: Some("n"), at_hash: None, name: None, email: None, email_verified: None };
        let jwks = k.jwks();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
        for alg in Alg::ALL {
            let token = k.sign(alg, &claims).unwrap();
            let (input, sig) = token.rsplit_once('.').unwrap();
            let header: Value = serde_json::from_slice(&decode(input.split('.').next().unwrap())).unwrap();
            assert_eq!(header["alg"], alg.name());
            let jwk = jwks["keys"].as_array().unwrap().iter().find(|j| j["kid"] == header["kid"]).unwrap();
            assert_eq!(jwk["alg"], alg.name());
            let sig = decode(sig);
            match alg {
                Alg::EdDSA => {
                    let x: [u8; 32] = decode(jwk["x"].as_str().unwrap()).try_into().unwrap();
                    let key = ed25519_dalek::VerifyingKey::from_bytes(&x).unwrap();
                    key.verify(input.as_bytes(), &ed25519_dalek::Signature::from_slice(&sig).unwrap()).unwrap();
                }
                Alg::ES256 => {
                    assert_eq!(sig.len(), 64, "JOSE r ‖ s, not DER");
                    let mut sec1 = vec![4u8];
                    sec1.extend(decode(jwk["x"].as_str().unwrap()));
                    sec1.extend(decode(jwk["y"].as_str().unwrap()));
                    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
                    key.verify(input.as_bytes(), &p256::ecdsa::Signature::from_slice(&sig).unwrap()).unwrap();
                    let mut tampered = input.as_bytes().to_vec();
                    tampered[0] ^= 1;
                    assert!(key.verify(&tampered, &p256::ecdsa::Signature::from_slice(&sig).unwrap()).is_err());
                }
            }
        }
    }

    #[test]
    fn only_the_two_names_are_algorithms() {
        assert_eq!(Alg::from_name("ES256"), Some(Alg::ES256));
        assert_eq!(Alg::from_name("EdDSA"), Some(Alg::EdDSA));
        for name in ["es256", "RS256", "none", "HS256", ""] {
            assert_eq!(Alg::from_name(name), None, "{name}");
        }
    }
}
