//! Memory proof: runs registration + login + wrap + unwrap + envelope + CAK derivation +
//! delivery through the wasm API, frees every handle, then scans ALL of wasm linear memory
//! (data, shadow stack and heap) for any copy of the password, export key, root key or app key.
//!
//! What it proves: after the handles are freed, no byte-exact copy (nor either 16-byte half)
//! of those secrets remains anywhere in linear memory — including copies made inside
//! dependencies, because the wasm build's allocator wipes every freed or moved block and the
//! binding layer scrubs the stack region its calls used.
//! What it cannot prove: nothing about JS-side copies (strings the caller passed in, or
//! bytes it deliberately exported), browser-internal copies (WebCrypto, V8 heap, swap), copies
//! held in CPU registers, or transformed forms of a key (e.g. an AES key schedule, HMAC pads):
//! only exact byte patterns are searched.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#![cfg(target_arch = "wasm32")]

use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use zkauth::opaque::server::{ServerSetup, StoredRecord};
use zkauth::opaque::Profile;
use zkauth::wasm::*;

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &k.into()).unwrap()
}

/// Offsets in linear memory where `needle` (or one of its 16-byte halves) occurs.
fn find_in_memory(needle: &Uint8Array) -> Vec<u32> {
    let search = Function::new_with_args(
        "mem, needle",
        "const hay = new Uint8Array(mem.buffer); const out = [];
         const pats = [needle];
         if (needle.length >= 32) { pats.push(needle.subarray(0, 16), needle.subarray(16, 32)); }
         for (const p of pats) {
           outer: for (let i = hay.indexOf(p[0]); i !== -1 && i <= hay.length - p.length; i = hay.indexOf(p[0], i + 1)) {
             for (let j = 1; j < p.length; j++) if (hay[i + j] !== p[j]) continue outer;
             out.push(i);
           }
         }
         return out;",
    );
    let res = search.call2(&JsValue::NULL, &wasm_bindgen::memory(), needle).unwrap();
    js_sys::Array::from(&res).iter().map(|v| v.as_f64().unwrap() as u32).collect()
}

/// A random password created in JS, so no copy of it exists in the wasm data segment.
fn js_password() -> (JsValue, Uint8Array) {
    let pw = js_sys::eval("'memscan-' + Array.from(crypto.getRandomValues(new Uint8Array(18)), b => b.toString(16).padStart(2, '0')).join('')").unwrap();
    let bytes = js_sys::eval("(s) => new TextEncoder().encode(s)").unwrap().dyn_into::<Function>().unwrap().call1(&JsValue::NULL, &pw).unwrap();
    (pw, bytes.into())
}

/// The package's allocator (feature `zeroizing-allocator`, on in `make pkg`, `make test-browser`
/// and `make test-node`) wipes every freed block. The scans below rely on it; this test says so
/// plainly when the wasm tests are built without it.
#[wasm_bindgen_test]
fn freed_blocks_are_wiped() {
    let block = core::hint::black_box(vec![0xa5u8; 4096]);
    let start = block.as_ptr() as u32;
    drop(block);
    let mem = Uint8Array::new(&wasm_bindgen::memory().dyn_into::<js_sys::WebAssembly::Memory>().unwrap().buffer());
    let left = mem.subarray(start, start + 4096).to_vec().iter().filter(|&&b| b == 0xa5).count();
    assert!(left < 64, "{left} bytes of a freed block survive: is the zeroizing allocator (feature zeroizing-allocator) installed?");
}

