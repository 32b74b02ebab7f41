//! JS classes for key custody on the login page (cargo feature `login`): the `ExportKey`
//! methods, `RootKey`'s generation, app-key derivation and private-JWK wrap, `RecoveryKey`,
//! passkey-PRF envelopes and the envelope AAD helpers.
//!
//! Secret material reaches JavaScript only through methods whose names say so:
//! `RecoveryKey.exportDisplay()` and `RootKey.unwrapPrivateJwkExport()`.

use rand_core::OsRng;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::args::{opt_string_field, string_field, MAX_SMALL_BYTES};
use super::keys::{secret_bytes, WasmAppKey, WasmRootKey};
use super::{IntoJs, JsResult, WasmExportKey};
use crate::keys::{self, EnvelopeMeta, RecoveryKey};
use crate::{Error, ExportKey, RootKey};

// The option bags' named types in the `.d.ts`, with what each member means.
#[wasm_bindgen(typescript_custom_section)]
const CUSTODY_TS: &'static str = r#"
/** What an envelope is bound to: its AAD (wire profile §3). Store the three with the envelope. */
export interface EnvelopeMeta {
  /** The envelope's own id. */
  envelopeId: string;
  /** The id of the root key it wraps. */
  keyId: string;
  /** The user's subject. */
  sub: string;
}
/** The inputs of a Client App Key (wire profile §4.7): it is derived for exactly these. */
export interface ClientAppKeyContext {
  /** The user's subject. */
  sub: string;
  /** The id of the root key it is derived from. */
  keyId: string;
  /** The app's client id. */
  clientId: string;
  /** The organisation, when the app is per-organisation. */
  orgId?: string;
}
"#;

// Option bags: extern types only for their `.d.ts` type; read through `super::args` (never
// imported getters), so a bad bag or a throwing getter cannot unwind through Rust.
#[wasm_bindgen]
extern "C" {
    /// `{ envelopeId, keyId, sub }`: what an envelope is bound to (its AAD).
    #[wasm_bindgen(typescript_type = "EnvelopeMeta")]
    pub type EnvelopeMetaOptions;

    /// `{ sub, keyId, clientId, orgId? }`: the inputs of a Client App Key.
    #[wasm_bindgen(typescript_type = "ClientAppKeyContext")]
    pub type ClientAppKeyOptions;
}

/// The decoded `{ envelopeId, keyId, sub }` bag; [`Meta::get`] borrows it as the core type.
struct Meta {
    envelope_id: String,
    key_id: String,
    sub: String,
}

impl Meta {
    fn decode(m: &EnvelopeMetaOptions) -> JsResult<Meta> {
        let decode = || -> Result<Meta, Error> {
            Ok(Meta {
                envelope_id: string_field!(m, "envelopeId")?,
                key_id: string_field!(m, "keyId")?,
                sub: string_field!(m, "sub")?,
            })
        };
        decode().js()
    }

    fn get(&self) -> EnvelopeMeta<'_> {
        EnvelopeMeta { envelope_id: &self.envelope_id, key_id: &self.key_id, sub: &self.sub }
    }
}


// ---------------------------------------------------------------------------------------------
// ExportKey
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen(js_class = ExportKey)]
impl WasmExportKey {
    /// Wraps the root key as a legacy `wrapped_drk` (AES-GCM under the password key, AAD = `sub`).
    /// Throws code "invalid_input" (an empty `sub`).
    #[wasm_bindgen(js_name = wrapRootKey)]
    pub fn wrap_root_key(&self, root: &WasmRootKey, sub: &str) -> JsResult<String> {
        let _scrub = super::ScrubOnDrop;
        self.0.wrap_root_key(&mut OsRng, &root.0, sub).js()
    }

