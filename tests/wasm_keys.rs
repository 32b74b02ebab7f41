//! wasm-bindgen tests of the key-custody and delivery JS API (`src/wasm/keys.rs`,
//! `src/wasm/delivery.rs`). No `wasm_bindgen_test_configure!`: the same file runs in headless
//! Chromium and in Node.

#![cfg(target_arch = "wasm32")]
// clippy does not see `#[wasm_bindgen_test]` functions as tests (allow-unwrap-in-tests misses them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;
use zkauth::verify::b64u;
use zkauth::wasm;

// Fixed inputs and known answers from tests/vectors/custody_kat.py (also asserted in src/keys.rs).
const SUB: &str = "emthdXRoLXRlc3Qtc3ViIQ";
const KEY_ID: &str = "ark_a2V5LWlkLWZvci16a2F1dGgtdGVzdHMh";
const ENVELOPE_ID: &str = "env_0b6c6a8e-3f7d-4c1e-9a52-1d2e3f405162";
const CLIENT_ID: &str = "demo-app";
const ORG_ID: &str = "8c1f6f0e-2b1a-4d8e-9a0b-1c2d3e4f5a6b";
const CREDENTIAL_ID: &str = "Y3JlZGVudGlhbC1pZC0wMDE";
const PRIVATE_JWK: &str = r#"{"crv":"P-256","d":"ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ","ext":true,"key_ops":["deriveKey","deriveBits"],"kty":"EC","x":"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg","y":"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXk"}"#;

const REDIRECT: &str = "https://app.example/callback?x=1";

/// A known answer (or fixed input) from tests/vectors/custody_kat.json, which
/// tests/vectors/custody_kat.py writes; a missing file fails the build.
fn kat(name: &str) -> &'static str {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| serde_json::from_str(include_str!("vectors/custody_kat.json")).unwrap());
    doc["outputs"][name].as_str().or(doc["inputs"][name].as_str()).unwrap_or_else(|| panic!("{name} is not in custody_kat.json"))
}

#[wasm_bindgen_test]
fn fixed_inputs_are_the_kat_files() {
    for (name, value) in [("sub", SUB), ("key_id", KEY_ID), ("envelope_id", ENVELOPE_ID), ("client_id", CLIENT_ID), ("org_id", ORG_ID), ("credential_id", CREDENTIAL_ID), ("private_jwk", PRIVATE_JWK)] {
        assert_eq!(kat(name), value, "{name}");
    }
}

fn seq(start: u8, len: u8) -> Vec<u8> {
    (start..start + len).collect()
}

fn code(err: JsValue) -> String {
    js_sys::Reflect::get(&err, &"code".into()).ok().and_then(|c| c.as_string()).unwrap_or_default()
}

fn err_code<T>(r: Result<T, JsValue>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => code(e),
    }
}

fn field(obj: &JsValue, name: &str) -> String {
    js_sys::Reflect::get(obj, &name.into()).unwrap().as_string().unwrap()
}

/// A plain JS option bag of string fields, typed as the binding's imported option type.
fn bag<T: From<JsValue>>(fields: &[(&str, &str)]) -> T {
    bag_with(fields, &[])
}

