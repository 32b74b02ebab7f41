//! The v2 payload check (the strict bounded JSON reader, then every claim of §4.7) never
//! panics, and what it accepts carries exactly the bindings that were expected.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkauth_verify::{check_time_window, check_v2_claims, hash_b64u, ExpectV2};

const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let e = ExpectV2 {
        zk_key_hash: "",
        client_id: "demo-app",
        redirect_uri: "https://app.example/cb",
        state: Some("st"),
        sub: Some("user-1"),
        request_id: Some("req-1"),
        org_id: None,
        now: NOW,
        zk_key_kind: Some("client_app_key"),
        zk_key_version: Some("v2"),
    };
    if let Ok(checked) = check_v2_claims(data, &e) {
        assert_eq!(checked.sub, "user-1");
        assert!(!checked.key_id.is_empty());
        // Everything accepted names the expected client, state and redirect URI.
        let text = std::str::from_utf8(data).expect("accepted payloads are UTF-8");
        assert!(text.contains("demo-app"));
        assert!(text.contains(&hash_b64u("st")) || text.contains("\\u"));
        assert!(text.contains(&hash_b64u("https://app.example/cb")) || text.contains("\\u"));
    }
    if data.len() >= 16 {
        let (a, b) = data.split_at(8);
        let iat = i64::from_le_bytes(a.try_into().unwrap_or_default());
        let exp = i64::from_le_bytes(b.get(..8).and_then(|b| b.try_into().ok()).unwrap_or_default());
        if check_time_window(iat, exp, NOW).is_ok() {
            assert!(iat <= NOW + 60 && exp > NOW && exp.checked_sub(iat).is_some_and(|d| d <= 600));
        }
    }
});
