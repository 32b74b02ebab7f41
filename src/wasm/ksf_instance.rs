//! The key-stretching function in a disposable second instance of this module, so that a
//! login gives its memory back (cargo feature `ksf-instance`, on in the npm package).
//!
//! wasm memory never shrinks: Argon2id's 64 MiB (or scrypt's 32 MiB), allocated in the page's
//! instance, would stay committed for the life of the page. Instead [`stretch`] instantiates
//! this same compiled module again (`wasm_bindgen::module()`, synchronously: it is already
//! compiled), has it reserve the KSF's work area, copies the KSF input into it, runs
//! [`ksf_run`] there, copies the output back, zeroes the whole of that memory and drops the
//! instance. The page's instance never grows for a KSF. (Inside the disposable instance the
//! zeroizing allocator does not wipe each block as it is freed: that one `fill` covers them.)
//!
//! The second instance's imports are all one built-in that always throws
//! (`Symbol.prototype.valueOf` called on `undefined`): nothing on the KSF path calls an import
//! (no randomness, no JS values), and if something did, it would get an exception, never the
//! page's instance or a JS object. The input and output are copied memory to memory
//! (typed-array views on both memories), never into a JS-owned buffer. (A page that replaces
//! `WebAssembly.Instance` could read the input, but such a page already has the password.)
//!
//! The click need not pay for making that instance: [`prepare`] (`OpaqueProfile.prepare()`,
//! called when the password field gets focus) makes it ahead of time, with the KSF's work
//! area grown in one step and every page of it touched, and holds it, without any secret, for
//! the next finish with the same parameters, which uses it once and drops it as above.
//!
//! Argon2id's instances are made from the build without SIMD when the browser entry gives it
//! ([`set_argon2id_loader`]): its scalar code is about 20% faster there than LLVM's vectorised
//! mixing, while scrypt keeps the SIMD build's 40%.
//!
//! [`ksf_input`], [`ksf_prepare`] and [`ksf_run`] answer only in an instance whose glue never started it: the
//! page's instance (started by its glue) refuses them, so no caller of the glue can make it
//! grow through them.
//!
//! When no second instance can be made (no module handle, an import the stubs cannot stand
//! for), the KSF runs in this instance as before, for the life of the page; when one
//! instantiation fails (memory not available right now), for that login only; when it was
//! made and the KSF failed, that is `ksf_failed`.

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
    /// Set by [`started`]: this is the page's instance (its glue ran `__wbindgen_start`).
    static STARTED: Cell<bool> = const { Cell::new(false) };
    /// In the page's instance: this module with its throwing stubs, built once.
    static OWN: RefCell<Option<Source>> = const { RefCell::new(None) };
    /// In the page's instance: the module Argon2id runs in, once the entry gave it.
    static ARGON2ID: RefCell<Option<Source>> = const { RefCell::new(None) };
    /// In the page's instance: how to ask the entry for it, until asked.
    static ARGON2ID_LOADER: RefCell<Option<Function>> = const { RefCell::new(None) };
    /// In the page's instance: set once no second instance can ever be made here.
    static UNAVAILABLE: Cell<bool> = const { Cell::new(false) };
    /// In the page's instance: the instance [`prepare`] made ready, for its KSF only.
    static PREPARED: RefCell<Option<Ready>> = const { RefCell::new(None) };
}

/// A KSF as the disposable instance's exports take it: `kind` and its three parameters.
type Params = (u32, [u32; 3]);

/// A disposable instance with its work area grown and touched, no secret in it yet.
struct Ready {
    params: Params,
    /// Made from the Argon2id module, not this one.
    alternative: bool,
    exports: Object,
    memory: WebAssembly::Memory,
}

/// Run by the glue of the page's instance (never in a disposable one).
#[wasm_bindgen(start, js_name = __ksfStarted, skip_typescript)]
fn started() {
    STARTED.set(true);
}

