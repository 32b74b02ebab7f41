//! JS API for fragment-JWE delivery: `sealDeliveryV2`/`sealDeliveryV1` (login page),
//! `DeliveryKeyPair` and `DeliveredKey` (app), and the split WebCrypto form used by the
//! package's `DeliverySession` (`deliveryEpkV2/V1`, `openDeliveryV2/V1WithSecret`).

use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::keys::{WasmAppKey, WasmRootKey};
use super::args::{self, opt_number_field, opt_string_field, string_field, MAX_SMALL_BYTES};
use super::{IntoJs, JsResult};
use crate::delivery::{self, DeliveredKey, ExpectV1, ExpectV2};
use crate::Error;
use zkauth_verify::{JweVersion, TokenArtifacts};

// The option bags' named types in the `.d.ts`, with what each member means.
#[wasm_bindgen(typescript_custom_section)]
const DELIVERY_EXPECT_TS: &'static str = r#"
/** What a v2 delivery must match (wire profile §4.7 and §0): the token response's artifacts
 *  and the authorization request's values. */
export interface DeliveryExpectV2 {
  /** `zk_key_hash` from the token response: b64u(SHA-256(jwe)). */
  zkKeyHash: string;
  /** `zk_key_kind` from the token response; must be "client_app_key". */
  zkKeyKind: string;
  /** `zk_key_version` from the token response; must be "v2". */
  zkKeyVersion: string;
  /** The app's client id (the claims' `client_id` and `aud`). */
  clientId: string;
  /** The exact redirect URI of the authorization request. */
  redirectUri: string;
  /** The `state` sent with the authorization request; absent means none was sent. */
  state?: string;
  /** The ID token's `sub`, when known. */
  sub?: string;
  /** When given, the claim must be present and equal. */
  requestId?: string;
  /** When given, the claim must be present and equal. */
  orgId?: string;
  /** Unix seconds; the clock by default. */
  now?: number;
  /** Picks the version in `DeliverySession.complete`; `openV2` ignores it. */
  version?: 'v2';
}
/** What a legacy v1 delivery must match. */
export interface DeliveryExpectV1 {
  /** `zk_drk_hash` from the token response, when the server sent one. */
  drkHash?: string;
  /** The ID token's `sub`, when known: the protected header's `sub` must equal it. */
  sub?: string;
  /** The app's client id: the protected header's `client_id` must equal it. */
  clientId?: string;
  /** Picks the version in `DeliverySession.complete` (required there); `openV1` ignores it. */
  version?: 'v1';
}
"#;

// Option bags: extern types only for their `.d.ts` type; read through `super::args` (never
// imported getters), so a bad bag or a throwing getter cannot unwind through Rust.
#[wasm_bindgen]
extern "C" {
    /// What the app expects of a v2 delivery. `zkKeyKind`/`zkKeyVersion` are the token
    /// response's `zk_key_kind`/`zk_key_version` (wire profile §4.7 step 5: they must be
    /// "client_app_key" and "v2"; absent ones are refused). A `drkHash` here is a v1 artifact
    /// mixed into a v2 open ("delivery_version_mixed").
    #[wasm_bindgen(typescript_type = "DeliveryExpectV2")]
    pub type ExpectV2Options;

    /// What the app expects of a v1 delivery. A `zkKeyHash`, `zkKeyKind` or `zkKeyVersion` here
    /// is a v2 artifact mixed into a v1 open ("delivery_version_mixed").
    #[wasm_bindgen(typescript_type = "DeliveryExpectV1")]
    pub type ExpectV1Options;
}

// ---------------------------------------------------------------------------------------------
// Option decoding (owned strings; `get()` borrows them as the core structs)
// ---------------------------------------------------------------------------------------------

/// An optional whole number of seconds (`opt_number_field!`); the JS clock when absent.
pub(super) fn seconds_or_now(n: Option<f64>) -> Result<i64, Error> {
    let Some(n) = n else {
        return args::unix_now();
    };
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0; // Number.MAX_SAFE_INTEGER
    if n.fract() != 0.0 || !(-MAX_SAFE..=MAX_SAFE).contains(&n) {
        return Err(Error::InvalidInput("times must be whole numbers of seconds"));
    }
    // Checked above: a whole number within the safe integer range.
    Ok(n as i64)
}

/// The token-response artifacts of an expectation bag, v1 and v2 alike, so that
/// [`TokenArtifacts::check_for`] sees a mix whichever opener the bag was given to.
struct Artifacts {
    zk_key_hash: Option<String>,
    zk_key_kind: Option<String>,
    zk_key_version: Option<String>,
    drk_hash: Option<String>,
}

impl Artifacts {
    fn decode(e: &JsValue) -> Result<Self, Error> {
        Ok(Artifacts {
            zk_key_hash: opt_string_field!(e, "zkKeyHash")?,
            zk_key_kind: opt_string_field!(e, "zkKeyKind")?,
            zk_key_version: opt_string_field!(e, "zkKeyVersion")?,
            drk_hash: opt_string_field!(e, "drkHash")?,
        })
    }

