//! Sharing between users of one app (issue 24; DarkAuth has no counterpart a v2 app can use:
//! its §3.11 key pair is wrapped under the root key, which a v2 app never holds).
//!
//! - **The app sharing key pair** ([`SharingKeyPair`]): one ECDH P-256 key pair per user and
//!   app. The public JWK is published through the app's server; the private scalar is wrapped
//!   under a key derived from the Client App Key, so only the user's own sessions of that app
//!   can open it:
//!
//!   ```text
//!   swk = HKDF-SHA-256(ikm = CAK, salt = UTF8("zkauth|v1|app-sharing-key"), info = UTF8("sharing-private-key-wrap"), 32)
//!   wrapped_private_key = b64u(iv(12) ‖ AES-256-GCM(swk, iv, d(32 bytes), AAD = UTF8("zkauth-app-sharing-private-key")) ‖ tag(16))
//!   ```
//!
//!   (format B of §3.4; salt and info are raw strings, as in §3.11.) Opening recomputes the
//!   public key from `d` and requires it to equal the published one (`sharing_key_mismatch`).
//! - **A share** ([`seal_to_recipient`], [`SharingKeyPair::open_shared`]): one item's data key
//!   for another user, as in §3.12's shared notes: a compact JWE, `alg "ECDH-ES"`,
//!   `enc "A256GCM"`, header exactly `{alg, enc, epk}` (the v2 delivery rules of §4.3), payload
//!   the raw 32-byte data key.

mod key_pair;
mod share;
#[cfg(test)]
mod tests;

pub use key_pair::{NewSharingKey, SharingKeyPair, SHARING_KEY_AAD, SHARING_WRAP_INFO, SHARING_WRAP_SALT};
pub use share::seal_to_recipient;