    /// Opens a legacy `wrapped_drk`.
    /// Throws code "unwrap_failed" (wrong password key, wrong `sub` or tampered),
    /// "invalid_base64url", "ciphertext_truncated" (under 28 bytes), "invalid_length" or
    /// "invalid_input" (an empty `sub`).
    #[wasm_bindgen(js_name = unwrapRootKey)]
    pub fn unwrap_root_key(&self, wrapped: &str, sub: &str) -> JsResult<WasmRootKey> {
        let _scrub = super::ScrubOnDrop;
        self.0.unwrap_root_key(wrapped, sub).map(WasmRootKey).js()
    }

    /// Seals the root key as a v2 password envelope bound to `{ envelopeId, keyId, sub }`.
    /// Throws code "invalid_input" (an empty or non-string field, or `meta` not an object) or
    /// "missing_field".
    #[wasm_bindgen(js_name = sealPasswordEnvelope)]
    pub fn seal_password_envelope(&self, root: &WasmRootKey, meta: &EnvelopeMetaOptions) -> JsResult<String> {
        let _scrub = super::ScrubOnDrop;
        let meta = Meta::decode(meta)?;
        self.0.seal_password_envelope(&mut OsRng, &root.0, &meta.get()).js()
    }

    /// Opens a v2 password envelope (raw or root-key-JSON plaintext).
    /// Throws code "unwrap_failed", "envelope_metadata_mismatch", "invalid_base64url",
    /// "ciphertext_truncated", "plaintext_invalid", "invalid_length", "invalid_input" (an
    /// empty or non-string field, or `meta` not an object) or "missing_field".
    #[wasm_bindgen(js_name = openPasswordEnvelope)]
    pub fn open_password_envelope(&self, wrapped: &str, meta: &EnvelopeMetaOptions) -> JsResult<WasmRootKey> {
        let _scrub = super::ScrubOnDrop;
        let meta = Meta::decode(meta)?;
        self.0.open_password_envelope(wrapped, &meta.get()).map(WasmRootKey).js()
    }

    /// Opens a password envelope migrated from v1 (`wrapping_alg` "OPAQUE-HKDF-SHA256+A256GCM/v1",
    /// `envelope_id` "legacy-drk-password:<sub>": the same bytes as a `wrapped_drk`). Throws the
    /// codes of {@link ExportKey.unwrapRootKey}.
    #[wasm_bindgen(js_name = openMigratedPasswordEnvelope)]
    pub fn open_migrated_password_envelope(&self, wrapped: &str, sub: &str) -> JsResult<WasmRootKey> {
        let _scrub = super::ScrubOnDrop;
        self.0.open_migrated_password_envelope(wrapped, sub).map(WasmRootKey).js()
    }
}

impl WasmExportKey {
    /// Wraps a native export key as a handle. Rust-only (not reachable from JS): for tests and
    /// embedders that already hold an [`ExportKey`].
    #[doc(hidden)]
    pub fn from_core(key: ExportKey) -> WasmExportKey {
        WasmExportKey(key)
    }

    /// The native key behind the handle. Rust-only (not reachable from JS), as
    /// [`ExportKey::expose_secret`] already is for native callers; used by the memory-scan test.
    #[doc(hidden)]
    pub fn as_core(&self) -> &ExportKey {
        &self.0
    }
}

/// `b64u` of the v2 password envelope AAD: the `aad` field the server stores with the envelope.
/// Throws code "missing_field" or "invalid_input" (an empty or non-string field, or `meta` not
/// an object).
#[wasm_bindgen(js_name = passwordEnvelopeAad)]
pub fn password_envelope_aad(meta: &EnvelopeMetaOptions) -> JsResult<String> {
    keys::password_envelope_aad(&Meta::decode(meta)?.get()).js()
}

/// `b64u` of the recovery envelope AAD. Throws code "missing_field" or "invalid_input".
#[wasm_bindgen(js_name = recoveryEnvelopeAad)]
pub fn recovery_envelope_aad(meta: &EnvelopeMetaOptions) -> JsResult<String> {
    keys::recovery_envelope_aad(&Meta::decode(meta)?.get()).js()
}