    fn get(&self) -> TokenArtifacts<'_> {
        TokenArtifacts {
            zk_key_hash: self.zk_key_hash.as_deref(),
            zk_key_kind: self.zk_key_kind.as_deref(),
            zk_key_version: self.zk_key_version.as_deref(),
            zk_drk_hash: self.drk_hash.as_deref(),
        }
    }
}

pub(super) struct ExpectV2Owned {
    zk_key_hash: String,
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    sub: Option<String>,
    request_id: Option<String>,
    org_id: Option<String>,
    now: i64,
    zk_key_kind: Option<String>,
    zk_key_version: Option<String>,
}

impl ExpectV2Owned {
    pub(super) fn decode(e: &ExpectV2Options) -> JsResult<Self> {
        let decode = || -> Result<Self, Error> {
            // §4.7 step 5 first: a v1 artifact mixed in, then the token response's kind and version.
            let artifacts = Artifacts::decode(e)?;
            artifacts.get().check_for(JweVersion::V2)?;
            Ok(ExpectV2Owned {
                zk_key_hash: string_field!(e, "zkKeyHash")?,
                client_id: string_field!(e, "clientId")?,
                redirect_uri: string_field!(e, "redirectUri")?,
                state: opt_string_field!(e, "state")?,
                sub: opt_string_field!(e, "sub")?,
                request_id: opt_string_field!(e, "requestId")?,
                org_id: opt_string_field!(e, "orgId")?,
                now: seconds_or_now(opt_number_field!(e, "now")?)?,
                zk_key_kind: opt_string_field!(e, "zkKeyKind")?,
                zk_key_version: opt_string_field!(e, "zkKeyVersion")?,
            })
        };
        decode().js()
    }

    pub(super) fn get(&self) -> ExpectV2<'_> {
        ExpectV2 {
            zk_key_hash: &self.zk_key_hash,
            client_id: &self.client_id,
            redirect_uri: &self.redirect_uri,
            state: self.state.as_deref(),
            sub: self.sub.as_deref(),
            request_id: self.request_id.as_deref(),
            org_id: self.org_id.as_deref(),
            now: self.now,
            zk_key_kind: self.zk_key_kind.as_deref(),
            zk_key_version: self.zk_key_version.as_deref(),
        }
    }
}

pub(super) struct ExpectV1Owned {
    drk_hash: Option<String>,
    sub: Option<String>,
    client_id: Option<String>,
}

impl ExpectV1Owned {
    pub(super) fn decode(e: &ExpectV1Options) -> JsResult<Self> {
        let decode = || -> Result<Self, Error> {
            // §4.7 step 5: no v2 artifact may come with a v1 open.
            Artifacts::decode(e)?.get().check_for(JweVersion::V1)?;
            Ok(ExpectV1Owned {
                drk_hash: opt_string_field!(e, "drkHash")?,
                sub: opt_string_field!(e, "sub")?,
                client_id: opt_string_field!(e, "clientId")?,
            })
        };
        decode().js()
    }

    pub(super) fn get(&self) -> ExpectV1<'_> {
        ExpectV1 { drk_hash: self.drk_hash.as_deref(), sub: self.sub.as_deref(), client_id: self.client_id.as_deref() }
    }
}

/// The 32-byte ECDH `Z` from WebCrypto `deriveBits`, copied into memory wiped on drop.
/// `invalid_input` when `z` is not a `Uint8Array`, `invalid_length` when not 32 bytes.
pub(super) fn shared_secret(z: &JsValue) -> JsResult<Zeroizing<[u8; 32]>> {
    let bytes = args::bytes(z, "z must be a Uint8Array", MAX_SMALL_BYTES).js()?;
    let mut out = Zeroizing::new([0u8; 32]);
    if bytes.len() != out.len() {
        return Err(zkauth_verify::Error::InvalidLength { what: "shared secret z", expected: 32, actual: bytes.len() }).js();
    }
    out.copy_from_slice(&bytes);
    Ok(out)
}

/// A key that passed every delivery check, held in wasm.
#[wasm_bindgen(js_name = DeliveredKey)]
pub struct WasmDeliveredKey(pub(super) DeliveredKey);

#[wasm_bindgen(js_class = DeliveredKey)]
impl WasmDeliveredKey {
    /// `"client_app_key"` (v2) or `"root_key"` (v1).
    #[wasm_bindgen(getter, unchecked_return_type = "\"client_app_key\" | \"root_key\"")]
    pub fn kind(&self) -> String {
        self.0.kind().as_str().to_owned()
    }

    /// v2: the account key id of the CAK; v1: `undefined`.
    #[wasm_bindgen(getter, js_name = keyId)]
    pub fn key_id(&self) -> Option<String> {
        self.0.key_id().map(str::to_owned)
    }

