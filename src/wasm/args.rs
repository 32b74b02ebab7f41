//! Reading JS arguments so that no JS exception ever unwinds through a binding.
//!
//! A JS exception thrown by an import that is not `catch` (an option-bag getter, a typed-array
//! accessor on something that is not a typed array, `undefined.foo`) unwinds the wasm stack
//! without running Rust destructors: wasm-bindgen's borrow flag on `self` and on handle
//! arguments stays set, so the handle can never be used or freed again and its key is never
//! wiped, and `Zeroizing`/`ScrubOnDrop` guards are skipped. So every read of a caller's value
//! here goes through an import marked `catch` (`Reflect.get`, the built-in `Uint8Array`
//! accessors below) or a wasm-bindgen intrinsic that cannot throw (`is_object`, `as_string`,
//! `as_f64`, `instanceof`), and every failure becomes an [`Error`].
//!
//! Option bags keep their `typescript_type` extern types for the `.d.ts`, but are read only
//! through these helpers, never through imported getters. The `*_field!` macros name the field
//! in the wrong-type message.

use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::Error;

#[wasm_bindgen]
extern "C" {
    /// A `Uint8Array` read only through the built-in `%TypedArray%` accessors (`final`: an own
    /// `length` property or a Proxy trap is never consulted), each call `catch`.
    #[wasm_bindgen(js_name = Uint8Array)]
    type CheckedBytes;

    /// The built-in `length` getter; throws (caught) on an object without a typed array's
    /// internal slots, such as `Object.create(Uint8Array.prototype)` or a Proxy.
    #[wasm_bindgen(method, getter, final, catch, js_class = "Uint8Array")]
    fn length(this: &CheckedBytes) -> Result<f64, JsValue>;

    /// `Uint8Array.prototype.set.call(dst, src)` with `dst` a view of wasm memory: copies by
    /// internal slots; throws (caught) when `src`'s buffer is detached.
    #[wasm_bindgen(js_namespace = Uint8Array, js_name = "prototype.set.call", catch)]
    fn copy_into(dst: &mut [u8], src: &CheckedBytes) -> Result<(), JsValue>;

    /// `Date.now()`, `catch` in case a page replaced it with something that throws.
    #[wasm_bindgen(js_namespace = Date, js_name = now, catch)]
    fn date_now() -> Result<f64, JsValue>;

    /// A JS string, read through `String.prototype` methods.
    #[wasm_bindgen(js_name = String)]
    type CheckedString;

    /// `String.prototype.isWellFormed` (ES2024), `catch` where it is missing.
    #[wasm_bindgen(method, js_class = "String", js_name = isWellFormed, catch)]
    fn is_well_formed(this: &CheckedString) -> Result<bool, JsValue>;
}

/// Longest string argument, in UTF-16 code units, that crosses into wasm (1 MiB): longer ones
/// are refused before the copy (by the JS wrapper for direct arguments, here for option
/// fields), so a huge argument cannot exhaust wasm memory.
pub(crate) const MAX_STRING_ARG: u32 = 1 << 20;

/// Largest byte array taken where a few dozen bytes are expected (ECDH `z`, a PRF output).
pub(crate) const MAX_SMALL_BYTES: usize = 4096;

/// A JS string as Rust `String`, refused (`invalid_input`) when longer than
/// [`MAX_STRING_ARG`] or not well-formed UTF-16: a lone surrogate would otherwise become
/// U+FFFD, and a server rebuilding an AAD or hash from the caller's string would get other
/// bytes.
pub(crate) fn checked_string(s: &js_sys::JsString) -> Result<String, Error> {
    if s.length() > MAX_STRING_ARG {
        return Err(Error::InvalidInput("a string argument is longer than 1 MiB"));
    }
    let well_formed = s.unchecked_ref::<CheckedString>().is_well_formed().unwrap_or_else(|_| s.is_valid_utf16());
    if !well_formed {
        return Err(Error::InvalidInput("a string argument holds a lone surrogate (not well-formed Unicode)"));
    }
    Ok(String::from(s))
}

/// `obj[name]`. `obj` must be an object (`invalid_input` for `undefined`, `null`, primitives);
/// a getter or Proxy trap that throws is `invalid_input` too.
pub(crate) fn field(obj: &JsValue, name: &'static str) -> Result<JsValue, Error> {
    if !obj.is_object() {
        return Err(Error::InvalidInput("options must be an object"));
    }
    js_sys::Reflect::get(obj, &JsValue::from_str(name)).map_err(|_| Error::InvalidInput("reading an option threw"))
}

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// An optional string option: `None` when `undefined`/`null`, `invalid_input` (`wrong_type`)
/// when present but not a string. Use [`opt_string_field!`].
pub(crate) fn opt_string(obj: &JsValue, name: &'static str, wrong_type: &'static str) -> Result<Option<String>, Error> {
    let v = field(obj, name)?;
    if absent(&v) {
        return Ok(None);
    }
    let s = v.dyn_ref::<js_sys::JsString>().ok_or(Error::InvalidInput(wrong_type))?;
    checked_string(s).map(Some)
}

