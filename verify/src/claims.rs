//! Delivery claim checks (wire profile §0, §4.4, §4.5, §4.7) as pure functions.
//!
//! v2: the JSON payload is checked in a fixed order and each failure has its own code;
//! every hash and binding value is compared in constant time. v1: the header's `sub` and
//! `client_id` are checked against what the caller expects.

use std::fmt;

use serde::Deserialize;

use crate::json::{read_object_within, Limits, MemberError, Members, OneOrMany, Value};
use crate::redact::{redacted, Redacted};
use crate::{b64u, ct_eq_str, hash_b64u, Error, JweHeader, JweVersion, TokenArtifacts, MAX_JWE_LEN};

/// `typ` of a v2 delivery payload.
pub const TYP_CLIENT_KEY: &str = "DarkAuth-Client-Key";
/// `key_kind` of a v2 delivery payload.
pub const KEY_KIND_CLIENT_APP_KEY: &str = "client_app_key";
/// `exp - iat` that zkauth's sealer writes.
pub const V2_LIFETIME_SECS: i64 = 120;
/// Largest accepted `exp - iat`.
pub const MAX_LIFETIME_SECS: i64 = 600;
/// Largest accepted clock skew for `iat` in the future.
pub const MAX_FUTURE_SKEW_SECS: i64 = 60;

/// `aud` is a string or an array of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Aud {
    One(String),
    Many(Vec<String>),
}

/// The v2 payload members. `cak` is wiped when the value is dropped.
#[derive(Deserialize)]
pub struct DeliveryClaimsV2 {
    pub typ: String,
    pub version: String,
    pub sub: String,
    pub client_id: String,
    pub aud: Aud,
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub request_id: Option<String>,
    pub state_hash: String,
    pub redirect_uri_hash: String,
    pub key_id: String,
    pub key_kind: String,
    /// Wiped on drop, also when parsing fails part-way.
    pub cak: zeroize::Zeroizing<String>,
    pub iat: i64,
    pub exp: i64,
}

/// What the relying party expects of a v2 delivery (wire profile §4.7 and §0). The SDK
/// re-exports it as `zkauth::delivery::ExpectV2`. `Debug` shows the public configuration
/// (client id, redirect URI, time, token kind and version) and redacts the rest.
#[derive(Clone, Copy, Default)]
pub struct ExpectV2<'a> {
    /// `zk_key_hash` from the token response: `b64u(SHA-256(jwe))`, compared in constant time
    /// ([`crate::check_hash_binding`]) before the JWE is parsed.
    pub zk_key_hash: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    /// The state the RP sent; `None` means no state (hash of "").
    pub state: Option<&'a str>,
    /// The ID token `sub`, when known.
    pub sub: Option<&'a str>,
    /// When given, the claim must be present and equal.
    pub request_id: Option<&'a str>,
    /// When given, the claim must be present and equal.
    pub org_id: Option<&'a str>,
    /// Unix seconds.
    pub now: i64,
    /// `zk_key_kind` from the token response: must be `client_app_key` (`None` is refused,
    /// wire profile §4.7 step 5).
    pub zk_key_kind: Option<&'a str>,
    /// `zk_key_version` from the token response: must be `v2` (`None` is refused).
    pub zk_key_version: Option<&'a str>,
}

impl fmt::Debug for ExpectV2<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectV2")
            .field("zk_key_hash", &Redacted)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("state", &redacted(self.state))
            .field("sub", &redacted(self.sub))
            .field("request_id", &redacted(self.request_id))
            .field("org_id", &redacted(self.org_id))
            .field("now", &self.now)
            .field("zk_key_kind", &self.zk_key_kind)
            .field("zk_key_version", &self.zk_key_version)
            .finish()
    }
}

impl fmt::Debug for ExpectV1<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpectV1")
            .field("drk_hash", &redacted(self.drk_hash))
            .field("sub", &redacted(self.sub))
            .field("client_id", &redacted(self.client_id))
            .finish()
    }
}

impl<'a> ExpectV2<'a> {
    /// The token-response artifacts this expectation carries (no v1 hash).
    pub fn artifacts(&self) -> TokenArtifacts<'a> {
        TokenArtifacts { zk_key_hash: Some(self.zk_key_hash), zk_key_kind: self.zk_key_kind, zk_key_version: self.zk_key_version, zk_drk_hash: None }
    }
}