    /// The user `sub` carried by the delivery.
    #[wasm_bindgen(getter)]
    pub fn sub(&self) -> Option<String> {
        self.0.sub().map(str::to_owned)
    }

    /// **Exports the key bytes to JavaScript** (32 bytes): the one deliberate exit. Prefer
    /// {@link DeliveredKey.intoAppKey} / {@link DeliveredKey.intoRootKey} to keep it a handle.
    #[wasm_bindgen(js_name = exportRawKey)]
    pub fn export_raw_key(&self) -> js_sys::Uint8Array {
        let _scrub = super::ScrubOnDrop;
        // EXPOSE: the caller asked for the raw key bytes by name.
        js_sys::Uint8Array::from(&self.0.expose_secret()[..])
    }

    /// Turns a v2 delivery into an `AppKey` handle. Consumes this handle (also on failure).
    /// Throws code "key_kind_mismatch" when the delivery carried a root key.
    #[wasm_bindgen(js_name = intoAppKey)]
    pub fn into_app_key(self) -> JsResult<WasmAppKey> {
        let _scrub = super::ScrubOnDrop;
        self.0.into_app_key().map(WasmAppKey).js()
    }

    /// Turns a v1 delivery into a `RootKey` handle. Consumes this handle (also on failure).
    /// Throws code "key_kind_mismatch" when the delivery carried a client app key.
    #[wasm_bindgen(js_name = intoRootKey)]
    pub fn into_root_key(self) -> JsResult<WasmRootKey> {
        let _scrub = super::ScrubOnDrop;
        self.0.into_root_key().map(WasmRootKey).js()
    }
}

// ---------------------------------------------------------------------------------------------
// Split open for a non-extractable WebCrypto key (used by DeliverySession)
// ---------------------------------------------------------------------------------------------

/// Split open, step 1 (v2): checks `zkKeyHash`, the header allow-list and the `epk`, and returns
/// the sender's `epk` as uncompressed SEC1 (65 bytes) for WebCrypto `importKey("raw")` +
/// `deriveBits`. Nothing returned is secret. Throws the pre-decryption codes of
/// {@link DeliveryKeyPair.openV2}.
#[wasm_bindgen(js_name = deliveryEpkV2)]
pub fn delivery_epk_v2(jwe: &str, expect: &ExpectV2Options) -> JsResult<Vec<u8>> {
    let _scrub = super::ScrubOnDrop;
    let e = ExpectV2Owned::decode(expect)?;
    delivery::delivery_epk_v2(jwe, &e.get()).map(|epk| epk.to_vec()).js()
}

/// Split open, step 1 (v1): like {@link deliveryEpkV2} for a v1 delivery (`drkHash` checked
/// when given).
#[wasm_bindgen(js_name = deliveryEpkV1)]
pub fn delivery_epk_v1(jwe: &str, expect: &ExpectV1Options) -> JsResult<Vec<u8>> {
    let _scrub = super::ScrubOnDrop;
    let e = ExpectV1Owned::decode(expect)?;
    delivery::delivery_epk_v1(jwe, &e.get()).map(|epk| epk.to_vec()).js()
}

/// Split open, step 2 (v2): `z` is the 32-byte ECDH x-coordinate from `deriveBits`. Repeats every
/// check of step 1, then decrypts and checks the claims. The copy of `z` inside wasm is wiped;
/// the caller should `fill(0)` its own. Throws the codes of {@link DeliveryKeyPair.openV2},
/// "invalid_length" when `z` is not 32 bytes, or "invalid_input" when it is not a `Uint8Array`.
#[wasm_bindgen(js_name = openDeliveryV2WithSecret)]
pub fn open_delivery_v2_with_secret(
    jwe: &str,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] z: &JsValue,
    expect: &ExpectV2Options,
) -> JsResult<WasmDeliveredKey> {
    let _scrub = super::ScrubOnDrop;
    let e = ExpectV2Owned::decode(expect)?;
    let z = shared_secret(z)?;
    delivery::open_delivery_v2_with_secret(jwe, &z, &e.get()).map(WasmDeliveredKey).js()
}

/// Split open, step 2 (v1): like {@link openDeliveryV2WithSecret} for a v1 delivery. Throws the
/// codes of {@link DeliveryKeyPair.openV1}, "invalid_length" when `z` is not 32 bytes, or
/// "invalid_input" when it is not a `Uint8Array`.
#[wasm_bindgen(js_name = openDeliveryV1WithSecret)]
pub fn open_delivery_v1_with_secret(
    jwe: &str,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] z: &JsValue,
    expect: &ExpectV1Options,
) -> JsResult<WasmDeliveredKey> {
    let _scrub = super::ScrubOnDrop;
    let e = ExpectV1Owned::decode(expect)?;
    let z = shared_secret(z)?;
    delivery::open_delivery_v1_with_secret(jwe, &z, &e.get()).map(WasmDeliveredKey).js()
}
