//! The key-stretching function in a disposable second instance of this module, so that a
//! login gives its memory back.
//!
//! wasm memory never shrinks: Argon2id's 64 MiB (or scrypt's 32 MiB), allocated in the page's
//! instance, would stay committed for the life of the page. Instead [`stretch`] instantiates
//! this same compiled module again (`wasm_bindgen::module()`, synchronously: it is already
//! compiled), copies the KSF input into the new instance's memory, runs [`ksf_run`] there,
//! copies the output back, zeroes the whole of that memory and drops the instance. The page's
//! instance never grows for a KSF.
//!
//! The second instance gets a stub for every import that throws: nothing on the KSF path calls
//! one (no randomness, no JS values), so it can reach no JS object and share no state. The
//! input and output are copied memory to memory (typed-array views on both memories), never
//! into a JS-owned buffer. (A page that replaces `WebAssembly.Instance` could read the input,
//! but such a page already has the password itself.)
//!
//! When no second instance can be made (no module handle, a refused instantiation), the KSF
//! runs in this instance as before; when it was made and failed, that is `ksf_failed`.

use std::cell::{Cell, RefCell};

use js_sys::{Array, Function, Object, Reflect, Uint8Array, WebAssembly};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

use crate::opaque::Stretch;

/// Largest KSF input the second instance takes (the OPRF output is Nh = 32 bytes).
const MAX_INPUT: u32 = 64;

thread_local! {
    /// Inside a disposable instance: the KSF input, then its output.
    static BUFFER: RefCell<Zeroizing<Vec<u8>>> = RefCell::new(Zeroizing::new(Vec::new()));
    /// In the page's instance: the import object of throwing stubs, built once.
    static IMPORTS: RefCell<Option<Object>> = const { RefCell::new(None) };
    /// In the page's instance: set once a second instance could not be made, so later logins do
    /// not try again.
    static UNAVAILABLE: Cell<bool> = const { Cell::new(false) };
}

/// Inside a disposable instance: a zeroed buffer of `len` bytes for the input; its address, or
/// 0 when `len` is out of range. Internal (called by [`stretch`] in the page's instance).
#[wasm_bindgen(js_name = __ksfInput)]
pub fn ksf_input(len: u32) -> u32 {
    if len == 0 || len > MAX_INPUT {
        return 0;
    }
    BUFFER.with_borrow_mut(|b| {
        **b = vec![0u8; len as usize];
        b.as_ptr() as usize as u32
    })
}

/// Inside a disposable instance: stretches the buffer in place. `kind` 1 is scrypt (`a` =
/// log2 N, `b` = r, `c` = p), 2 is Argon2id (`a` = memory in KiB, `b` = iterations, `c` =
/// lanes). Returns 1 on success, 0 on failure. Internal.
#[wasm_bindgen(js_name = __ksfRun)]
pub fn ksf_run(kind: u32, a: u32, b: u32, c: u32) -> u32 {
    let stretch = match kind {
        1 => match u8::try_from(a) {
            Ok(log_n) => Stretch::Scrypt { log_n, r: b, p: c },
            Err(_) => return 0,
        },
        2 => Stretch::Argon2id { memory_kib: a, iterations: b, parallelism: c },
        _ => return 0,
    };
    BUFFER.with_borrow_mut(|buf| {
        let mut out = Zeroizing::new(vec![0u8; buf.len()]);
        match stretch.stretch_here(buf, &mut out) {
            Ok(()) => {
                buf.copy_from_slice(&out);
                1
            }
            Err(()) => 0,
        }
    })
}

/// `make bench`'s A/B switch: with `true`, the KSF runs in this instance.
#[cfg(feature = "bench")]
pub(crate) fn set_disabled(disabled: bool) {
    UNAVAILABLE.set(disabled);
}

