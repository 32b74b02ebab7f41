//! The length caps the package's JS wrapper applies to string arguments before they are copied
//! into wasm, taken from the Rust rules they stand for, so an over-long argument is refused
//! with the code the Rust check would give, without the copy that could exhaust wasm memory.

use wasm_bindgen::prelude::*;

use super::args::MAX_STRING_ARG;
use crate::keys::MAX_DATA_CIPHERTEXT_B64;

/// `{ [parameterName]: [maxUtf16Units, code], "*": [max, "invalid_input"] }` for the JS wrapper
/// (internal: not re-exported by the package).
#[wasm_bindgen(js_name = "__argumentLimits")]
pub fn argument_limits() -> JsValue {
    let limit = |max: usize, code: &str| -> JsValue { js_sys::Array::of2(&JsValue::from(max as f64), &JsValue::from_str(code)).into() };
    super::object(&[
        ("jwe", limit(zkauth_verify::MAX_JWE_LEN, "jwe_malformed")),
        ("zkPub", limit(zkauth_verify::MAX_ZK_PUB_LEN, "invalid_zk_pub")),
        ("jwk", limit(zkauth_verify::json::MAX_LEN, "invalid_private_jwk")),
        ("ciphertextB64", limit(MAX_DATA_CIPHERTEXT_B64, "invalid_input")),
        // DeliverySession's key: zk_pub_kid = b64u(SHA-256(zk_pub)), 43 characters.
        ("zkPubKid", limit(64, "invalid_input")),
        ("*", limit(MAX_STRING_ARG as usize, "invalid_input")),
    ])
}
