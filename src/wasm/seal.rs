//! JS API of the login page's side of delivery (cargo feature `login`): `sealDeliveryV2`,
//! `sealDeliveryV1`, `sealDeviceApproval`, and `DeliveryKeyPair` (pure-wasm ECDH: Node, tests,
//! and a new device's approval key; browsers receiving an app key use `DeliverySession`).

use rand_core::OsRng;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::args::{opt_number_field, opt_string_field, string_field};
use super::delivery::{seconds_or_now, ExpectV1Options, ExpectV1Owned, ExpectV2Options, ExpectV2Owned, WasmDeliveredKey};
use super::keys::{WasmAppKey, WasmRootKey};
use super::{object, IntoJs, JsResult};
use crate::delivery::{self, DeliveryKeyPair, SealV2};
use crate::Error;

// The option bags' named types in the `.d.ts`, with what each member means.
#[wasm_bindgen(typescript_custom_section)]
const SEAL_TS: &'static str = r#"
/** What the login page binds into a v2 delivery's claims (wire profile §4.7). */
export interface SealContextV2 {
  /** The user's subject. */
  sub: string;
  /** The app's client id (also the claims' `aud`). */
  clientId: string;
  /** The organisation, when the app key is per-organisation. */
  orgId?: string;
  /** The authorization request's id. */
  requestId: string;
  /** The authorization request's `state`, when it had one. */
  state?: string;
  /** The authorization request's exact redirect URI. */
  redirectUri: string;
  /** The id of the root key the app key was derived from. */
  keyId: string;
  /** Unix seconds; the clock by default. */
  iat?: number;
}
/** What the login page binds into a v1 delivery's protected header. */
export interface SealContextV1 {
  /** The user's subject. */
  sub: string;
  /** The app's client id. */
  clientId: string;
}
/** What a trusted device binds into a device approval (wire profile §3.10). */
export interface DeviceApprovalContext {
  /** The user's subject. */
  sub: string;
  /** The approval request's id. */
  requestId: string;
  /** Unix seconds; the clock by default. */
  iat?: number;
}
/** What a new device expects of the approval it receives. */
export interface DeviceApprovalExpect {
  /** The user's subject. */
  sub: string;
  /** The approval request's id. */
  requestId: string;
  /** Unix seconds; the clock by default. */
  now?: number;
}
"#;

// Option bags: extern types only for their `.d.ts` type; read through `super::args`.
#[wasm_bindgen]
extern "C" {
    /// What the login page binds into a v2 delivery.
    #[wasm_bindgen(typescript_type = "SealContextV2")]
    pub type SealV2Options;

    /// What the login page binds into a v1 delivery (protected header).
    #[wasm_bindgen(typescript_type = "SealContextV1")]
    pub type SealV1Options;

    /// What a trusted device binds into a device approval.
    #[wasm_bindgen(typescript_type = "DeviceApprovalContext")]
    pub type DeviceApprovalOptions;

    /// What a new device expects of its approval.
    #[wasm_bindgen(typescript_type = "DeviceApprovalExpect")]
    pub type DeviceApprovalExpectOptions;

}

struct SealV2Owned {
    sub: String,
    client_id: String,
    org_id: Option<String>,
    request_id: String,
    state: Option<String>,
    redirect_uri: String,
    key_id: String,
    iat: i64,
}

impl SealV2Owned {
    fn decode(c: &SealV2Options) -> Result<Self, Error> {
        Ok(SealV2Owned {
            sub: string_field!(c, "sub")?,
            client_id: string_field!(c, "clientId")?,
            org_id: opt_string_field!(c, "orgId")?,
            request_id: string_field!(c, "requestId")?,
            state: opt_string_field!(c, "state")?,
            redirect_uri: string_field!(c, "redirectUri")?,
            key_id: string_field!(c, "keyId")?,
            iat: seconds_or_now(opt_number_field!(c, "iat")?)?,
        })
    }