/// What the relying party expects of a v1 delivery. Re-exported as `zkauth::delivery::ExpectV1`.
/// `Debug` redacts every value.
#[derive(Clone, Copy, Default)]
pub struct ExpectV1<'a> {
    /// `zk_drk_hash` from the token response; checked when present.
    pub drk_hash: Option<&'a str>,
    /// Checked against the header's `sub` when given.
    pub sub: Option<&'a str>,
    /// Checked against the header's `client_id` when given.
    pub client_id: Option<&'a str>,
}

impl<'a> ExpectV1<'a> {
    /// The token-response artifacts this expectation carries (only the v1 hash).
    pub fn artifacts(&self) -> TokenArtifacts<'a> {
        TokenArtifacts { zk_drk_hash: self.drk_hash, ..TokenArtifacts::default() }
    }
}

/// The result of a passed v2 check. `cak` is wiped on drop.
pub struct V2Checked {
    pub sub: String,
    pub key_id: String,
    pub cak: zeroize::Zeroizing<[u8; 32]>,
}

/// `iat ≤ now + 60`, `exp − iat ≤ 600`, `exp > now`.
pub fn check_time_window(iat: i64, exp: i64, now: i64) -> Result<(), Error> {
    if iat > now.saturating_add(MAX_FUTURE_SKEW_SECS) {
        return Err(Error::IssuedInFuture);
    }
    if exp.saturating_sub(iat) > MAX_LIFETIME_SECS {
        return Err(Error::LifetimeTooLong);
    }
    if exp <= now {
        return Err(Error::Expired);
    }
    Ok(())
}

fn optional_binding(claim: Option<&str>, expected: Option<&str>, err: Error) -> Result<(), Error> {
    match (claim, expected) {
        (_, None) => Ok(()),
        (Some(c), Some(e)) if ct_eq_str(c, e) => Ok(()),
        _ => Err(err),
    }
}

/// The token-response artifacts of §4.7 step 5 for a v2 open, checked before the JWE is
/// touched: [`TokenArtifacts::check_for`] (`zk_key_kind == "client_app_key"` and
/// `zk_key_version == "v2"`, both required).
pub fn check_token_response_v2(e: &ExpectV2<'_>) -> Result<(), Error> {
    e.artifacts().check_for(JweVersion::V2)
}

/// The same rule for a v1 open (no v2 artifact may come with it).
pub fn check_token_response_v1(e: &ExpectV1<'_>) -> Result<(), Error> {
    e.artifacts().check_for(JweVersion::V1)
}

/// How much a v2 payload may take: as long as a JWE allows, and room for members DarkAuth may
/// add beside its fourteen.
const PAYLOAD_LIMITS: Limits = Limits { max_len: MAX_JWE_LEN, max_members: 32 };

/// The v2 payload members as the bounded reader collects them; `None` until seen.
#[derive(Default)]
struct RawClaims {
    typ: Option<String>,
    version: Option<String>,
    sub: Option<String>,
    client_id: Option<String>,
    aud: Option<Aud>,
    org_id: Option<String>,
    request_id: Option<String>,
    state_hash: Option<String>,
    redirect_uri_hash: Option<String>,
    key_id: Option<String>,
    key_kind: Option<String>,
    cak: Option<zeroize::Zeroizing<String>>,
    iat: Option<i64>,
    exp: Option<i64>,
}

impl Members for RawClaims {
    fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError> {
        match name {
            "typ" => self.typ = Some(value.string()?),
            "version" => self.version = Some(value.string()?),
            "sub" => self.sub = Some(value.string()?),
            "client_id" => self.client_id = Some(value.string()?),
            "aud" => self.aud = Some(match value.one_or_many()? {
                OneOrMany::One(a) => Aud::One(a),
                OneOrMany::Many(a) => Aud::Many(a),
            }),
            // `null` reads as absent, as it always has.
            "org_id" => self.org_id = value.nullable_string()?,
            "request_id" => self.request_id = value.nullable_string()?,
            "state_hash" => self.state_hash = Some(value.string()?),
            "redirect_uri_hash" => self.redirect_uri_hash = Some(value.string()?),
            "key_id" => self.key_id = Some(value.string()?),
            "key_kind" => self.key_kind = Some(value.string()?),
            "cak" => self.cak = Some(value.secret_string()?),
            "iat" => self.iat = Some(value.integer()?),
            "exp" => self.exp = Some(value.integer()?),
            _ => {}
        }
        Ok(())
    }
}

