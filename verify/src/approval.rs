//! Device-approval payloads (wire profile §3.10 step 4): the claims a trusted device seals for a
//! new device, in the spec's member order, and the new device's checks before it takes the
//! account root key (`typ`, `version`, `ark` present, `sub`, `request_id`, `exp ≥ now`).

use serde::Serialize;
use zeroize::Zeroizing;

use crate::json::{read_object_within, Limits, MemberError, Members, Value};
use crate::{b64u, ct_eq_str, Error, MAX_FUTURE_SKEW_SECS, MAX_JWE_LEN};

/// The payload's `typ`.
pub const TYP_DEVICE_APPROVAL: &str = "DarkAuth-Device-Approval";
/// `exp = iat + 120`.
pub const APPROVAL_LIFETIME_SECS: i64 = 120;

/// The approval payload, serialized compact in the spec's order: typ, version, sub, request_id,
/// ark, iat, exp. `ark` is the root key's b64u: whoever serializes it wipes the buffer.
#[derive(Serialize)]
pub struct ApprovalClaims<'a> {
    pub typ: &'a str,
    pub version: &'a str,
    pub sub: &'a str,
    pub request_id: &'a str,
    pub ark: &'a str,
    pub iat: i64,
    pub exp: i64,
}

/// What the new device expects of an approval: its account and its request, at `now`.
#[derive(Debug, Clone, Copy)]
pub struct ExpectApproval<'a> {
    pub sub: &'a str,
    pub request_id: &'a str,
    pub now: i64,
}

const LIMITS: Limits = Limits { max_len: MAX_JWE_LEN, max_members: 16 };

#[derive(Default)]
struct RawApproval {
    typ: Option<String>,
    version: Option<String>,
    sub: Option<String>,
    request_id: Option<String>,
    ark: Option<Zeroizing<String>>,
    iat: Option<i64>,
    exp: Option<i64>,
}

impl Members for RawApproval {
    fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError> {
        match name {
            "typ" => self.typ = Some(value.string()?),
            "version" => self.version = Some(value.string()?),
            "sub" => self.sub = Some(value.string()?),
            "request_id" => self.request_id = Some(value.string()?),
            "ark" => self.ark = Some(value.secret_string()?),
            "iat" => self.iat = Some(value.integer()?),
            "exp" => self.exp = Some(value.integer()?),
            _ => {}
        }
        Ok(())
    }
}

/// Parses and checks an approval payload (strict bounded JSON: unique members, no lone
/// surrogates); returns the 32-byte root key. In order: `typ` (`typ_mismatch`), `version`
/// "v2" (`version_mismatch`), every member present (`payload_invalid`), `sub`
/// (`sub_mismatch`), `request_id` (`request_id_mismatch`), `iat` not ahead of `now` by more
/// than the skew (`delivery_not_yet_valid`), `exp - iat` at most 120 s (`delivery_lifetime_too_long`),
/// `exp ≥ now` (`delivery_expired`), `ark` canonical b64u of 32 bytes.
pub fn check_approval_claims(payload: &[u8], e: &ExpectApproval<'_>) -> Result<Zeroizing<[u8; 32]>, Error> {
    let raw: RawApproval = read_object_within(payload, LIMITS).map_err(|_| Error::PayloadInvalid("not the device-approval claim object"))?;
    if raw.typ.as_deref() != Some(TYP_DEVICE_APPROVAL) {
        return Err(Error::TypMismatch);
    }
    if raw.version.as_deref() != Some("v2") {
        return Err(Error::VersionMismatch);
    }
    let (Some(sub), Some(request_id), Some(ark), Some(iat), Some(exp)) = (raw.sub, raw.request_id, raw.ark, raw.iat, raw.exp) else {
        return Err(Error::PayloadInvalid("a device-approval member is missing"));
    };
    if !ct_eq_str(&sub, e.sub) {
        return Err(Error::SubMismatch);
    }
    if !ct_eq_str(&request_id, e.request_id) {
        return Err(Error::RequestIdMismatch);
    }
    if iat > e.now.saturating_add(MAX_FUTURE_SKEW_SECS) {
        return Err(Error::IssuedInFuture);
    }
    if exp.saturating_sub(iat) > APPROVAL_LIFETIME_SECS {
        return Err(Error::LifetimeTooLong);
    }
    if exp < e.now {
        return Err(Error::Expired);
    }
    b64u::decode_array::<32>(&ark, "ark").map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARK: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    const E: ExpectApproval<'static> = ExpectApproval { sub: "user1", request_id: "req-1", now: 1000 };

    fn payload(over: &[(&str, serde_json::Value)]) -> Vec<u8> {
        let mut m = serde_json::json!({
            "typ": TYP_DEVICE_APPROVAL, "version": "v2", "sub": "user1", "request_id": "req-1", "ark": ARK, "iat": 990, "exp": 1110
        });
        for (k, v) in over {
            if let Some(o) = m.as_object_mut() {
                if v.is_null() {
                    o.remove(*k);
                } else {
                    o.insert((*k).to_string(), v.clone());
                }
            }
        }
        serde_json::to_vec(&m).unwrap()
    }

    #[test]
    fn a_good_approval_gives_the_root_key() {
        let ark = check_approval_claims(&payload(&[]), &E).map(|k| *k);
        let expected: [u8; 32] = core::array::from_fn(|i| i as u8);
        assert_eq!(ark, Ok(expected));
        // exp == now is still good (the spec says exp ≥ now).
        assert!(check_approval_claims(&payload(&[("exp", 1000.into()), ("iat", 900.into())]), &E).is_ok());
    }

    #[test]
    fn every_rule_refuses_with_its_code() {
        use serde_json::json;
        let cases: [(&[(&str, serde_json::Value)], &str); 10] = [
            (&[("typ", json!("DarkAuth-Client-Key"))], "typ_mismatch"),
            (&[("version", json!("v1"))], "version_mismatch"),
            (&[("ark", serde_json::Value::Null)], "payload_invalid"),
            (&[("sub", json!("user2"))], "sub_mismatch"),
            (&[("request_id", json!("req-2"))], "request_id_mismatch"),
            (&[("iat", json!(1061)), ("exp", json!(1100))], "delivery_not_yet_valid"),
            (&[("iat", json!(980)), ("exp", json!(1101))], "delivery_lifetime_too_long"),
            (&[("iat", json!(880)), ("exp", json!(999))], "delivery_expired"),
            (&[("ark", json!("AAEC"))], "invalid_length"),
            (&[("iat", json!("990"))], "payload_invalid"),
        ];
        for (over, code) in cases {
            let got = check_approval_claims(&payload(over), &E).map(|_| ()).map_err(|e| e.code());
            assert_eq!(got, Err(code), "{over:?}");
        }
        // Duplicate members and a lone surrogate are not JSON this reader takes.
        let dup = br#"{"typ":"DarkAuth-Device-Approval","typ":"DarkAuth-Device-Approval","version":"v2"}"#;
        assert_eq!(check_approval_claims(dup, &E).map(|_| ()).map_err(|e| e.code()), Err("payload_invalid"));
    }

    #[test]
    fn claims_serialize_in_the_spec_order() {
        let c = ApprovalClaims { typ: TYP_DEVICE_APPROVAL, version: "v2", sub: "u", request_id: "r", ark: ARK, iat: 1, exp: 121 };
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(text, format!(r#"{{"typ":"DarkAuth-Device-Approval","version":"v2","sub":"u","request_id":"r","ark":"{ARK}","iat":1,"exp":121}}"#));
    }
}
