//! The SDK's one error type. Every variant has a stable string code; JS receives it as `.code`.

/// Everything the SDK can refuse. Messages name fields, never secret values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A shared wire rule failed (base64url, zk_pub, JWE header, claims).
    #[error(transparent)]
    Verify(#[from] zkauth_verify::Error),
    /// Wrong password, tampered server message, or a server MAC that does not verify.
    #[error("OPAQUE login failed")]
    OpaqueLoginFailed,
    /// An OPAQUE message with the wrong length or an invalid group element.
    #[error("OPAQUE {0} is malformed")]
    OpaqueMessageInvalid(&'static str),
    /// The server's stored record was made under a different KSF profile.
    #[error("the registration record was made with a different profile")]
    OpaqueProfileMismatch,
    /// The client's KE3 did not verify on the server.
    #[error("OPAQUE client authentication failed")]
    OpaqueAuthFailed,
    /// A protocol state (registration, login, server login) was used twice.
    #[error("this protocol state was already used")]
    StateUsed,
    /// A key handle was freed and then used.
    #[error("this key handle was released")]
    KeyReleased,
    /// Profile parameters out of range.
    #[error("invalid profile: {0}")]
    InvalidProfile(&'static str),
    /// The key-stretching function failed.
    #[error("key stretching failed")]
    KsfFailed,
    /// AES-GCM authentication failed: wrong key, wrong AAD (sub, metadata) or tampered bytes.
    #[error("unwrap failed: wrong key, wrong binding or tampered data")]
    UnwrapFailed,
    /// Envelope metadata or JSON plaintext does not match what the caller named.
    #[error("envelope metadata does not match: {0}")]
    EnvelopeMetadataMismatch(&'static str),
    /// The JWE did not decrypt (AEAD failure).
    #[error("JWE decryption failed")]
    JweDecryptFailed,
    /// A private JWK that is malformed or whose public part does not match `d`.
    #[error("invalid private JWK: {0}")]
    InvalidPrivateJwk(&'static str),
    /// Any other malformed argument.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// A required field was missing from an options object.
    #[error("missing field: {0}")]
    MissingField(&'static str),
}

impl Error {
    /// Stable machine-readable code. These strings are public API: never change one.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Verify(e) => e.code(),
            Error::OpaqueLoginFailed => "opaque_login_failed",
            Error::OpaqueMessageInvalid(_) => "opaque_message_invalid",
            Error::OpaqueProfileMismatch => "opaque_profile_mismatch",
            Error::OpaqueAuthFailed => "opaque_auth_failed",
            Error::StateUsed => "state_used",
            Error::KeyReleased => "key_released",
            Error::InvalidProfile(_) => "invalid_profile",
            Error::KsfFailed => "ksf_failed",
            Error::UnwrapFailed => "unwrap_failed",
            Error::EnvelopeMetadataMismatch(_) => "envelope_metadata_mismatch",
            Error::JweDecryptFailed => "jwe_decrypt_failed",
            Error::InvalidPrivateJwk(_) => "invalid_private_jwk",
            Error::InvalidInput(_) => "invalid_input",
            Error::MissingField(_) => "missing_field",
        }
    }
}

/// Decodes canonical b64u into the SDK error.
pub(crate) fn b64u_decode(s: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    Ok(zkauth_verify::b64u::decode(s, what)?)
}
