//! JS API of sharing between users of one app (both entries): `AppKey.createSharingKey` and
//! `AppKey.openSharingKey`, the `SharingKeyPair` handle, and `sealToRecipient`.

use rand_core::OsRng;
use wasm_bindgen::prelude::*;

use super::keys::{WasmAppKey, WasmDataKey};
use super::{object, IntoJs, JsResult};
use crate::sharing::{self, SharingKeyPair};

/// The user's sharing key pair for one app, held in wasm: its private key never reaches
/// JavaScript. `free()` wipes it.
#[wasm_bindgen(js_name = SharingKeyPair)]
pub struct WasmSharingKeyPair(SharingKeyPair);

#[wasm_bindgen(js_class = SharingKeyPair)]
impl WasmSharingKeyPair {
    /// The public JWK (`{"kty":"EC","crv":"P-256","x":…,"y":…}`), as the server publishes it.
    #[wasm_bindgen(getter, js_name = publicJwk)]
    pub fn public_jwk(&self) -> JsResult<String> {
        self.0.public_jwk().js()
    }

    /// Opens a share addressed to this key pair and returns the item's data key. Throws code
    /// "jwe_decrypt_failed" (another recipient, tampered bytes), "invalid_length" (not one
    /// 32-byte key) or a JWE format code ("jwe_malformed", "jwe_header_invalid", …).
    #[wasm_bindgen(js_name = openShared)]
    pub fn open_shared(&self, jwe: &str) -> JsResult<WasmDataKey> {
        let _scrub = super::ScrubOnDrop;
        self.0.open_shared(jwe).map(WasmDataKey).js()
    }
}

#[wasm_bindgen(js_class = AppKey)]
impl WasmAppKey {
    /// Makes the user's sharing key pair for this app: returns the handle, the public JWK to
    /// publish and the private key wrapped under this app key (b64u), for the app's server.
    #[wasm_bindgen(js_name = createSharingKey, unchecked_return_type = "{ keyPair: SharingKeyPair; publicJwk: string; wrappedPrivateKey: string }")]
    pub fn create_sharing_key(&self) -> JsResult<JsValue> {
        let _scrub = super::ScrubOnDrop;
        let created = self.0.create_sharing_key(&mut OsRng).js()?;
        Ok(object(&[
            ("keyPair", WasmSharingKeyPair(created.key_pair).into()),
            ("publicJwk", created.public_jwk.into()),
            ("wrappedPrivateKey", created.wrapped_private_key.into()),
        ]))
    }

    /// Opens the sharing key pair the app's server stored. Throws code "unwrap_failed" (another
    /// app key), "sharing_key_mismatch" (the private key is not the published public key's),
    /// "invalid_recipient_key" (`publicJwk` is not a P-256 public JWK), "invalid_base64url",
    /// "ciphertext_truncated", "invalid_length" or "plaintext_invalid".
    #[wasm_bindgen(js_name = openSharingKey)]
    pub fn open_sharing_key(
        &self,
        #[wasm_bindgen(js_name = publicJwk)] public_jwk: &str,
        #[wasm_bindgen(js_name = wrappedPrivateKey)] wrapped_private_key: &str,
    ) -> JsResult<WasmSharingKeyPair> {
        let _scrub = super::ScrubOnDrop;
        self.0.open_sharing_key(public_jwk, wrapped_private_key).map(WasmSharingKeyPair).js()
    }
}

/// Seals one item's data key to another user's sharing public JWK: a compact JWE (ECDH-ES +
/// A256GCM, header `{alg, enc, epk}`, payload the raw key) that only their `SharingKeyPair`
/// opens. Throws code "invalid_recipient_key" when `recipientPublicJwk` is not a P-256 public JWK.
#[wasm_bindgen(js_name = sealToRecipient)]
pub fn seal_to_recipient(
    #[wasm_bindgen(js_name = dataKey)] data_key: &WasmDataKey,
    #[wasm_bindgen(js_name = recipientPublicJwk)] recipient_public_jwk: &str,
) -> JsResult<String> {
    let _scrub = super::ScrubOnDrop;
    sharing::seal_to_recipient(&mut OsRng, &data_key.0, recipient_public_jwk).js()
}