/// With `true`, the KSF runs in this instance from now on: `make bench`'s A/B switch, and how
/// the tests reach the fallback. Not part of the API.
#[doc(hidden)]
pub fn set_disabled(disabled: bool) {
    UNAVAILABLE.set(disabled);
}

/// Inside a disposable instance: reserves the work area of the KSF `kind`/`a`/`b`/`c` (see
/// [`ksf_run`]) and gives it back to the allocator, so the memory grows before any secret is
/// written into it; then a zeroed buffer of `len` bytes for the input. Its address, or 0 when
/// the page's instance is asked, `len` is out of range or the memory cannot be had. Internal.
#[wasm_bindgen(js_name = __ksfInput, skip_typescript)]
pub fn ksf_input(len: u32, kind: u32, a: u32, b: u32, c: u32) -> u32 {
    if STARTED.get() || len == 0 || len > MAX_INPUT {
        return 0;
    }
    let Some(work) = stretch_of(kind, a, b, c).and_then(|s| s.work_area_bytes()) else {
        return 0;
    };
    if !crate::opaque::can_allocate(work) {
        return 0;
    }
    // This instance's memory is zeroed whole by the page's instance after the KSF.
    #[cfg(feature = "zeroizing-allocator")]
    super::alloc::leave_wiping_to_the_owner();
    BUFFER.with_borrow_mut(|b| {
        **b = vec![0u8; len as usize];
        b.as_ptr() as usize as u32
    })
}

/// Inside a disposable instance: grows the memory by the work area of the KSF `kind`/`a`/`b`/`c`
/// in one step, writes one byte of every 4 KiB page of it (so the first-write page faults
/// happen now) and gives it back to the allocator, which hands it to that KSF later; then runs
/// the KSF small on zeros ([`Stretch::warm_up`]). 1 when done, 0 in the page's instance or when
/// the memory cannot be had. Internal.
#[wasm_bindgen(js_name = __ksfPrepare, skip_typescript)]
pub fn ksf_prepare(kind: u32, a: u32, b: u32, c: u32) -> u32 {
    let Some(stretch) = stretch_of(kind, a, b, c).filter(|_| !STARTED.get()) else { return 0 };
    if !stretch.work_area_bytes().is_some_and(crate::opaque::touch_pages) {
        return 0;
    }
    // The same KSF, small, on zeros: its code is optimised by the time of the click.
    if let Some(small) = stretch.warm_up() {
        let mut out = [0u8; 32];
        let _ = small.stretch_here(&[0u8; 32], &mut out);
    }
    1
}

