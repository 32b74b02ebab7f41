//! zkauth-verify: the wire rules that the zkauth SDK and every server share.
//!
//! Canonical base64url (and padded base64 for note ciphertexts), `X_hash` strings, one
//! bounded strict JSON-object reader, strict `zk_pub`/`epk`/private-JWK validation,
//! compact-JWE parsing with the profile's header allow-list, the canonical envelope AAD, and
//! the v1/v2 delivery-claim checks. No wasm, no OPAQUE, no randomness: pure functions only,
//! so the browser and the server apply byte-for-byte the same rules.

mod aad;
mod approval;
mod artifacts;
pub mod b64std;
pub mod b64u;
mod claims;
mod error;
mod hash;
pub mod json;
mod json_string;
mod redact;
mod jwe;
mod jwk;

pub use approval::{check_approval_claims, ApprovalClaims, ExpectApproval, APPROVAL_LIFETIME_SECS, TYP_DEVICE_APPROVAL};
pub use aad::{envelope_aad, envelope_aad_matches, EnvelopeAad, EnvelopeType, WRAPPING_ALG_PASSKEY_PRF, WRAPPING_ALG_PASSWORD_V1, WRAPPING_ALG_PASSWORD_V2, WRAPPING_ALG_RECOVERY, WRAPPING_ALG_TRUSTED_DEVICE};
pub use artifacts::{TokenArtifacts, ZK_KEY_VERSION_V2};
pub use claims::{
    check_time_window, check_token_response_v1, check_token_response_v2, check_v1_header, check_v2_claims, Aud, DeliveryClaimsV2, ExpectV1, ExpectV2, V2Checked, KEY_KIND_CLIENT_APP_KEY,
    MAX_FUTURE_SKEW_SECS, MAX_LIFETIME_SECS, TYP_CLIENT_KEY, V2_LIFETIME_SECS,
};
pub use error::Error;
pub use hash::{check_hash_binding, ct_eq, ct_eq_str, hash_b64u};
pub use json_string::{json_string, push_json_string};
pub use redact::{redacted, Redacted};
pub use jwe::{parse_compact_jwe, MAX_HEADER_LEN, MAX_JWE_LEN, protected_header_json, v1_header_json, v2_header_json, CompactJwe, JweHeader, JweVersion};
pub use jwk::{parse_epk_value, MAX_ZK_PUB_LEN, parse_private_jwk, public_jwk_json, validate_zk_pub, ZkPub};
