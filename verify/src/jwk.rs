//! Strict P-256 JWKs: the public `zk_pub` (b64u of the JWK JSON) and JWE `epk`, and the
//! recipient's private JWK.
//!
//! Public-key rules (wire profile §0): `kty` = "EC", `crv` = "P-256", `x`/`y` canonical b64u of
//! exactly 32 bytes, a point on the curve that is not the identity, no `d` member whatever its
//! value, no duplicate members. Other public members (`kid`, `key_ops`, `ext`, `use`, `alg`) are
//! ignored. All three read their JSON through [`crate::json`].

use std::fmt;

use p256::elliptic_curve::sec1::{EncodedPoint, FromEncodedPoint, ToEncodedPoint};
use p256::{NistP256, PublicKey, SecretKey};
use zeroize::Zeroizing;

use crate::json::{read_object, Malformed, MemberError, Members, Refusal, Value};
use crate::{b64u, hash_b64u, Error};

/// Longest accepted `zk_pub` string (an honest one is about 120–250 characters).
pub const MAX_ZK_PUB_LEN: usize = 2048;

/// The JWK members zkauth reads, collected without judging them yet. `D` keeps the private
/// member `d`: only whether it is there (`bool`) for a public key, its text for a private one.
#[derive(Default)]
pub(crate) struct JwkFields<D = bool> {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: D,
}

/// How [`JwkFields`] keeps the `d` member.
pub(crate) trait PrivateMember: Default {
    fn read(&mut self, value: Value<'_, '_>) -> Result<(), Malformed>;
}

/// A public key never carries `d`, whatever its value: its presence is kept, the value skipped.
impl PrivateMember for bool {
    fn read(&mut self, _value: Value<'_, '_>) -> Result<(), Malformed> {
        *self = true;
        Ok(())
    }
}

/// A private key's `d` must be a string; it is wiped on drop.
impl PrivateMember for Option<Zeroizing<String>> {
    fn read(&mut self, value: Value<'_, '_>) -> Result<(), Malformed> {
        *self = Some(value.secret_string()?);
        Ok(())
    }
}

impl<D: PrivateMember> Members for JwkFields<D> {
    fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError> {
        // A non-string value for a member we read fails the whole parse.
        match name {
            "kty" => self.kty = Some(value.string()?),
            "crv" => self.crv = Some(value.string()?),
            "x" => self.x = Some(value.string()?),
            "y" => self.y = Some(value.string()?),
            "d" => self.d.read(value)?,
            _ => {}
        }
        Ok(())
    }
}

impl JwkFields {
    /// Applies the §0 rules; `err` builds the caller's error variant (zk_pub or epk).
    pub(crate) fn into_public_key(self, err: fn(&'static str) -> Error) -> Result<PublicKey, Error> {
        if self.d {
            return Err(err("private member d present"));
        }
        if self.kty.as_deref() != Some("EC") {
            return Err(err("kty must be EC"));
        }
        if self.crv.as_deref() != Some("P-256") {
            return Err(err("crv must be P-256"));
        }
        let coord = |c: &Option<String>| -> Result<[u8; 32], Error> {
            let s = c.as_deref().ok_or(err("x and y are required"))?;
            let bytes = b64u::decode(s, "coordinate").map_err(|_| err("coordinate is not canonical base64url"))?;
            <[u8; 32]>::try_from(bytes).map_err(|_| err("coordinate must be exactly 32 bytes"))
        };
        let (x, y) = (coord(&self.x)?, coord(&self.y)?);
        let point = EncodedPoint::<NistP256>::from_affine_coordinates(&x.into(), &y.into(), false);
        // from_encoded_point checks the curve equation; the identity has no affine encoding.
        Option::<PublicKey>::from(PublicKey::from_encoded_point(&point)).ok_or(err("point is not on P-256"))
    }
}

/// A validated `zk_pub`: the recipient key and its `zk_pub_kid`.
#[derive(Clone)]
pub struct ZkPub {
    pub public_key: PublicKey,
    /// `b64u(SHA-256(zk_pub exactly as received))`.
    pub kid: String,
}

impl fmt::Debug for ZkPub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ZkPub(..)")
    }
}

