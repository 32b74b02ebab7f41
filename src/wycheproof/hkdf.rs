//! `hkdf_sha256_test.json` through `hkdf32`, the KDF helper of every key schedule. The helper
//! derives exactly 32 bytes: a valid case of 32 bytes must match `okm` exactly; for any other
//! valid size, HKDF's output stream makes the shorter of the two a prefix of the longer, so the
//! helper's 32 bytes are checked against `okm` on their common length. The helper takes no
//! output length, so an over-long output (the `SizeTooLarge` cases, 8161 bytes) cannot even be
//! asked of it: those invalid cases are refused by construction, and counted so.

use super::{hex_field, vectors, Counts};
use crate::primitives::hkdf32;

/// HKDF-SHA256's output limit (255 blocks of 32 bytes).
const MAX_OKM: usize = 255 * 32;

#[test]
fn wycheproof_hkdf_sha256_through_hkdf32() {
    let doc = vectors(include_str!("../../tests/vectors/wycheproof/hkdf_sha256_test.json"));
    let mut counts = Counts::default();
    let mut exact = 0;
    let mut refused_ids = Vec::new();
    for g in doc["testGroups"].as_array().unwrap() {
        for t in g["tests"].as_array().unwrap() {
            let id = t["tcId"].as_u64().unwrap();
            let size = usize::try_from(t["size"].as_u64().unwrap()).unwrap();
            let okm = hex_field(t, "okm");
            let out = hkdf32(&hex_field(t, "ikm"), &hex_field(t, "salt"), &hex_field(t, "info"));
            match t["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(okm.len(), size);
                    let n = size.min(32);
                    assert_eq!(out[..n], okm[..n], "tcId {id} (size {size})");
                    exact += usize::from(size == 32);
                    counts.valid_accepted += 1;
                }
                "invalid" => {
                    // The only invalid kind in the file: an output longer than HKDF allows,
                    // which the fixed-length helper cannot produce.
                    assert!(size > MAX_OKM, "tcId {id}: an invalid case of another kind");
                    refused_ids.push(id);
                    counts.invalid_refused += 1;
                }
                other => panic!("tcId {id}: unexpected result {other}"),
            }
        }
    }
    counts.print("hkdf_sha256_test.json", &format!("hkdf32; {exact} valid cases of exactly 32 bytes, the rest on their common length"));
    assert_eq!(refused_ids, vec![25, 48, 74]);
    assert_eq!(counts.valid_accepted + counts.invalid_refused, 86);
    assert!(exact > 0);
}
