//! The canonical envelope AAD (wire profile §3.5) and the exact `wrapping_alg` strings.

use serde::Serialize;

use crate::json_string::push_json_string;

/// `wrapping_alg` of password envelopes written by zkauth (key `KW`, canonical AAD).
pub const WRAPPING_ALG_PASSWORD_V2: &str = "OPAQUE-HKDF-SHA256+A256GCM/v2";
/// `wrapping_alg` of migrated v1 password envelopes (AAD = UTF-8 `sub`).
pub const WRAPPING_ALG_PASSWORD_V1: &str = "OPAQUE-HKDF-SHA256+A256GCM/v1";
/// `wrapping_alg` of passkey-PRF envelopes.
pub const WRAPPING_ALG_PASSKEY_PRF: &str = "WebAuthn-PRF-HKDF-SHA256+A256GCM/v2";
/// `wrapping_alg` of recovery envelopes.
pub const WRAPPING_ALG_RECOVERY: &str = "DarkAuth-Recovery-HKDF-SHA256+A256GCM/v2";
/// `wrapping_alg` of trusted-device envelopes.
pub const WRAPPING_ALG_TRUSTED_DEVICE: &str = "DarkAuth-DeviceLocal-AESGCM/v2";

/// Keybag envelope types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeType {
    Password,
    PasskeyPrf,
    TrustedDevice,
    Recovery,
}

impl EnvelopeType {
    /// Every type, in the order of the wire profile's table.
    pub const ALL: [EnvelopeType; 4] = [EnvelopeType::Password, EnvelopeType::PasskeyPrf, EnvelopeType::TrustedDevice, EnvelopeType::Recovery];

    /// The wire name (`password`, `passkey_prf`, `trusted_device`, `recovery`).
    pub fn as_str(self) -> &'static str {
        match self {
            EnvelopeType::Password => "password",
            EnvelopeType::PasskeyPrf => "passkey_prf",
            EnvelopeType::TrustedDevice => "trusted_device",
            EnvelopeType::Recovery => "recovery",
        }
    }

    /// The type with this wire name; `None` for anything else.
    pub fn from_name(name: &str) -> Option<EnvelopeType> {
        EnvelopeType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// The AAD members, serialized in exactly this order.
#[derive(Debug, Clone, Serialize)]
pub struct EnvelopeAad<'a> {
    pub envelope_id: &'a str,
    pub key_id: &'a str,
    pub sub: &'a str,
    #[serde(rename = "type")]
    pub envelope_type: EnvelopeType,
    pub wrapping_alg: &'a str,
}

/// `{"envelope_id":…,"key_id":…,"sub":…,"type":…,"wrapping_alg":…}` as compact UTF-8 JSON
/// (string escaping identical to `JSON.stringify`). The server's `aad` field is `b64u` of this.
/// Written member by member, so it cannot fail and is never empty.
pub fn envelope_aad(aad: &EnvelopeAad<'_>) -> String {
    let mut out = String::from("{\"envelope_id\":");
    push_json_string(&mut out, aad.envelope_id);
    out.push_str(",\"key_id\":");
    push_json_string(&mut out, aad.key_id);
    out.push_str(",\"sub\":");
    push_json_string(&mut out, aad.sub);
    out.push_str(",\"type\":");
    push_json_string(&mut out, aad.envelope_type.as_str());
    out.push_str(",\"wrapping_alg\":");
    push_json_string(&mut out, aad.wrapping_alg);
    out.push('}');
    out
}

/// The server-side check (§3.5): `given_b64u` must be exactly `b64u` of the canonical AAD
/// for these members, compared in constant time.
pub fn envelope_aad_matches(given_b64u: &str, aad: &EnvelopeAad<'_>) -> bool {
    crate::ct_eq_str(given_b64u, &crate::b64u::encode(envelope_aad(aad).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form() {
        let a = EnvelopeAad {
            envelope_id: "env_1",
            key_id: "ark_2",
            sub: "sub3",
            envelope_type: EnvelopeType::Password,
            wrapping_alg: WRAPPING_ALG_PASSWORD_V2,
        };
        assert_eq!(
            envelope_aad(&a),
            r#"{"envelope_id":"env_1","key_id":"ark_2","sub":"sub3","type":"password","wrapping_alg":"OPAQUE-HKDF-SHA256+A256GCM/v2"}"#
        );
        let b = EnvelopeAad { envelope_type: EnvelopeType::PasskeyPrf, sub: "a\"b\\c\n\u{1}é/", ..a.clone() };
        for t in EnvelopeType::ALL {
            assert_eq!(EnvelopeType::from_name(t.as_str()), Some(t));
        }
        assert_eq!(EnvelopeType::from_name("Password"), None);
        let good = crate::b64u::encode(envelope_aad(&a).as_bytes());
        assert!(envelope_aad_matches(&good, &a));
        assert!(!envelope_aad_matches(&good, &b));
        assert!(!envelope_aad_matches(&format!("{good}A"), &a));
        assert_eq!(
            envelope_aad(&b),
            r#"{"envelope_id":"env_1","key_id":"ark_2","sub":"a\"b\\c\n\u0001é/","type":"passkey_prf","wrapping_alg":"OPAQUE-HKDF-SHA256+A256GCM/v2"}"#
        );
        // The hand-written form equals serde's, and each type's name is serde's name of the variant.
        assert_eq!(envelope_aad(&b), serde_json::to_string(&b).unwrap());
        for t in [EnvelopeType::Password, EnvelopeType::PasskeyPrf, EnvelopeType::TrustedDevice, EnvelopeType::Recovery] {
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{}\"", t.as_str()));
            assert!(envelope_aad(&EnvelopeAad { envelope_type: t, ..a.clone() }).contains(&format!(",\"type\":\"{}\",", t.as_str())));
        }
    }
}
