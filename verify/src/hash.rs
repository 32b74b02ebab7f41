//! `X_hash = b64u(SHA-256(UTF-8(s)))` and constant-time comparison of bindings.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{b64u, Error};

/// `b64u(SHA-256(UTF-8(value)))`, always 43 characters. No normalisation of `value`.
pub fn hash_b64u(value: &str) -> String {
    b64u::encode(&Sha256::digest(value.as_bytes()))
}

/// Constant-time equality of byte strings (the length is not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Constant-time equality of strings, for every hash and binding value.
pub fn ct_eq_str(a: &str, b: &str) -> bool {
    ct_eq(a.as_bytes(), b.as_bytes())
}

/// Checks `expected_hash == b64u(SHA-256(value))` in constant time (`zk_key_hash`, `drk_hash`).
pub fn check_hash_binding(value: &str, expected_hash: &str, what: &'static str) -> Result<(), Error> {
    if ct_eq_str(&hash_b64u(value), expected_hash) {
        Ok(())
    } else {
        Err(Error::HashMismatch(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hashes() {
        // SHA-256("") = e3b0c442...b855, SHA-256("abc") = ba7816bf...15ad (FIPS 180-2).
        assert_eq!(hash_b64u(""), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
        assert_eq!(hash_b64u("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
        assert_eq!(hash_b64u("abc").len(), 43);
    }

    #[test]
    fn binding() {
        let h = hash_b64u("a.b.c.d.e");
        assert!(check_hash_binding("a.b.c.d.e", &h, "zk_key_hash").is_ok());
        assert_eq!(check_hash_binding("a.b.c.d.f", &h, "zk_key_hash"), Err(Error::HashMismatch("zk_key_hash")));
        assert!(!ct_eq_str("abc", "abcd"));
        assert!(ct_eq_str("", ""));
    }
}
