//! zkauth: client-side crypto for zero-knowledge login.
//!
//! - [`opaque`]: OPAQUE (RFC 9807, P256-SHA256) client and server, KSF chosen by profile.
//! - [`keys`]: key custody — root key, password wrap and envelopes, app keys, recovery, passkey PRF.
//! - [`delivery`]: fragment-JWE key delivery (seal on the login page, open in the app).
//!
//! The native core is plain Rust (tested by `cargo test`); `wasm` is a thin binding layer.

pub mod delivery;
mod error;
pub(crate) mod primitives;
mod secret;

pub use error::Error;
pub use secret::{AppKey, AppKeyContext, DataKey, ExportKey, RootKey, SessionKey};
pub use zkauth_verify as verify;
pub mod opaque;
#[cfg(feature = "bench")]
pub mod bench;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod keys;
