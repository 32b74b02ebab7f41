//! Sealing on the login page (wire profile §4.4, §4.5): a Client App Key as a v2 delivery,
//! the root key as a v1 delivery, each encrypted to the relying party's `zk_pub`.

use core::fmt;

use rand_core::{CryptoRng, RngCore};
use serde::Serialize;
use zeroize::Zeroizing;
use zkauth_verify::{b64u, hash_b64u, redacted, v1_header_json, Redacted, v2_header_json, validate_zk_pub, KEY_KIND_CLIENT_APP_KEY, TYP_CLIENT_KEY, V2_LIFETIME_SECS};

use super::jwe::seal_compact;
use crate::identifiers::{check_cak_context, CLIENT_ID, REQUEST_ID, SUB};
use crate::{AppKey, Error, RootKey};

/// What the login page binds into a v2 delivery (wire profile §4.4). `Debug` shows the client
/// id, redirect URI and `iat` and redacts the user's and the request's values.
#[derive(Clone, Copy)]
pub struct SealV2<'a> {
    pub sub: &'a str,
    /// The `client_id` from the login page query; also written as `aud`.
    pub client_id: &'a str,
    /// Only for organization-scoped keys; omitted from the payload when `None`.
    pub org_id: Option<&'a str>,
    pub request_id: &'a str,
    /// The `state` query value exactly as the RP sent it; `None` hashes the empty string.
    pub state: Option<&'a str>,
    pub redirect_uri: &'a str,
    /// The account key id the CAK was derived under.
    pub key_id: &'a str,
    /// Unix seconds; `exp = iat + 120`.
    pub iat: i64,
}

impl fmt::Debug for SealV2<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealV2")
            .field("sub", &Redacted)
            .field("client_id", &self.client_id)
            .field("org_id", &redacted(self.org_id))
            .field("request_id", &Redacted)
            .field("state", &redacted(self.state))
            .field("redirect_uri", &self.redirect_uri)
            .field("key_id", &Redacted)
            .field("iat", &self.iat)
            .finish()
    }
}

/// A sealed delivery: the compact JWE (for the URL fragment only) and its binding hash
/// (`zk_key_hash` or `drk_hash`, the only thing the server sees). `Debug` hides the JWE.
#[derive(Clone)]
pub struct Sealed {
    pub jwe: String,
    /// `b64u(SHA-256(jwe))`.
    pub hash: String,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed").field("jwe", &"[redacted]").field("hash", &self.hash).finish()
    }
}

/// The v2 payload, serialized compact with members in wire profile §4.4 order.
#[derive(Serialize)]
struct PayloadV2<'a> {
    typ: &'a str,
    version: &'a str,
    sub: &'a str,
    client_id: &'a str,
    aud: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_id: Option<&'a str>,
    request_id: &'a str,
    state_hash: &'a str,
    redirect_uri_hash: &'a str,
    key_id: &'a str,
    key_kind: &'a str,
    cak: &'a str,
    iat: i64,
    exp: i64,
}

/// Seals a Client App Key to the RP's `zk_pub` as a v2 delivery JWE.
///
/// `zk_pub` is validated strictly first (`invalid_zk_pub`). The identifiers follow the one
/// identifier rule (non-empty; `sub`, `key_id`, `client_id`, `org_id` without `|`), the redirect
/// URI is non-empty and `iat + 120` must not overflow (`invalid_input`). The payload buffer, which holds the key,
/// is wiped after encryption.
pub fn seal_delivery_v2<R: CryptoRng + RngCore>(rng: &mut R, key: &AppKey, zk_pub: &str, c: &SealV2<'_>) -> Result<Sealed, Error> {
    let recipient = validate_zk_pub(zk_pub)?;
    // sub, key_id, client_id and org_id are the CAK's context: the identifier rule, no `|`.
    check_cak_context(c.sub, c.key_id, c.client_id, c.org_id)?;
    REQUEST_ID.check(c.request_id)?;
    if c.redirect_uri.is_empty() {
        return Err(Error::InvalidInput("redirect_uri must be non-empty"));
    }
    if let Some(ctx) = key.context() {
        let same = ctx.sub == c.sub && ctx.key_id == c.key_id && ctx.client_id == c.client_id && ctx.org_id.as_deref() == c.org_id;
        if !same {
            return Err(Error::AppKeyContextMismatch);
        }
    }
    let exp = c.iat.checked_add(V2_LIFETIME_SECS).ok_or(Error::InvalidInput("iat out of range"))?;
    let state_hash = hash_b64u(c.state.unwrap_or(""));
    let redirect_uri_hash = hash_b64u(c.redirect_uri);
    // EXPOSE: the CAK goes into the JWE payload, which is encrypted to the RP.
    let cak = Zeroizing::new(b64u::encode(key.expose_secret()));
    let claims = PayloadV2 {
        typ: TYP_CLIENT_KEY,
        version: "v2",
        sub: c.sub,
        client_id: c.client_id,
        aud: c.client_id,
        org_id: c.org_id,
        request_id: c.request_id,
        state_hash: &state_hash,
        redirect_uri_hash: &redirect_uri_hash,
        key_id: c.key_id,
        key_kind: KEY_KIND_CLIENT_APP_KEY,
        cak: &cak,
        iat: c.iat,
        exp,
    };
    // Reserve enough that serialization never reallocates (a reallocation would leave an
    // unwiped copy of the key behind): JSON escaping writes at most 6 bytes per input byte.
    let strings = [c.sub, c.client_id, c.org_id.unwrap_or(""), c.request_id, c.key_id].iter().map(|s| s.len()).sum::<usize>();
    let capacity = strings.saturating_mul(12).saturating_add(512);
    let mut payload = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut *payload, &claims).map_err(|_| Error::InvalidInput("payload serialization"))?;
    seal_compact(rng, &recipient.public_key, v2_header_json, &payload)
}

/// Seals the root key (DRK/ARK) to the RP's `zk_pub` as a v1 delivery JWE: raw 32-byte
/// payload, `sub` and `client_id` in the protected header (wire profile §4.5).
pub fn seal_delivery_v1<R: CryptoRng + RngCore>(rng: &mut R, root: &RootKey, zk_pub: &str, sub: &str, client_id: &str) -> Result<Sealed, Error> {
    let recipient = validate_zk_pub(zk_pub)?;
    SUB.check(sub)?;
    CLIENT_ID.check(client_id)?;
    // EXPOSE: the root key is the v1 payload, encrypted to the RP (aead_seal encrypts its
    // own copy in place, so no plaintext copy outlives the call).
    seal_compact(rng, &recipient.public_key, |epk| v1_header_json(epk, sub, client_id), root.expose_secret())
}
