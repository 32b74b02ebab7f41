//! Opening in the app, in the order of wire profile §4.7: hash binding, header allow-list and
//! `epk`, then (after ECDH) Concat KDF, AES-GCM and the claim checks. The split form serves a
//! recipient key that lives in WebCrypto: step 1 returns the `epk`, step 2 takes `Z`.

use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::PublicKey;
use zeroize::Zeroizing;
use zkauth_verify::{check_hash_binding, check_v1_header, check_v2_claims, parse_compact_jwe, CompactJwe, JweVersion, V2Checked};

use super::jwe::decrypt_parsed;
use crate::identifiers::{CLIENT_ID, ORG_ID, REQUEST_ID, SUB};
use super::{DeliveredKey, DeliveredKind, ExpectV1, ExpectV2};
use crate::Error;

fn uncompressed(epk: &PublicKey) -> Result<[u8; 65], Error> {
    <[u8; 65]>::try_from(epk.to_encoded_point(false).as_bytes()).map_err(|_| Error::InvalidInput("epk encoding"))
}

/// Hash binding, then header allow-list and `epk` (inside `parse_compact_jwe`).
pub(super) fn prepare_v2<'j>(jwe: &'j str, e: &ExpectV2<'_>) -> Result<CompactJwe<'j>, Error> {
    // §4.7 step 5: the token response's kind and version first, then the hash binding.
    zkauth_verify::check_token_response_v2(e)?;
    CLIENT_ID.check(e.client_id)?;
    SUB.check_optional(e.sub)?;
    REQUEST_ID.check_optional(e.request_id)?;
    ORG_ID.check_optional(e.org_id)?;
    check_hash_binding(jwe, e.zk_key_hash, "zk_key_hash")?;
    Ok(parse_compact_jwe(jwe, JweVersion::V2)?)
}

pub(super) fn prepare_v1<'j>(jwe: &'j str, e: &ExpectV1<'_>) -> Result<CompactJwe<'j>, Error> {
    // §4.7 step 5 for a v1 open (the Rust ExpectV1 carries only the v1 hash).
    zkauth_verify::check_token_response_v1(e)?;
    SUB.check_optional(e.sub)?;
    CLIENT_ID.check_optional(e.client_id)?;
    if let Some(expected) = e.drk_hash {
        check_hash_binding(jwe, expected, "drk_hash")?;
    }
    Ok(parse_compact_jwe(jwe, JweVersion::V1)?)
}

/// AEAD, then the ordered v2 claim checks; returns the checked payload with the key.
pub(super) fn finish_v2_payload(parsed: &CompactJwe<'_>, z: &[u8; 32], e: &ExpectV2<'_>) -> Result<(DeliveredKey, Zeroizing<Vec<u8>>), Error> {
    let payload = decrypt_parsed(parsed, z)?;
    let V2Checked { sub, key_id, cak } = check_v2_claims(&payload, e)?;
    Ok((DeliveredKey::new(DeliveredKind::ClientAppKey, Some(key_id), Some(sub), &cak), payload))
}

/// AEAD, then the ordered v2 claim checks.
pub(super) fn finish_v2(parsed: &CompactJwe<'_>, z: &[u8; 32], e: &ExpectV2<'_>) -> Result<DeliveredKey, Error> {
    finish_v2_payload(parsed, z, e).map(|(key, _)| key)
}

/// AEAD, then exactly 32 bytes of root key, then the header's `sub`/`client_id`.
pub(super) fn finish_v1(parsed: &CompactJwe<'_>, z: &[u8; 32], e: &ExpectV1<'_>) -> Result<DeliveredKey, Error> {
    let payload = decrypt_parsed(parsed, z)?;
    let drk = <&[u8; 32]>::try_from(payload.as_slice())
        .map_err(|_| zkauth_verify::Error::InvalidLength { what: "v1 root key payload", expected: 32, actual: payload.len() })?;
    check_v1_header(&parsed.header, e)?;
    Ok(DeliveredKey::new(DeliveredKind::RootKey, None, parsed.header.sub.clone(), drk))
}

/// Split open, step 1 (v2): checks `zk_key_hash`, the header allow-list and the `epk`, and
/// returns the sender's ephemeral public key as uncompressed SEC1 (65 bytes, `04 ‖ x ‖ y`) for
/// a WebCrypto `deriveBits` with a non-extractable key. Nothing here is secret.
pub fn delivery_epk_v2(jwe: &str, e: &ExpectV2<'_>) -> Result<[u8; 65], Error> {
    uncompressed(&prepare_v2(jwe, e)?.epk)
}

/// Split open, step 1 (v1): checks `drk_hash` (when given), the header allow-list and the
/// `epk`, and returns the `epk` as uncompressed SEC1 (65 bytes).
pub fn delivery_epk_v1(jwe: &str, e: &ExpectV1<'_>) -> Result<[u8; 65], Error> {
    uncompressed(&prepare_v1(jwe, e)?.epk)
}

/// Split open, step 2 (v2): `z` is the 32-byte ECDH x-coordinate between the recipient key and
/// the `epk` of [`delivery_epk_v2`]. Repeats every check of step 1, then decrypts and checks the claims.
pub fn open_delivery_v2_with_secret(jwe: &str, z: &[u8; 32], e: &ExpectV2<'_>) -> Result<DeliveredKey, Error> {
    let parsed = prepare_v2(jwe, e)?;
    finish_v2(&parsed, z, e)
}

/// Split open, step 2 (v1): like [`open_delivery_v2_with_secret`] for a v1 delivery.
pub fn open_delivery_v1_with_secret(jwe: &str, z: &[u8; 32], e: &ExpectV1<'_>) -> Result<DeliveredKey, Error> {
    let parsed = prepare_v1(jwe, e)?;
    finish_v1(&parsed, z, e)
}
