//! The strict JSON reader (zkauth-verify's json) accepts and refuses exactly what the
//! serde_json-based reader it replaced did, with the same refusal, on any bytes and two sets of
//! limits. The one allowed difference: a number within a unit of f64::MAX, where the reader
//! rounds correctly and serde_json's faster parse may round the other way.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkauth_verify::json::{reference, Limits};

fn near_f64_max(data: &[u8]) -> bool {
    data.windows(15).any(|w| w == b"179769313486231")
}

fuzz_target!(|data: &[u8]| {
    for limits in [Limits::DEFAULT, Limits { max_len: 1 << 16, max_members: 3 }] {
        let (ours, theirs) = (reference::ours(data, limits), reference::read(data, limits));
        assert!(ours == theirs || near_f64_max(data), "{ours:?} vs {theirs:?} on {:?}", String::from_utf8_lossy(data));
    }
});