/// Validates a `zk_pub` string (b64u of a public JWK) and returns the key and its kid.
pub fn validate_zk_pub(zk_pub: &str) -> Result<ZkPub, Error> {
    if zk_pub.len() > MAX_ZK_PUB_LEN {
        return Err(Error::InvalidZkPub("longer than 2048 characters"));
    }
    let json = b64u::decode(zk_pub, "zk_pub").map_err(|_| Error::InvalidZkPub("not canonical base64url"))?;
    let fields: JwkFields = read_object(&json).map_err(|_| Error::InvalidZkPub("not a JSON object of unique members"))?;
    let public_key = fields.into_public_key(Error::InvalidZkPub)?;
    Ok(ZkPub { public_key, kid: hash_b64u(zk_pub) })
}

/// Validates a JWK given as JSON text (an `epk`, or a public JWK file).
pub fn parse_epk_value(json: &str) -> Result<PublicKey, Error> {
    let fields: JwkFields = read_object(json.as_bytes()).map_err(|_| Error::InvalidEpk("not a JSON object of unique members"))?;
    fields.into_public_key(Error::InvalidEpk)
}

/// Loads a P-256 private JWK: `kty` = "EC", `crv` = "P-256", `d` canonical b64u of exactly
/// 32 bytes (a valid non-zero scalar); `x` and `y`, when present, must both be there and
/// match `d`. Duplicate members are refused; other members are ignored (at most 16 members in
/// all, at most 4 KiB of JSON). On refusal, the reason (the SDK's `invalid_private_jwk`).
pub fn parse_private_jwk(json: &str) -> Result<SecretKey, &'static str> {
    let f: JwkFields<Option<Zeroizing<String>>> = read_object(json.as_bytes()).map_err(|refusal| match refusal {
        Refusal::DuplicateMember => "duplicate member",
        _ => "not a JSON object of string members",
    })?;
    if f.kty.as_deref() != Some("EC") {
        return Err("kty must be EC");
    }
    if f.crv.as_deref() != Some("P-256") {
        return Err("crv must be P-256");
    }
    let d = f.d.as_ref().ok_or("d is required")?;
    let d = Zeroizing::new(b64u::decode(d, "d").map_err(|_| "d is not canonical base64url")?);
    if d.len() != 32 {
        return Err("d must be exactly 32 bytes");
    }
    let secret = SecretKey::from_slice(&d).map_err(|_| "d is not a valid P-256 scalar")?;
    match (&f.x, &f.y) {
        (None, None) => {}
        (Some(x), Some(y)) => {
            let coord = |s: &str| b64u::decode_array::<32>(s, "coordinate").map_err(|_| "x and y must be canonical base64url of 32 bytes");
            let (x, y) = (coord(x)?, coord(y)?);
            let point = secret.public_key().to_encoded_point(false);
            if point.x().map(|px| px.as_slice()) != Some(&x[..]) || point.y().map(|py| py.as_slice()) != Some(&y[..]) {
                return Err("x and y do not match d");
            }
        }
        _ => return Err("x and y must both be present or both absent"),
    }
    Ok(secret)
}