/// Inside a disposable instance: stretches the buffer in place. `kind` 1 is scrypt (`a` =
/// log2 N, `b` = r, `c` = p), 2 is Argon2id (`a` = memory in KiB, `b` = iterations, `c` =
/// lanes). Returns 1 on success, 0 on failure (and in the page's instance). Internal.
#[wasm_bindgen(js_name = __ksfRun, skip_typescript)]
pub fn ksf_run(kind: u32, a: u32, b: u32, c: u32) -> u32 {
    let Some(stretch) = stretch_of(kind, a, b, c).filter(|_| !STARTED.get()) else {
        return 0;
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

fn stretch_of(kind: u32, a: u32, b: u32, c: u32) -> Option<Stretch> {
    match kind {
        1 => Some(Stretch::Scrypt { log_n: u8::try_from(a).ok()?, r: b, p: c }),
        2 => Some(Stretch::Argon2id { memory_kib: a, iterations: b, parallelism: c }),
        _ => None,
    }
}

/// The exports' view of `s`; `None` for the identity (nothing to stretch).
fn params(s: &Stretch) -> Option<Params> {
    match *s {
        Stretch::Identity => None,
        Stretch::Scrypt { log_n, r, p } => Some((1, [u32::from(log_n), r, p])),
        Stretch::Argon2id { memory_kib, iterations, parallelism } => Some((2, [memory_kib, iterations, parallelism])),
    }
}

/// Makes a disposable instance ready for `s` ahead of the finish that needs it (see the module
/// comment) and keeps it: one for `s` already ready (from the module `s` runs in now) is kept,
/// any other is dropped. `false` when none can be made here (the KSF will run in the page's
/// instance, or the memory is not available now).
pub fn prepare(s: &Stretch) -> bool {
    let Some(params) = params(s) else {
        PREPARED.set(None);
        return false;
    };
    let Some(source) = source(params.0) else {
        PREPARED.set(None);
        return false;
    };
    if PREPARED.with_borrow(|r| r.as_ref().is_some_and(|r| r.params == params && r.alternative == source.alternative)) {
        return true;
    }
    PREPARED.set(None);
    let Some((exports, memory)) = instantiate(&source) else { return false };
    let (kind, [a, b, c]) = params;
    if call(&exports, "__ksfPrepare", &[kind, a, b, c]) != Ok(1) {
        return false;
    }
    PREPARED.set(Some(Ready { params, alternative: source.alternative, exports, memory }));
    true
}

/// A compiled module the KSF's instances are made from, with its stub imports.
#[derive(Clone)]
struct Source {
    module: WebAssembly::Module,
    imports: Object,
    /// Not this instance's own module: the one given by [`set_argon2id_module`].
    alternative: bool,
}

/// Where a KSF of `kind` runs: Argon2id in the module the entry gave for it (when it did; if
/// not yet, asking the entry for it, for the logins after this one), else this module. `None`
/// (and from then on every KSF runs here) when this module cannot be instantiated again.
fn source(kind: u32) -> Option<Source> {
    if UNAVAILABLE.get() {
        return None;
    }
    if kind == 2 {
        if let Some(alternative) = ARGON2ID.with_borrow(Clone::clone) {
            return Some(alternative);
        }
        // Asked once; the entry answers through `__ksfArgon2idModule`, a promise later.
        if let Some(loader) = ARGON2ID_LOADER.take() {
            let _ = loader.call0(&JsValue::UNDEFINED);
        }
    }
    if let Some(own) = OWN.with_borrow(Clone::clone) {
        return Some(own);
    }
    // Built outside the borrow: building it calls into JS.
    let Some(built) = module().and_then(|module| Some(Source { imports: stub_imports(&module)?, module, alternative: false })) else {
        UNAVAILABLE.set(true);
        return None;
    };
    OWN.set(Some(built.clone()));
    Some(built)
}

/// Given by the browser entry where it loaded the SIMD build: a function that fetches and
/// compiles the build without SIMD and hands it to [`set_argon2id_module`]. Argon2id runs about
/// 20% faster there (LLVM's vectorised BLAKE2b mixing is slower in V8 than the scalar code;
/// scrypt's Salsa20/8 is 40% faster with SIMD), so its disposable instances are made from that
/// module once it is in. Called on the first Argon2id KSF or preparation, never for scrypt.
/// Internal.
#[wasm_bindgen(js_name = __ksfArgon2idLoader, skip_typescript)]
pub fn set_argon2id_loader(loader: Function) {
    ARGON2ID_LOADER.set(Some(loader));
}

/// The module Argon2id's disposable instances are made from (see [`set_argon2id_loader`]): kept
/// when it is a compiled module with this module's KSF exports and only function imports; an
/// Argon2id instance already prepared from this module is prepared again from it. Whether it
/// was kept. Internal.
#[wasm_bindgen(js_name = __ksfArgon2idModule, skip_typescript)]
pub fn set_argon2id_module(module: JsValue) -> bool {
    if UNAVAILABLE.get() {
        return false;
    }
    let Ok(module) = module.dyn_into::<WebAssembly::Module>() else { return false };
    let exports: Vec<String> = WebAssembly::Module::exports(&module).iter().filter_map(|e| Reflect::get(&e, &JsValue::from_str("name")).ok()?.as_string()).collect();
    if !["memory", "__ksfInput", "__ksfPrepare", "__ksfRun"].iter().all(|name| exports.iter().any(|e| e == name)) {
        return false;
    }
    let Some(imports) = stub_imports(&module) else { return false };
    ARGON2ID.set(Some(Source { module, imports, alternative: true }));
    let stale = PREPARED.with_borrow(|r| r.as_ref().filter(|r| r.params.0 == 2 && !r.alternative).map(|r| r.params));
    if let Some((kind, [a, b, c])) = stale {
        if let Some(s) = stretch_of(kind, a, b, c) {
            prepare(&s);
        }
    }
    true
}

/// Runs `s` on `input` into `out` in a disposable instance: the one [`prepare`] made for `s`, or
/// a new one. `None` when no instance could be made (the caller runs the KSF here); `Some(Err)`
/// when it was made and the KSF failed.
pub(crate) fn stretch(s: &Stretch, input: &[u8], out: &mut [u8]) -> Option<Result<(), ()>> {
    let params @ (kind, abc) = params(s)?;
    // A prepared instance is used once, by the first finish after it, whatever happens.
    let ready = PREPARED.take().filter(|r| r.params == params);
    if UNAVAILABLE.get() || input.len() != out.len() {
        return None;
    }
    let (exports, memory) = match ready {
        Some(r) => (r.exports, r.memory),
        // A failed instantiation (say, no memory for a new instance right now) is for this login only.
        None => instantiate(&source(kind)?)?,
    };
    let result = run(&exports, &memory, kind, abc, input, out);
    // Whatever happened, nothing of the input or output stays in the dropped instance's memory:
    // `fill` clamps the end to the length, so u32::MAX covers every size.
    Uint8Array::new(&memory.buffer()).fill(0, 0, u32::MAX);
    Some(result)
}

/// This instance's compiled module.
fn module() -> Option<WebAssembly::Module> {
    wasm_bindgen::module().dyn_into().ok()
}

/// A fresh instance of `source`'s module: its exports and memory.
fn instantiate(source: &Source) -> Option<(Object, WebAssembly::Memory)> {
    let instance = WebAssembly::Instance::new(&source.module, &source.imports).ok()?;
    let exports = instance.exports();
    let memory = Reflect::get(&exports, &JsValue::from_str("memory")).ok()?.dyn_into().ok()?;
    Some((exports, memory))
}

/// An object with no prototype, so no page-defined `Object.prototype` accessor is consulted.
fn bare_object() -> Object {
    Object::create(JsValue::NULL.unchecked_ref())
}

/// `{ [module]: { [name]: thrower } }` for every function the module imports, where `thrower`
/// is `Symbol.prototype.valueOf` (a TypeError when called on anything but a Symbol, and an
/// import is called on `undefined`); `None` if the module imports anything else.
fn stub_imports(module: &WebAssembly::Module) -> Option<Object> {
    let symbol_prototype = Reflect::get(&js_sys::global(), &JsValue::from_str("Symbol")).ok().and_then(|s| Reflect::get(&s, &JsValue::from_str("prototype")).ok())?;
    let thrower: Function = Reflect::get(&symbol_prototype, &JsValue::from_str("valueOf")).ok()?.dyn_into().ok()?;
    let imports = bare_object();
    for entry in WebAssembly::Module::imports(module).iter() {
        let field = |k: &str| Reflect::get(&entry, &JsValue::from_str(k)).ok().and_then(|v| v.as_string());
        if field("kind")?.as_str() != "function" {
            return None;
        }
        let (ns, name) = (JsValue::from_str(&field("module")?), JsValue::from_str(&field("name")?));
        let mut table = Reflect::get(&imports, &ns).ok()?;
        if table.is_undefined() {
            table = bare_object().into();
            Reflect::set(&imports, &ns, &table).ok().filter(|&set| set)?;
        }
        Reflect::set(&table, &name, &thrower).ok().filter(|&set| set)?;
    }
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
    let ptr = call(exports, "__ksfInput", &[len, kind, a, b, c])?;
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
