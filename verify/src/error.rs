//! The one error type of zkauth-verify, with stable string codes.

/// Every rule violation zkauth-verify can report. Messages name fields, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{0} is not canonical base64url")]
    InvalidBase64Url(&'static str),
    #[error("{what} must be {expected} bytes, got {actual}")]
    InvalidLength { what: &'static str, expected: usize, actual: usize },
    #[error("zk_pub rejected: {0}")]
    InvalidZkPub(&'static str),
    #[error("epk rejected: {0}")]
    InvalidEpk(&'static str),
    #[error("malformed compact JWE: {0}")]
    JweMalformed(&'static str),
    #[error("JWE protected header rejected: {0}")]
    JweHeaderRejected(&'static str),
    #[error("{0} does not match")]
    HashMismatch(&'static str),
    #[error("delivery payload has the wrong shape: {0}")]
    PayloadInvalid(&'static str),
    #[error("typ is not the expected value")]
    TypMismatch,
    #[error("version is not accepted")]
    VersionMismatch,
    #[error("key_kind is not client_app_key")]
    KeyKindMismatch,
    #[error("client_id does not match")]
    ClientIdMismatch,
    #[error("aud does not contain the client id")]
    AudMismatch,
    #[error("sub does not match")]
    SubMismatch,
    #[error("state_hash does not match")]
    StateMismatch,
    #[error("redirect_uri_hash does not match")]
    RedirectUriMismatch,
    #[error("request_id does not match")]
    RequestIdMismatch,
    #[error("org_id does not match")]
    OrgIdMismatch,
    #[error("key_id is missing or empty")]
    KeyIdMissing,
    #[error("iat is too far in the future")]
    IssuedInFuture,
    #[error("exp - iat exceeds the maximum lifetime")]
    LifetimeTooLong,
    #[error("the delivery has expired")]
    Expired,
    #[error("the token response mixes v1 and v2 delivery artifacts, or names the other version")]
    DeliveryVersionMixed,
}

impl Error {
    /// Every code [`Error::code`] can return, in declaration order (docs/errors.md lists them
    /// with what triggers each; a test keeps the two equal).
    pub const CODES: &'static [&'static str] = &[
        "invalid_base64url",
        "invalid_length",
        "invalid_zk_pub",
        "invalid_epk",
        "jwe_malformed",
        "jwe_header_rejected",
        "hash_mismatch",
        "payload_invalid",
        "typ_mismatch",
        "version_mismatch",
        "key_kind_mismatch",
        "client_id_mismatch",
        "aud_mismatch",
        "sub_mismatch",
        "state_mismatch",
        "redirect_uri_mismatch",
        "request_id_mismatch",
        "org_id_mismatch",
        "key_id_missing",
        "delivery_not_yet_valid",
        "delivery_lifetime_too_long",
        "delivery_expired",
        "delivery_version_mixed",
    ];

    /// Stable machine-readable code. These strings are public API: never change one.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidBase64Url(_) => "invalid_base64url",
            Error::InvalidLength { .. } => "invalid_length",
            Error::InvalidZkPub(_) => "invalid_zk_pub",
            Error::InvalidEpk(_) => "invalid_epk",
            Error::JweMalformed(_) => "jwe_malformed",
            Error::JweHeaderRejected(_) => "jwe_header_rejected",
            Error::HashMismatch(_) => "hash_mismatch",
            Error::PayloadInvalid(_) => "payload_invalid",
            Error::TypMismatch => "typ_mismatch",
            Error::VersionMismatch => "version_mismatch",
            Error::KeyKindMismatch => "key_kind_mismatch",
            Error::ClientIdMismatch => "client_id_mismatch",
            Error::AudMismatch => "aud_mismatch",
            Error::SubMismatch => "sub_mismatch",
            Error::StateMismatch => "state_mismatch",
            Error::RedirectUriMismatch => "redirect_uri_mismatch",
            Error::RequestIdMismatch => "request_id_mismatch",
            Error::OrgIdMismatch => "org_id_mismatch",
            Error::KeyIdMissing => "key_id_missing",
            Error::IssuedInFuture => "delivery_not_yet_valid",
            Error::LifetimeTooLong => "delivery_lifetime_too_long",
            Error::Expired => "delivery_expired",
            Error::DeliveryVersionMixed => "delivery_version_mixed",
        }
    }
}
