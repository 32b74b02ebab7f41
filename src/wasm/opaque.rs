//! JS classes for OPAQUE: `OpaqueProfile`, `OpaqueClient`, `ClientRegistration`, `ClientLogin`,
//! and the `ExportKey`/`SessionKey` handles they return.

use rand_core::OsRng;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::args::{number_field, opt_string_field, string_field};
use super::{object, IntoJs, JsResult};
use crate::opaque::{self, OpaqueClient, Profile};
use crate::{Error, ExportKey, SessionKey};

/// The option bag's named type in the `.d.ts`.
#[wasm_bindgen(typescript_custom_section)]
const ARGON2ID_TS: &'static str = r#"
/** An Argon2id OPAQUE profile (RFC 9106 costs) for new deployments. */
export interface Argon2idParams {
  /** Memory cost in KiB (m), e.g. 65536 for 64 MiB. */
  memoryKib: number;
  /** Passes over memory (t), e.g. 3. */
  iterations: number;
  /** Lanes (p), e.g. 4. */
  parallelism: number;
  /** The server identity in the OPAQUE cleartext credentials (RFC 9807 §4.1.2). */
  serverIdentity: string;
  /** The OPAQUE context string; empty when absent. */
  context?: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `{ memoryKib, iterations, parallelism, serverIdentity, context? }`. Read through
    /// [`super::args`] (never imported getters), so a bad bag cannot unwind through Rust.
    #[wasm_bindgen(typescript_type = "Argon2idParams")]
    pub type Argon2Options;
}

/// A whole, non-negative cost parameter that fits in a `u32`; `invalid_profile` otherwise.
fn cost(n: f64) -> Result<u32, Error> {
    if n.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&n) {
        return Err(Error::InvalidProfile("numbers must be whole and non-negative"));
    }
    // Checked above: a whole number within u32's range.
    Ok(n as u32)
}

/// A KSF profile. Both sides of a deployment must use the same one.
#[wasm_bindgen(js_name = OpaqueProfile)]
pub struct WasmProfile(Profile);

#[wasm_bindgen(js_class = OpaqueProfile)]
impl WasmProfile {
    /// scrypt N=32768 r=8 p=1, server identity "DarkAuth", empty context.
    pub fn darkauth() -> WasmProfile {
        WasmProfile(Profile::darkauth())
    }

    /// Argon2id with caller-chosen cost. Throws code "invalid_profile" (cost out of range),
    /// "missing_field" (a required field is absent) or "invalid_input" (`o` is not an object, or
    /// a field has the wrong type).
    pub fn argon2id(o: &Argon2Options) -> JsResult<WasmProfile> {
        let build = || -> Result<Profile, Error> {
            let context = opt_string_field!(o, "context")?.unwrap_or_default();
            Profile::argon2id(
                cost(number_field!(o, "memoryKib")?)?,
                cost(number_field!(o, "iterations")?)?,
                cost(number_field!(o, "parallelism")?)?,
                &string_field!(o, "serverIdentity")?,
                &context,
            )
        };
        build().map(WasmProfile).js()
    }

    /// Gets the key-stretching function ready for this profile's next login or registration
    /// finish, so that the click does not wait for it: call it when the password field gets
    /// focus. It makes the disposable instance the KSF runs in, with its work area (32 MiB for
    /// DarkAuth's scrypt, the memory cost for Argon2id) allocated and touched; the next finish
    /// with this profile uses it and gives all of it back (another `prepare` before that keeps it).
    /// Optional: a finish without it makes its instance itself. Returns whether an instance
    /// was prepared (false where the KSF runs in the page's own instance); never throws.
    pub fn prepare(&self) -> bool {
        #[cfg(feature = "ksf-instance")]
        return super::ksf_instance::prepare(&self.0.stretch);
        #[cfg(not(feature = "ksf-instance"))]
        return false;
    }

    /// The canonical parameter string the server stores with each record.
    #[wasm_bindgen(getter)]
    pub fn descriptor(&self) -> String {
        self.0.descriptor()
    }
}

/// The OPAQUE client for one profile.
#[wasm_bindgen(js_name = OpaqueClient)]
pub struct WasmOpaqueClient(OpaqueClient);