/// `b64u` of the passkey-PRF envelope AAD. Throws code "missing_field" or "invalid_input".
#[wasm_bindgen(js_name = prfEnvelopeAad)]
pub fn prf_envelope_aad(meta: &EnvelopeMetaOptions) -> JsResult<String> {
    keys::prf_envelope_aad(&Meta::decode(meta)?.get()).js()
}

// ---------------------------------------------------------------------------------------------
// RootKey on the login page
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen(js_class = RootKey)]
impl WasmRootKey {
    /// A fresh random root key (browser CSPRNG).
    pub fn generate() -> WasmRootKey {
        let _scrub = super::ScrubOnDrop;
        WasmRootKey(RootKey::generate(&mut OsRng))
    }

    /// Derives the Client App Key for one relying party (and organization, when given).
    /// Throws code "missing_field" or "invalid_input" (an empty field, a field containing `|`,
    /// a non-string field, or `c` not an object).
    #[wasm_bindgen(js_name = deriveClientAppKey)]
    pub fn derive_client_app_key(&self, c: &ClientAppKeyOptions) -> JsResult<WasmAppKey> {
        let _scrub = super::ScrubOnDrop;
        let decode = || -> Result<(String, String, String, Option<String>), Error> {
            Ok((
                string_field!(c, "sub")?,
                string_field!(c, "keyId")?,
                string_field!(c, "clientId")?,
                opt_string_field!(c, "orgId")?,
            ))
        };
        let (sub, key_id, client_id, org_id) = decode().js()?;
        self.0.derive_client_app_key(&sub, &key_id, &client_id, org_id.as_deref()).map(WasmAppKey).js()
    }

    /// Encrypts the user's private JWK (JSON) under a key derived from this root key:
    /// `wrapped_enc_private_jwk` (b64u). Throws code "invalid_input" (empty JWK).
    #[wasm_bindgen(js_name = wrapPrivateJwk)]
    pub fn wrap_private_jwk(&self, #[wasm_bindgen(js_name = jwkJson)] jwk_json: String) -> JsResult<String> {
        let _scrub = super::ScrubOnDrop;
        let jwk_json = Zeroizing::new(jwk_json);
        self.0.wrap_private_jwk(&mut OsRng, &jwk_json).js()
    }

    /// Makes the user's encryption key pair (wire profile §3.11) in wasm and returns
    /// `{ encPublicJwk, wrappedEncPrivateJwk }` (JSON string and b64u) for
    /// `PUT /crypto/enc-pub` and `PUT /crypto/wrapped-enc-priv`: the private key never reaches
    /// JavaScript.
    #[wasm_bindgen(js_name = createEncKeyPair, unchecked_return_type = "{ encPublicJwk: string; wrappedEncPrivateJwk: string }")]
    pub fn create_enc_key_pair(&self) -> JsResult<JsValue> {
        let _scrub = super::ScrubOnDrop;
        let pair = self.0.create_enc_key_pair(&mut OsRng).js()?;
        Ok(super::object(&[("encPublicJwk", pair.enc_public_jwk.into()), ("wrappedEncPrivateJwk", pair.wrapped_enc_private_jwk.into())]))
    }

    /// **Exports a private key to JavaScript**: opens `wrapped_enc_private_jwk` and returns the
    /// private JWK JSON string. Throws code "unwrap_failed", "invalid_base64url",
    /// "ciphertext_truncated" or "plaintext_invalid" (not UTF-8).
    #[wasm_bindgen(js_name = unwrapPrivateJwkExport)]
    pub fn unwrap_private_jwk_export(&self, wrapped: &str) -> JsResult<js_sys::JsString> {
        let _scrub = super::ScrubOnDrop;
        let jwk = self.0.unwrap_private_jwk(wrapped).js()?;
        Ok(js_sys::JsString::from(jwk.as_str()))
    }
}

