//! Compact JWE parsing with the profile's header rules (wire profile §0 and §4.3).
//!
//! Exactly five segments; an empty encrypted-key segment; a protected header whose member
//! set is exactly {alg, enc, epk} (v2) or {alg, enc, sub, client_id, epk} (v1), with
//! alg = ECDH-ES and enc = A256GCM, no duplicates; a 12-byte IV and a 16-byte tag.

use std::fmt;

use p256::PublicKey;

use crate::json::{read_object, read_object_within, Limits, MemberError, Members, Refusal, Value};
use crate::jwk::{coordinates, JwkFields};
use crate::{b64u, json_string, Error};

/// Longest accepted compact JWE (a delivery is well under 1 KiB).
pub const MAX_JWE_LEN: usize = 64 * 1024;
/// Longest accepted protected-header segment (DarkAuth's v1 header is about 300 characters).
pub const MAX_HEADER_LEN: usize = 2048;

/// Which header member set a JWE must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JweVersion {
    /// `{alg, enc, sub, client_id, epk}`, payload = raw 32-byte root key.
    V1,
    /// `{alg, enc, epk}`, payload = JSON claims.
    V2,
}

/// The protected header after the rules have passed.
#[derive(Debug, Clone)]
pub struct JweHeader {
    /// v1 only: the user `sub` carried in the header.
    pub sub: Option<String>,
    /// v1 only: the relying party's client id carried in the header.
    pub client_id: Option<String>,
}

/// A parsed compact JWE. `aad` is the first segment, as AES-GCM's associated data.
pub struct CompactJwe<'a> {
    pub aad: &'a str,
    pub header: JweHeader,
    pub epk: PublicKey,
    pub iv: [u8; 12],
    pub ciphertext: Vec<u8>,
    pub tag: [u8; 16],
}

impl fmt::Debug for CompactJwe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CompactJwe(..)")
    }
}

/// The header members, collected by the bounded reader; any other member is refused there.
#[derive(Default)]
struct RawHeader {
    alg: Option<String>,
    enc: Option<String>,
    sub: Option<String>,
    client_id: Option<String>,
    epk: Option<JwkFields>,
}

impl Members for RawHeader {
    fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError> {
        match name {
            "alg" => self.alg = Some(value.string()?),
            "enc" => self.enc = Some(value.string()?),
            "sub" => self.sub = Some(value.string()?),
            "client_id" => self.client_id = Some(value.string()?),
            "epk" => self.epk = Some(value.object()?),
            // The first disallowed member ends parsing (bounded work).
            _ => return Err(MemberError::Refused("member not allowed")),
        }
        Ok(())
    }
}

fn segment<const N: usize>(s: &str, what: &'static str) -> Result<[u8; N], Error> {
    if s.is_empty() {
        return Err(Error::JweMalformed(what));
    }
    b64u::decode_array::<N>(s, what).map_err(|e| match e {
        Error::InvalidLength { .. } => Error::JweMalformed(what),
        other => other,
    })
}

/// The five segments of a compact JWE, not yet decoded.
fn segments(jwe: &str) -> Result<[&str; 5], Error> {
    let mut parts = jwe.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(aad), Some(ek), Some(iv), Some(ct), Some(tag), None) => Ok([aad, ek, iv, ct, tag]),
        _ => Err(Error::JweMalformed("a compact JWE has exactly 5 segments")),
    }
}

/// Any JSON object: every member skipped (strictly) by the bounded reader.
#[derive(Default)]
struct AnyObject;

impl Members for AnyObject {
    fn member(&mut self, _name: &str, _value: Value<'_, '_>) -> Result<(), MemberError> {
        Ok(())
    }
}

/// The protected header of a compact JWE as JSON text, exactly as encoded, for inspection: five
/// segments, a canonical b64u first segment, UTF-8 text of one strict JSON object (no
/// duplicate member, no lone surrogate; at most 64 members). No profile rule is applied;
/// [`parse_compact_jwe`] is what decides whether a JWE is acceptable.
pub fn protected_header_json(jwe: &str) -> Result<String, Error> {
    let [aad, ..] = segments(jwe)?;
    let header = b64u::decode(aad, "protected header")?;
    let text = String::from_utf8(header).map_err(|_| Error::JweHeaderRejected("not UTF-8"))?;
    match read_object_within::<AnyObject>(text.as_bytes(), Limits { max_len: MAX_JWE_LEN, max_members: 64 }) {
        Ok(AnyObject) => Ok(text),
        Err(Refusal::DuplicateMember) => Err(Error::JweHeaderRejected("duplicate member")),
        Err(_) => Err(Error::JweHeaderRejected("not a strict JSON object")),
    }
}

