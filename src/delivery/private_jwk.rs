//! Loading the recipient's P-256 private JWK (`kty`, `crv`, `d`, optional matching `x`/`y`),
//! read by zkauth-verify's bounded JSON reader: unique members, at most 16, at most 4 KiB.

use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::SecretKey;
use serde::de::MapAccess;
use zeroize::Zeroizing;
use zkauth_verify::b64u;
use zkauth_verify::json::{read_object, MemberError, Members, Refusal, Value};

use crate::Error;

/// Private JWK members zkauth reads; others (`alg`, `use`, `kid`, `key_ops`, `ext`) are ignored.
#[derive(Default)]
struct PrivateJwkFields {
    kty: Option<String>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: Option<Zeroizing<String>>,
}

impl Members for PrivateJwkFields {
    fn member<'de, A: MapAccess<'de>>(&mut self, name: &str, value: Value<'_, A>) -> Result<(), MemberError<A::Error>> {
        match name {
            "kty" => self.kty = Some(value.string()?),
            "crv" => self.crv = Some(value.string()?),
            "x" => self.x = Some(value.string()?),
            "y" => self.y = Some(value.string()?),
            "d" => self.d = Some(value.secret_string()?),
            _ => {}
        }
        Ok(())
    }
}

/// Loads a P-256 private JWK: `kty` = "EC", `crv` = "P-256", `d` canonical b64u of exactly
/// 32 bytes (a valid non-zero scalar); `x` and `y`, when present, must both be there and
/// match `d`. Duplicate members are refused; other members are ignored (at most 16 members in
/// all, at most 4 KiB of JSON).
pub(super) fn secret_from_private_jwk(json: &str) -> Result<SecretKey, Error> {
    let f: PrivateJwkFields = read_object(json.as_bytes()).map_err(|refusal| {
        Error::InvalidPrivateJwk(match refusal {
            Refusal::DuplicateMember => "duplicate member",
            _ => "not a JSON object of string members",
        })
    })?;
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
