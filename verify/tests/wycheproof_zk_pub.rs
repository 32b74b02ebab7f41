//! Every Wycheproof ecdh_secp256r1_webcrypto public key through zk_pub and epk validation:
//! each `valid` accepted, each `invalid` refused. Reads the vendored copy (tests/vectors/); a
//! missing file fails the build.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use zkauth_verify::{b64u, parse_epk_value, validate_zk_pub};

#[test]
fn webcrypto_public_keys() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("../../tests/vectors/wycheproof/ecdh_secp256r1_webcrypto_test.json")).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for group in doc["testGroups"].as_array().unwrap() {
        for t in group["tests"].as_array().unwrap() {
            let id = t["tcId"].as_i64().unwrap();
            let jwk = t["public"].to_string();
            let zk = validate_zk_pub(&b64u::encode(jwk.as_bytes()));
            let epk = parse_epk_value(&jwk);
            match t["result"].as_str().unwrap() {
                "valid" => {
                    assert!(zk.is_ok(), "tcId {id}: valid key refused: {:?}", zk.err());
                    assert!(epk.is_ok(), "tcId {id}: valid epk refused");
                    valid += 1;
                }
                "invalid" => {
                    assert_eq!(zk.err().map(|e| e.code()), Some("invalid_zk_pub"), "tcId {id}: invalid key accepted");
                    assert_eq!(epk.err().map(|e| e.code()), Some("invalid_epk"), "tcId {id}");
                    invalid += 1;
                }
                other => panic!("tcId {id}: unexpected result {other}"),
            }
        }
    }
    println!("wycheproof ecdh_secp256r1_webcrypto_test.json (zk_pub/epk validation): {valid} valid accepted, {invalid} invalid refused");
    assert_eq!((valid, invalid), (330, 23));
}
