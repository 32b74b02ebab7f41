//! The keybag fields an envelope is bound to (§3.5), and the canonical AAD built from them.

use zkauth_verify::{envelope_aad, EnvelopeAad, EnvelopeType};

use crate::Error;

/// The keybag fields an envelope is bound to through the canonical AAD (§3.5).
///
/// The client chooses `envelope_id` itself (e.g. `env_<uuid-v4>`) so it can compute the AAD
/// before encrypting; `key_id` is the account key; `sub` is the session's user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeMeta<'a> {
    pub envelope_id: &'a str,
    pub key_id: &'a str,
    pub sub: &'a str,
}

impl EnvelopeMeta<'_> {
    /// The canonical AAD JSON for this envelope type and `wrapping_alg`.
    pub(super) fn aad(&self, envelope_type: EnvelopeType, wrapping_alg: &str) -> String {
        envelope_aad(&EnvelopeAad { envelope_id: self.envelope_id, key_id: self.key_id, sub: self.sub, envelope_type, wrapping_alg })
    }

    /// Writers refuse empty bindings: the server would reject or misfile such an envelope.
    pub(super) fn check_for_seal(&self) -> Result<(), Error> {
        if self.envelope_id.is_empty() {
            return Err(Error::InvalidInput("envelope_id is empty"));
        }
        if self.key_id.is_empty() {
            return Err(Error::InvalidInput("key_id is empty"));
        }
        if self.sub.is_empty() {
            return Err(Error::InvalidInput("sub is empty"));
        }
        Ok(())
    }
}