// ---------------------------------------------------------------------------------------------
// Recovery key
// ---------------------------------------------------------------------------------------------

/// A recovery key: 32 random bytes the user writes down, held in wasm.
#[wasm_bindgen(js_name = RecoveryKey)]
pub struct WasmRecoveryKey(RecoveryKey);

#[wasm_bindgen(js_class = RecoveryKey)]
impl WasmRecoveryKey {
    /// A fresh random recovery key (browser CSPRNG).
    pub fn generate() -> WasmRecoveryKey {
        let _scrub = super::ScrubOnDrop;
        WasmRecoveryKey(RecoveryKey::generate(&mut OsRng))
    }

    /// Parses the display string the user typed (surrounding whitespace ignored).
    /// Throws code "invalid_base64url" or "invalid_length".
    #[wasm_bindgen(js_name = fromDisplay)]
    pub fn from_display(display: String) -> JsResult<WasmRecoveryKey> {
        let _scrub = super::ScrubOnDrop;
        let display = Zeroizing::new(display);
        RecoveryKey::from_display(&display).map(WasmRecoveryKey).js()
    }

    /// **Exports the secret to JavaScript**: the one-time display string (b64u) to show the user.
    #[wasm_bindgen(js_name = exportDisplay)]
    pub fn export_display(&self) -> js_sys::JsString {
        let _scrub = super::ScrubOnDrop;
        let display = self.0.expose_display();
        js_sys::JsString::from(display.as_str())
    }

    /// `b64u(SHA-256(secret))`: what the server stores to recognise this recovery key.
    #[wasm_bindgen(getter)]
    pub fn verifier(&self) -> String {
        let _scrub = super::ScrubOnDrop;
        self.0.verifier()
    }

    /// Seals the root key as a recovery envelope bound to `{ envelopeId, keyId, sub }`.
    /// Throws code "invalid_input" (an empty or non-string field, or `meta` not an object) or
    /// "missing_field".
    #[wasm_bindgen(js_name = sealEnvelope)]
    pub fn seal_envelope(&self, root: &WasmRootKey, meta: &EnvelopeMetaOptions) -> JsResult<String> {
        let _scrub = super::ScrubOnDrop;
        let meta = Meta::decode(meta)?;
        self.0.seal_envelope(&mut OsRng, &root.0, &meta.get()).js()
    }

    /// Opens a recovery envelope. Throws code "unwrap_failed", "invalid_base64url",
    /// "ciphertext_truncated", "invalid_length", "invalid_input" (an empty or non-string field,
    /// or `meta` not an object) or "missing_field".
    #[wasm_bindgen(js_name = openEnvelope)]
    pub fn open_envelope(&self, wrapped: &str, meta: &EnvelopeMetaOptions) -> JsResult<WasmRootKey> {
        let _scrub = super::ScrubOnDrop;
        let meta = Meta::decode(meta)?;
        self.0.open_envelope(wrapped, &meta.get()).map(WasmRootKey).js()
    }
}

// ---------------------------------------------------------------------------------------------
// Passkey PRF
// ---------------------------------------------------------------------------------------------

/// Seals the root key under a WebAuthn PRF output for one credential. The copy of `prfOutput`
/// made inside wasm is wiped; the caller should `fill(0)` its own.
/// Throws code "invalid_input" (empty PRF output, credential id or field; a `sub` or credential
/// id containing `|`; `prfOutput` not a `Uint8Array`; `meta` not an object) or "missing_field".
#[wasm_bindgen(js_name = sealPrfEnvelope)]
pub fn seal_prf_envelope(
    #[wasm_bindgen(js_name = prfOutput, unchecked_param_type = "Uint8Array")] prf_output: &JsValue,
    #[wasm_bindgen(js_name = credentialId)] credential_id: &str,
    root: &WasmRootKey,
    meta: &EnvelopeMetaOptions,
) -> JsResult<String> {
    let _scrub = super::ScrubOnDrop;
    let meta = Meta::decode(meta)?;
    let prf = secret_bytes(prf_output, "prfOutput must be a Uint8Array", MAX_SMALL_BYTES)?;
    keys::seal_prf_envelope(&mut OsRng, &prf, credential_id, &root.0, &meta.get()).js()
}

