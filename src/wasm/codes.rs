//! The Rust core's error codes for the package build, which writes them (with the JS layer's)
//! into the `.d.ts` as the `ZkAuthErrorCode` union.

use wasm_bindgen::prelude::*;

/// Every code a binding can throw from Rust (internal: not re-exported by the package).
#[wasm_bindgen(js_name = "__errorCodes")]
pub fn error_codes() -> Vec<String> {
    crate::Error::all_codes().map(str::to_owned).collect()
}