/// A required string option: `missing_field` when `undefined`/`null`. Use [`string_field!`].
pub(crate) fn string(obj: &JsValue, name: &'static str, wrong_type: &'static str) -> Result<String, Error> {
    opt_string(obj, name, wrong_type)?.ok_or(Error::MissingField(name))
}

/// An optional number option: `None` when `undefined`/`null`, `invalid_input` (`wrong_type`)
/// when present but not a number. Use [`opt_number_field!`].
pub(crate) fn opt_number(obj: &JsValue, name: &'static str, wrong_type: &'static str) -> Result<Option<f64>, Error> {
    let v = field(obj, name)?;
    if absent(&v) {
        return Ok(None);
    }
    v.as_f64().map(Some).ok_or(Error::InvalidInput(wrong_type))
}

/// A required number option: `missing_field` when `undefined`/`null`. Use [`number_field!`].
/// (Only the login page's bindings take one.)
#[cfg(feature = "login")]
pub(crate) fn number(obj: &JsValue, name: &'static str, wrong_type: &'static str) -> Result<f64, Error> {
    opt_number(obj, name, wrong_type)?.ok_or(Error::MissingField(name))
}

/// `string_field!(obj, "name")`: a required string option (see [`string`]).
macro_rules! string_field {
    ($obj:expr, $name:literal) => {
        $crate::wasm::args::string($obj, $name, concat!($name, " must be a string"))
    };
}

/// `opt_string_field!(obj, "name")`: an optional string option (see [`opt_string`]).
macro_rules! opt_string_field {
    ($obj:expr, $name:literal) => {
        $crate::wasm::args::opt_string($obj, $name, concat!($name, " must be a string"))
    };
}

/// `number_field!(obj, "name")`: a required number option (see [`number`]).
#[cfg(feature = "login")]
macro_rules! number_field {
    ($obj:expr, $name:literal) => {
        $crate::wasm::args::number($obj, $name, concat!($name, " must be a number"))
    };
}

/// `opt_number_field!(obj, "name")`: an optional number option (see [`opt_number`]).
macro_rules! opt_number_field {
    ($obj:expr, $name:literal) => {
        $crate::wasm::args::opt_number($obj, $name, concat!($name, " must be a number"))
    };
}

#[cfg(feature = "login")]
pub(crate) use number_field;
pub(crate) use {opt_number_field, opt_string_field, string_field};

/// Copies a JS `Uint8Array` argument into wasm memory that is wiped on drop. Anything else
/// (`undefined`, a plain array, a forged or proxied `Uint8Array`, a detached buffer) is
/// `invalid_input` (`what`); more than `max` bytes is `invalid_input` before the copy, and a
/// length that does not fit in wasm memory is `invalid_input` too, never an out-of-memory trap.
pub(crate) fn bytes(v: &JsValue, what: &'static str, max: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let src: &CheckedBytes = v.dyn_ref::<js_sys::Uint8Array>().ok_or(Error::InvalidInput(what))?.unchecked_ref();
    let len = src.length().map_err(|_| Error::InvalidInput(what))?;
    // The built-in getter returns a whole, non-negative element count; the range check keeps
    // the conversion exact.
    if !(0.0..=f64::from(u32::MAX)).contains(&len) || len as usize > max {
        return Err(Error::InvalidInput("byte array too large"));
    }
    let len = len as usize;
    let mut out = Zeroizing::new(Vec::new());
    out.try_reserve_exact(len).map_err(|_| Error::InvalidInput("byte array too large"))?;
    out.resize(len, 0);
    copy_into(&mut out, src).map_err(|_| Error::InvalidInput(what))?;
    Ok(out)
}

/// Unix seconds from the JS clock. A clock that throws or is not finite is `invalid_input`;
/// pass `now` explicitly then.
pub(crate) fn unix_now() -> Result<i64, Error> {
    let ms = date_now().map_err(|_| Error::InvalidInput("Date.now() failed; pass now explicitly"))?;
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0; // Number.MAX_SAFE_INTEGER
    if !(-MAX_SAFE..=MAX_SAFE).contains(&ms) {
        return Err(Error::InvalidInput("Date.now() is out of range; pass now explicitly"));
    }
    // Checked above: finite and within the safe integer range.
    Ok((ms / 1000.0).floor() as i64)
}
