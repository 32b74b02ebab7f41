//! Wycheproof vectors (C2SP, vendored in tests/vectors/wycheproof/) through zkauth's own layers,
//! as unit tests because those layers are crate-private: AES-256-GCM through the custody
//! formats A and B, HKDF-SHA256 through `hkdf32`, ECDH P-256 (`ecpoint` and `webcrypto`)
//! through the JWK validation and the delivery key pair's agreement, and the JWE file through
//! the delivery opener. Each file's counts are printed (`cargo test wycheproof -- --nocapture`).

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod aes_gcm;
mod ecdh;
mod hkdf;
mod jwe;

use serde_json::Value;

/// A vendored file's JSON (embedded with `include_str!`: a missing file fails the build).
fn vectors(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A hex field of a test case.
fn hex_field(t: &Value, name: &str) -> Vec<u8> {
    hex::decode(t[name].as_str().unwrap()).unwrap()
}

/// Counts per outcome, printed per file.
#[derive(Default, Debug)]
struct Counts {
    valid_accepted: usize,
    invalid_refused: usize,
    acceptable: usize,
    not_applicable: usize,
}

impl Counts {
    fn print(&self, file: &str, what: &str) {
        println!(
            "wycheproof {file} ({what}): {} valid accepted with the right output, {} invalid refused, {} acceptable, {} not applicable",
            self.valid_accepted, self.invalid_refused, self.acceptable, self.not_applicable
        );
    }
}
