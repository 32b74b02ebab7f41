//! Key custody (wire profile §3): wrapping and unwrapping the account root key (DRK/ARK)
//! under the password, recovery, passkey-PRF and trusted-device keys, deriving Client App Keys
//! and per-item data keys, and wrapping the user's private encryption JWK.
//!
//! Every function here is a whole operation that binds its own context (sub, envelope
//! metadata, AAD); the raw primitives stay in `primitives`. The canonical envelope AAD and
//! base64url come from `zkauth-verify`. Randomness (IVs, new secrets) is drawn from a
//! caller-supplied `CryptoRng + RngCore`, so tests can replay fixed values.
//!
//! Byte layouts (§3.4): format A = `iv(12) ‖ tag(16) ‖ ct` for key wrapping (legacy
//! `wrapped_drk` and every keybag envelope); format B = `iv(12) ‖ ct ‖ tag(16)` for the
//! private JWK and note ciphertexts.
//!
//! ```
//! use zkauth::keys::EnvelopeMeta;
//! use zkauth::{ExportKey, RootKey};
//! let mut rng = rand_core::OsRng;
//! let export_key = ExportKey::from_bytes([7; 32]);
//! let root = RootKey::generate(&mut rng);
//! let meta = EnvelopeMeta { envelope_id: "env_1", key_id: "ark_1", sub: "c3ViLTE" };
//! let wrapped = export_key.seal_password_envelope(&mut rng, &root, &meta)?;
//! let opened = export_key.open_password_envelope(&wrapped, &meta)?;
//! assert_eq!(opened.expose_secret(), root.expose_secret());
//! let cak = opened.derive_client_app_key("c3ViLTE", "ark_1", "demo-app", None)?;
//! # let _ = cak;
//! # Ok::<(), zkauth::Error>(())
//! ```

mod app_data;
mod client_app_key;
mod device;
mod envelope;
pub(crate) mod format;
mod password;
mod prf;
mod private_jwk;
mod recovery;
mod schedule;
#[cfg(test)]
mod tests;

pub use app_data::{derive_data_key, MAX_DATA_CIPHERTEXT_B64, MAX_DATA_PLAINTEXT};
pub use device::{open_trusted_device_envelope, seal_trusted_device_envelope, trusted_device_envelope_aad};
pub use envelope::EnvelopeMeta;
pub use private_jwk::EncKeyPair;
pub use password::password_envelope_aad;
/// For the fuzzer only (`cargo fuzz` builds with `--cfg fuzzing`): the password-envelope
/// plaintext reader, which a fuzzed envelope cannot reach through the AEAD.
#[cfg(fuzzing)]
pub use password::root_from_password_plaintext;
pub use prf::{open_prf_envelope, prf_envelope_aad, seal_prf_envelope};
pub use recovery::{recovery_envelope_aad, RecoveryKey};
