//! ID-token signing keys: one active key per algorithm (RS256 with a 2048-bit RSA key, ES256,
//! EdDSA with Ed25519), each sealed under the KEK in the database, published with `kid` (the
//! RFC 7638 thumbprint), `alg` and `use` in the JWKS. `zkauth-server keys rotate` makes a new
//! key the signer; the retired key stays in the JWKS for `[signing] retired_key_overlap_secs`,
//! then is dropped. Every instance reloads the set from the database at most 30 s after a
//! change, so a rotation reaches a cluster without restarts.
//!
//! RSA signatures come from `ring` (constant-time, the implementation rustls uses); `ring`
//! cannot generate RSA keys, so the `rsa` crate makes the key once (its PKCS#8 encoding is
//! what is sealed) and never signs (RUSTSEC-2023-0071 concerns its private-key operations).

use std::sync::{Arc, RwLock};

use ed25519_dalek::Signer as _;
use rand_core::OsRng;
use serde::Serialize;
use serde_json::{json, Value};
use zeroize::Zeroizing;
use zkauth_verify::{b64u, hash_b64u};

use crate::idtoken::{Alg, IdClaims};
use crate::secrets::Key32;
use crate::store::{SigningKeyRow, Store};

/// How long a loaded key set is used before the database is asked again.
const RELOAD_SECS: i64 = 30;
const RSA_BITS: usize = 2048;

/// A private signing key. `Debug` prints nothing of it.
enum Material {
    Rsa(ring::signature::RsaKeyPair),
    P256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// One key with its public half's identity. Clones share the private key (a reload reuses
/// what is already open).
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    pub alg: Alg,
    pub created_at: i64,
    pub retired_at: Option<i64>,
    material: Arc<Material>,
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).field("alg", &self.alg).field("key", &"[redacted]").finish()
    }
}

/// A fresh private key for `alg`, as it is sealed: the 32-byte Ed25519 seed, the 32-byte P-256
/// scalar, or the RSA key's PKCS#8 DER.
pub fn generate(alg: Alg) -> Option<Zeroizing<Vec<u8>>> {
    match alg {
        Alg::EdDSA => Some(Zeroizing::new(ed25519_dalek::SigningKey::generate(&mut OsRng).to_bytes().to_vec())),
        Alg::ES256 => Some(Zeroizing::new(p256::ecdsa::SigningKey::random(&mut OsRng).to_bytes().to_vec())),
        // The fuzz build (`--cfg fuzzing`, coverage-instrumented) would spend minutes finding
        // 1024-bit primes at its fixture's first start: it takes a fixed test key instead.
        // Never in a real build.
        #[cfg(fuzzing)]
        Alg::RS256 => Some(Zeroizing::new(include_bytes!("../tests/fixtures/fuzz_rsa_2048.pk8").to_vec())),
        #[cfg(not(fuzzing))]
        Alg::RS256 => {
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut OsRng, RSA_BITS).ok()?;
            let der = key.to_pkcs8_der().ok()?;
            Some(Zeroizing::new(der.as_bytes().to_vec()))
        }
    }
}

fn material(alg: Alg, secret: &[u8]) -> Option<Material> {
    match alg {
        Alg::EdDSA => <[u8; 32]>::try_from(secret).ok().map(|s| Material::Ed25519(ed25519_dalek::SigningKey::from_bytes(&s))),
        Alg::ES256 => p256::ecdsa::SigningKey::from_slice(secret).ok().map(Material::P256),
        Alg::RS256 => ring::signature::RsaKeyPair::from_pkcs8(secret).ok().filter(|k| k.public().modulus_len() * 8 >= RSA_BITS).map(Material::Rsa),
    }
}

impl SigningKey {
    /// The key for `alg` from its sealed form's plaintext; `None` if it is not one.
    pub fn from_secret(alg: Alg, secret: &[u8], created_at: i64, retired_at: Option<i64>) -> Option<SigningKey> {
        let material = material(alg, secret)?;
        let mut key = SigningKey { kid: String::new(), alg, created_at, retired_at, material: Arc::new(material) };
        key.kid = key.thumbprint();
        Some(key)
    }

