//! The vendored test vectors are the upstream files, unchanged: each one's SHA-256 is pinned
//! here (the values of `sha256sum` over the project's shared vectors folder when they were
//! copied). A missing file fails the build, an altered one this test; no test reads outside the
//! repository.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use sha2::{Digest, Sha256};

const PINNED: [(&str, &[u8], &str); 7] = [
    ("rfc9807-vectors.json", include_bytes!("vectors/rfc9807-vectors.json"), "d87a1d0e770e24b14050e6c19c4ac463a6eee576fbd263f5cf20da4d6acb05be"),
    ("wycheproof/LICENSE", include_bytes!("vectors/wycheproof/LICENSE"), "58d1e17ffe5109a7ae296caafcadfdbe6a7d176f0bc4ab01e12a689b0499d8bd"),
    ("wycheproof/aes_gcm_test.json", include_bytes!("vectors/wycheproof/aes_gcm_test.json"), "985e5ecc172e181eaf49e89508b9470dcf478002eb7e8559c707eb42dc97dfe7"),
    ("wycheproof/ecdh_secp256r1_ecpoint_test.json", include_bytes!("vectors/wycheproof/ecdh_secp256r1_ecpoint_test.json"), "648f16d077caf2400d02331ca51f44744c72c799830c8d0595d0b18b6dd9f886"),
    ("wycheproof/ecdh_secp256r1_webcrypto_test.json", include_bytes!("vectors/wycheproof/ecdh_secp256r1_webcrypto_test.json"), "578ddbae7cba6ba89583ed539b15cb601fcbd78c9614480895b577199bc8c985"),
    ("wycheproof/hkdf_sha256_test.json", include_bytes!("vectors/wycheproof/hkdf_sha256_test.json"), "bb2b462a38b251cb52a2aede706d6d4b62b26864f4e80c95497507ddb07c5f1e"),
    ("wycheproof/json_web_encryption_test.json", include_bytes!("vectors/wycheproof/json_web_encryption_test.json"), "2fee073795830ee029ddb84d2d7bcbad05fde6e55ee2d00b153a0aa40a72d7d2"),
];

#[test]
fn vendored_files_are_the_upstream_ones() {
    for (name, bytes, pinned) in PINNED {
        assert_eq!(hex::encode(Sha256::digest(bytes)), pinned, "tests/vectors/{name} differs from the upstream copy");
    }
}