/// Opens a passkey-PRF envelope. Throws code "unwrap_failed", "invalid_base64url",
/// "ciphertext_truncated", "invalid_length", "invalid_input" (empty PRF output, credential id
/// or field; a `sub` or credential id containing `|`; `prfOutput` not a `Uint8Array`; a
/// non-string field or `meta` not an object) or "missing_field".
#[wasm_bindgen(js_name = openPrfEnvelope)]
pub fn open_prf_envelope(
    #[wasm_bindgen(js_name = prfOutput, unchecked_param_type = "Uint8Array")] prf_output: &JsValue,
    #[wasm_bindgen(js_name = credentialId)] credential_id: &str,
    wrapped: &str,
    meta: &EnvelopeMetaOptions,
) -> JsResult<WasmRootKey> {
    let _scrub = super::ScrubOnDrop;
    let meta = Meta::decode(meta)?;
    let prf = secret_bytes(prf_output, "prfOutput must be a Uint8Array", MAX_SMALL_BYTES)?;
    keys::open_prf_envelope(&prf, credential_id, wrapped, &meta.get()).map(WasmRootKey).js()
}


/// `b64u` of the trusted-device envelope AAD (wire profile §3.10). Throws code "missing_field"
/// or "invalid_input".
#[wasm_bindgen(js_name = trustedDeviceEnvelopeAad)]
pub fn trusted_device_envelope_aad(meta: &EnvelopeMetaOptions) -> JsResult<String> {
    keys::trusted_device_envelope_aad(&Meta::decode(meta)?.get()).js()
}

/// Seals the root key for this browser as a trusted device: `z` is the 32-byte `deriveBits`
/// output of the device's non-extractable ECDH key with its stored peer key (`TrustedDevice`
/// does this). The copy of `z` inside wasm is wiped; the caller should `fill(0)` its own.
/// Throws code "invalid_length" (`z` not 32 bytes), "invalid_input" (an empty field or key
/// handle; a `sub` or key handle containing `|`; `z` not a `Uint8Array`) or "missing_field".
#[wasm_bindgen(js_name = sealTrustedDeviceEnvelope)]
pub fn seal_trusted_device_envelope(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] z: &JsValue,
    #[wasm_bindgen(js_name = keyHandle)] key_handle: &str,
    root: &WasmRootKey,
    meta: &EnvelopeMetaOptions,
) -> JsResult<String> {
    let _scrub = super::ScrubOnDrop;
    let meta = Meta::decode(meta)?;
    let z = super::delivery::shared_secret(z)?;
    keys::seal_trusted_device_envelope(&mut OsRng, &z, key_handle, &root.0, &meta.get()).js()
}

/// Opens this browser's trusted-device envelope with the device's `z`. Throws code
/// "unwrap_failed", "invalid_base64url", "ciphertext_truncated", "invalid_length",
/// "invalid_input" or "missing_field".
#[wasm_bindgen(js_name = openTrustedDeviceEnvelope)]
pub fn open_trusted_device_envelope(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] z: &JsValue,
    #[wasm_bindgen(js_name = keyHandle)] key_handle: &str,
    wrapped: &str,
    meta: &EnvelopeMetaOptions,
) -> JsResult<WasmRootKey> {
    let _scrub = super::ScrubOnDrop;
    let meta = Meta::decode(meta)?;
    let z = super::delivery::shared_secret(z)?;
    keys::open_trusted_device_envelope(&z, key_handle, wrapped, &meta.get()).map(WasmRootKey).js()
}
