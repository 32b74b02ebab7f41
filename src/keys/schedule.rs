//! The HKDF key schedules of key custody (§3.2, §3.3, §3.6, §3.11, §3.12): which key wraps
//! what, derived from which secret under which salt and info.

use zeroize::Zeroizing;

use crate::primitives::{hkdf32, sha256};

/// v1 `MK = HKDF(export_key, H("DarkAuth|v1|tenant=default|user=" + sub), "mk")`.
pub(crate) fn mk_v1(export_key: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let salt = sha256(format!("DarkAuth|v1|tenant=default|user={sub}").as_bytes());
    hkdf32(export_key, &salt, b"mk")
}

/// v1 `KW = HKDF(MK, "DarkAuth|v1", "wrap-key")`: the key every password writer uses.
pub(crate) fn kw_v1(export_key: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let mk = mk_v1(export_key, sub);
    hkdf32(&mk[..], b"DarkAuth|v1", b"wrap-key")
}

/// v2 `MK2 = HKDF(export_key, H("DarkAuth|v2|password|sub=" + sub), "mk")` (read path only).
pub(crate) fn mk_v2(export_key: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let salt = sha256(format!("DarkAuth|v2|password|sub={sub}").as_bytes());
    hkdf32(export_key, &salt, b"mk")
}

/// v2 `KW2 = HKDF(MK2, "DarkAuth|v2", "account-root-wrap")` (read path only).
pub(crate) fn kw_v2(export_key: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let mk2 = mk_v2(export_key, sub);
    hkdf32(&mk2[..], b"DarkAuth|v2", b"account-root-wrap")
}

/// Recovery wrap key: `HKDF(secret, H("DarkAuth|v2|recovery|sub=" + sub), "wrap-key")`.
pub(crate) fn recovery_wrap_key(secret: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let salt = sha256(format!("DarkAuth|v2|recovery|sub={sub}").as_bytes());
    hkdf32(secret, &salt, b"wrap-key")
}

/// Passkey-PRF wrap key:
/// `HKDF(prf_output, H("DarkAuth|v2|passkey-prf|sub=" + sub + "|credential_id=" + credential_id), "wrap-key")`.
pub(crate) fn prf_wrap_key(prf_output: &[u8], sub: &str, credential_id: &str) -> Zeroizing<[u8; 32]> {
    let salt = sha256(format!("DarkAuth|v2|passkey-prf|sub={sub}|credential_id={credential_id}").as_bytes());
    hkdf32(prf_output, &salt, b"wrap-key")
}

/// `wk = HKDF(ARK, "DarkAuth|user-keys", "private-key-wrap")` (raw salt string, §3.11).
pub(crate) fn private_key_wrap_key(root: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    hkdf32(root, b"DarkAuth|user-keys", b"private-key-wrap")
}

/// `DEK = HKDF(key, "DarkAuth|demo-notes", "note:" + item_id)` (raw salt string, §3.12).
pub(super) fn data_key_bytes(key: &[u8; 32], item_id: &str) -> Zeroizing<[u8; 32]> {
    hkdf32(key, b"DarkAuth|demo-notes", format!("note:{item_id}").as_bytes())
}
