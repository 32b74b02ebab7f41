//! The thin wasm-bindgen layer: converts JS values, calls one core function, wraps the
//! result. No logic lives here, so `cargo test` exercises everything natively.
//!
//! Every failure becomes a JS `Error` named `ZkAuthError` with a stable `.code`.

#[cfg(feature = "zeroizing-allocator")]
pub(crate) mod alloc;
mod args;
mod codes;
mod limits;
mod keys;
mod delivery;
mod sharing;
// The login page's bindings: OPAQUE, key custody, sealing (cargo feature `login`; the
// `zkauth/app` package entry is built without them).
#[cfg(feature = "login")]
mod opaque;
#[cfg(feature = "login")]
mod custody;
#[cfg(feature = "login")]
mod seal;
#[cfg(all(feature = "login", feature = "ksf-instance"))]
#[doc(hidden)]
pub mod ksf_instance;

pub use keys::*;
pub use delivery::*;
pub use sharing::*;
#[cfg(feature = "login")]
pub use opaque::*;
#[cfg(feature = "login")]
pub use custody::*;
#[cfg(feature = "login")]
pub use seal::*;

use wasm_bindgen::prelude::*;

use crate::Error;

/// Converts an SDK error into a JS `Error` with `name = "ZkAuthError"` and `.code`.
pub(crate) fn js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("ZkAuthError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(e.code()));
    err.into()
}

pub(crate) type JsResult<T> = Result<T, JsValue>;

pub(crate) trait IntoJs<T> {
    fn js(self) -> JsResult<T>;
}

impl<T, E: Into<Error>> IntoJs<T> for Result<T, E> {
    fn js(self) -> JsResult<T> {
        self.map_err(|e| js_error(e.into()))
    }
}

/// Builds a plain JS object from (name, value) pairs.
pub(crate) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = js_sys::Object::new();
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), v);
    }
    obj.into()
}

/// `b64u(SHA-256(UTF-8(value)))`.
#[wasm_bindgen(js_name = hashB64u)]
pub fn hash_b64u(value: &str) -> String {
    zkauth_verify::hash_b64u(value)
}

/// Validates a `zk_pub` strictly and returns its `zk_pub_kid`.
/// Throws {@link ZkAuthError} with code "invalid_zk_pub" when any rule fails.
#[wasm_bindgen(js_name = validateZkPub)]
pub fn validate_zk_pub(#[wasm_bindgen(js_name = zkPub)] zk_pub: &str) -> JsResult<String> {
    zkauth_verify::validate_zk_pub(zk_pub).map(|z| z.kid).js()
}

/// Bytes of shadow stack overwritten below the caller's frame by [`scrub_stack`]. The deepest
/// secret-handling call chains (OPAQUE finish with the KSF, AES-GCM, HKDF) stay well inside it.
const SCRUB_BYTES: usize = 64 * 1024;

/// Overwrites the shadow-stack region that calls made from the current frame used, so key
/// bytes that dependencies left in dead stack frames do not linger in linear memory.
#[doc(hidden)]
#[inline(never)]
pub fn scrub_stack() {
    let mut region = [0u8; SCRUB_BYTES];
    // black_box makes the zero-filled region observable, so the writes cannot be elided.
    core::hint::black_box(&mut region);
}

/// Scrubs the stack when dropped: the first line of every binding that touches secrets.
pub(crate) struct ScrubOnDrop;

impl Drop for ScrubOnDrop {
    fn drop(&mut self) {
        scrub_stack();
    }
}