#[wasm_bindgen_test]
fn no_secret_survives_in_linear_memory() {
    let profile = Profile::argon2id(1024, 1, 1, "memscan.test", "").unwrap();
    let opts = js_sys::Object::new();
    for (k, v) in [("memoryKib", 1024.0), ("iterations", 1.0), ("parallelism", 1.0)] {
        Reflect::set(&opts, &k.into(), &v.into()).unwrap();
    }
    Reflect::set(&opts, &"serverIdentity".into(), &"memscan.test".into()).unwrap();
    let (pw, pw_bytes) = js_password();
    let id = "user@memscan.test";
    let sub = "c3ViX21lbXNjYW5fdGVzdA";

    let secrets: Vec<(&str, Uint8Array)>;
    {
        let js_profile = WasmProfile::argon2id(&JsValue::from(opts).into()).unwrap();
        let client = WasmOpaqueClient::new(&js_profile);
        let setup = ServerSetup::generate(&mut rand_core::OsRng);

        // Registration.
        let start = client.start_registration(pw.as_string().unwrap()).unwrap();
        let resp = setup.registration_response(&get(&start, "request").as_string().unwrap(), id.as_bytes()).unwrap();
        let mut reg = WasmClientRegistration::try_from_js_value(get(&start, "state")).unwrap();
        let done = reg.finish(&resp, id).unwrap();
        let record = StoredRecord::new(&profile, &get(&done, "record").as_string().unwrap()).unwrap();
        let reg_export = WasmExportKey::try_from_js_value(get(&done, "exportKey")).unwrap();

        // Login.
        let start = client.start_login(pw.as_string().unwrap()).unwrap();
        let (ke2, server_state) =
            setup.login_start(&mut rand_core::OsRng, &profile, Some(&record), &get(&start, "request").as_string().unwrap(), id.as_bytes(), id.as_bytes()).unwrap();
        let mut login = WasmClientLogin::try_from_js_value(get(&start, "state")).unwrap();
        let out = login.finish(&ke2, id).unwrap();
        server_state.finish(&get(&out, "finish").as_string().unwrap()).unwrap();
        let export = WasmExportKey::try_from_js_value(get(&out, "exportKey")).unwrap();
        let session = WasmSessionKey::try_from_js_value(get(&out, "sessionKey")).unwrap();
        // EXPOSE: the test must know the export key's bytes to search for them; the copy lives in JS.
        let export_bytes = Uint8Array::from(&export.as_core().expose_secret()[..]);

        // Root key: generate, wrap, unwrap, envelope.
        let root = WasmRootKey::generate();
        let wrapped = export.wrap_root_key(&root, sub).unwrap();
        let unwrapped = export.unwrap_root_key(&wrapped, sub).unwrap();
        let meta = js_sys::Object::new();
        for (k, v) in [("envelopeId", "env_memscan"), ("keyId", "ark_memscan"), ("sub", sub)] {
            Reflect::set(&meta, &k.into(), &v.into()).unwrap();
        }
        let meta: JsValue = meta.into();
        let env = export.seal_password_envelope(&root, &meta.clone().into()).unwrap();
        let opened = export.open_password_envelope(&env, &meta.into()).unwrap();

        // App key, and learn root/app key bytes through the public delivery exits (JS-side copies).
        let cak_opts = js_sys::Object::new();
        for (k, v) in [("sub", sub), ("keyId", "ark_memscan"), ("clientId", "memscan-app")] {
            Reflect::set(&cak_opts, &k.into(), &v.into()).unwrap();
        }
        let app = root.derive_client_app_key(&JsValue::from(cak_opts).into()).unwrap();
        let kp = WasmDeliveryKeyPair::generate();
        let v1 = seal_delivery_v1(&opened, &kp.zk_pub().unwrap(), &js_sys::JSON::parse(&format!(r#"{{"sub":"{sub}","clientId":"memscan-app"}}"#)).unwrap().into()).unwrap();
        let v1_jwe = get(&v1, "jwe").as_string().unwrap();
        let root_key = kp.open_v1(&v1_jwe, &js_sys::JSON::parse("{}").unwrap().into()).unwrap();
        let root_bytes = root_key.export_raw_key();
        let seal_opts = format!(r#"{{"sub":"{sub}","clientId":"memscan-app","requestId":"r","redirectUri":"https://m/cb","keyId":"ark_memscan"}}"#);
        let v2 = seal_delivery_v2(&app, &kp.zk_pub().unwrap(), &js_sys::JSON::parse(&seal_opts).unwrap().into()).unwrap();
        let v2_jwe = get(&v2, "jwe").as_string().unwrap();
        let open_opts = format!(r#"{{"zkKeyHash":"{}","clientId":"memscan-app","redirectUri":"https://m/cb","zkKeyKind":"client_app_key","zkKeyVersion":"v2"}}"#, get(&v2, "zkKeyHash").as_string().unwrap());
        let app_key = kp.open_v2(&v2_jwe, &js_sys::JSON::parse(&open_opts).unwrap().into()).unwrap();
        let app_bytes = app_key.export_raw_key();

        secrets = vec![("password", pw_bytes), ("export key", export_bytes), ("root key", root_bytes), ("app key", app_bytes)];
        // Sanity: while the handles are alive, the scan does find the keys (the test can fail).
        for (name, bytes) in &secrets[1..] {
            assert!(!find_in_memory(bytes).is_empty(), "{name} not found while its handle is alive: the scan is broken");
        }
        // Free every handle (what JS's free() does).
        drop((reg_export, export, session, root, unwrapped, opened, app, kp, root_key, app_key, client, js_profile, reg, login));
    }
    // No scrub here: the SDK must leave nothing behind on its own.
    let mut leaks = Vec::new();
    for (name, bytes) in &secrets {
        let at = find_in_memory(bytes);
        if !at.is_empty() {
            leaks.push(format!("{name} at {at:?}"));
        }
    }
    let mem_len = Uint8Array::new(&get(&wasm_bindgen::memory(), "buffer")).length();
    assert!(leaks.is_empty(), "secrets left in {mem_len} bytes of linear memory: {leaks:?}");
}

#[wasm_bindgen_test]
fn abandoned_states_wipe_the_password() {
    let client = WasmOpaqueClient::new(&WasmProfile::darkauth());
    let (pw, pw_bytes) = js_password();
    let reg = client.start_registration(pw.as_string().unwrap()).unwrap();
    let login = client.start_login(pw.as_string().unwrap()).unwrap();
    let reg = WasmClientRegistration::try_from_js_value(get(&reg, "state")).unwrap();
    let login = WasmClientLogin::try_from_js_value(get(&login, "state")).unwrap();
    // The states hold the password inside wasm while alive...
    assert!(!find_in_memory(&pw_bytes).is_empty(), "password not found while states are alive: the scan is broken");
    // ...and freeing them without finishing wipes it.
    drop((reg, login, client));
    assert_eq!(find_in_memory(&pw_bytes), Vec::<u32>::new(), "password left after freeing unfinished states");
}
