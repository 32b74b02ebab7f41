//! Fragment-JWE key delivery (wire profile §4): seal on the login page, open in the app.
//!
//! A delivery is a compact JWE, `alg = "ECDH-ES"`, `enc = "A256GCM"`, P-256, addressed to the
//! relying party's `zk_pub`. The content key is the one-round Concat KDF of RFC 7518 §4.6.2
//! over the ECDH x-coordinate `Z`, with AlgorithmID `"A256GCM"` and empty PartyU/PartyV info.
//!
//! - v2 ([`seal_delivery_v2`], [`DeliveryKeyPair::open_v2`]): the payload is the JSON claim
//!   object of §4.4 carrying a Client App Key; bound by `zk_key_hash`, time, state and
//!   redirect URI.
//! - v1 ([`seal_delivery_v1`], [`DeliveryKeyPair::open_v1`]): the payload is the raw 32-byte
//!   root key, with `sub` and `client_id` in the protected header (§4.5).
//! - device approval ([`seal_device_approval`], [`DeliveryKeyPair::open_device_approval`]): the
//!   root key for a new device of the same user, in the §3.10 claim object.
//!
//! Opening checks, in order: hash binding (constant time) → header allow-list → `epk`
//! validity → ECDH + Concat KDF → AES-GCM (`jwe_decrypt_failed`) → payload checks. The rules
//! themselves live in `zkauth-verify`, shared with servers and the CLI.
//!
//! For browser custody, where the recipient key is a non-extractable WebCrypto key, the open is
//! split: [`delivery_epk_v2`]/[`delivery_epk_v1`] validate the JWE and return the sender's `epk` for
//! `deriveBits`, and [`open_delivery_v2_with_secret`]/[`open_delivery_v1_with_secret`] finish with
//! the 32-byte `Z`. [`DeliveryKeyPair::open_v2`]/[`DeliveryKeyPair::open_v1`] run the very same
//! code with a native ECDH step in the middle.

mod approval;
mod concat_kdf;
mod delivered;
pub(crate) mod jwe;
mod keypair;
mod open;
mod seal;
#[cfg(test)]
mod tests;

pub use approval::seal_device_approval;
pub use delivered::{DeliveredKey, DeliveredKind};
pub use keypair::DeliveryKeyPair;
pub use open::{delivery_epk_v1, delivery_epk_v2, open_delivery_v1_with_secret, open_delivery_v2_with_secret};
pub use seal::{seal_delivery_v1, seal_delivery_v2, SealV2, Sealed};

/// What the app expects of a delivery: zkauth-verify's types, so the SDK and every server
/// apply one definition.
pub use zkauth_verify::{ExpectApproval, ExpectV1, ExpectV2};
