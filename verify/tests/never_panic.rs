//! Stable-toolchain stand-in for the fuzz targets: thousands of mutated inputs through every
//! parser of zkauth-verify. None may panic; canonical round trips must hold.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use zkauth_verify::{b64u, check_v2_claims, hash_b64u, parse_compact_jwe, validate_zk_pub, ExpectV2, JweVersion};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

fn mutate(rng: &mut Rng, s: &str) -> String {
    let mut b = s.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        let alphabet = b"AZaz09-_.={}\":, \n\xff";
        match rng.below(3) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = alphabet[rng.below(alphabet.len())];
            }
            1 if !b.is_empty() => {
                b.remove(rng.below(b.len()));
            }
            _ => {
                let i = rng.below(b.len() + 1);
                b.insert(i, alphabet[rng.below(alphabet.len())]);
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

#[test]
fn mutated_inputs_never_panic() {
    let jwk = r#"{"kty":"EC","crv":"P-256","x":"YtW9M3Kvdf6FoEBxXQ9QJCjgcEaGiwv9-mHXMa_kTyY","y":"rDM6k6nnCoHNWpW1v40TmQ63QcjDiHK0oH0nWgFOMM8"}"#;
    let zk = b64u::encode(jwk.as_bytes());
    let header = b64u::encode(format!(r#"{{"alg":"ECDH-ES","enc":"A256GCM","epk":{jwk}}}"#).as_bytes());
    let jwe = format!("{header}..{}.{}.{}", b64u::encode(&[7; 12]), b64u::encode(b"ciphertext"), b64u::encode(&[9; 16]));
    let claims = r#"{"typ":"DarkAuth-Client-Key","version":"v2","sub":"s","client_id":"c","aud":["c"],"state_hash":"x","redirect_uri_hash":"y","key_id":"k","key_kind":"client_app_key","cak":"AAAA","iat":1,"exp":2}"#;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut zk_ok, mut jwe_ok) = (0, 0);
    for _ in 0..20_000 {
        let z = mutate(&mut rng, &zk);
        if let Ok(v) = validate_zk_pub(&z) {
            assert_eq!(v.kid, hash_b64u(&z));
            zk_ok += 1;
        }
        if let Ok(bytes) = b64u::decode(&z, "z") {
            assert_eq!(b64u::encode(&bytes), z, "non-canonical input accepted");
        }
        jwe_ok += usize::from(parse_compact_jwe(&mutate(&mut rng, &jwe), JweVersion::V2).is_ok());
        let _ = check_v2_claims(mutate(&mut rng, claims).as_bytes(), &ExpectV2 { client_id: "c", redirect_uri: "r", ..Default::default() });
    }
    // The honest inputs themselves pass, and the loop really exercised success paths too.
    assert!(validate_zk_pub(&zk).is_ok() && parse_compact_jwe(&jwe, JweVersion::V2).is_ok());
    assert!(jwe_ok > 0 || zk_ok > 0, "mutations never produced a valid input: the loop tests nothing but errors");
}
