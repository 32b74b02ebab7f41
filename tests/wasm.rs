//! wasm-bindgen tests: run in headless Chromium (`make test-browser`) and in Node
//! (`make test-node`) through the wasm build and its JS-facing API.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;
use zkauth::verify::b64u;
use zkauth::wasm;

fn code(err: JsValue) -> String {
    js_sys::Reflect::get(&err, &"code".into()).ok().and_then(|c| c.as_string()).unwrap_or_default()
}

#[wasm_bindgen_test]
fn hash_known_answers() {
    assert_eq!(wasm::hash_b64u(""), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    assert_eq!(wasm::hash_b64u("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

#[wasm_bindgen_test]
fn wycheproof_webcrypto_keys_through_validate_zk_pub() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("vectors/wycheproof/ecdh_secp256r1_webcrypto_test.json")).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for t in doc["testGroups"][0]["tests"].as_array().unwrap() {
        let zk = b64u::encode(t["public"].to_string().as_bytes());
        let r = wasm::validate_zk_pub(&zk);
        match t["result"].as_str().unwrap() {
            "valid" => {
                assert_eq!(r.unwrap(), wasm::hash_b64u(&zk), "tcId {}", t["tcId"]);
                valid += 1;
            }
            _ => {
                assert_eq!(code(r.unwrap_err()), "invalid_zk_pub", "tcId {}", t["tcId"]);
                invalid += 1;
            }
        }
    }
    assert_eq!((valid, invalid), (330, 23));
}

#[wasm_bindgen_test]
fn rfc9807_vectors_in_wasm() {
    use zkauth::opaque::vectors::{run_vectors, Outcome};
    let out = run_vectors(include_str!("vectors/rfc9807-vectors.json")).unwrap();
    let passed = out.iter().filter(|o| matches!(o, Outcome::Pass(_))).count();
    let failed: Vec<String> = out.iter().filter(|o| matches!(o, Outcome::Fail(..))).map(ToString::to_string).collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(passed, 3);
}

fn field(obj: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(obj, &name.into()).unwrap()
}

#[wasm_bindgen_test]
fn opaque_flow_through_js_api_both_profiles() {
    use zkauth::opaque::server::{ServerSetup, StoredRecord};
    use zkauth::opaque::Profile;
    let argon = Profile::argon2id(1024, 1, 1, "zkauth.test", "").unwrap();
    let opts = js_sys::Object::new();
    for (k, v) in [("memoryKib", 1024.0), ("iterations", 1.0), ("parallelism", 1.0)] {
        js_sys::Reflect::set(&opts, &k.into(), &v.into()).unwrap();
    }
    js_sys::Reflect::set(&opts, &"serverIdentity".into(), &"zkauth.test".into()).unwrap();
    let js_argon = wasm::WasmProfile::argon2id(&JsValue::from(opts).into()).unwrap();
    assert_eq!(js_argon.descriptor(), argon.descriptor());

    for (core_profile, js_profile) in [(Profile::darkauth(), wasm::WasmProfile::darkauth()), (argon, js_argon)] {
        let setup = ServerSetup::generate(&mut rand_core::OsRng);
        let client = wasm::WasmOpaqueClient::new(&js_profile);
        let start = client.start_registration("pässword".into()).unwrap();
        let resp = setup.registration_response(&field(&start, "request").as_string().unwrap(), b"id@x").unwrap();
        let mut reg = wasm::WasmClientRegistration::try_from_js_value(field(&start, "state")).unwrap();
        let done = reg.finish(&resp, "id@x").unwrap();
        assert_eq!(code(reg.finish(&resp, "id@x").unwrap_err()), "state_used");
        let record = StoredRecord::new(&core_profile, &field(&done, "record").as_string().unwrap()).unwrap();

        for (password, expect_ok) in [("pässword", true), ("password", false)] {
            let start = client.start_login(password.into()).unwrap();
            let (ke2, server) =
                setup.login_start(&mut rand_core::OsRng, &core_profile, Some(&record), &field(&start, "request").as_string().unwrap(), b"id@x", b"id@x").unwrap();
            let mut login = wasm::WasmClientLogin::try_from_js_value(field(&start, "state")).unwrap();
            match login.finish(&ke2, "id@x") {
                Ok(out) => {
                    assert!(expect_ok);
                    assert!(server.finish(&field(&out, "finish").as_string().unwrap()).is_ok());
                }
                Err(e) => {
                    assert!(!expect_ok);
                    assert_eq!(code(e), "opaque_login_failed");
                }
            }
        }
    }
}

