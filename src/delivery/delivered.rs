//! The key a delivery carried, after every check passed: a Client App Key (v2) or the root
//! key (v1), wiped on drop.

use core::fmt;

use zeroize::Zeroize;

use crate::{AppKey, Error, RootKey};

/// Which key a delivery carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveredKind {
    /// v2: a Client App Key.
    ClientAppKey,
    /// v1: the account root key (DRK/ARK).
    RootKey,
}

impl DeliveredKind {
    /// `"client_app_key"` or `"root_key"`, as in the API and the token response.
    pub fn as_str(&self) -> &'static str {
        match self {
            DeliveredKind::ClientAppKey => "client_app_key",
            DeliveredKind::RootKey => "root_key",
        }
    }
}

/// A key that passed every delivery check. The bytes are wiped on drop; no `Clone`, and
/// `Debug` never prints them.
pub struct DeliveredKey {
    kind: DeliveredKind,
    key_id: Option<String>,
    sub: Option<String>,
    key: Box<[u8; 32]>,
}

impl DeliveredKey {
    pub(super) fn new(kind: DeliveredKind, key_id: Option<String>, sub: Option<String>, bytes: &[u8; 32]) -> Self {
        let mut key = Box::new([0u8; 32]);
        key.copy_from_slice(bytes);
        Self { kind, key_id, sub, key }
    }

    /// Client App Key (v2) or root key (v1).
    pub fn kind(&self) -> DeliveredKind {
        self.kind
    }

    /// v2: the account key id the CAK belongs to. v1: `None`.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The user `sub` carried by the delivery (v2 payload, v1 header).
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// The raw key bytes. Every caller documents why with `// EXPOSE:`.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.key
    }

    /// The key as an [`AppKey`]; `key_kind_mismatch` when the delivery carried a root key.
    pub fn into_app_key(self) -> Result<AppKey, Error> {
        match self.kind {
            DeliveredKind::ClientAppKey => AppKey::from_slice(&self.key[..]),
            DeliveredKind::RootKey => Err(zkauth_verify::Error::KeyKindMismatch.into()),
        }
    }

    /// The key as a [`RootKey`]; `key_kind_mismatch` when the delivery carried a client app key.
    pub fn into_root_key(self) -> Result<RootKey, Error> {
        match self.kind {
            DeliveredKind::RootKey => RootKey::from_slice(&self.key[..]),
            DeliveredKind::ClientAppKey => Err(zkauth_verify::Error::KeyKindMismatch.into()),
        }
    }
}

impl Drop for DeliveredKey {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl fmt::Debug for DeliveredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveredKey")
            .field("kind", &self.kind)
            .field("key_id", &self.key_id)
            .field("sub", &self.sub)
            .field("key", &"[redacted]")
            .finish()
    }
}