/// Runs `s` on `input` into `out` in a disposable instance. `None` when no instance could be
/// made (the caller runs the KSF here); `Some(Err)` when it was made and the KSF failed.
pub(crate) fn stretch(s: &Stretch, input: &[u8], out: &mut [u8]) -> Option<Result<(), ()>> {
    let (kind, a, b, c) = match *s {
        Stretch::Identity => return None,
        Stretch::Scrypt { log_n, r, p } => (1, u32::from(log_n), r, p),
        Stretch::Argon2id { memory_kib, iterations, parallelism } => (2, memory_kib, iterations, parallelism),
    };
    if UNAVAILABLE.get() || input.len() != out.len() {
        return None;
    }
    let Some((exports, memory)) = instantiate() else {
        UNAVAILABLE.set(true);
        return None;
    };
    let result = run(&exports, &memory, kind, [a, b, c], input, out);
    // Whatever happened, nothing of the input or output stays in the dropped instance's memory.
    let buffer = memory.buffer();
    Uint8Array::new(&buffer).fill(0, 0, buffer.unchecked_ref::<js_sys::ArrayBuffer>().byte_length());
    Some(result)
}

/// A fresh instance of this module with throwing stubs for its imports: its exports and memory.
fn instantiate() -> Option<(Object, WebAssembly::Memory)> {
    let module: WebAssembly::Module = wasm_bindgen::module().dyn_into().ok()?;
    let imports = IMPORTS.with_borrow_mut(|cached| {
        if cached.is_none() {
            *cached = stub_imports(&module);
        }
        cached.clone()
    })?;
    let instance = WebAssembly::Instance::new(&module, &imports).ok()?;
    let exports = instance.exports();
    let memory = Reflect::get(&exports, &JsValue::from_str("memory")).ok()?.dyn_into().ok()?;
    Some((exports, memory))
}

/// `{ [module]: { [name]: throwing function } }` for every function the module imports; `None`
/// if it imports anything else.
fn stub_imports(module: &WebAssembly::Module) -> Option<Object> {
    let stub = Closure::<dyn Fn()>::new(|| wasm_bindgen::throw_str("zkauth: the KSF instance called an import"));
    let imports = Object::new();
    for entry in WebAssembly::Module::imports(module).iter() {
        let field = |k: &str| Reflect::get(&entry, &JsValue::from_str(k)).ok().and_then(|v| v.as_string());
        if field("kind")?.as_str() != "function" {
            return None;
        }
        let (ns, name) = (JsValue::from_str(&field("module")?), JsValue::from_str(&field("name")?));
        let mut table = Reflect::get(&imports, &ns).ok()?;
        if table.is_undefined() {
            table = Object::new().into();
            Reflect::set(&imports, &ns, &table).ok()?;
        }
        Reflect::set(&table, &name, stub.as_ref()).ok()?;
    }
    // The stub lives as long as the cached import object: for the life of the page.
    stub.forget();
    Some(imports)
}

/// Calls one of the instance's numeric exports.
fn call(exports: &Object, name: &str, args: &[u32]) -> Result<u32, ()> {
    let f: Function = Reflect::get(exports, &JsValue::from_str(name)).map_err(|_| ())?.dyn_into().map_err(|_| ())?;
    let args: Array = args.iter().map(|&n| JsValue::from_f64(f64::from(n))).collect();
    let r = f.apply(&JsValue::UNDEFINED, &args).map_err(|_| ())?;
    // A u32 export returns an i32 in the raw ABI.
    r.as_f64().map(|n| n as i32 as u32).ok_or(())
}

fn run(exports: &Object, memory: &WebAssembly::Memory, kind: u32, [a, b, c]: [u32; 3], input: &[u8], out: &mut [u8]) -> Result<(), ()> {
    let len = u32::try_from(input.len()).map_err(|_| ())?;
    let ptr = call(exports, "__ksfInput", &[len])?;
    if ptr == 0 {
        return Err(());
    }
    // The view must lie inside the instance's memory (Uint8Array's constructor would throw).
    let view = |buffer: &JsValue| -> Result<Uint8Array, ()> {
        let size = buffer.unchecked_ref::<js_sys::ArrayBuffer>().byte_length();
        if ptr.checked_add(len).is_none_or(|end| end > size) {
            return Err(());
        }
        Ok(Uint8Array::new_with_byte_offset_and_length(buffer, ptr, len))
    };
    view(&memory.buffer())?.copy_from(input);
    if call(exports, "__ksfRun", &[kind, a, b, c])? != 1 {
        return Err(());
    }
    // The KSF grew the memory: take a view of the new buffer.
    view(&memory.buffer())?.copy_to(out);
    Ok(())
}