    /// The public JWK's required members (RFC 7517/7518/8037), without `kid`, `alg`, `use`.
    fn public_members(&self) -> Value {
        match self.material.as_ref() {
            Material::Ed25519(k) => json!({"kty": "OKP", "crv": "Ed25519", "x": b64u::encode(k.verifying_key().as_bytes())}),
            Material::P256(k) => {
                let point = k.verifying_key().to_encoded_point(false);
                json!({"kty": "EC", "crv": "P-256", "x": point.x().map(|c| b64u::encode(c)), "y": point.y().map(|c| b64u::encode(c))})
            }
            Material::Rsa(k) => {
                let c: ring::rsa::PublicKeyComponents<Vec<u8>> = k.public().into();
                json!({"kty": "RSA", "n": b64u::encode(&c.n), "e": b64u::encode(&c.e)})
            }
        }
    }

    fn thumbprint(&self) -> String {
        thumbprint(&self.public_members())
    }

    /// The JWKS entry: the public members with `kid`, `alg` and `use`.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = self.public_members();
        if let Some(o) = jwk.as_object_mut() {
            o.insert("kid".into(), json!(self.kid));
            o.insert("alg".into(), json!(self.alg.name()));
            o.insert("use".into(), json!("sig"));
        }
        jwk
    }

    /// Whether `sig` is this key's JWS signature over `input`.
    fn verifies(&self, input: &[u8], sig: &[u8]) -> bool {
        use ed25519_dalek::Verifier as _;
        match self.material.as_ref() {
            Material::Ed25519(k) => ed25519_dalek::Signature::from_slice(sig).is_ok_and(|s| k.verifying_key().verify(input, &s).is_ok()),
            Material::P256(k) => p256::ecdsa::Signature::from_slice(sig).is_ok_and(|s| p256::ecdsa::signature::Verifier::verify(k.verifying_key(), input, &s).is_ok()),
            Material::Rsa(k) => {
                let c: ring::rsa::PublicKeyComponents<Vec<u8>> = k.public().into();
                ring::signature::RsaPublicKeyComponents { n: c.n.as_slice(), e: c.e.as_slice() }.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, input, sig).is_ok()
            }
        }
    }

    /// The JWS signature over `input` (ES256: JOSE's `r ‖ s`).
    fn signature(&self, input: &[u8]) -> Option<Vec<u8>> {
        match self.material.as_ref() {
            Material::Ed25519(k) => Some(k.sign(input).to_bytes().to_vec()),
            Material::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(input);
                Some(sig.to_bytes().to_vec())
            }
            Material::Rsa(k) => {
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), input, &mut sig).ok()?;
                Some(sig)
            }
        }
    }

    /// The claims as a compact JWS with this key's `alg` and `kid`.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Option<String> {
        let header = encode_json(&json!({"alg": self.alg.name(), "typ": "JWT", "kid": self.kid}))?;
        let payload = encode_json(claims)?;
        let signing_input = format!("{header}.{payload}");
        let signature = self.signature(signing_input.as_bytes())?;
        Some(format!("{signing_input}.{}", b64u::encode(&signature)))
    }
}

/// RFC 7638: `b64u(SHA-256(the required members in lexicographic order, no white space))`.
/// serde_json's map is ordered by key, so the compact form of the members is that JSON.
fn thumbprint(required_members: &Value) -> String {
    // RFC 7638 §3.3: the members sorted by name, whatever order the map keeps them in
    // (serde_json's `preserve_order`, which a dependency may turn on, keeps insertion order).
    let mut members: Vec<(&String, &Value)> = required_members.as_object().map(|o| o.iter().collect()).unwrap_or_default();
    members.sort_by(|a, b| a.0.cmp(b.0));
    let sorted: serde_json::Map<String, Value> = members.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    hash_b64u(&Value::Object(sorted).to_string())
}

/// JSON → b64u: one JWS segment.
fn encode_json<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_vec(v).ok().map(|bytes| b64u::encode(&bytes))
}

/// The keys loaded at one moment.
#[derive(Debug, Default)]
pub struct KeySet {
    /// Newest first.
    keys: Vec<SigningKey>,
}

