//! The passkey relying party (issue 19, wire profile §3.9). webauthn-rs makes and checks every
//! ceremony; this module only adjusts what it sends and refuses what must never arrive:
//!
//! - registration asks for a discoverable credential (`residentKey: "required"`), ES256 or
//!   RS256 only, user verification required, attestation `none`;
//! - a button-driven, username-less sign-in is a plain `get()` (webauthn-rs' discoverable
//!   start marks it conditional mediation, which is for autofill);
//! - every ceremony asks for the PRF extension with the deployment's one salt
//!   (`extensions.prf.eval.first`), so a username-less sign-in can unlock without
//!   `allowCredentials`;
//! - a response whose `clientExtensionResults` carries `prf.results` is refused: the PRF output
//!   is the key to the user's root key and must never reach the server.

use serde_json::{json, Value};
use webauthn_rs::prelude::{
    COSEAlgorithm, DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn,
    WebauthnBuilder,
};

use crate::config::WebauthnConfig;
use crate::error::{ApiError, ApiResult};

/// How long a ceremony may take (the browser's timeout and the stored state's lifetime).
pub const CEREMONY_TTL_SECS: i64 = 300;

/// The relying party: webauthn-rs configured from `[webauthn]`, and the PRF salt.
pub struct RelyingParty {
    webauthn: Webauthn,
    /// b64u of the deployment's 32-byte PRF salt (not a secret: every ceremony sends it).
    prf_salt: String,
}

impl core::fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RelyingParty").field("origins", &self.webauthn.get_allowed_origins()).finish_non_exhaustive()
    }
}

/// What a finished registration gives: the passkey to store, and whether the authenticator
/// reported the PRF extension (`clientExtensionResults.prf.enabled === true`).
pub struct Registered {
    pub passkey: Passkey,
    pub prf_enabled: bool,
}

impl RelyingParty {
    /// From the checked config (config.rs has made sure `rp_id` covers every origin).
    pub fn new(config: &WebauthnConfig, prf_salt: String) -> Result<RelyingParty, String> {
        let urls = config.origins.iter().map(|o| Url::parse(o).map_err(|e| format!("webauthn.origins {o:?}: {e}"))).collect::<Result<Vec<_>, _>>()?;
        let first = urls.first().ok_or("webauthn.origins is empty")?;
        let mut builder = WebauthnBuilder::new(&config.rp_id, first)
            .map_err(|e| format!("webauthn: {e}"))?
            .rp_name(&config.rp_name)
            .timeout(std::time::Duration::from_secs(CEREMONY_TTL_SECS as u64));
        for url in urls.iter().skip(1) {
            builder = builder.append_allowed_origin(url);
        }
        let webauthn = builder.build().map_err(|e| format!("webauthn: {e}"))?;
        Ok(RelyingParty { webauthn, prf_salt })
    }

    pub fn prf_salt(&self) -> &str {
        &self.prf_salt
    }

    fn prf_input(&self) -> Value {
        json!({"eval": {"first": self.prf_salt}})
    }

    /// Registration options for the user with WebAuthn user handle `user_handle` (never the
    /// e-mail), excluding the credentials they have. Returns `(options JSON, state JSON)`.
    pub fn registration_options(&self, user_handle: Uuid, name: &str, display_name: &str, exclude: &[Passkey]) -> ApiResult<(Value, String)> {
        let exclude = (!exclude.is_empty()).then(|| exclude.iter().map(|p| p.cred_id().clone()).collect());
        let (ccr, state) = self.webauthn.start_passkey_registration(user_handle, name, display_name, exclude).map_err(internal)?;
        let mut options = serde_json::to_value(&ccr).map_err(|_| ApiError::Internal)?;
        let public_key = options.get_mut("publicKey").and_then(Value::as_object_mut).ok_or(ApiError::Internal)?;
        public_key.insert("pubKeyCredParams".into(), json!([{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}]));
        let selection = public_key.entry("authenticatorSelection").or_insert_with(|| json!({}));
        if let Some(selection) = selection.as_object_mut() {
            selection.insert("residentKey".into(), json!("required"));
            selection.insert("requireResidentKey".into(), json!(true));
            selection.insert("userVerification".into(), json!("required"));
        }
        let extensions = public_key.entry("extensions").or_insert_with(|| json!({}));
        if let Some(extensions) = extensions.as_object_mut() {
            extensions.insert("prf".into(), self.prf_input());
            extensions.insert("credProps".into(), json!(true));
        }
        Ok((options, serde_json::to_string(&state).map_err(|_| ApiError::Internal)?))
    }