/// Parses a compact JWE and applies every header rule of `version`, including `epk` validation.
pub fn parse_compact_jwe(jwe: &str, version: JweVersion) -> Result<CompactJwe<'_>, Error> {
    if jwe.len() > MAX_JWE_LEN {
        return Err(Error::JweMalformed("longer than 64 KiB"));
    }
    let [aad, ek, iv, ct, tag] = segments(jwe)?;
    if aad.is_empty() {
        return Err(Error::JweMalformed("empty protected header"));
    }
    if aad.len() > MAX_HEADER_LEN {
        return Err(Error::JweHeaderRejected("protected header longer than 2 KiB"));
    }
    let header_json = b64u::decode(aad, "protected header")?;
    let raw: RawHeader = read_object(&header_json).map_err(|refusal| {
        Error::JweHeaderRejected(match refusal {
            Refusal::DuplicateMember => "duplicate member",
            Refusal::Member(why) => why,
            _ => "not a JSON object of string members",
        })
    })?;
    let v1_members = raw.sub.is_some() && raw.client_id.is_some();
    let v2_members = raw.sub.is_none() && raw.client_id.is_none();
    match version {
        JweVersion::V1 if !v1_members => return Err(Error::JweHeaderRejected("v1 needs exactly alg, enc, sub, client_id, epk")),
        JweVersion::V2 if !v2_members => return Err(Error::JweHeaderRejected("v2 needs exactly alg, enc, epk")),
        _ => {}
    }
    if raw.alg.as_deref() != Some("ECDH-ES") {
        return Err(Error::JweHeaderRejected("alg must be ECDH-ES"));
    }
    if raw.enc.as_deref() != Some("A256GCM") {
        return Err(Error::JweHeaderRejected("enc must be A256GCM"));
    }
    let epk = raw.epk.ok_or(Error::JweHeaderRejected("epk is required"))?.into_public_key(Error::InvalidEpk)?;
    if !ek.is_empty() {
        return Err(Error::JweMalformed("ECDH-ES has an empty encrypted key segment"));
    }
    let iv = segment::<12>(iv, "iv")?;
    let tag = segment::<16>(tag, "tag")?;
    if ct.is_empty() {
        return Err(Error::JweMalformed("empty ciphertext"));
    }
    let ciphertext = b64u::decode(ct, "ciphertext")?;
    Ok(CompactJwe { aad, header: JweHeader { sub: raw.sub, client_id: raw.client_id }, epk, iv, ciphertext, tag })
}

