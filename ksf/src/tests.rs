//! zkauth-ksf's scrypt against the `scrypt` crate, and its refusals.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::{scrypt, ScryptError};

#[test]
fn scrypt_equals_the_reference_crate() {
    // (password, salt, log_n, r, p, output length): RFC 7914 §12's first three shapes, the
    // DarkAuth KSF's (N = 32768, r = 8, p = 1, empty salt, Nh = 32) and odd ones.
    type Case<'a> = (&'a [u8], &'a [u8], u8, u32, u32, usize);
    let cases: [Case<'_>; 6] = [
        (b"", b"", 4, 1, 1, 64),
        (b"password", b"NaCl", 10, 8, 16, 64),
        (b"pleaseletmein", b"SodiumChloride", 14, 8, 1, 64),
        (b"darkauth", b"", 15, 8, 1, 32),
        (b"x", b"salt", 1, 1, 3, 10),
        (&[0xff; 100], &[0; 40], 5, 3, 2, 33),
    ];
    for (pw, salt, log_n, r, p, len) in cases {
        let mut ours = vec![0u8; len];
        scrypt(pw, salt, log_n, r, p, &mut ours).unwrap();
        let mut reference = vec![0u8; len];
        ::scrypt::scrypt(pw, salt, &::scrypt::Params::new(log_n, r, p, len).unwrap(), &mut reference).unwrap();
        assert_eq!(ours, reference, "log_n={log_n} r={r} p={p}");
    }
}

#[test]
fn scrypt_refuses_parameters_outside_rfc_7914() {
    let mut out = [0u8; 32];
    for (log_n, r, p) in [(0u8, 8u32, 1u32), (15, 0, 1), (15, 8, 0), (16, 1, 1), (64, 8, 1), (200, 64, 1), (1, 1 << 20, 1 << 10)] {
        assert_eq!(scrypt(b"pw", b"", log_n, r, p, &mut out), Err(ScryptError::InvalidParams), "log_n={log_n} r={r} p={p}");
    }
    assert_eq!(scrypt(b"pw", b"", 4, 1, 1, &mut []), Err(ScryptError::InvalidParams));
    // Allocation failure is an error: 2^40 blocks of 1 KiB cannot be had.
    assert_eq!(scrypt(b"pw", b"", 40, 8, 1, &mut out), Err(ScryptError::OutOfMemory));
}

#[test]
fn kat_rfc_7914() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("../../tests/vectors/custody_kat.json")).unwrap();
    let vectors = doc["ksf"]["scrypt_rfc7914"].as_array().unwrap();
    assert_eq!(vectors.len(), 3, "RFC 7914 §12 vectors 1-3 (the fourth needs 1 GiB)");
    for v in vectors {
        let n = |k: &str| u32::try_from(v[k].as_u64().unwrap()).unwrap();
        let want = hex::decode(v["dk"].as_str().unwrap()).unwrap();
        let mut dk = vec![0u8; want.len()];
        let log_n = u8::try_from(n("log_n")).unwrap();
        scrypt(v["password"].as_str().unwrap().as_bytes(), v["salt"].as_str().unwrap().as_bytes(), log_n, n("r"), n("p"), &mut dk).unwrap();
        assert_eq!(dk, want, "RFC 7914 §12, N = 2^{log_n}");
    }
}
