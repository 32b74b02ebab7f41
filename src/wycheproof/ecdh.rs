//! ECDH P-256 through the delivery layer: each public key through the strict JWK validation
//! (`parse_epk_value`, the `epk`/`zk_pub` rules), each private key through
//! `DeliveryKeyPair::from_private_jwk`, and the agreement through the key pair's own ECDH step
//! (`with_shared`), which must give the vector's `shared`. Invalid public keys must be refused
//! by the validation, so no agreement is ever computed with them.
//!
//! `ecdh_secp256r1_ecpoint_test.json` gives SEC1 points: an uncompressed 65-byte point is turned
//! into the JWK zkauth would receive (`x`, `y` of 32 bytes); an encoding that is not 65 bytes
//! starting with 04 (compressed, empty) has no JWK form and is refused as such.

use zkauth_verify::{b64u, parse_epk_value};

use super::{hex_field, vectors, Counts};
use crate::delivery::DeliveryKeyPair;

/// The recipient key pair from a private scalar given as big-endian hex (Wycheproof may prefix
/// a zero byte or omit leading zeros).
fn key_pair(private: &[u8]) -> DeliveryKeyPair {
    let digits: Vec<u8> = private.iter().copied().skip_while(|b| *b == 0).collect();
    let mut d = [0u8; 32];
    d[32 - digits.len()..].copy_from_slice(&digits);
    DeliveryKeyPair::from_private_jwk(&format!(r#"{{"kty":"EC","crv":"P-256","d":"{}"}}"#, b64u::encode(&d))).unwrap()
}

/// The JWK of an uncompressed SEC1 point, or `None` for any other encoding.
fn jwk_of_sec1(point: &[u8]) -> Option<String> {
    let (tag, xy) = point.split_first()?;
    if *tag != 4 || xy.len() != 64 {
        return None;
    }
    let (x, y) = xy.split_at(32);
    Some(format!(r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#, b64u::encode(x), b64u::encode(y)))
}

/// `Z` between `pair` and a validated public key, through the key pair's ECDH step.
fn agree(pair: &DeliveryKeyPair, public_jwk: &str) -> Result<Vec<u8>, crate::Error> {
    let epk = parse_epk_value(public_jwk)?;
    pair.with_shared(&epk, |z| Ok(z.to_vec()))
}

#[test]
fn wycheproof_ecdh_secp256r1_ecpoint() {
    let doc = vectors(include_str!("../../tests/vectors/wycheproof/ecdh_secp256r1_ecpoint_test.json"));
    let mut counts = Counts::default();
    for t in doc["testGroups"][0]["tests"].as_array().unwrap() {
        let id = t["tcId"].as_u64().unwrap();
        let pair = key_pair(&hex_field(t, "private"));
        let jwk = jwk_of_sec1(&hex_field(t, "public"));
        let z = jwk.as_deref().map(|j| agree(&pair, j));
        match (t["result"].as_str().unwrap(), z) {
            ("valid", Some(Ok(z))) => {
                assert_eq!(z, hex_field(t, "shared"), "tcId {id}");
                counts.valid_accepted += 1;
            }
            ("invalid", None) => counts.invalid_refused += 1,
            ("invalid", Some(Err(e))) => {
                assert_eq!(e.code(), "invalid_epk", "tcId {id}");
                counts.invalid_refused += 1;
            }
            // tcId 2: a compressed point, which a JWK cannot carry.
            ("acceptable", None) => counts.acceptable += 1,
            (result, z) => panic!("tcId {id}: {result} gave {z:?}"),
        }
    }
    counts.print("ecdh_secp256r1_ecpoint_test.json", "JWK validation + DeliveryKeyPair ECDH");
    assert_eq!((counts.valid_accepted, counts.invalid_refused, counts.acceptable), (330, 24, 1));
}

#[test]
fn wycheproof_ecdh_secp256r1_webcrypto() {
    let doc = vectors(include_str!("../../tests/vectors/wycheproof/ecdh_secp256r1_webcrypto_test.json"));
    let mut counts = Counts::default();
    for t in doc["testGroups"][0]["tests"].as_array().unwrap() {
        let id = t["tcId"].as_u64().unwrap();
        let pair = DeliveryKeyPair::from_private_jwk(&t["private"].to_string());
        match t["result"].as_str().unwrap() {
            "valid" => {
                let z = agree(&pair.unwrap(), &t["public"].to_string()).unwrap();
                assert_eq!(z, hex_field(t, "shared"), "tcId {id}");
                counts.valid_accepted += 1;
            }
            "invalid" => {
                // The public key is what is invalid (the private JWK may be of another curve).
                let refused = parse_epk_value(&t["public"].to_string()).unwrap_err();
                assert_eq!(refused.code(), "invalid_epk", "tcId {id}");
                counts.invalid_refused += 1;
            }
            other => panic!("tcId {id}: unexpected result {other}"),
        }
    }
    counts.print("ecdh_secp256r1_webcrypto_test.json", "private JWK + epk validation + DeliveryKeyPair ECDH");
    assert_eq!((counts.valid_accepted, counts.invalid_refused), (330, 23));
}
