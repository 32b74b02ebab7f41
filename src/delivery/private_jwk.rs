//! Loading the recipient's P-256 private JWK (`kty`, `crv`, `d`, optional matching `x`/`y`).

use core::fmt;

use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::SecretKey;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use zeroize::Zeroizing;
use zkauth_verify::b64u;

use crate::Error;

/// Private JWK members zkauth reads; others (`alg`, `use`, `kid`, `key_ops`, `ext`) are ignored.
#[derive(Default)]
struct PrivateJwkFields {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: Option<Zeroizing<String>>,
    duplicate: bool,
}

impl<'de> Deserialize<'de> for PrivateJwkFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PrivateJwkFields;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a private JWK object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PrivateJwkFields, A::Error> {
                let mut out = PrivateJwkFields::default();
                let mut seen: Vec<String> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if seen.contains(&key) {
                        out.duplicate = true;
                    }
                    match key.as_str() {
                        "kty" => out.kty = Some(map.next_value()?),
                        "crv" => out.crv = Some(map.next_value()?),
                        "x" => out.x = Some(map.next_value()?),
                        "y" => out.y = Some(map.next_value()?),
                        "d" => out.d = Some(Zeroizing::new(map.next_value()?)),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    seen.push(key);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// Loads a P-256 private JWK: `kty` = "EC", `crv` = "P-256", `d` canonical b64u of exactly
/// 32 bytes (a valid non-zero scalar); `x` and `y`, when present, must both be there and
/// match `d`. Duplicate members are refused; other members are ignored.
pub(super) fn secret_from_private_jwk(json: &str) -> Result<SecretKey, Error> {
    let f: PrivateJwkFields = serde_json::from_str(json).map_err(|_| Error::InvalidPrivateJwk("not a JSON object of string members"))?;
    if f.duplicate {
        return Err(Error::InvalidPrivateJwk("duplicate member"));
    }
    if f.kty.as_deref() != Some("EC") {
        return Err(Error::InvalidPrivateJwk("kty must be EC"));
    }
    if f.crv.as_deref() != Some("P-256") {
        return Err(Error::InvalidPrivateJwk("crv must be P-256"));
    }
    let d = f.d.as_ref().ok_or(Error::InvalidPrivateJwk("d is required"))?;
    let d = Zeroizing::new(b64u::decode(d, "d").map_err(|_| Error::InvalidPrivateJwk("d is not canonical base64url"))?);
    if d.len() != 32 {
        return Err(Error::InvalidPrivateJwk("d must be exactly 32 bytes"));
    }
    let secret = SecretKey::from_slice(&d).map_err(|_| Error::InvalidPrivateJwk("d is not a valid P-256 scalar"))?;
    match (&f.x, &f.y) {
        (None, None) => {}
        (Some(x), Some(y)) => {
            let coord = |s: &str| {
                b64u::decode_array::<32>(s, "coordinate").map_err(|_| Error::InvalidPrivateJwk("x and y must be canonical base64url of 32 bytes"))
            };
            let (x, y) = (coord(x)?, coord(y)?);
            let point = secret.public_key().to_encoded_point(false);
            if point.x().map(|px| px.as_slice()) != Some(&x[..]) || point.y().map(|py| py.as_slice()) != Some(&y[..]) {
                return Err(Error::InvalidPrivateJwk("x and y do not match d"));
            }
        }
        _ => return Err(Error::InvalidPrivateJwk("x and y must both be present or both absent")),
    }
    Ok(secret)
}