    fn get(&self) -> SealV2<'_> {
        SealV2 {
            sub: &self.sub,
            client_id: &self.client_id,
            org_id: self.org_id.as_deref(),
            request_id: &self.request_id,
            state: self.state.as_deref(),
            redirect_uri: &self.redirect_uri,
            key_id: &self.key_id,
            iat: self.iat,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Seal (login page)
// ---------------------------------------------------------------------------------------------

/// Seals a Client App Key to the RP's `zkPub` as a v2 delivery JWE. `iat` defaults to now.
/// Returns `{ jwe, zkKeyHash }`: the JWE goes in the redirect's URL fragment only; the server
/// gets `zkKeyHash`. Throws code "invalid_zk_pub", "app_key_context_mismatch" (`key` was
/// derived for another `sub`, `keyId`, `clientId` or `orgId` than `c` names), "invalid_input"
/// (also a field of the wrong type, or `c` not an object) or "missing_field".
#[wasm_bindgen(js_name = sealDeliveryV2, unchecked_return_type = "{ jwe: string; zkKeyHash: string }")]
pub fn seal_delivery_v2(key: &WasmAppKey, #[wasm_bindgen(js_name = zkPub)] zk_pub: &str, c: &SealV2Options) -> JsResult<JsValue> {
    let _scrub = super::ScrubOnDrop;
    let c = SealV2Owned::decode(c).js()?;
    let sealed = delivery::seal_delivery_v2(&mut OsRng, &key.0, zk_pub, &c.get()).js()?;
    Ok(object(&[("jwe", sealed.jwe.into()), ("zkKeyHash", sealed.hash.into())]))
}

/// Seals the root key to the RP's `zkPub` as a legacy v1 delivery JWE.
/// Returns `{ jwe, drkHash }`. Throws code "invalid_zk_pub", "invalid_input" (also a field of
/// the wrong type, or `c` not an object) or "missing_field".
#[wasm_bindgen(js_name = sealDeliveryV1, unchecked_return_type = "{ jwe: string; drkHash: string }")]
pub fn seal_delivery_v1(root: &WasmRootKey, #[wasm_bindgen(js_name = zkPub)] zk_pub: &str, c: &SealV1Options) -> JsResult<JsValue> {
    let _scrub = super::ScrubOnDrop;
    let decode = || -> Result<(String, String), Error> { Ok((string_field!(c, "sub")?, string_field!(c, "clientId")?)) };
    let (sub, client_id) = decode().js()?;
    let sealed = delivery::seal_delivery_v1(&mut OsRng, &root.0, zk_pub, &sub, &client_id).js()?;
    Ok(object(&[("jwe", sealed.jwe.into()), ("drkHash", sealed.hash.into())]))
}

/// Seals the root key for a new device of the same user (device approval, wire profile §3.10):
/// `newDevicePublicJwk` is the JWK text the approval request sent. Returns the compact JWE;
/// the approval endpoint takes it as `b64u` of its UTF-8. Throws code "invalid_zk_pub" (not a
/// P-256 public JWK), "invalid_input" (an empty or `|`-holding identifier, a field of the wrong
/// type, `c` not an object) or "missing_field".
#[wasm_bindgen(js_name = sealDeviceApproval)]
pub fn seal_device_approval(root: &WasmRootKey, #[wasm_bindgen(js_name = newDevicePublicJwk)] new_device_public_jwk: &str, c: &DeviceApprovalOptions) -> JsResult<String> {
    let _scrub = super::ScrubOnDrop;
    let decode = || -> Result<(String, String, i64), Error> {
        Ok((string_field!(c, "sub")?, string_field!(c, "requestId")?, seconds_or_now(opt_number_field!(c, "iat")?)?))
    };
    let (sub, request_id, iat) = decode().js()?;
    delivery::seal_device_approval(&mut OsRng, &root.0, new_device_public_jwk, &sub, &request_id, iat).js()
}

// ---------------------------------------------------------------------------------------------
// Open (app)
// ---------------------------------------------------------------------------------------------

/// The app's ephemeral P-256 delivery key pair, held in wasm.
///
/// Opening never changes it: a refused JWE leaves the pair usable (by design, so an app can
/// report the error, or try a JWE it received again). It is still one callback's key: once the
/// callback is handled, successfully or not, the app must `free()` it (or hold it with
/// `using`), which wipes the private key — wire profile §4.7 "decrypt with the ephemeral
/// private key, then discard that key". Never reuse it for a second authorization.
#[wasm_bindgen(js_name = DeliveryKeyPair)]
pub struct WasmDeliveryKeyPair(DeliveryKeyPair);

#[wasm_bindgen(js_class = DeliveryKeyPair)]
impl WasmDeliveryKeyPair {
    /// A fresh key pair (browser CSPRNG).
    pub fn generate() -> WasmDeliveryKeyPair {
        let _scrub = super::ScrubOnDrop;
        WasmDeliveryKeyPair(DeliveryKeyPair::generate(&mut OsRng))
    }

    /// Loads a P-256 private JWK (JSON). Throws code "invalid_private_jwk".
    #[wasm_bindgen(js_name = fromPrivateJwk)]
    pub fn from_private_jwk(jwk: String) -> JsResult<WasmDeliveryKeyPair> {
        let _scrub = super::ScrubOnDrop;
        let jwk = Zeroizing::new(jwk);
        DeliveryKeyPair::from_private_jwk(&jwk).map(WasmDeliveryKeyPair).js()
    }

    /// `zk_pub`: b64u of the compact public JWK, sent on the authorize request.
    #[wasm_bindgen(getter, js_name = zkPub)]
    pub fn zk_pub(&self) -> JsResult<String> {
        self.0.zk_pub().js()
    }

    /// The public key as the compact JWK a device-approval request sends (string members only);
    /// the consume proof is `hashB64u` of exactly this text.
    #[wasm_bindgen(getter, js_name = publicJwk)]
    pub fn public_jwk(&self) -> JsResult<String> {
        self.0.public_jwk().js()
    }

    /// Opens a device approval sealed to this key pair and returns the account root key, after
    /// the header rules and the payload checks (`typ`, `version`, `ark`, `sub`, `requestId`,
    /// time; `now` defaults to the clock). Throws code "jwe_malformed", "jwe_header_rejected",
    /// "invalid_epk", "invalid_base64url", "jwe_decrypt_failed", "payload_invalid",
    /// "typ_mismatch", "version_mismatch", "sub_mismatch", "request_id_mismatch",
    /// "delivery_not_yet_valid", "delivery_lifetime_too_long", "delivery_expired",
    /// "invalid_length", "invalid_input" or "missing_field".
    #[wasm_bindgen(js_name = openDeviceApproval)]
    pub fn open_device_approval(&self, jwe: &str, e: &DeviceApprovalExpectOptions) -> JsResult<WasmRootKey> {
        let _scrub = super::ScrubOnDrop;
        let decode = || -> Result<(String, String, i64), Error> {
            Ok((string_field!(e, "sub")?, string_field!(e, "requestId")?, seconds_or_now(opt_number_field!(e, "now")?)?))
        };
        let (sub, request_id, now) = decode().js()?;
        let expect = delivery::ExpectApproval { sub: &sub, request_id: &request_id, now };
        self.0.open_device_approval(jwe, &expect).map(WasmRootKey).js()
    }

    /// `zk_pub_kid = b64u(SHA-256(zkPub))`.
    #[wasm_bindgen(getter, js_name = zkPubKid)]
    pub fn zk_pub_kid(&self) -> JsResult<String> {
        self.0.zk_pub_kid().js()
    }

    /// Opens a v2 delivery after every binding and claim check (`now` defaults to the clock).
    /// Pass the token response's `zk_key_kind`/`zk_key_version` as `zkKeyKind`/`zkKeyVersion`:
    /// they are checked first ("key_kind_mismatch"/"version_mismatch", also when absent), after
    /// the refusal of a mixed-in v1 `drkHash` ("delivery_version_mixed").
    /// Throws code "delivery_version_mixed", "key_kind_mismatch", "version_mismatch", "hash_mismatch", "jwe_malformed",
    /// "jwe_header_rejected", "invalid_epk", "invalid_base64url", "jwe_decrypt_failed",
    /// "payload_invalid", "typ_mismatch", "client_id_mismatch", "aud_mismatch",
    /// "sub_mismatch", "state_mismatch", "redirect_uri_mismatch", "request_id_mismatch",
    /// "org_id_mismatch", "key_id_missing", "delivery_not_yet_valid",
    /// "delivery_lifetime_too_long", "delivery_expired", "invalid_input" (also a field of the
    /// wrong type, or `e` not an object) or "missing_field". The key pair stays usable after a
    /// refusal; `free()` it once the callback is handled.
    #[wasm_bindgen(js_name = openV2)]
    pub fn open_v2(&self, jwe: &str, e: &ExpectV2Options) -> JsResult<WasmDeliveredKey> {
        let _scrub = super::ScrubOnDrop;
        let e = ExpectV2Owned::decode(e)?;
        self.0.open_v2(jwe, &e.get()).map(WasmDeliveredKey).js()
    }

    /// Opens a legacy v1 delivery (raw root key). Throws code "delivery_version_mixed" (a v2
    /// artifact in `e`), "hash_mismatch",
    /// "jwe_malformed", "jwe_header_rejected", "invalid_epk", "invalid_base64url",
    /// "jwe_decrypt_failed", "invalid_length", "sub_mismatch", "client_id_mismatch" or
    /// "invalid_input" (a field of the wrong type, or `e` not an object).
    #[wasm_bindgen(js_name = openV1)]
    pub fn open_v1(&self, jwe: &str, e: &ExpectV1Options) -> JsResult<WasmDeliveredKey> {
        let _scrub = super::ScrubOnDrop;
        let e = ExpectV1Owned::decode(e)?;
        self.0.open_v1(jwe, &e.get()).map(WasmDeliveredKey).js()
    }
}