#[wasm_bindgen(js_class = OpaqueClient)]
impl WasmOpaqueClient {
    #[wasm_bindgen(constructor)]
    pub fn new(profile: &WasmProfile) -> WasmOpaqueClient {
        WasmOpaqueClient(OpaqueClient::new(profile.0.clone()))
    }

    /// Returns `{ request, state }`; the password stays inside wasm in `state`.
    #[wasm_bindgen(js_name = startRegistration, unchecked_return_type = "{ request: string; state: ClientRegistration }")]
    pub fn start_registration(&self, password: String) -> JsResult<JsValue> {
        let _scrub = super::ScrubOnDrop;
        let password = Zeroizing::new(password);
        let (request, state) = self.0.start_registration(&mut OsRng, password.as_bytes()).js()?;
        Ok(object(&[("request", request.into()), ("state", WasmClientRegistration(Some(state)).into())]))
    }

    /// Returns `{ request, state }` where `request` is KE1.
    #[wasm_bindgen(js_name = startLogin, unchecked_return_type = "{ request: string; state: ClientLogin }")]
    pub fn start_login(&self, password: String) -> JsResult<JsValue> {
        let _scrub = super::ScrubOnDrop;
        let password = Zeroizing::new(password);
        let (request, state) = self.0.start_login(&mut OsRng, password.as_bytes()).js()?;
        Ok(object(&[("request", request.into()), ("state", WasmClientLogin(Some(state)).into())]))
    }
}

/// Single-use registration state. A second `finish` throws code "state_used".
#[wasm_bindgen(js_name = ClientRegistration)]
pub struct WasmClientRegistration(Option<opaque::ClientRegistration>);

#[wasm_bindgen(js_class = ClientRegistration)]
impl WasmClientRegistration {
    /// Returns `{ record, serverPublicKey, exportKey }`; `exportKey` is a handle.
    #[wasm_bindgen(unchecked_return_type = "{ record: string; serverPublicKey: string; exportKey: ExportKey }")]
    pub fn finish(&mut self, response: &str, #[wasm_bindgen(js_name = clientIdentity)] client_identity: &str) -> JsResult<JsValue> {
        let _scrub = super::ScrubOnDrop;
        let state = self.0.take().ok_or(Error::StateUsed).js()?;
        let done = state.finish(&mut OsRng, response, client_identity).js()?;
        Ok(object(&[
            ("record", done.record.into()),
            ("serverPublicKey", done.server_public_key.into()),
            ("exportKey", WasmExportKey(done.export_key).into()),
        ]))
    }
}

/// Single-use login state. `finish` throws code "opaque_login_failed" for everything the
/// server's answer or the password can cause (malformed or tampered KE2, wrong password, unknown
/// user, key-stretching failure); only the caller's own mistakes keep their codes: "state_used"
/// (finished twice), "key_released" (freed), "invalid_input" (an argument of the wrong type).
#[wasm_bindgen(js_name = ClientLogin)]
pub struct WasmClientLogin(Option<opaque::ClientLogin>);

#[wasm_bindgen(js_class = ClientLogin)]
impl WasmClientLogin {
    /// Returns `{ finish, serverPublicKey, exportKey, sessionKey }`; keys are handles.
    #[wasm_bindgen(unchecked_return_type = "{ finish: string; serverPublicKey: string; exportKey: ExportKey; sessionKey: SessionKey }")]
    pub fn finish(&mut self, response: &str, #[wasm_bindgen(js_name = clientIdentity)] client_identity: &str) -> JsResult<JsValue> {
        let _scrub = super::ScrubOnDrop;
        let state = self.0.take().ok_or(Error::StateUsed).js()?;
        let done = state.finish(&mut OsRng, response, client_identity).js()?;
        Ok(object(&[
            ("finish", done.finish.into()),
            ("serverPublicKey", done.server_public_key.into()),
            ("exportKey", WasmExportKey(done.export_key).into()),
            ("sessionKey", WasmSessionKey(done.session_key).into()),
        ]))
    }
}

/// OPAQUE `export_key`, held in wasm. Its bytes never reach JavaScript.
#[wasm_bindgen(js_name = ExportKey)]
pub struct WasmExportKey(pub(crate) ExportKey);

/// OPAQUE `session_key`, held in wasm only to be wiped (`free()`).
#[wasm_bindgen(js_name = SessionKey)]
pub struct WasmSessionKey(#[allow(dead_code)] pub(crate) SessionKey);
