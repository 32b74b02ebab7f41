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
    /// A wrapped key or ciphertext shorter than IV + tag (28 bytes).
    #[error("{0} is shorter than iv + tag (28 bytes)")]
    CiphertextTruncated(&'static str),
    /// The plaintext authenticated but does not have the expected form.
    #[error("decrypted {0} has the wrong form")]
    PlaintextInvalid(&'static str),
    /// Padded standard base64 (note ciphertexts) that is malformed or not canonical.
    #[error("{0} is not canonical padded base64")]
    InvalidBase64(&'static str),
    /// Envelope metadata or JSON plaintext does not match what the caller named.
    #[error("envelope metadata does not match: {0}")]
    EnvelopeMetadataMismatch(&'static str),
    /// The JWE did not decrypt (AEAD failure).
    #[error("JWE decryption failed")]
    JweDecryptFailed,
    /// `sealDeliveryV2` was given a CAK derived for another sub, key id, client or organization.
    #[error("the app key was derived for another sub, key_id, client_id or org_id")]
    AppKeyContextMismatch,
    /// A private JWK that is malformed or whose public part does not match `d`.
    #[error("invalid private JWK: {0}")]
    InvalidPrivateJwk(&'static str),
    /// Any other malformed argument.
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// A required field was missing from an options object.
    #[error("missing field: {0}")]
    MissingField(&'static str),
    /// A recipient's sharing public key is not a P-256 public JWK.
    #[error("the recipient's key is not a P-256 public JWK")]
    InvalidRecipientKey,
    /// A sharing private key opened, but its public key is not the published one.
    #[error("the sharing key pair does not match its published public key")]
    SharingKeyMismatch,
}

impl Error {
    /// Every code of the SDK's own variants (those of [`Error::Verify`] are
    /// `zkauth_verify::Error::CODES`), in declaration order.
    pub const OWN_CODES: &'static [&'static str] = &[
        "opaque_login_failed",
        "opaque_message_invalid",
        "opaque_profile_mismatch",
        "opaque_auth_failed",
        "state_used",
        "key_released",
        "invalid_profile",
        "ksf_failed",
        "unwrap_failed",
        "ciphertext_truncated",
        "plaintext_invalid",
        "invalid_base64",
        "envelope_metadata_mismatch",
        "jwe_decrypt_failed",
        "app_key_context_mismatch",
        "invalid_private_jwk",
        "invalid_input",
        "missing_field",
        "invalid_recipient_key",
        "sharing_key_mismatch",
    ];

    /// Every code [`Error::code`] can return: zkauth-verify's, then the SDK's own. The error
    /// catalogue (docs/errors.md) and the package's TypeScript union list exactly these plus the
    /// JS layer's (js/codes.js).
    pub fn all_codes() -> impl Iterator<Item = &'static str> {
        zkauth_verify::Error::CODES.iter().chain(Self::OWN_CODES).copied()
    }

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
            Error::CiphertextTruncated(_) => "ciphertext_truncated",
            Error::PlaintextInvalid(_) => "plaintext_invalid",
            Error::InvalidBase64(_) => "invalid_base64",
            Error::EnvelopeMetadataMismatch(_) => "envelope_metadata_mismatch",
            Error::JweDecryptFailed => "jwe_decrypt_failed",
            Error::AppKeyContextMismatch => "app_key_context_mismatch",
            Error::InvalidPrivateJwk(_) => "invalid_private_jwk",
            Error::InvalidInput(_) => "invalid_input",
            Error::MissingField(_) => "missing_field",
            Error::InvalidRecipientKey => "invalid_recipient_key",
            Error::SharingKeyMismatch => "sharing_key_mismatch",
        }
    }
}

/// Decodes canonical b64u into the SDK error.
pub(crate) fn b64u_decode(s: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    Ok(zkauth_verify::b64u::decode(s, what)?)
}

#[cfg(test)]
mod tests {
    use super::Error;
    use zkauth_verify::Error as V;

    /// Every code is public API: this list changes only on purpose.
    #[test]
    fn codes_are_pinned_and_distinct() {
        let all = [
            (Error::Verify(V::InvalidBase64Url("x")), "invalid_base64url"),
            (Error::Verify(V::InvalidLength { what: "x", expected: 1, actual: 2 }), "invalid_length"),
            (Error::Verify(V::InvalidZkPub("x")), "invalid_zk_pub"),
            (Error::Verify(V::InvalidEpk("x")), "invalid_epk"),
            (Error::Verify(V::JweMalformed("x")), "jwe_malformed"),
            (Error::Verify(V::JweHeaderRejected("x")), "jwe_header_rejected"),
            (Error::Verify(V::HashMismatch("x")), "hash_mismatch"),
            (Error::Verify(V::PayloadInvalid("x")), "payload_invalid"),
            (Error::Verify(V::TypMismatch), "typ_mismatch"),
            (Error::Verify(V::VersionMismatch), "version_mismatch"),
            (Error::Verify(V::KeyKindMismatch), "key_kind_mismatch"),
            (Error::Verify(V::ClientIdMismatch), "client_id_mismatch"),
            (Error::Verify(V::AudMismatch), "aud_mismatch"),
            (Error::Verify(V::SubMismatch), "sub_mismatch"),
            (Error::Verify(V::StateMismatch), "state_mismatch"),
            (Error::Verify(V::RedirectUriMismatch), "redirect_uri_mismatch"),
            (Error::Verify(V::RequestIdMismatch), "request_id_mismatch"),
            (Error::Verify(V::OrgIdMismatch), "org_id_mismatch"),
            (Error::Verify(V::KeyIdMissing), "key_id_missing"),
            (Error::Verify(V::IssuedInFuture), "delivery_not_yet_valid"),
            (Error::Verify(V::LifetimeTooLong), "delivery_lifetime_too_long"),
            (Error::Verify(V::Expired), "delivery_expired"),
            (Error::Verify(V::DeliveryVersionMixed), "delivery_version_mixed"),
            (Error::OpaqueLoginFailed, "opaque_login_failed"),
            (Error::OpaqueMessageInvalid("x"), "opaque_message_invalid"),
            (Error::OpaqueProfileMismatch, "opaque_profile_mismatch"),
            (Error::OpaqueAuthFailed, "opaque_auth_failed"),
            (Error::StateUsed, "state_used"),
            (Error::KeyReleased, "key_released"),
            (Error::InvalidProfile("x"), "invalid_profile"),
            (Error::KsfFailed, "ksf_failed"),
            (Error::UnwrapFailed, "unwrap_failed"),
            (Error::CiphertextTruncated("x"), "ciphertext_truncated"),
            (Error::PlaintextInvalid("x"), "plaintext_invalid"),
            (Error::InvalidBase64("x"), "invalid_base64"),
            (Error::EnvelopeMetadataMismatch("x"), "envelope_metadata_mismatch"),
            (Error::JweDecryptFailed, "jwe_decrypt_failed"),
            (Error::AppKeyContextMismatch, "app_key_context_mismatch"),
            (Error::InvalidPrivateJwk("x"), "invalid_private_jwk"),
            (Error::InvalidInput("x"), "invalid_input"),
            (Error::MissingField("x"), "missing_field"),
            (Error::InvalidRecipientKey, "invalid_recipient_key"),
            (Error::SharingKeyMismatch, "sharing_key_mismatch"),
        ];
        // The list above is every variant, and CODES lists exactly their codes.
        let listed: Vec<&str> = all.iter().map(|(_, code)| *code).collect();
        assert_eq!(listed, Error::all_codes().collect::<Vec<_>>());
        let mut seen = std::collections::HashSet::new();
        for (e, code) in &all {
            assert_eq!(e.code(), *code);
            assert!(seen.insert(*code), "duplicate code {code}");
            assert!(code.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'), "{code} is not snake_case");
            // A message exists for every code; that none carries an input value is proven by
            // tests/error_messages.rs, which refuses marked inputs and searches the messages.
            assert!(!e.to_string().is_empty());
        }
    }
}
