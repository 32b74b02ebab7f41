//! Device approval (wire profile §3.10 step 4): a trusted device seals the account root key to a
//! new device's ECDH public key (the delivery construction: ECDH-ES + A256GCM, header exactly
//! {alg, enc, epk}), and the new device opens it with its [`DeliveryKeyPair`] after the
//! payload's checks (zkauth-verify's [`check_approval_claims`]).

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;
use zkauth_verify::{b64u, check_approval_claims, parse_compact_jwe, parse_epk_value, v2_header_json, ApprovalClaims, ExpectApproval, JweVersion, APPROVAL_LIFETIME_SECS, TYP_DEVICE_APPROVAL};

use super::jwe::{decrypt_parsed, seal_compact};
use super::DeliveryKeyPair;
use crate::identifiers::{REQUEST_ID, SUB};
use crate::{Error, RootKey};

/// Seals `root` for the new device whose ECDH public JWK (JSON, as the approval request sent it)
/// is `new_device_jwk` (a P-256 public key by the `zk_pub` rules, else `invalid_zk_pub`), for `sub`'s approval request `request_id`, issued at
/// `iat` (unix seconds; `exp = iat + 120`). Returns the compact JWE; the payload buffer, which
/// holds the key, is wiped after encryption.
pub fn seal_device_approval<R: CryptoRng + RngCore>(rng: &mut R, root: &RootKey, new_device_jwk: &str, sub: &str, request_id: &str, iat: i64) -> Result<String, Error> {
    let recipient = parse_epk_value(new_device_jwk).map_err(|_| zkauth_verify::Error::InvalidZkPub("the new device's key is not a P-256 public JWK"))?;
    SUB.check(sub)?;
    REQUEST_ID.check(request_id)?;
    let exp = iat.checked_add(APPROVAL_LIFETIME_SECS).ok_or(Error::InvalidInput("iat out of range"))?;
    // EXPOSE: the root key goes into the payload, encrypted to the new device.
    let ark = Zeroizing::new(b64u::encode(root.expose_secret()));
    let claims = ApprovalClaims { typ: TYP_DEVICE_APPROVAL, version: "v2", sub, request_id, ark: &ark, iat, exp };
    // Reserved up front so serialization never reallocates (a reallocation would leave an
    // unwiped copy of the key): JSON escaping writes at most 6 bytes per input byte.
    let capacity = (sub.len() + request_id.len()).saturating_mul(6).saturating_add(256);
    let mut payload = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut *payload, &claims).map_err(|_| Error::InvalidInput("payload serialization"))?;
    Ok(seal_compact(rng, &recipient, v2_header_json, &payload)?.jwe)
}

impl DeliveryKeyPair {
    /// The public key as the compact JWK a device-approval request sends (string members
    /// only: `{"kty","crv","x","y"}`); the consume proof is `b64u(SHA-256)` of exactly this.
    pub fn public_jwk(&self) -> Result<String, Error> {
        Ok(zkauth_verify::public_jwk_json(&self.public_key())?)
    }

    /// Opens a device approval addressed to this key pair: header rules, ECDH, AES-GCM
    /// (`jwe_decrypt_failed`), then the payload's checks; returns the account root key.
    pub fn open_device_approval(&self, jwe: &str, e: &ExpectApproval<'_>) -> Result<RootKey, Error> {
        let parsed = parse_compact_jwe(jwe, JweVersion::V2)?;
        self.with_shared(&parsed.epk, |z| {
            let payload = decrypt_parsed(&parsed, z)?;
            let ark = check_approval_claims(&payload, e)?;
            Ok(RootKey::from_bytes(*ark))
        })
    }
}
