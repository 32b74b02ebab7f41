//! The strict JSON reader (zkauth-verify's json) accepts and refuses exactly what the
//! serde_json-based reader it replaced did (serde_json with correctly rounded floats), with the
//! same refusal, on any bytes and two sets of limits.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkauth_verify::json::{reference, Limits};

fuzz_target!(|data: &[u8]| {
    for limits in [Limits::DEFAULT, Limits { max_len: 1 << 16, max_members: 3 }] {
        let (ours, theirs) = (reference::ours(data, limits), reference::read(data, limits));
        assert_eq!(ours, theirs, "on {:?}", String::from_utf8_lossy(data));
    }
});
