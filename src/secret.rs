//! Secret key newtypes: boxed 32-byte keys that zeroize on drop and never print their bytes.
//!
//! No `Clone`, no `Display`, no `Serialize`. The only way to the bytes is `expose_secret`,
//! and each call site says why with an `// EXPOSE:` comment.

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! secret_key {
    ($(#[$doc:meta])* $name:ident $({ $($(#[$field_doc:meta])* $field:ident: $ty:ty),* $(,)? })?) => {
        $(#[$doc])*
        // Only ZeroizeOnDrop: a public `zeroize()` would let a live handle act as a zero key.
        // Extra fields are public metadata, not key material: they start at their default.
        #[derive(ZeroizeOnDrop)]
        pub struct $name {
            key: Box<[u8; 32]>,
            $($($(#[$field_doc])* #[zeroize(skip)] $field: $ty,)*)?
        }

        impl $name {
            /// Takes ownership of key bytes (the caller should wipe its own copy).
            pub fn from_bytes(bytes: [u8; 32]) -> Self {
                let mut b = bytes;
                let out = Self::from_box(Box::new(b));
                b.zeroize();
                out
            }

            /// Copies key bytes from a slice that must be exactly 32 bytes long.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, crate::Error> {
                let mut key = Box::new([0u8; 32]);
                if bytes.len() != 32 {
                    return Err(crate::Error::InvalidInput(concat!(stringify!($name), " must be 32 bytes")));
                }
                key.copy_from_slice(bytes);
                Ok(Self::from_box(key))
            }

            /// The raw key bytes. Every caller documents why with `// EXPOSE:`.
            pub fn expose_secret(&self) -> &[u8; 32] {
                &self.key
            }

            fn from_box(key: Box<[u8; 32]>) -> Self {
                Self { key, $($($field: Default::default(),)*)? }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_key!(
    /// OPAQUE `export_key`: stays on the client, derives the password wrapping keys.
    ExportKey
);
secret_key!(
    /// The account root key (DRK/ARK): 32 random bytes generated on the client.
    RootKey
);
secret_key!(
    /// A Client App Key (CAK) derived from the root key for one relying party.
    AppKey {
        /// Where the key was derived for; `None` for key bytes of unknown origin.
        context: Option<AppKeyContext>,
    }
);
secret_key!(
    /// OPAQUE `session_key`. Unused by the protocol; held only to be wiped.
    SessionKey
);
secret_key!(
    /// A per-item application data key.
    DataKey
);

/// Where a Client App Key was derived for (wire profile §3.7). A sealer refuses to deliver
/// the key under claims that name another subject, key id, client or organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppKeyContext {
    pub sub: String,
    pub key_id: String,
    pub client_id: String,
    /// `None` for account-wide keys (`|org_id=|`).
    pub org_id: Option<String>,
}

impl AppKey {
    /// Key bytes with the context they were derived for.
    pub(crate) fn derived(bytes: &[u8; 32], context: AppKeyContext) -> Self {
        let mut key = Box::new([0u8; 32]);
        key.copy_from_slice(bytes);
        AppKey { key, context: Some(context) }
    }

    /// The derivation context, when this key was derived by [`crate::RootKey::derive_client_app_key`].
    pub fn context(&self) -> Option<&AppKeyContext> {
        self.context.as_ref()
    }
}

impl RootKey {
    /// A fresh root key from a CSPRNG.
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> Self {
        let mut key = Box::new([0u8; 32]);
        rng.fill_bytes(&mut key[..]);
        Self::from_box(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_lengths_checked() {
        let k = RootKey::from_bytes([7; 32]);
        assert_eq!(format!("{k:?}"), "RootKey([redacted])");
        assert_eq!(k.expose_secret(), &[7; 32]);
        assert_eq!(ExportKey::from_slice(&[1; 31]).unwrap_err().code(), "invalid_input");
        let g1 = RootKey::generate(&mut rand_core::OsRng);
        let g2 = RootKey::generate(&mut rand_core::OsRng);
        assert_ne!(g1.expose_secret(), g2.expose_secret());
    }
}