impl RawClaims {
    /// Every required member present, or `None`.
    fn complete(self) -> Option<DeliveryClaimsV2> {
        Some(DeliveryClaimsV2 {
            typ: self.typ?,
            version: self.version?,
            sub: self.sub?,
            client_id: self.client_id?,
            aud: self.aud?,
            org_id: self.org_id,
            request_id: self.request_id,
            state_hash: self.state_hash?,
            redirect_uri_hash: self.redirect_uri_hash?,
            key_id: self.key_id?,
            key_kind: self.key_kind?,
            cak: self.cak?,
            iat: self.iat?,
            exp: self.exp?,
        })
    }
}

/// Parses and checks a v2 payload, in the order of wire profile §4.7 plus §0. The payload is
/// read by the strict bounded reader ([`crate::json`]): UTF-8, no escaped lone surrogate and no
/// duplicate member anywhere, ignored members included.
pub fn check_v2_claims(payload: &[u8], e: &ExpectV2<'_>) -> Result<V2Checked, Error> {
    let raw: RawClaims = read_object_within(payload, PAYLOAD_LIMITS).map_err(|_| Error::PayloadInvalid("not the v2 claim object"))?;
    let c = raw.complete().ok_or(Error::PayloadInvalid("not the v2 claim object"))?;
    if c.typ != TYP_CLIENT_KEY {
        return Err(Error::TypMismatch);
    }
    if c.version != "v2" && c.version != "v2-client-key" {
        return Err(Error::VersionMismatch);
    }
    if c.key_kind != KEY_KIND_CLIENT_APP_KEY {
        return Err(Error::KeyKindMismatch);
    }
    if !ct_eq_str(&c.client_id, e.client_id) {
        return Err(Error::ClientIdMismatch);
    }
    let aud_ok = match &c.aud {
        Aud::One(a) => ct_eq_str(a, e.client_id),
        Aud::Many(list) => list.iter().fold(false, |found, a| found | ct_eq_str(a, e.client_id)),
    };
    if !aud_ok {
        return Err(Error::AudMismatch);
    }
    optional_binding(Some(&c.sub), e.sub, Error::SubMismatch)?;
    if !ct_eq_str(&c.state_hash, &hash_b64u(e.state.unwrap_or(""))) {
        return Err(Error::StateMismatch);
    }
    if !ct_eq_str(&c.redirect_uri_hash, &hash_b64u(e.redirect_uri)) {
        return Err(Error::RedirectUriMismatch);
    }
    optional_binding(c.request_id.as_deref(), e.request_id, Error::RequestIdMismatch)?;
    optional_binding(c.org_id.as_deref(), e.org_id, Error::OrgIdMismatch)?;
    if c.key_id.is_empty() {
        return Err(Error::KeyIdMissing);
    }
    check_time_window(c.iat, c.exp, e.now)?;
    let cak = b64u::decode_array::<32>(&c.cak, "cak").map(zeroize::Zeroizing::new)?;
    Ok(V2Checked { sub: c.sub.clone(), key_id: c.key_id.clone(), cak })
}

