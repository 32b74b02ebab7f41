//! The KSF in a disposable instance (src/wasm/ksf_instance.rs): known answers from
//! tests/vectors/custody_kat.json (written by custody_kat.py with Python's hashlib scrypt and
//! pyca/cryptography's Argon2id) through the profile's KSF, and the page's own wasm memory
//! not growing while 32 and 64 MiB KSFs run.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(all(target_arch = "wasm32", feature = "ksf-instance"))]

use js_sys::{ArrayBuffer, WebAssembly};
use opaque_ke::generic_array::{typenum::U32, GenericArray};
use opaque_ke::ksf::Ksf;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use zkauth::opaque::Stretch;

fn kat() -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(include_str!("vectors/custody_kat.json")).unwrap()["ksf"].clone()
}

fn unhex(v: &serde_json::Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// The KSF input of custody_kat.json.
fn kat_input(kat: &serde_json::Value) -> GenericArray<u8, U32> {
    GenericArray::<u8, U32>::clone_from_slice(&unhex(&kat["input"]))
}

/// The Argon2id KSF of custody_kat.json's `argon2id` section.
fn kat_argon2id(kat: &serde_json::Value) -> Stretch {
    let cost = |k: &str| u32::try_from(kat["argon2id"][k].as_u64().unwrap()).unwrap();
    Stretch::Argon2id { memory_kib: cost("memory_kib"), iterations: cost("iterations"), parallelism: cost("parallelism") }
}

/// The byte length of this instance's linear memory.
fn memory_len() -> u32 {
    let memory: WebAssembly::Memory = wasm_bindgen::memory().dyn_into().unwrap();
    memory.buffer().unchecked_into::<ArrayBuffer>().byte_length()
}

const MIB: u32 = 1 << 20;

#[wasm_bindgen_test]
fn known_answers_through_the_disposable_instance_and_no_growth() {
    let kat = kat();
    let input = kat_input(&kat);
    let before = memory_len();

    // DarkAuth's scrypt N = 32768, r = 8, p = 1: a 32 MiB work area.
    let d = &kat["darkauth_scrypt"];
    let darkauth = Stretch::Scrypt { log_n: 15, r: 8, p: 1 };
    assert_eq!(d["log_n"], 15);
    assert_eq!(darkauth.hash(input).unwrap().to_vec(), unhex(&d["output"]), "custody_kat.json darkauth_scrypt");

    // Argon2id with opaque-ke's 16-byte zero salt.
    let (argon, a) = (kat_argon2id(&kat), &kat["argon2id"]);
    assert_eq!(argon.hash(input).unwrap().to_vec(), unhex(&a["output"]), "custody_kat.json argon2id");

    // 64 MiB Argon2id twice: the same output, and this instance's memory stays where it was.
    let big = Stretch::Argon2id { memory_kib: 65536, iterations: 1, parallelism: 4 };
    let first = big.hash(input).unwrap();
    assert_eq!(big.hash(input).unwrap(), first);
    assert_ne!(first, input);
    let after = memory_len();
    assert!(after - before < MIB, "the page's wasm memory grew from {before} to {after} bytes");
    // Had any of them run here, this instance would hold at least its 64 MiB.
    assert!(after < 16 * MIB, "the page's wasm memory is {after} bytes");
}

#[wasm_bindgen_test]
fn the_fallback_in_this_instance_gives_the_same_answers() {
    let kat = kat();
    let input = kat_input(&kat);
    let (argon, a) = (kat_argon2id(&kat), &kat["argon2id"]);
    // 4 MiB Argon2id: in a disposable instance, then in this one (which must then hold its 4 MiB).
    let four = Stretch::Argon2id { memory_kib: 4096, iterations: 1, parallelism: 1 };
    let disposable = four.hash(input).unwrap();
    zkauth::wasm::ksf_instance::set_disabled(true);
    let kat_here = argon.hash(input);
    let four_here = four.hash(input);
    zkauth::wasm::ksf_instance::set_disabled(false);
    assert_eq!(kat_here.unwrap().to_vec(), unhex(&a["output"]), "custody_kat.json argon2id, in this instance");
    assert_eq!(four_here.unwrap(), disposable);
    assert!(memory_len() >= 4 * MIB, "the fallback ran in this instance");
    assert_eq!(argon.hash(input).unwrap().to_vec(), unhex(&a["output"]), "and again in a disposable instance");
}

#[wasm_bindgen_test]
fn a_ksf_that_cannot_have_its_memory_is_an_error_and_the_module_stays_usable() {
    let input = GenericArray::<u8, U32>::clone_from_slice(&[7u8; 32]);
    // More memory than a wasm32 instance can have (256 GiB of blocks, within Argon2's limits):
    // the fallible allocation fails, and so does the KSF, without a trap.
    let before = memory_len();
    let too_big = Stretch::Argon2id { memory_kib: 0x0FFF_FFFF, iterations: 1, parallelism: 1 };
    assert!(too_big.hash(input).is_err());
    // scrypt outside RFC 7914 §2 (N = 1).
    assert!(Stretch::Scrypt { log_n: 0, r: 8, p: 1 }.hash(input).is_err());
    assert!(memory_len() - before < MIB);
    // The module is still usable afterwards.
    assert_eq!(Stretch::Argon2id { memory_kib: 8, iterations: 1, parallelism: 1 }.hash(input).unwrap().len(), 32);
}

#[wasm_bindgen_test]
fn a_prepared_instance_gives_the_same_answers_and_is_used_once() {
    use zkauth::wasm::ksf_instance::prepare;
    let kat = kat();
    let input = kat_input(&kat);
    let before = memory_len();
    let d = &kat["darkauth_scrypt"];
    let darkauth = Stretch::Scrypt { log_n: 15, r: 8, p: 1 };
    let (argon, a) = (kat_argon2id(&kat), &kat["argon2id"]);

    // Prepared for scrypt, then scrypt: the known answer.
    assert!(prepare(&darkauth));
    assert_eq!(darkauth.hash(input).unwrap().to_vec(), unhex(&d["output"]), "custody_kat.json darkauth_scrypt, prepared");
    // Prepared for scrypt, then Argon2id: the prepared instance is not the Argon2id one's, and the
    // answer is still right; the scrypt after it (its preparation gone) too.
    assert!(prepare(&darkauth));
    assert_eq!(argon.hash(input).unwrap().to_vec(), unhex(&a["output"]), "custody_kat.json argon2id after a scrypt preparation");
    assert_eq!(darkauth.hash(input).unwrap().to_vec(), unhex(&d["output"]));
    // Prepared twice (a password field focused twice): one instance, used by the next finish;
    // the finish after it makes its own.
    assert!(prepare(&argon));
    assert!(prepare(&argon));
    assert_eq!(argon.hash(input).unwrap().to_vec(), unhex(&a["output"]));
    assert_eq!(argon.hash(input).unwrap().to_vec(), unhex(&a["output"]));
    // Nothing to prepare for the identity, nor for a work area no instance can have; the KSF
    // that follows still fails cleanly.
    assert!(!prepare(&Stretch::Identity));
    let too_big = Stretch::Argon2id { memory_kib: 0x0FFF_FFFF, iterations: 1, parallelism: 1 };
    assert!(!prepare(&too_big));
    assert!(too_big.hash(input).is_err());
    let after = memory_len();
    assert!(after - before < MIB, "the page's wasm memory grew from {before} to {after} bytes");
}

#[wasm_bindgen_test]
fn argon2id_in_the_module_the_entry_gives_and_only_a_module_with_the_ksf_exports() {
    use zkauth::wasm::ksf_instance::{prepare, set_argon2id_module};
    let kat = kat();
    let input = kat_input(&kat);
    let (argon, a) = (kat_argon2id(&kat), &kat["argon2id"]);
    let before = memory_len();

    // Refused: not a module; a module without the KSF exports (the smallest valid module).
    assert!(!set_argon2id_module(wasm_bindgen::JsValue::from_str("not a module")));
    let empty = WebAssembly::Module::new(&js_sys::Uint8Array::from(&[0u8, 97, 115, 109, 1, 0, 0, 0][..])).unwrap();
    assert!(!set_argon2id_module(empty.into()));
    assert_eq!(argon.hash(input).unwrap().to_vec(), unhex(&a["output"]), "custody_kat.json argon2id, after two refusals");

    // Kept: a module with them (this test's own module stands for the build without SIMD, which
    // the browser entry loads). Prepared before it came and after: the known answer both ways.
    assert!(prepare(&argon));
    assert!(set_argon2id_module(wasm_bindgen::module()));
    assert_eq!(argon.hash(input).unwrap().to_vec(), unhex(&a["output"]), "custody_kat.json argon2id, re-prepared in the given module");
    assert!(prepare(&argon));
    assert_eq!(argon.hash(input).unwrap().to_vec(), unhex(&a["output"]), "custody_kat.json argon2id, prepared in the given module");
    assert_eq!(argon.hash(input).unwrap().to_vec(), unhex(&a["output"]), "custody_kat.json argon2id, unprepared in the given module");
    // scrypt is not affected.
    let d = &kat["darkauth_scrypt"];
    assert_eq!(Stretch::Scrypt { log_n: 15, r: 8, p: 1 }.hash(input).unwrap().to_vec(), unhex(&d["output"]));
    assert!(memory_len() - before < MIB);
}