impl KeySet {
    pub fn new(mut keys: Vec<SigningKey>) -> KeySet {
        keys.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.kid.cmp(&b.kid)));
        KeySet { keys }
    }

    /// The key that signs for `alg`: its newest active key.
    pub fn signer(&self, alg: Alg) -> Option<&SigningKey> {
        self.keys.iter().find(|k| k.alg == alg && k.retired_at.is_none())
    }

    /// `{"keys":[…]}`: every active key and every key retired less than `overlap` seconds ago.
    pub fn jwks(&self, now: i64, overlap: i64) -> Value {
        let keys: Vec<Value> = self.keys.iter().filter(|k| k.retired_at.is_none_or(|r| now < r + overlap)).map(SigningKey::public_jwk).collect();
        json!({ "keys": keys })
    }

    /// Signs the ID token with `alg`'s active key.
    pub fn sign(&self, alg: Alg, claims: &IdClaims<'_>) -> Option<String> {
        self.signer(alg)?.sign(claims)
    }

    /// The claims of a compact JWS one of the published keys (active, or retired within
    /// `overlap`) signed, its header naming that key's `kid` and `alg`; `None` otherwise. Only
    /// the signature is checked: the caller checks the claims.
    pub fn verify(&self, jws: &str, now: i64, overlap: i64) -> Option<Value> {
        if jws.len() > 16 * 1024 {
            return None;
        }
        let (input, sig) = jws.rsplit_once('.')?;
        let (header, payload) = input.split_once('.')?;
        let header: Value = serde_json::from_slice(&b64u::decode(header, "header").ok()?).ok()?;
        let (kid, alg) = (header.get("kid")?.as_str()?, header.get("alg")?.as_str()?);
        let key = self.keys.iter().find(|k| k.kid == kid && k.alg.name() == alg && k.retired_at.is_none_or(|r| now < r + overlap))?;
        if !key.verifies(input.as_bytes(), &b64u::decode(sig, "signature").ok()?) {
            return None;
        }
        serde_json::from_slice(&b64u::decode(payload, "payload").ok()?).ok().filter(Value::is_object)
    }

    fn kids(&self) -> Vec<(&str, Option<i64>)> {
        self.keys.iter().map(|k| (k.kid.as_str(), k.retired_at)).collect()
    }
}

/// Why the keys cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the KEK does not open signing key {0} (wrong ZKAUTH_KEK_PASSPHRASE or dev key file)")]
    WrongKek(String),
    #[error("signing key {0} is corrupt")]
    Corrupt(String),
    #[error("no signing key could be made for {0}")]
    Generate(&'static str),
}

fn aad(kid: &str) -> Vec<u8> {
    format!("zkauth-server-secret/v1:signing_key:{kid}").into_bytes()
}

/// Seals `secret` (a private key for `alg`) as a row created at `now`.
fn sealed_row(kek: &Key32, alg: Alg, secret: &[u8], now: i64) -> Result<SigningKeyRow, KeysError> {
    let key = SigningKey::from_secret(alg, secret, now, None).ok_or(KeysError::Generate(alg.name()))?;
    let sealed = kek.seal(secret, &aad(&key.kid)).ok_or(KeysError::Generate(alg.name()))?;
    Ok(SigningKeyRow { kid: key.kid, alg: alg.name().into(), sealed, created_at: now, retired_at: None })
}

fn open_row(kek: &Key32, row: &SigningKeyRow) -> Result<Option<SigningKey>, KeysError> {
    // A row of an algorithm this build does not know is left alone (a newer version wrote it).
    let Some(alg) = Alg::from_name(&row.alg) else { return Ok(None) };
    let secret = kek.open(&row.sealed, &aad(&row.kid)).ok_or_else(|| KeysError::WrongKek(row.kid.clone()))?;
    let key = SigningKey::from_secret(alg, &secret, row.created_at, row.retired_at).ok_or_else(|| KeysError::Corrupt(row.kid.clone()))?;
    if key.kid != row.kid {
        return Err(KeysError::Corrupt(row.kid.clone()));
    }
    Ok(Some(key))
}

/// Gives every algorithm an active key: `legacy` (a key sealed before signing keys had their
/// table: adopted, so its tokens keep verifying) or a new one.
pub async fn ensure(store: &Store, kek: &Key32, legacy: &[(Alg, Zeroizing<Vec<u8>>)], now: i64) -> Result<(), KeysError> {
    let rows = store.signing_keys().await?;
    for alg in Alg::ALL {
        if rows.iter().any(|r| r.alg == alg.name() && r.retired_at.is_none()) {
            continue;
        }
        let secret = match legacy.iter().find(|(a, _)| *a == alg) {
            Some((_, s)) => s.clone(),
            None => generate(alg).ok_or(KeysError::Generate(alg.name()))?,
        };
        store.add_first_signing_key(&sealed_row(kek, alg, &secret, now)?).await?;
    }
    Ok(())
}