/// Affine coordinates of a public key as canonical b64u `(x, y)`. p256 gives no infallible
/// accessor for `y`; an encoding without both (which a `PublicKey` never has) is an error
/// built by `err`, never empty coordinates.
pub(crate) fn coordinates(key: &PublicKey, err: fn(&'static str) -> Error) -> Result<(String, String), Error> {
    let point = key.to_encoded_point(false);
    match (point.x(), point.y()) {
        (Some(x), Some(y)) => Ok((b64u::encode(x), b64u::encode(y))),
        _ => Err(err("public key without affine coordinates")),
    }
}

/// The compact public JWK zkauth emits for `zk_pub`: `{"kty":"EC","crv":"P-256","x":…,"y":…}`.
pub fn public_jwk_json(key: &PublicKey) -> Result<String, Error> {
    let (x, y) = coordinates(key, Error::InvalidZkPub)?;
    Ok(format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"}}"#))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Wycheproof ecdh_secp256r1_webcrypto tcId 1 public key.
    const X: &str = "YtW9M3Kvdf6FoEBxXQ9QJCjgcEaGiwv9-mHXMa_kTyY";
    const Y: &str = "rDM6k6nnCoHNWpW1v40TmQ63QcjDiHK0oH0nWgFOMM8";

    fn zk(json: &str) -> String {
        b64u::encode(json.as_bytes())
    }

    #[test]
    fn accepts_honest_key_and_ignores_public_extras() {
        let json = format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}"#);
        let z = zk(&json);
        let v = validate_zk_pub(&z).unwrap();
        assert_eq!(v.kid, hash_b64u(&z));
        assert_eq!(public_jwk_json(&v.public_key).unwrap(), json);
        let extras = format!(r#"{{"key_ops":[],"ext":true,"kid":"k","use":"enc","alg":"ECDH-ES","y":"{Y}","x":"{X}","crv":"P-256","kty":"EC"}}"#);
        assert!(validate_zk_pub(&zk(&extras)).is_ok());
    }

    #[test]
    fn refuses_each_rule() {
        let cases = [
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}","d":null}}"#),
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}","d":""}}"#),
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","x":"{X}","y":"{Y}"}}"#),
            format!(r#"{{"kty":"OKP","crv":"P-256","x":"{X}","y":"{Y}"}}"#),
            format!(r#"{{"kty":"EC","crv":"P-384","x":"{X}","y":"{Y}"}}"#),
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}"}}"#),
            format!(r#"{{"kty":"EC","crv":"P-256","x":"AA{X}","y":"{Y}"}}"#),
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{Y}"}}"#, &X[2..]),
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{}"}}"#, b64u::encode(&[0u8; 32])),
            format!(r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#, b64u::encode(&[0u8; 32]), b64u::encode(&[0u8; 32])),
            format!(r#"{{"kty":"EC","crv":"P-256","x":1,"y":"{Y}"}}"#),
            "[]".to_string(),
            "{".to_string(),
        ];
        for c in &cases {
            let err = validate_zk_pub(&zk(c)).unwrap_err();
            assert_eq!(err.code(), "invalid_zk_pub", "{c}");
        }
        // A 33-byte x with a leading zero (accepted upstream) is refused here.
        let mut x33 = vec![0u8];
        x33.extend(b64u::decode(X, "x").unwrap());
        let c = format!(r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{Y}"}}"#, b64u::encode(&x33));
        assert_eq!(validate_zk_pub(&zk(&c)).unwrap_err(), Error::InvalidZkPub("coordinate must be exactly 32 bytes"));
        // Bounded work: over-long input and member floods are refused up front.
        assert_eq!(validate_zk_pub(&"A".repeat(MAX_ZK_PUB_LEN + 1)).unwrap_err().code(), "invalid_zk_pub");
        let flood: String = (0..20).map(|i| format!(r#""m{i}":0,"#)).collect();
        let c = format!(r#"{{{flood}"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}"#);
        assert_eq!(crate::parse_epk_value(&c).unwrap_err().code(), "invalid_epk");
        // Strict in ignored members too (issue 13).
        for extra in [r#""kid":"\ud800""#, r#""kid":"a","kid":"b""#, r#""key_ops":["x","\udc00"]"#, r#""ext":{"a":1,"a":1}"#] {
            let c = format!(r#"{{{extra},"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}"#);
            assert_eq!(validate_zk_pub(&zk(&c)).unwrap_err().code(), "invalid_zk_pub", "{extra}");
            assert_eq!(crate::parse_epk_value(&c).unwrap_err().code(), "invalid_epk", "{extra}");
        }
        // Padded outer encoding.
        let ok = zk(&format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}"#));
        assert!(validate_zk_pub(&format!("{ok}=")).is_err());
    }
}