fn bag_with<T: From<JsValue>>(fields: &[(&str, &str)], numbers: &[(&str, f64)]) -> T {
    let o = js_sys::Object::new();
    for (k, v) in fields {
        js_sys::Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    for (k, v) in numbers {
        js_sys::Reflect::set(&o, &(*k).into(), &(*v).into()).unwrap();
    }
    JsValue::from(o).into()
}

fn meta() -> wasm::EnvelopeMetaOptions {
    bag(&[("envelopeId", ENVELOPE_ID), ("keyId", KEY_ID), ("sub", SUB)])
}

fn kat_export_key() -> wasm::WasmExportKey {
    wasm::WasmExportKey::from_core(zkauth::ExportKey::from_slice(&seq(0x00, 32)).unwrap())
}

fn bytes(a: &js_sys::Uint8Array) -> Vec<u8> {
    a.to_vec()
}

/// The bytes of a root key handle, read through the API: a v1 delivery to a fresh key pair.
fn root_bytes(root: &wasm::WasmRootKey) -> Vec<u8> {
    let kp = wasm::WasmDeliveryKeyPair::generate();
    let sealed = wasm::seal_delivery_v1(root, &kp.zk_pub().unwrap(), &bag(&[("sub", "s"), ("clientId", "c")])).unwrap();
    let got = kp.open_v1(&field(&sealed, "jwe"), &bag(&[("drkHash", &field(&sealed, "drkHash"))])).unwrap();
    assert_eq!(got.kind(), "root_key");
    bytes(&got.export_raw_key())
}

/// The bytes of an app key handle, read through the API: a v2 delivery to a fresh key pair.
/// `derived_for` is the `deriveClientAppKey` bag the key was made from (`sub`, `keyId`,
/// `clientId`, `orgId`?): sealDeliveryV2 refuses claims naming another context.
fn app_bytes(key: &wasm::WasmAppKey, derived_for: &[(&str, &str)]) -> Vec<u8> {
    let kp = wasm::WasmDeliveryKeyPair::generate();
    let mut claims = derived_for.to_vec();
    claims.extend([("requestId", "req-1"), ("state", "st-1"), ("redirectUri", REDIRECT)]);
    let sealed = wasm::seal_delivery_v2(key, &kp.zk_pub().unwrap(), &bag(&claims)).unwrap();
    let client_id = derived_for.iter().find(|(k, _)| *k == "clientId").unwrap().1;
    let hash = field(&sealed, "zkKeyHash");
    let expect = [("zkKeyHash", hash.as_str()), ("clientId", client_id), ("redirectUri", REDIRECT), ("state", "st-1"), TOKEN_V2[0], TOKEN_V2[1]];
    let got = kp.open_v2(&field(&sealed, "jwe"), &bag(&expect)).unwrap();
    bytes(&got.export_raw_key())
}

/// The `deriveClientAppKey` bag of the fixed test context (`SUB`, `KEY_ID`, `CLIENT_ID`).
const CAK_CONTEXT: [(&str, &str); 3] = [("sub", SUB), ("keyId", KEY_ID), ("clientId", CLIENT_ID)];

fn seal_bag() -> wasm::SealV2Options {
    bag(&[("sub", SUB), ("clientId", CLIENT_ID), ("requestId", "req-1"), ("state", "st-1"), ("redirectUri", REDIRECT), ("keyId", KEY_ID)])
}

/// The token response's `zk_key_kind` / `zk_key_version` (required since issue 13).
const TOKEN_V2: [(&str, &str); 2] = [("zkKeyKind", "client_app_key"), ("zkKeyVersion", "v2")];

fn open_bag(hash: &str) -> wasm::ExpectV2Options {
    bag(&[("zkKeyHash", hash), ("clientId", CLIENT_ID), ("redirectUri", REDIRECT), ("state", "st-1"), ("sub", SUB), ("requestId", "req-1"), TOKEN_V2[0], TOKEN_V2[1]])
}

// ---- password wrap and envelopes ----

#[wasm_bindgen_test]
fn wrap_unwrap_root_key_round_trip() {
    let ek = wasm::WasmExportKey::from_core(zkauth::ExportKey::from_bytes([7; 32]));
    let root = wasm::WasmRootKey::generate();
    let wrapped = ek.wrap_root_key(&root, "user-1").unwrap();
    assert_eq!(b64u::decode(&wrapped, "t").unwrap().len(), 60);
    let opened = ek.unwrap_root_key(&wrapped, "user-1").unwrap();
    assert_eq!(root_bytes(&opened), root_bytes(&root));
    assert_eq!(err_code(ek.unwrap_root_key(&wrapped, "user-2")), "unwrap_failed");
    let other = wasm::WasmExportKey::from_core(zkauth::ExportKey::from_bytes([8; 32]));
    assert_eq!(err_code(other.unwrap_root_key(&wrapped, "user-1")), "unwrap_failed");
    assert_eq!(err_code(ek.unwrap_root_key("not base64!", "user-1")), "invalid_base64url");
    assert_eq!(err_code(ek.unwrap_root_key("AAAA", "user-1")), "ciphertext_truncated");
    // Migrated v1 password envelopes are the same bytes.
    assert_eq!(root_bytes(&ek.open_migrated_password_envelope(&wrapped, "user-1").unwrap()), root_bytes(&root));
}

#[wasm_bindgen_test]
fn envelopes_seal_and_open() {
    let ek = wasm::WasmExportKey::from_core(zkauth::ExportKey::from_bytes([3; 32]));
    let root = wasm::WasmRootKey::generate();
    let want = root_bytes(&root);
    let other_meta: wasm::EnvelopeMetaOptions = bag(&[("envelopeId", ENVELOPE_ID), ("keyId", "ark_other"), ("sub", SUB)]);

    // password
    let w = ek.seal_password_envelope(&root, &meta()).unwrap();
    assert_eq!(root_bytes(&ek.open_password_envelope(&w, &meta()).unwrap()), want);
    assert_eq!(err_code(ek.open_password_envelope(&w, &other_meta)), "unwrap_failed");
    assert_eq!(err_code(ek.unwrap_root_key(&w, SUB)), "unwrap_failed");
    let empty: wasm::EnvelopeMetaOptions = bag(&[("envelopeId", ""), ("keyId", KEY_ID), ("sub", SUB)]);
    assert_eq!(err_code(ek.seal_password_envelope(&root, &empty)), "invalid_input");
    let missing: wasm::EnvelopeMetaOptions = bag(&[("envelopeId", ENVELOPE_ID), ("sub", SUB)]);
    assert_eq!(err_code(ek.seal_password_envelope(&root, &missing)), "missing_field");
    assert_eq!(err_code(wasm::password_envelope_aad(&missing)), "missing_field");

    // recovery
    let rk = wasm::WasmRecoveryKey::generate();
    let display = String::from(rk.export_display());
    let w = rk.seal_envelope(&root, &meta()).unwrap();
    let typed = wasm::WasmRecoveryKey::from_display(format!(" {display}\n")).unwrap();
    assert_eq!(typed.verifier(), rk.verifier());
    assert_eq!(root_bytes(&typed.open_envelope(&w, &meta()).unwrap()), want);
    assert_eq!(err_code(typed.open_envelope(&w, &other_meta)), "unwrap_failed");
    assert_eq!(err_code(wasm::WasmRecoveryKey::generate().open_envelope(&w, &meta())), "unwrap_failed");
    assert_eq!(err_code(wasm::WasmRecoveryKey::from_display(display[..41].to_owned())), "invalid_base64url");

    // passkey PRF
    let prf = js_sys::Uint8Array::from(&[0x5a; 32][..]);
    let w = wasm::seal_prf_envelope(&prf, "cred-1", &root, &meta()).unwrap();
    assert_eq!(root_bytes(&wasm::open_prf_envelope(&prf, "cred-1", &w, &meta()).unwrap()), want);
    assert_eq!(err_code(wasm::open_prf_envelope(&prf, "cred-2", &w, &meta())), "unwrap_failed");
    let wrong_prf = js_sys::Uint8Array::from(&[0x5b; 32][..]);
    assert_eq!(err_code(wasm::open_prf_envelope(&wrong_prf, "cred-1", &w, &meta())), "unwrap_failed");
    assert_eq!(err_code(wasm::seal_prf_envelope(&js_sys::Uint8Array::new_with_length(0), "cred-1", &root, &meta())), "invalid_input");

    // The three AADs differ and decode to JSON naming their type.
    let aads = [wasm::password_envelope_aad(&meta()).unwrap(), wasm::recovery_envelope_aad(&meta()).unwrap(), wasm::prf_envelope_aad(&meta()).unwrap()];
    for (aad, ty) in aads.iter().zip(["password", "recovery", "passkey_prf"]) {
        let json: serde_json::Value = serde_json::from_slice(&b64u::decode(aad, "aad").unwrap()).unwrap();
        assert_eq!(json["type"], ty);
    }
}

#[wasm_bindgen_test]
fn private_jwk_and_data_keys() {
    let root = wasm::WasmRootKey::generate();
    let wrapped = root.wrap_private_jwk(PRIVATE_JWK.into()).unwrap();
    assert_eq!(String::from(root.unwrap_private_jwk_export(&wrapped).unwrap()), PRIVATE_JWK);
    assert_eq!(err_code(wasm::WasmRootKey::generate().unwrap_private_jwk_export(&wrapped)), "unwrap_failed");
    assert_eq!(err_code(root.wrap_private_jwk(String::new())), "invalid_input");

    let note = js_sys::Uint8Array::from(&b"hello, notes"[..]);
    let dk = root.derive_data_key("note-1");
    let ct = dk.encrypt("note-1", &note).unwrap();
    assert_eq!(bytes(&root.derive_data_key("note-1").decrypt("note-1", &ct).unwrap()), b"hello, notes");
    assert_eq!(err_code(dk.decrypt("note-2", &ct)), "unwrap_failed");
    assert_eq!(err_code(root.derive_data_key("note-2").decrypt("note-1", &ct)), "unwrap_failed");
    assert_eq!(err_code(dk.decrypt("note-1", "not base64")), "invalid_base64");

    let app = root.derive_client_app_key(&bag(&[("sub", SUB), ("keyId", KEY_ID), ("clientId", CLIENT_ID)])).unwrap();
    let ct = app.derive_data_key("note-1").encrypt("note-1", &note).unwrap();
    assert_eq!(bytes(&app.derive_data_key("note-1").decrypt("note-1", &ct).unwrap()), b"hello, notes");
    assert_eq!(err_code(dk.decrypt("note-1", &ct)), "unwrap_failed");
}

// ---- known answers ----

#[wasm_bindgen_test]
fn custody_known_answers() {
    let ek = kat_export_key();
    let root = ek.unwrap_root_key(kat("wrapped_drk"), SUB).unwrap();
    assert_eq!(root_bytes(&root), seq(0x20, 32));
    assert_eq!(root_bytes(&ek.open_password_envelope(kat("password_envelope"), &meta()).unwrap()), seq(0x20, 32));
    assert_eq!(wasm::password_envelope_aad(&meta()).unwrap(), b64u::encode(kat("password_aad").as_bytes()));

    // CAK: the JS derivation equals the known answer (and so the native core's derive).
    let no_org = root.derive_client_app_key(&bag(&CAK_CONTEXT)).unwrap();
    assert_eq!(hex::encode(app_bytes(&no_org, &CAK_CONTEXT)), kat("cak_no_org"));
    let org_context = [("sub", SUB), ("keyId", KEY_ID), ("clientId", CLIENT_ID), ("orgId", ORG_ID)];
    let org = root.derive_client_app_key(&bag(&org_context)).unwrap();
    assert_eq!(hex::encode(app_bytes(&org, &org_context)), kat("cak_org"));

    let rk = wasm::WasmRecoveryKey::from_display(kat("recovery_display").into()).unwrap();
    assert_eq!(rk.verifier(), kat("recovery_verifier"));
    assert_eq!(String::from(rk.export_display()), kat("recovery_display"));
    assert_eq!(root_bytes(&rk.open_envelope(kat("recovery_envelope"), &meta()).unwrap()), seq(0x20, 32));

    let prf = js_sys::Uint8Array::from(&seq(0x60, 32)[..]);
    assert_eq!(root_bytes(&wasm::open_prf_envelope(&prf, CREDENTIAL_ID, kat("prf_envelope"), &meta()).unwrap()), seq(0x20, 32));

    assert_eq!(String::from(root.unwrap_private_jwk_export(kat("wrapped_enc_priv")).unwrap()), PRIVATE_JWK);
    let pt = root.derive_data_key("note-1").decrypt("note-1", kat("note_ciphertext")).unwrap();
    assert_eq!(bytes(&pt), b"hello, notes");
}

#[wasm_bindgen_test]
fn cak_matches_native_core() {
    let native_root = zkauth::RootKey::generate(&mut rand_core::OsRng);
    let native_ek = zkauth::ExportKey::from_bytes([0x11; 32]);
    let wrapped = native_ek.wrap_root_key(&mut rand_core::OsRng, &native_root, "u").unwrap();
    let root = wasm::WasmExportKey::from_core(native_ek).unwrap_root_key(&wrapped, "u").unwrap();
    for org in [None, Some("org-9")] {
        let mut fields = vec![("sub", "user@x"), ("keyId", "ark_7"), ("clientId", "rp-1")];
        if let Some(o) = org {
            fields.push(("orgId", o));
        }
        let js = root.derive_client_app_key(&bag(&fields)).unwrap();
        let native = native_root.derive_client_app_key("user@x", "ark_7", "rp-1", org).unwrap();
        assert_eq!(app_bytes(&js, &fields), native.expose_secret().to_vec());
    }
    let bad: wasm::ClientAppKeyOptions = bag(&[("sub", "user@x"), ("clientId", "rp-1")]);
    assert_eq!(err_code(root.derive_client_app_key(&bad)), "missing_field");
    // One identifier rule (issue 13): empty fields and the CAK formula's separator are refused.
    for fields in [[("sub", ""), ("keyId", "k"), ("clientId", "c")], [("sub", "a|key_id=b"), ("keyId", "c"), ("clientId", "rp")], [("sub", "u"), ("keyId", "k"), ("clientId", "")]] {
        assert_eq!(err_code(root.derive_client_app_key(&bag(&fields))), "invalid_input", "{fields:?}");
    }
    let empty_org: wasm::ClientAppKeyOptions = bag(&[("sub", "u"), ("keyId", "k"), ("clientId", "c"), ("orgId", "")]);
    assert_eq!(err_code(root.derive_client_app_key(&empty_org)), "invalid_input");
}

// ---- delivery ----

#[wasm_bindgen_test]
fn v2_round_trip_and_forgeries() {
    let root = wasm::WasmRootKey::generate();
    let cak = root.derive_client_app_key(&bag(&[("sub", SUB), ("keyId", KEY_ID), ("clientId", CLIENT_ID)])).unwrap();
    let kp = wasm::WasmDeliveryKeyPair::generate();
    assert_eq!(kp.zk_pub_kid().unwrap(), wasm::validate_zk_pub(&kp.zk_pub().unwrap()).unwrap());
    let sealed = wasm::seal_delivery_v2(&cak, &kp.zk_pub().unwrap(), &seal_bag()).unwrap();
    let (jwe, hash) = (field(&sealed, "jwe"), field(&sealed, "zkKeyHash"));
    assert_eq!(hash, wasm::hash_b64u(&jwe));

    let got = kp.open_v2(&jwe, &open_bag(&hash)).unwrap();
    assert_eq!(got.kind(), "client_app_key");
    assert_eq!(got.key_id().as_deref(), Some(KEY_ID));
    assert_eq!(got.sub().as_deref(), Some(SUB));
    let raw = bytes(&got.export_raw_key());
    assert_eq!(raw.len(), 32);
    assert_eq!(raw, app_bytes(&cak, &CAK_CONTEXT));

    // Forged variants, each with its own code.
    let other_hash = wasm::hash_b64u("something else");
    assert_eq!(err_code(kp.open_v2(&jwe, &open_bag(&other_hash))), "hash_mismatch");
    let wrong_client: wasm::ExpectV2Options =
        bag(&[("zkKeyHash", &hash), ("clientId", "other-app"), ("redirectUri", REDIRECT), ("state", "st-1"), TOKEN_V2[0], TOKEN_V2[1]]);
    assert_eq!(err_code(kp.open_v2(&jwe, &wrong_client)), "client_id_mismatch");
    let wrong_state: wasm::ExpectV2Options = bag(&[("zkKeyHash", &hash), ("clientId", CLIENT_ID), ("redirectUri", REDIRECT), ("state", "st-2"), TOKEN_V2[0], TOKEN_V2[1]]);
    assert_eq!(err_code(kp.open_v2(&jwe, &wrong_state)), "state_mismatch");
    let wrong_redirect: wasm::ExpectV2Options = bag(&[("zkKeyHash", &hash), ("clientId", CLIENT_ID), ("redirectUri", "https://evil/cb"), ("state", "st-1"), TOKEN_V2[0], TOKEN_V2[1]]);
    assert_eq!(err_code(kp.open_v2(&jwe, &wrong_redirect)), "redirect_uri_mismatch");
    let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
    let mut ct = b64u::decode(&parts[3], "ct").unwrap();
    ct[0] ^= 1;
    parts[3] = b64u::encode(&ct);
    let tampered = parts.join(".");
    assert_eq!(err_code(kp.open_v2(&tampered, &open_bag(&wasm::hash_b64u(&tampered)))), "jwe_decrypt_failed");
    let other_kp = wasm::WasmDeliveryKeyPair::generate();
    assert_eq!(err_code(other_kp.open_v2(&jwe, &open_bag(&hash))), "jwe_decrypt_failed");
    let missing: wasm::ExpectV2Options = bag(&[("zkKeyHash", &hash), ("redirectUri", REDIRECT), TOKEN_V2[0], TOKEN_V2[1]]);
    assert_eq!(err_code(kp.open_v2(&jwe, &missing)), "missing_field");

    // The key pair still opens the honest JWE after every refusal.
    assert_eq!(bytes(&kp.open_v2(&jwe, &open_bag(&hash)).unwrap().export_raw_key()), raw);

    // Time: an explicit old iat is expired at the default `now`; explicit `now` accepts it.
    let old: wasm::SealV2Options = bag_with(
        &[("sub", SUB), ("clientId", CLIENT_ID), ("requestId", "req-1"), ("redirectUri", REDIRECT), ("keyId", KEY_ID)],
        &[("iat", 1_000_000.0)],
    );
    let s = wasm::seal_delivery_v2(&cak, &kp.zk_pub().unwrap(), &old).unwrap();
    let (j, h) = (field(&s, "jwe"), field(&s, "zkKeyHash"));
    let base = [("zkKeyHash", h.as_str()), ("clientId", CLIENT_ID), ("redirectUri", REDIRECT), TOKEN_V2[0], TOKEN_V2[1]];
    assert_eq!(err_code(kp.open_v2(&j, &bag(&base))), "delivery_expired");
    assert!(kp.open_v2(&j, &bag_with(&base, &[("now", 1_000_060.0)])).is_ok());
    assert_eq!(err_code(kp.open_v2(&j, &bag_with(&base, &[("now", 1.5)]))), "invalid_input");

    // Seal refusals.
    assert_eq!(err_code(wasm::seal_delivery_v2(&cak, "not-a-zk-pub", &seal_bag())), "invalid_zk_pub");
    let no_key_id: wasm::SealV2Options = bag(&[("sub", SUB), ("clientId", CLIENT_ID), ("requestId", "r"), ("redirectUri", REDIRECT)]);
    assert_eq!(err_code(wasm::seal_delivery_v2(&cak, &kp.zk_pub().unwrap(), &no_key_id)), "missing_field");
    let other_client: wasm::SealV2Options =
        bag(&[("sub", SUB), ("clientId", "other-app"), ("requestId", "r"), ("redirectUri", REDIRECT), ("keyId", KEY_ID)]);
    assert_eq!(err_code(wasm::seal_delivery_v2(&cak, &kp.zk_pub().unwrap(), &other_client)), "app_key_context_mismatch");

    // §4.7 step 5: the token response's zk_key_kind / zk_key_version are checked, and required.
    let with_token = |kind: &str, version: &str| -> wasm::ExpectV2Options {
        bag(&[("zkKeyHash", &hash), ("clientId", CLIENT_ID), ("redirectUri", REDIRECT), ("state", "st-1"), ("zkKeyKind", kind), ("zkKeyVersion", version)])
    };
    assert_eq!(err_code(kp.open_v2(&jwe, &with_token("root_key", "v2"))), "key_kind_mismatch");
    assert_eq!(err_code(kp.open_v2(&jwe, &with_token("client_app_key", "v1"))), "version_mismatch");
    assert_eq!(err_code(wasm::delivery_epk_v2(&jwe, &with_token("root_key", "v2"))), "key_kind_mismatch");
    assert_eq!(kp.open_v2(&jwe, &with_token("client_app_key", "v2")).unwrap().kind(), "client_app_key");
    let no_kind: wasm::ExpectV2Options = bag(&[("zkKeyHash", &hash), ("clientId", CLIENT_ID), ("redirectUri", REDIRECT), ("state", "st-1"), TOKEN_V2[1]]);
    assert_eq!(err_code(kp.open_v2(&jwe, &no_kind)), "key_kind_mismatch");
    let no_version: wasm::ExpectV2Options = bag(&[("zkKeyHash", &hash), ("clientId", CLIENT_ID), ("redirectUri", REDIRECT), ("state", "st-1"), TOKEN_V2[0]]);
    assert_eq!(err_code(wasm::delivery_epk_v2(&jwe, &no_version)), "version_mismatch");
    // A v1 artifact mixed into a v2 open, and v2 artifacts into a v1 open.
    let mixed: wasm::ExpectV2Options = bag(&[("zkKeyHash", &hash), ("clientId", CLIENT_ID), ("redirectUri", REDIRECT), ("state", "st-1"), TOKEN_V2[0], TOKEN_V2[1], ("drkHash", &hash)]);
    assert_eq!(err_code(kp.open_v2(&jwe, &mixed)), "delivery_version_mixed");
    assert_eq!(err_code(wasm::delivery_epk_v2(&jwe, &mixed)), "delivery_version_mixed");
    for v2_artifact in [("zkKeyHash", hash.as_str()), TOKEN_V2[0], TOKEN_V2[1]] {
        let e: wasm::ExpectV1Options = bag(&[v2_artifact]);
        assert_eq!(err_code(kp.open_v1(&jwe, &e)), "delivery_version_mixed", "{v2_artifact:?}");
        let e: wasm::ExpectV1Options = bag(&[v2_artifact]);
        assert_eq!(err_code(wasm::delivery_epk_v1(&jwe, &e)), "delivery_version_mixed", "{v2_artifact:?}");
    }
}

#[wasm_bindgen_test]
fn delivered_key_stays_a_handle() {
    let root = wasm::WasmRootKey::generate();
    let cak = root.derive_client_app_key(&bag(&[("sub", SUB), ("keyId", KEY_ID), ("clientId", CLIENT_ID)])).unwrap();
    let kp = wasm::WasmDeliveryKeyPair::generate();
    let sealed = wasm::seal_delivery_v2(&cak, &kp.zk_pub().unwrap(), &seal_bag()).unwrap();
    let open = || kp.open_v2(&field(&sealed, "jwe"), &open_bag(&field(&sealed, "zkKeyHash"))).unwrap();
    let app = open().into_app_key().unwrap();
    let ct = cak.derive_data_key("n").encrypt("n", &js_sys::Uint8Array::from(&b"x"[..])).unwrap();
    assert_eq!(bytes(&app.derive_data_key("n").decrypt("n", &ct).unwrap()), b"x");
    assert_eq!(err_code(open().into_root_key()), "key_kind_mismatch");

    let v1 = wasm::seal_delivery_v1(&root, &kp.zk_pub().unwrap(), &bag(&[("sub", SUB), ("clientId", CLIENT_ID)])).unwrap();
    let got = kp.open_v1(&field(&v1, "jwe"), &bag(&[])).unwrap();
    assert_eq!(err_code(got.into_app_key()), "key_kind_mismatch");
    let back = kp.open_v1(&field(&v1, "jwe"), &bag(&[])).unwrap().into_root_key().unwrap();
    assert_eq!(root_bytes(&back), root_bytes(&root));
}

#[wasm_bindgen_test]
fn v1_round_trip_and_forgeries() {
    let root = wasm::WasmRootKey::generate();
    let kp = wasm::WasmDeliveryKeyPair::generate();
    let sealed = wasm::seal_delivery_v1(&root, &kp.zk_pub().unwrap(), &bag(&[("sub", "u1"), ("clientId", CLIENT_ID)])).unwrap();
    let (jwe, hash) = (field(&sealed, "jwe"), field(&sealed, "drkHash"));
    assert_eq!(hash, wasm::hash_b64u(&jwe));
    let got = kp.open_v1(&jwe, &bag(&[("drkHash", &hash), ("sub", "u1"), ("clientId", CLIENT_ID)])).unwrap();
    assert_eq!(got.kind(), "root_key");
    assert_eq!(got.key_id(), None);
    assert_eq!(got.sub().as_deref(), Some("u1"));
    assert_eq!(bytes(&got.export_raw_key()), root_bytes(&root));
    assert_eq!(err_code(kp.open_v1(&jwe, &bag(&[("drkHash", &wasm::hash_b64u("x"))]))), "hash_mismatch");
    assert_eq!(err_code(kp.open_v1(&jwe, &bag(&[("sub", "u2")]))), "sub_mismatch");
    assert_eq!(err_code(kp.open_v1(&jwe, &bag(&[("clientId", "other")]))), "client_id_mismatch");
    assert_eq!(err_code(wasm::WasmDeliveryKeyPair::generate().open_v1(&jwe, &bag(&[]))), "jwe_decrypt_failed");
    assert_eq!(err_code(wasm::seal_delivery_v1(&root, &kp.zk_pub().unwrap(), &bag(&[("sub", "u1")]))), "missing_field");
    // A v1 JWE is not a v2 delivery.
    assert_eq!(err_code(kp.open_v2(&jwe, &open_bag(&hash))), "jwe_header_rejected");
}

#[wasm_bindgen_test]
fn private_jwk_and_split_open() {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let secret = p256::SecretKey::random(&mut rand_core::OsRng);
    let jwk = format!(r#"{{"kty":"EC","crv":"P-256","d":"{}"}}"#, b64u::encode(&secret.to_bytes()));
    let kp = wasm::WasmDeliveryKeyPair::from_private_jwk(jwk).unwrap();
    let point = secret.public_key().to_encoded_point(false);
    let expect_pub = format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#,
        b64u::encode(point.x().unwrap()),
        b64u::encode(point.y().unwrap())
    );
    assert_eq!(kp.zk_pub().unwrap(), b64u::encode(expect_pub.as_bytes()));
    assert_eq!(err_code(wasm::WasmDeliveryKeyPair::from_private_jwk(r#"{"kty":"EC","crv":"P-384","d":"AA"}"#.into())), "invalid_private_jwk");
    let z_for = |epk: &[u8]| -> js_sys::Uint8Array {
        let epk = p256::PublicKey::from_sec1_bytes(epk).unwrap();
        let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), epk.as_affine());
        js_sys::Uint8Array::from(shared.raw_secret_bytes().as_slice())
    };

    // v2
    let root = wasm::WasmRootKey::generate();
    let cak = root.derive_client_app_key(&bag(&[("sub", SUB), ("keyId", KEY_ID), ("clientId", CLIENT_ID)])).unwrap();
    let sealed = wasm::seal_delivery_v2(&cak, &kp.zk_pub().unwrap(), &seal_bag()).unwrap();
    let (jwe, hash) = (field(&sealed, "jwe"), field(&sealed, "zkKeyHash"));
    assert_eq!(err_code(wasm::delivery_epk_v2(&jwe, &open_bag(&wasm::hash_b64u("x")))), "hash_mismatch");
    let epk = wasm::delivery_epk_v2(&jwe, &open_bag(&hash)).unwrap();
    assert_eq!((epk.len(), epk[0]), (65, 0x04));
    let z = z_for(&epk);
    let got = wasm::open_delivery_v2_with_secret(&jwe, &z, &open_bag(&hash)).unwrap();
    assert_eq!(got.key_id().as_deref(), Some(KEY_ID));
    assert_eq!(bytes(&got.export_raw_key()), bytes(&kp.open_v2(&jwe, &open_bag(&hash)).unwrap().export_raw_key()));
    assert_eq!(err_code(wasm::open_delivery_v2_with_secret(&jwe, &js_sys::Uint8Array::new_with_length(32), &open_bag(&hash))), "jwe_decrypt_failed");
    assert_eq!(err_code(wasm::open_delivery_v2_with_secret(&jwe, &js_sys::Uint8Array::new_with_length(31), &open_bag(&hash))), "invalid_length");
    let wrong_client: wasm::ExpectV2Options =
        bag(&[("zkKeyHash", &hash), ("clientId", "other-app"), ("redirectUri", REDIRECT), ("state", "st-1"), TOKEN_V2[0], TOKEN_V2[1]]);
    assert_eq!(err_code(wasm::open_delivery_v2_with_secret(&jwe, &z, &wrong_client)), "client_id_mismatch");

    // v1
    let sealed = wasm::seal_delivery_v1(&root, &kp.zk_pub().unwrap(), &bag(&[("sub", "u1"), ("clientId", CLIENT_ID)])).unwrap();
    let (jwe, hash) = (field(&sealed, "jwe"), field(&sealed, "drkHash"));
    let e: wasm::ExpectV1Options = bag(&[("drkHash", &hash), ("sub", "u1")]);
    let epk = wasm::delivery_epk_v1(&jwe, &e).unwrap();
    assert_eq!(epk.len(), 65);
    let got = wasm::open_delivery_v1_with_secret(&jwe, &z_for(&epk), &e).unwrap();
    assert_eq!(got.kind(), "root_key");
    assert_eq!(bytes(&got.export_raw_key()), root_bytes(&root));
    assert_eq!(err_code(wasm::delivery_epk_v1(&jwe, &bag(&[("drkHash", &wasm::hash_b64u("x"))]))), "hash_mismatch");
}

#[wasm_bindgen_test]
fn handles_round_trip_through_js_values() {
    // What JS holds is a handle object; it converts back to the Rust struct.
    let root = wasm::WasmRootKey::generate();
    let want = root_bytes(&root);
    let js: JsValue = root.into();
    let back = wasm::WasmRootKey::try_from_js_value(js).unwrap();
    assert_eq!(root_bytes(&back), want);
}

/// Evaluates a JS expression (test fixtures that Rust cannot build: getters, proxies).
fn js(expr: &str) -> JsValue {
    js_sys::eval(expr).unwrap()
}

#[wasm_bindgen_test]
fn bad_arguments_are_errors_never_js_exceptions() {
    let root = wasm::WasmRootKey::generate();
    // Not an object, a throwing getter, a throwing Proxy trap: invalid_input, and `root` is
    // still usable afterwards (nothing unwound through it).
    for bad in [JsValue::UNDEFINED, JsValue::NULL, "sub".into(), js("({ sub: 'u', keyId: 'k', get clientId() { throw new Error('x') } })"),
        js("new Proxy({}, { get() { throw new Error('trap') } })")]
    {
        assert_eq!(err_code(root.derive_client_app_key(&bad.into())), "invalid_input");
    }
    // Wrong type vs absent.
    assert_eq!(err_code(root.derive_client_app_key(&js("({ sub: 1, keyId: 'k', clientId: 'c' })").into())), "invalid_input");
    assert_eq!(err_code(root.derive_client_app_key(&js("({ sub: null, keyId: 'k', clientId: 'c' })").into())), "missing_field");
    let app = root.derive_client_app_key(&bag(&[("sub", SUB), ("keyId", KEY_ID), ("clientId", CLIENT_ID)])).unwrap();
    assert_eq!(err_code(wasm::password_envelope_aad(&js("({ envelopeId: 'e', keyId: 'k', get sub() { throw 1 } })").into())), "invalid_input");

    // Byte arguments: only a real Uint8Array, read through the built-in accessors.
    let dk = app.derive_data_key("n");
    for bad in [JsValue::UNDEFINED, js("[1, 2]"), js("Object.create(Uint8Array.prototype)"), js("new Proxy(new Uint8Array(2), {})"),
        js("(() => { const a = new Uint8Array(4); structuredClone(a.buffer, { transfer: [a.buffer] }); return a })()")]
    {
        assert_eq!(err_code(dk.encrypt("n", &bad)), "invalid_input");
    }
    let own_length = js("(() => { const a = new Uint8Array([1, 2, 3]); Object.defineProperty(a, 'length', { get() { throw 1 } }); return a })()");
    let ct = dk.encrypt("n", &own_length).unwrap();
    assert_eq!(dk.decrypt("n", &ct).unwrap().to_vec(), vec![1, 2, 3]);
    assert_eq!(err_code(wasm::seal_prf_envelope(&JsValue::NULL, CREDENTIAL_ID, &root, &meta())), "invalid_input");
    // With the token response's kind and version (required since issue 13), zkKeyHash is missing.
    assert_eq!(err_code(wasm::open_delivery_v2_with_secret("a.b.c.d.e", &JsValue::UNDEFINED, &bag(&TOKEN_V2))), "missing_field");
    assert_eq!(err_code(wasm::open_delivery_v2_with_secret("a.b.c.d.e", &JsValue::UNDEFINED, &JsValue::NULL.into())), "invalid_input");
}