    /// Checks the browser's `create()` result against the stored state.
    pub fn finish_registration(&self, response: &Value, state: &str) -> ApiResult<Registered> {
        refuse_prf_output(response)?;
        let prf_enabled = response.pointer("/clientExtensionResults/prf/enabled").and_then(Value::as_bool) == Some(true);
        let credential: RegisterPublicKeyCredential =
            serde_json::from_value(response.clone()).map_err(|_| ApiError::InvalidRequest("response is not a WebAuthn registration result"))?;
        let state: PasskeyRegistration = serde_json::from_str(state).map_err(|_| ApiError::Internal)?;
        let passkey = self.webauthn.finish_passkey_registration(&credential, &state).map_err(|e| {
            tracing::info!(target: "zkauth::passkeys", error = %e, "a passkey registration did not verify");
            ApiError::InvalidRequest("the passkey registration did not verify")
        })?;
        if !matches!(passkey.cred_algorithm(), COSEAlgorithm::ES256 | COSEAlgorithm::RS256) {
            return Err(ApiError::InvalidRequest("the passkey's algorithm is not ES256 or RS256"));
        }
        Ok(Registered { passkey, prf_enabled })
    }

    /// Options for a username-less sign-in. Returns `(options JSON, state JSON)`.
    pub fn login_options(&self) -> ApiResult<(Value, String)> {
        let (rcr, state) = self.webauthn.start_discoverable_authentication().map_err(internal)?;
        let mut options = serde_json::to_value(&rcr).map_err(|_| ApiError::Internal)?;
        let root = options.as_object_mut().ok_or(ApiError::Internal)?;
        // A button press, not autofill: no conditional mediation.
        root.remove("mediation");
        let public_key = root.get_mut("publicKey").and_then(Value::as_object_mut).ok_or(ApiError::Internal)?;
        let extensions = public_key.entry("extensions").or_insert_with(|| json!({}));
        if let Some(extensions) = extensions.as_object_mut() {
            extensions.insert("prf".into(), self.prf_input());
        }
        Ok((options, serde_json::to_string(&state).map_err(|_| ApiError::Internal)?))
    }

    /// The credential a sign-in response names: `(user handle, credential id b64u, parsed)`.
    /// Every failure is `authentication_failed`.
    pub fn identify(&self, response: &Value) -> ApiResult<(Uuid, String, PublicKeyCredential)> {
        refuse_prf_output(response)?;
        let credential: PublicKeyCredential = serde_json::from_value(response.clone()).map_err(|_| ApiError::AuthenticationFailed)?;
        let (handle, id) = self.webauthn.identify_discoverable_authentication(&credential).map_err(|_| ApiError::AuthenticationFailed)?;
        let id = zkauth_verify::b64u::encode(id);
        Ok((handle, id, credential))
    }

    /// Checks a sign-in against its state and the stored passkey; on success returns the
    /// passkey with its counter and backup flags brought up to date.
    pub fn finish_login(&self, credential: &PublicKeyCredential, state: &str, passkey: &Passkey) -> ApiResult<Passkey> {
        let state: DiscoverableAuthentication = serde_json::from_str(state).map_err(|_| ApiError::Internal)?;
        let result = self.webauthn.finish_discoverable_authentication_v2(credential, state, passkey).map_err(|e| {
            tracing::info!(target: "zkauth::passkeys", error = %e, "a passkey sign-in did not verify");
            ApiError::AuthenticationFailed
        })?;
        let mut updated = passkey.clone();
        updated.update_credential(&result);
        Ok(updated)
    }
}

/// `clientExtensionResults.prf.results` must never be sent (wire profile §3.9).
fn refuse_prf_output(response: &Value) -> ApiResult<()> {
    let carries = ["/clientExtensionResults/prf/results", "/extensions/prf/results"].iter().any(|p| response.pointer(p).is_some());
    if carries {
        return Err(ApiError::InvalidRequest("the PRF output must never be sent to the server: drop clientExtensionResults.prf.results"));
    }
    Ok(())
}

fn internal(e: webauthn_rs::prelude::WebauthnError) -> ApiError {
    tracing::error!(target: "zkauth::passkeys", error = %e, "webauthn-rs refused to start a ceremony");
    ApiError::Internal
}
