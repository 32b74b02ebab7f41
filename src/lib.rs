//! zkauth: client-side crypto for zero-knowledge login.
//!
//! - [`opaque`]: OPAQUE (RFC 9807, P256-SHA256) client, KSF chosen by profile; the server half
//!   behind the `server` feature.
//! - [`keys`]: key custody — root key, password wrap and envelopes, app keys, recovery, passkey PRF.
//! - [`delivery`]: fragment-JWE key delivery (seal on the login page, open in the app).
//! - [`sharing`]: a user's sharing key pair for one app, and data keys shared between users.
//!
//! The native core is plain Rust (tested by `cargo test`); `wasm` is a thin binding layer.

// Encodings and wire rules (canonical base64url, JWK/JWE parsing, claims): zkauth-verify.
pub use zkauth_verify as verify;
// The one error type, with stable string codes.
mod error;
pub use error::Error;
// The one rule for identifiers (non-empty; no `|` where they are joined into a derivation).
pub(crate) mod identifiers;
// Secret key newtypes: boxed 32-byte keys, wiped on drop, never printed.
mod secret;
pub use secret::{AppKey, AppKeyContext, DataKey, ExportKey, RootKey, SessionKey};
// HKDF, AES-256-GCM and SHA-256, crate-private: callers use whole operations.
pub(crate) mod primitives;
// OPAQUE: suite, KSF profiles, client (server and conformance runner behind features).
#[cfg(feature = "login")]
pub mod opaque;
// Key custody: wrapping the root key, app and data keys, recovery and passkey-PRF envelopes.
pub mod keys;
// Fragment-JWE delivery: seal on the login page, open in the app.
pub mod delivery;
// Sharing between users of one app: the CAK-wrapped sharing key pair and share JWEs.
pub mod sharing;
// Wycheproof test vectors through the crate's own layers (tests only).
#[cfg(test)]
mod wycheproof;
// The wasm-bindgen layer: converts JS values and calls the modules above.
#[cfg(target_arch = "wasm32")]
pub mod wasm;
// Benchmark hooks for bench/ (feature `bench`, never in the package).
#[cfg(feature = "bench")]
pub mod bench;