/// `zkauth-server keys rotate`: a new active key for each of `algs`; the previous ones retire
/// now and leave the JWKS `overlap` seconds later. Returns the new kids.
pub async fn rotate(store: &Store, kek: &Key32, algs: &[Alg], now: i64, overlap: i64) -> Result<Vec<(Alg, String)>, KeysError> {
    let mut out = vec![];
    for &alg in algs {
        let secret = generate(alg).ok_or(KeysError::Generate(alg.name()))?;
        let row = sealed_row(kek, alg, &secret, now)?;
        store.rotate_signing_key(&row, overlap).await?;
        out.push((alg, row.kid));
    }
    Ok(out)
}

/// The server's signing keys, reloaded from the database when older than 30 s.
pub struct Keyring {
    kek: Key32,
    cache: RwLock<(i64, Arc<KeySet>)>,
}

impl core::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Keyring([redacted])")
    }
}

impl Keyring {
    /// Loads the keys now (a wrong KEK or a corrupt key fails the start).
    pub async fn load(store: &Store, kek: Key32, now: i64) -> Result<Keyring, KeysError> {
        let set = Self::read(store, &kek, None).await?;
        Ok(Keyring { kek, cache: RwLock::new((now, Arc::new(set))) })
    }

    /// Opens the stored rows, reusing the already opened keys of `previous`.
    async fn read(store: &Store, kek: &Key32, previous: Option<&KeySet>) -> Result<KeySet, KeysError> {
        let rows = store.signing_keys().await?;
        let mut keys = vec![];
        for row in &rows {
            let same = previous.and_then(|p| p.keys.iter().find(|k| k.kid == row.kid && k.retired_at == row.retired_at));
            let key = match same {
                Some(k) => Some(k.clone()),
                None => open_row(kek, row)?,
            };
            keys.extend(key);
        }
        Ok(KeySet::new(keys))
    }

    /// `keys rotate` with this server's KEK (the tests' way; operators use the command).
    pub async fn rotate(&self, store: &Store, algs: &[Alg], now: i64, overlap: i64) -> Result<Vec<(Alg, String)>, KeysError> {
        rotate(store, &self.kek, algs, now, overlap).await
    }

    /// The key set as last loaded, without asking the database.
    pub fn loaded(&self) -> Arc<KeySet> {
        match self.cache.read() {
            Ok(c) => c.1.clone(),
            Err(p) => p.get_ref().1.clone(),
        }
    }

