//! JS classes for the keys both entries hold: `RootKey` (its login-page methods are in
//! `custody.rs`), `AppKey` and `DataKey`. Every key is a handle whose bytes stay in wasm.

use rand_core::OsRng;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::args;
use super::{IntoJs, JsResult};
use crate::keys;
use crate::{AppKey, DataKey, RootKey};

/// Copies a JS `Uint8Array` into wasm memory that is wiped on drop (`invalid_input` for
/// anything else).
pub(super) fn secret_bytes(a: &JsValue, what: &'static str, max: usize) -> JsResult<Zeroizing<Vec<u8>>> {
    args::bytes(a, what, max).js()
}

// ---------------------------------------------------------------------------------------------
// RootKey, AppKey, DataKey
// ---------------------------------------------------------------------------------------------

/// The account root key (DRK/ARK), held in wasm. Its bytes never reach JavaScript.
#[wasm_bindgen(js_name = RootKey)]
pub struct WasmRootKey(pub(crate) RootKey);

#[wasm_bindgen(js_class = RootKey)]
impl WasmRootKey {
    /// The data key of one item (e.g. a note id), derived from the root key.
    #[wasm_bindgen(js_name = deriveDataKey)]
    pub fn derive_data_key(&self, #[wasm_bindgen(js_name = itemId)] item_id: &str) -> WasmDataKey {
        let _scrub = super::ScrubOnDrop;
        WasmDataKey(self.0.derive_data_key(item_id))
    }
}

/// A Client App Key (CAK) for one relying party, held in wasm. Its bytes never reach JavaScript
/// (except through a delivery's `DeliveredKey.exportRawKey()` on the app side).
#[wasm_bindgen(js_name = AppKey)]
pub struct WasmAppKey(pub(crate) AppKey);

#[wasm_bindgen(js_class = AppKey)]
impl WasmAppKey {
    /// The data key of one item, derived from this app key.
    #[wasm_bindgen(js_name = deriveDataKey)]
    pub fn derive_data_key(&self, #[wasm_bindgen(js_name = itemId)] item_id: &str) -> WasmDataKey {
        let _scrub = super::ScrubOnDrop;
        WasmDataKey(self.0.derive_data_key(item_id))
    }
}

/// A per-item data key, held in wasm.
#[wasm_bindgen(js_name = DataKey)]
pub struct WasmDataKey(pub(crate) DataKey);

#[wasm_bindgen(js_class = DataKey)]
impl WasmDataKey {
    /// AES-256-GCM with AAD `{"note_id":itemId}`; returns padded standard base64 of iv‖ct‖tag.
    /// Throws code "invalid_input" (also when `plaintext` is not a `Uint8Array` or is longer
    /// than 4 MiB).
    pub fn encrypt(
        &self,
        #[wasm_bindgen(js_name = itemId)] item_id: &str,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] plaintext: &JsValue,
    ) -> JsResult<String> {
        let _scrub = super::ScrubOnDrop;
        let plaintext = secret_bytes(plaintext, "plaintext must be a Uint8Array", keys::MAX_DATA_PLAINTEXT)?;
        self.0.encrypt(&mut OsRng, item_id, &plaintext).js()
    }

    /// Decrypts what {@link DataKey.encrypt} produced for the same `itemId` and returns the
    /// plaintext. Throws code "unwrap_failed" (wrong key, wrong item or tampered),
    /// "invalid_base64" (not canonical padded base64) or "ciphertext_truncated".
    pub fn decrypt(
        &self,
        #[wasm_bindgen(js_name = itemId)] item_id: &str,
        #[wasm_bindgen(js_name = ciphertextB64)] ciphertext_b64: &str,
    ) -> JsResult<js_sys::Uint8Array> {
        let _scrub = super::ScrubOnDrop;
        let plaintext = self.0.decrypt(item_id, ciphertext_b64).js()?;
        Ok(js_sys::Uint8Array::from(plaintext.as_slice()))
    }
}