fn epk_json(epk: &PublicKey) -> Result<String, Error> {
    let (x, y) = coordinates(epk, Error::InvalidEpk)?;
    Ok(format!(r#"{{"x":"{x}","crv":"P-256","kty":"EC","y":"{y}"}}"#))
}

/// The v2 protected header exactly as DarkAuth serializes it.
pub fn v2_header_json(epk: &PublicKey) -> Result<String, Error> {
    Ok(format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","epk":{}}}"#, epk_json(epk)?))
}

/// The v1 protected header exactly as DarkAuth serializes it (`sub`, `client_id` JSON-escaped).
pub fn v1_header_json(epk: &PublicKey, sub: &str, client_id: &str) -> Result<String, Error> {
    let (s, c) = (json_string(sub), json_string(client_id));
    Ok(format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","sub":{s},"client_id":{c},"epk":{}}}"#, epk_json(epk)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_epk_value;

    const EPK: &str = r#"{"x":"YtW9M3Kvdf6FoEBxXQ9QJCjgcEaGiwv9-mHXMa_kTyY","crv":"P-256","kty":"EC","y":"rDM6k6nnCoHNWpW1v40TmQ63QcjDiHK0oH0nWgFOMM8"}"#;

    fn jwe_with_header(h: &str) -> String {
        format!("{}..{}.{}.{}", b64u::encode(h.as_bytes()), b64u::encode(&[1; 12]), b64u::encode(b"ct"), b64u::encode(&[2; 16]))
    }

    #[test]
    fn honest_headers_round_trip() {
        let epk = parse_epk_value(EPK).unwrap();
        let h2 = v2_header_json(&epk).unwrap();
        assert_eq!(h2, format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","epk":{EPK}}}"#));
        let j = jwe_with_header(&h2);
        let p = parse_compact_jwe(&j, JweVersion::V2).unwrap();
        assert_eq!(p.iv, [1; 12]);
        assert_eq!(p.tag, [2; 16]);
        assert_eq!(p.ciphertext, b"ct");
        assert_eq!(parse_compact_jwe(&j, JweVersion::V1).unwrap_err().code(), "jwe_header_rejected");
        let h1 = v1_header_json(&epk, "s\"ub", "cli").unwrap();
        let j1 = jwe_with_header(&h1);
        let p = parse_compact_jwe(&j1, JweVersion::V1).unwrap();
        assert_eq!(p.header.sub.as_deref(), Some("s\"ub"));
        assert_eq!(p.header.client_id.as_deref(), Some("cli"));
    }

    #[test]
    fn header_rules() {
        let bad = [
            format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","epk":{EPK},"zip":"DEF"}}"#),
            format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","epk":{EPK},"kid":"k"}}"#),
            format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","epk":{EPK},"crit":["x"]}}"#),
            format!(r#"{{"alg":"ECDH-ES","alg":"ECDH-ES","enc":"A256GCM","epk":{EPK}}}"#),
            format!(r#"{{"alg":"ECDH-ES+A256KW","enc":"A256GCM","epk":{EPK}}}"#),
            format!(r#"{{"alg":"ECDH-ES","enc":"A128GCM","epk":{EPK}}}"#),
            r#"{"alg":"ECDH-ES","enc":"A256GCM"}"#.to_string(),
            format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","sub":"s","epk":{EPK}}}"#),
            "not json".to_string(),
        ];
        for h in &bad {
            assert_eq!(parse_compact_jwe(&jwe_with_header(h), JweVersion::V2).unwrap_err().code(), "jwe_header_rejected", "{h}");
        }
        let off_curve = EPK.replace("rDM6", "rDM7");
        let h = format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","epk":{off_curve}}}"#);
        assert_eq!(parse_compact_jwe(&jwe_with_header(&h), JweVersion::V2).unwrap_err().code(), "invalid_epk");
    }

    #[test]
    fn protected_header_for_inspection() {
        let h = format!(r#"{{"alg":"x","kid":"k","epk":{EPK}}}"#);
        assert_eq!(protected_header_json(&jwe_with_header(&h)).unwrap(), h);
        let rest = "..AAAA.AAAA.AAAA";
        assert_eq!(protected_header_json(&format!("{}{rest}", b64u::encode(b"[1]"))).unwrap_err().code(), "jwe_header_rejected");
        assert_eq!(protected_header_json(&format!("{}{rest}", b64u::encode(&[0xff]))).unwrap_err().code(), "jwe_header_rejected");
        // Strict like every JSON zkauth reads (issue 13).
        for strict in [r#"{"alg":"a","alg":"b"}"#, r#"{"x":"\ud800"}"#] {
            assert_eq!(protected_header_json(&format!("{}{rest}", b64u::encode(strict.as_bytes()))).unwrap_err().code(), "jwe_header_rejected", "{strict}");
        }
        assert_eq!(protected_header_json(&format!("e30={rest}")).unwrap_err().code(), "invalid_base64url");
        assert_eq!(protected_header_json("e30.a.b").unwrap_err().code(), "jwe_malformed");
    }

    #[test]
    fn segment_rules() {
        let epk = parse_epk_value(EPK).unwrap();
        let good = jwe_with_header(&v2_header_json(&epk).unwrap());
        let parts: Vec<&str> = good.split('.').collect();
        let join = |p: &[&str]| p.join(".");
        assert_eq!(parse_compact_jwe(&join(&parts[..4]), JweVersion::V2).unwrap_err().code(), "jwe_malformed");
        assert_eq!(parse_compact_jwe(&format!("{good}."), JweVersion::V2).unwrap_err().code(), "jwe_malformed");
        let short_tag = b64u::encode(&[2; 15]);
        assert_eq!(parse_compact_jwe(&join(&[parts[0], "", parts[2], parts[3], &short_tag]), JweVersion::V2).unwrap_err().code(), "jwe_malformed");
        assert_eq!(parse_compact_jwe(&join(&[parts[0], "AAAA", parts[2], parts[3], parts[4]]), JweVersion::V2).unwrap_err().code(), "jwe_malformed");
        assert_eq!(parse_compact_jwe(&join(&[parts[0], "", parts[2], "c=", parts[4]]), JweVersion::V2).unwrap_err().code(), "invalid_base64url");
        assert_eq!(parse_compact_jwe(&join(&[parts[0], "", parts[2], "", parts[4]]), JweVersion::V2).unwrap_err().code(), "jwe_malformed");
        assert_eq!(parse_compact_jwe(&"A".repeat(MAX_JWE_LEN + 1), JweVersion::V2).unwrap_err().code(), "jwe_malformed");
    }
}