    /// The current key set. A failed reload keeps the loaded set (and is retried at the next
    /// call); keys never disappear because the database blinked.
    pub async fn current(&self, store: &Store, now: i64) -> Arc<KeySet> {
        let (loaded_at, set) = match self.cache.read() {
            Ok(c) => (c.0, c.1.clone()),
            Err(p) => (p.get_ref().0, p.get_ref().1.clone()),
        };
        if now < loaded_at + RELOAD_SECS && now >= loaded_at {
            return set;
        }
        match Self::read(store, &self.kek, Some(&set)).await {
            Ok(fresh) => {
                let fresh = if fresh.kids() == set.kids() { set } else { Arc::new(fresh) };
                if let Ok(mut c) = self.cache.write() {
                    *c = (now, fresh.clone());
                }
                fresh
            }
            Err(e) => {
                tracing::warn!(event = "signing_keys_reload_failed", error = %e, "signing keys: reload failed; keeping the loaded keys");
                set
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(segment: &str) -> Vec<u8> {
        b64u::decode(segment, "segment").unwrap()
    }

    /// The fuzz build's fixed RS256 key (used only under `--cfg fuzzing`) is a key ring takes.
    #[test]
    fn the_fuzz_builds_fixed_rsa_key_is_a_2048_bit_pkcs8_key() {
        let der = include_bytes!("../tests/fixtures/fuzz_rsa_2048.pk8");
        let key = SigningKey::from_secret(Alg::RS256, der, 0, None).expect("ring reads it");
        assert_eq!(key.public_jwk()["kty"], "RSA");
    }

    #[test]
    fn kids_are_rfc_7638_thumbprints() {
        // RFC 7638 §3.1: the RSA key's thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(thumbprint(&json!({"kty": "RSA", "n": n, "e": "AQAB"})), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
        // RFC 8037 appendix A.1 (the Ed25519 key) and A.3 (its thumbprint).
        let key = SigningKey::from_secret(Alg::EdDSA, &decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"), 0, None).unwrap();
        assert_eq!(key.public_jwk()["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
        assert_eq!(key.kid, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }

    /// Each algorithm's token verifies with its JWKS entry
    /// (RSA: the public key as the JWKS publishes it; openid-client verifies it in
/// tests/js/e2e/integrate.test.mjs).
    #[test]
    fn each_algorithm_signs_a_token_its_jwks_key_verifies() {
        use ed25519_dalek::Verifier as _;
        let keys: Vec<SigningKey> = Alg::ALL.into_iter().map(|alg| SigningKey::from_secret(alg, &generate(alg).unwrap(), 1, None).unwrap()).collect();
        let set = KeySet::new(keys);
        let jwks = set.jwks(10, 600);
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 3);
        let claims = IdClaims { iss: "https://i", sub: "s", aud: "a", iat: 1, exp: 2, auth_time: Some(1), nonce: Some("n"), at_hash: None, name: None, email: None, email_verified: None };
        for alg in Alg::ALL {
            let token = set.sign(alg, &claims).unwrap();
            let (input, sig) = token.rsplit_once('.').unwrap();
            let header: Value = serde_json::from_slice(&decode(input.split('.').next().unwrap())).unwrap();
            assert_eq!(header["alg"], alg.name());
            let jwk = jwks["keys"].as_array().unwrap().iter().find(|j| j["kid"] == header["kid"]).unwrap();
            assert_eq!((jwk["alg"].as_str(), jwk["use"].as_str()), (Some(alg.name()), Some("sig")));
            let sig = decode(sig);
            let mut tampered = input.as_bytes().to_vec();
            tampered[0] ^= 1;
            match alg {
                Alg::RS256 => {
                    assert_eq!(jwk["e"], "AQAB");
                    let n = decode(jwk["n"].as_str().unwrap());
                    assert_eq!((n.len(), n[0] & 0x80), (256, 0x80), "2048 bits, no leading zero");
                    let e = decode("AQAB");
                    let key = ring::signature::RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() };
                    key.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig).unwrap();
                    assert!(key.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, &tampered, &sig).is_err());
                }
                Alg::EdDSA => {
                    let x: [u8; 32] = decode(jwk["x"].as_str().unwrap()).try_into().unwrap();
                    let key = ed25519_dalek::VerifyingKey::from_bytes(&x).unwrap();
                    let s = ed25519_dalek::Signature::from_slice(&sig).unwrap();
                    key.verify(input.as_bytes(), &s).unwrap();
                    assert!(key.verify(&tampered, &s).is_err());
                }
                Alg::ES256 => {
                    assert_eq!(sig.len(), 64, "JOSE r ‖ s, not DER");
                    let mut sec1 = vec![4u8];
                    sec1.extend(decode(jwk["x"].as_str().unwrap()));
                    sec1.extend(decode(jwk["y"].as_str().unwrap()));
                    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
                    let s = p256::ecdsa::Signature::from_slice(&sig).unwrap();
                    key.verify(input.as_bytes(), &s).unwrap();
                    assert!(key.verify(&tampered, &s).is_err());
                }
            }
        }
    }

    #[test]
    fn a_retired_key_is_published_for_its_overlap_and_never_signs() {
        let old = SigningKey::from_secret(Alg::ES256, &generate(Alg::ES256).unwrap(), 100, Some(200)).unwrap();
        let new = SigningKey::from_secret(Alg::ES256, &generate(Alg::ES256).unwrap(), 200, None).unwrap();
        let (old_kid, new_kid) = (old.kid.clone(), new.kid.clone());
        let set = KeySet::new(vec![old, new]);
        assert_eq!(set.signer(Alg::ES256).unwrap().kid, new_kid);
        let kids = |now| set.jwks(now, 600)["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(kids(799), [new_kid.clone(), old_kid]);
        assert_eq!(kids(800), [new_kid]);
        assert!(set.signer(Alg::RS256).is_none());
    }

    #[test]
    fn a_secret_of_the_wrong_shape_is_no_key() {
        assert!(SigningKey::from_secret(Alg::EdDSA, &[1u8; 31], 0, None).is_none());
        assert!(SigningKey::from_secret(Alg::ES256, &[0u8; 32], 0, None).is_none(), "the zero scalar");
        assert!(SigningKey::from_secret(Alg::RS256, &[0x30, 0x00], 0, None).is_none());
        // A 1024-bit RSA key is refused (ring accepts it; the server wants 2048 or more).
        use rsa::pkcs8::EncodePrivateKey;
        let small = rsa::RsaPrivateKey::new(&mut OsRng, 1024).unwrap().to_pkcs8_der().unwrap();
        assert!(SigningKey::from_secret(Alg::RS256, small.as_bytes(), 0, None).is_none());
    }
}