/// Checks a v1 header's `sub` and `client_id` against the caller's expectations.
pub fn check_v1_header(h: &JweHeader, e: &ExpectV1<'_>) -> Result<(), Error> {
    optional_binding(h.sub.as_deref(), e.sub, Error::SubMismatch)?;
    optional_binding(h.client_id.as_deref(), e.client_id, Error::ClientIdMismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAK: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

    fn payload(over: &[(&str, serde_json::Value)]) -> Vec<u8> {
        let mut m = serde_json::json!({
            "typ": TYP_CLIENT_KEY, "version": "v2", "sub": "user1", "client_id": "app", "aud": "app",
            "org_id": "org", "request_id": "req", "state_hash": hash_b64u("st"), "redirect_uri_hash": hash_b64u("https://app/cb"),
            "key_id": "ark_1", "key_kind": KEY_KIND_CLIENT_APP_KEY, "cak": CAK, "iat": 1000, "exp": 1120
        });
        for (k, v) in over {
            if v.is_null() {
                m.as_object_mut().unwrap().remove(*k);
            } else {
                m[*k] = v.clone();
            }
        }
        serde_json::to_vec(&m).unwrap()
    }

    fn expect() -> ExpectV2<'static> {
        ExpectV2 {
            zk_key_hash: "",
            client_id: "app",
            redirect_uri: "https://app/cb",
            state: Some("st"),
            sub: Some("user1"),
            request_id: Some("req"),
            org_id: Some("org"),
            now: 1010,
            zk_key_kind: None,
            zk_key_version: None,
        }
    }

    #[test]
    fn honest_payload_passes() {
        let ok = check_v2_claims(&payload(&[]), &expect()).unwrap();
        assert_eq!(ok.key_id, "ark_1");
        assert_eq!(ok.sub, "user1");
        assert_eq!(ok.cak[31], 31);
        let arr = payload(&[("aud", serde_json::json!(["x", "app"])), ("version", "v2-client-key".into())]);
        assert!(check_v2_claims(&arr, &expect()).is_ok());
        // Optional expectations not given: absent claims are fine.
        let bare = payload(&[("org_id", serde_json::Value::Null), ("request_id", serde_json::Value::Null)]);
        assert!(check_v2_claims(&bare, &ExpectV2 { request_id: None, org_id: None, sub: None, ..expect() }).is_ok());
    }

    #[test]
    fn each_failure_has_its_code() {
        use serde_json::{json, Value::Null};
        let cases: Vec<(Vec<(&str, serde_json::Value)>, &str)> = vec![
            (vec![("typ", Null)], "payload_invalid"),
            (vec![("iat", json!(1.5))], "payload_invalid"),
            (vec![("typ", "JWT".into())], "typ_mismatch"),
            (vec![("version", "v1".into())], "version_mismatch"),
            (vec![("key_kind", "root_key".into())], "key_kind_mismatch"),
            (vec![("client_id", "evil".into())], "client_id_mismatch"),
            (vec![("aud", json!(["evil"]))], "aud_mismatch"),
            (vec![("sub", "other".into())], "sub_mismatch"),
            (vec![("state_hash", hash_b64u("").into())], "state_mismatch"),
            (vec![("redirect_uri_hash", hash_b64u("https://evil/cb").into())], "redirect_uri_mismatch"),
            (vec![("request_id", Null)], "request_id_mismatch"),
            (vec![("org_id", "org2".into())], "org_id_mismatch"),
            (vec![("key_id", "".into())], "key_id_missing"),
            (vec![("iat", 1071.into()), ("exp", 1191.into())], "delivery_not_yet_valid"),
            (vec![("exp", 1601.into())], "delivery_lifetime_too_long"),
            (vec![("exp", 1010.into())], "delivery_expired"),
            (vec![("cak", "AAEC".into())], "invalid_length"),
            (vec![("cak", format!("{CAK}=").into())], "invalid_base64url"),
        ];
        for (over, code) in cases {
            let err = check_v2_claims(&payload(&over), &expect()).err().map(|e| e.code());
            assert_eq!(err, Some(code), "{over:?}");
        }
        // No state expected: the claim must be the hash of "".
        let e = ExpectV2 { state: None, ..expect() };
        assert_eq!(check_v2_claims(&payload(&[]), &e).err().map(|e| e.code()), Some("state_mismatch"));
        assert!(check_v2_claims(&payload(&[("state_hash", hash_b64u("").into())]), &e).is_ok());
    }

    #[test]
    fn payload_is_read_strictly() {
        // Unknown members are skipped, but strictly (issue 13): no duplicates, no lone
        // surrogates, UTF-8; and iat/exp must be integers.
        let with = |extra: &str| {
            let mut p = payload(&[]);
            let tail = p.pop().unwrap();
            assert_eq!(tail, b'}');
            p.extend_from_slice(format!(",{extra}}}").as_bytes());
            p
        };
        assert!(check_v2_claims(&with(r#""extra":"fine""#), &expect()).is_ok());
        for extra in [r#""x":1,"x":2"#, r#""x":"\ud800""#, r#""x":{"y":"\udc00"}"#, r#""x":[{"a":0,"a":0}]"#, r#""typ":"DarkAuth-Client-Key""#] {
            assert_eq!(check_v2_claims(&with(extra), &expect()).err().map(|e| e.code()), Some("payload_invalid"), "{extra}");
        }
        let mut bad = with(r#""x":"??""#);
        let at = bad.iter().position(|&b| b == b'?').unwrap();
        bad[at] = 0xc0;
        assert_eq!(check_v2_claims(&bad, &expect()).err().map(|e| e.code()), Some("payload_invalid"));
        // null org_id / request_id still read as absent.
        let nulls = payload(&[("org_id", serde_json::json!(null))]);
        assert!(check_v2_claims(&nulls, &ExpectV2 { org_id: None, ..expect() }).is_ok());
        for (k, v) in [("iat", serde_json::json!("1000")), ("exp", serde_json::json!(1.2e3)), ("aud", serde_json::json!([1]))] {
            assert_eq!(check_v2_claims(&payload(&[(k, v)]), &expect()).err().map(|e| e.code()), Some("payload_invalid"), "{k}");
        }
    }

    #[test]
    fn token_response_artifacts() {
        assert!(check_token_response_v2(&ExpectV2 { zk_key_kind: Some("client_app_key"), zk_key_version: Some("v2"), ..expect() }).is_ok());
        // §4.7 step 5: absent kind or version is refused like a wrong one (issue 13).
        assert_eq!(check_token_response_v2(&expect()), Err(Error::KeyKindMismatch));
        assert_eq!(check_token_response_v2(&ExpectV2 { zk_key_kind: Some("root_key"), zk_key_version: Some("v2"), ..expect() }), Err(Error::KeyKindMismatch));
        assert_eq!(check_token_response_v2(&ExpectV2 { zk_key_kind: Some("client_app_key"), zk_key_version: Some("v1"), ..expect() }), Err(Error::VersionMismatch));
        assert_eq!(check_token_response_v2(&ExpectV2 { zk_key_kind: Some("client_app_key"), ..expect() }), Err(Error::VersionMismatch));
        assert!(check_token_response_v1(&ExpectV1 { drk_hash: Some("h"), ..Default::default() }).is_ok());
    }

    #[test]
    fn window_edges() {
        assert!(check_time_window(1060, 1660, 1000).is_ok());
        assert_eq!(check_time_window(1061, 1100, 1000), Err(Error::IssuedInFuture));
        assert_eq!(check_time_window(1000, 1601, 1000), Err(Error::LifetimeTooLong));
        assert_eq!(check_time_window(900, 1000, 1000), Err(Error::Expired));
        assert!(check_time_window(900, 1001, 1000).is_ok());
    }

    #[test]
    fn debug_redacts_bindings() {
        let e = ExpectV2 { zk_key_hash: "HASH-VALUE", zk_key_kind: Some("client_app_key"), ..expect() };
        let d = format!("{e:?}");
        for secret in ["HASH-VALUE", "st", "user1", "req", "org"] {
            assert!(!d.contains(&format!("\"{secret}\"")), "{secret} in {d}");
        }
        assert!(d.contains("\"app\"") && d.contains("[redacted]") && d.contains("client_app_key"), "{d}");
        let v1 = format!("{:?}", ExpectV1 { drk_hash: Some("DRK-HASH"), sub: Some("user1"), client_id: Some("app") });
        assert!(!v1.contains("DRK-HASH") && !v1.contains("user1") && !v1.contains("app"), "{v1}");
    }

    #[test]
    fn v1_header() {
        let h = JweHeader { sub: Some("s".into()), client_id: Some("c".into()) };
        assert!(check_v1_header(&h, &ExpectV1 { sub: Some("s"), client_id: Some("c"), drk_hash: None }).is_ok());
        assert!(check_v1_header(&h, &ExpectV1::default()).is_ok());
        assert_eq!(check_v1_header(&h, &ExpectV1 { sub: Some("x"), ..Default::default() }), Err(Error::SubMismatch));
        assert_eq!(check_v1_header(&h, &ExpectV1 { client_id: Some("x"), ..Default::default() }), Err(Error::ClientIdMismatch));
    }
}
