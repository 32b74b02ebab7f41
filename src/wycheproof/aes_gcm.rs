//! `aes_gcm_test.json` through the custody formats: format A (`iv ‖ tag ‖ ct`, wrapped keys)
//! and format B (`iv ‖ ct ‖ tag`, private JWK and notes) seal each valid case to exactly the
//! vector's bytes (the IV drawn from the test RNG) and open it to the message; every invalid
//! case is refused by both openers. Only the group zkauth uses applies: 256-bit keys, 96-bit
//! IVs, 128-bit tags (tcId 91–156); the other groups are counted as not applicable.

use rand_core::{CryptoRng, RngCore};

use super::{hex_field, vectors, Counts};
use crate::keys::format::{open_format_a, open_format_b, seal_format_a, seal_format_b};

/// Hands out one fixed IV.
struct FixedIv(Vec<u8>);

impl RngCore for FixedIv {
    fn next_u32(&mut self) -> u32 {
        unreachable!("only fill_bytes is used")
    }
    fn next_u64(&mut self) -> u64 {
        unreachable!("only fill_bytes is used")
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        assert_eq!(dest.len(), self.0.len(), "one 12-byte IV per seal");
        dest.copy_from_slice(&self.0);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl CryptoRng for FixedIv {}

#[test]
fn wycheproof_aes_gcm_through_formats_a_and_b() {
    let doc = vectors(include_str!("../../tests/vectors/wycheproof/aes_gcm_test.json"));
    let mut counts = Counts::default();
    let mut ids = Vec::new();
    for g in doc["testGroups"].as_array().unwrap() {
        let applies = g["keySize"] == 256 && g["ivSize"] == 96 && g["tagSize"] == 128;
        for t in g["tests"].as_array().unwrap() {
            if !applies {
                counts.not_applicable += 1;
                continue;
            }
            let id = t["tcId"].as_u64().unwrap();
            ids.push(id);
            let key: [u8; 32] = hex_field(t, "key").try_into().unwrap();
            let (iv, aad, msg, ct, tag) = (hex_field(t, "iv"), hex_field(t, "aad"), hex_field(t, "msg"), hex_field(t, "ct"), hex_field(t, "tag"));
            let format_a = [&iv[..], &tag, &ct].concat();
            let format_b = [&iv[..], &ct, &tag].concat();
            match t["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(seal_format_a(&key, &mut FixedIv(iv.clone()), &msg, &aad).unwrap(), format_a, "tcId {id}: seal A");
                    assert_eq!(seal_format_b(&key, &mut FixedIv(iv.clone()), &msg, &aad).unwrap(), format_b, "tcId {id}: seal B");
                    assert_eq!(*open_format_a(&key, &format_a, &aad).unwrap(), msg, "tcId {id}: open A");
                    assert_eq!(*open_format_b(&key, &format_b, &aad).unwrap(), msg, "tcId {id}: open B");
                    counts.valid_accepted += 1;
                }
                "invalid" => {
                    assert_eq!(open_format_a(&key, &format_a, &aad).unwrap_err().code(), "unwrap_failed", "tcId {id}: open A");
                    assert_eq!(open_format_b(&key, &format_b, &aad).unwrap_err().code(), "unwrap_failed", "tcId {id}: open B");
                    counts.invalid_refused += 1;
                }
                other => panic!("tcId {id}: unexpected result {other}"),
            }
        }
    }
    counts.print("aes_gcm_test.json", "AES-256-GCM through formats A and B");
    assert_eq!(ids, (91..=156).collect::<Vec<_>>());
    assert_eq!((counts.valid_accepted, counts.invalid_refused, counts.not_applicable), (39, 27, 316 - 66));
}
