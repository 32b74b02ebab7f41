//! Key custody (wire profile §3): wrapping and unwrapping the account root key (DRK/ARK)
//! under the password, recovery and passkey-PRF keys, deriving Client App Keys and per-item
//! data keys, and wrapping the user's private encryption JWK.
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
//! let cak = opened.derive_client_app_key("c3ViLTE", "ark_1", "demo-app", None);
//! # let _ = cak;
//! # Ok::<(), zkauth::Error>(())
//! ```

use std::borrow::Cow;

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};
use zkauth_verify::{
    b64std, b64u, ct_eq_str, envelope_aad, EnvelopeAad, EnvelopeType, WRAPPING_ALG_PASSKEY_PRF, WRAPPING_ALG_PASSWORD_V2, WRAPPING_ALG_RECOVERY,
};

use crate::error::b64u_decode;
use crate::primitives::{aead_open, aead_seal, hkdf32, sha256};
use crate::{AppKey, AppKeyContext, DataKey, Error, ExportKey, RootKey};

const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Shortest format A or B blob: IV and tag around an empty ciphertext.
const MIN_SEALED_LEN: usize = IV_LEN + TAG_LEN;

/// `typ` of the JSON root-key plaintext (§3.3 read path).
const ARK_JSON_TYP: &str = "DarkAuth-Account-Root-Key";
/// `version` of the JSON root-key plaintext.
const ARK_JSON_VERSION: &str = "v2";

/// AAD of `wrapped_enc_private_jwk` (§3.11).
const PRIVATE_JWK_AAD: &[u8] = b"user-private-key";

// ---------------------------------------------------------------------------------------
// Envelope metadata
// ---------------------------------------------------------------------------------------

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
    fn aad(&self, envelope_type: EnvelopeType, wrapping_alg: &str) -> String {
        envelope_aad(&EnvelopeAad { envelope_id: self.envelope_id, key_id: self.key_id, sub: self.sub, envelope_type, wrapping_alg })
    }

    /// Writers refuse empty bindings: the server would reject or misfile such an envelope.
    fn check_for_seal(&self) -> Result<(), Error> {
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

// ---------------------------------------------------------------------------------------
// Key schedules (§3.2, §3.3, §3.6, §3.11)
// ---------------------------------------------------------------------------------------

/// v1 `MK = HKDF(export_key, H("DarkAuth|v1|tenant=default|user=" + sub), "mk")`.
pub(crate) fn mk_v1(export_key: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let salt = sha256(format!("DarkAuth|v1|tenant=default|user={sub}").as_bytes());
    hkdf32(export_key, &salt, b"mk")
}

/// v1 `KW = HKDF(MK, "DarkAuth|v1", "wrap-key")`: the key every password writer uses.
pub(crate) fn kw_v1(export_key: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let mk = mk_v1(export_key, sub);
    hkdf32(&mk[..], b"DarkAuth|v1", b"wrap-key")
}

/// v2 `MK2 = HKDF(export_key, H("DarkAuth|v2|password|sub=" + sub), "mk")` (read path only).
pub(crate) fn mk_v2(export_key: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let salt = sha256(format!("DarkAuth|v2|password|sub={sub}").as_bytes());
    hkdf32(export_key, &salt, b"mk")
}

/// v2 `KW2 = HKDF(MK2, "DarkAuth|v2", "account-root-wrap")` (read path only).
pub(crate) fn kw_v2(export_key: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let mk2 = mk_v2(export_key, sub);
    hkdf32(&mk2[..], b"DarkAuth|v2", b"account-root-wrap")
}

/// Recovery wrap key: `HKDF(secret, H("DarkAuth|v2|recovery|sub=" + sub), "wrap-key")`.
pub(crate) fn recovery_wrap_key(secret: &[u8; 32], sub: &str) -> Zeroizing<[u8; 32]> {
    let salt = sha256(format!("DarkAuth|v2|recovery|sub={sub}").as_bytes());
    hkdf32(secret, &salt, b"wrap-key")
}

/// Passkey-PRF wrap key:
/// `HKDF(prf_output, H("DarkAuth|v2|passkey-prf|sub=" + sub + "|credential_id=" + credential_id), "wrap-key")`.
pub(crate) fn prf_wrap_key(prf_output: &[u8], sub: &str, credential_id: &str) -> Zeroizing<[u8; 32]> {
    let salt = sha256(format!("DarkAuth|v2|passkey-prf|sub={sub}|credential_id={credential_id}").as_bytes());
    hkdf32(prf_output, &salt, b"wrap-key")
}

/// `wk = HKDF(ARK, "DarkAuth|user-keys", "private-key-wrap")` (raw salt string, §3.11).
pub(crate) fn private_key_wrap_key(root: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    hkdf32(root, b"DarkAuth|user-keys", b"private-key-wrap")
}

/// `DEK = HKDF(key, "DarkAuth|demo-notes", "note:" + item_id)` (raw salt string, §3.12).
fn data_key_bytes(key: &[u8; 32], item_id: &str) -> Zeroizing<[u8; 32]> {
    hkdf32(key, b"DarkAuth|demo-notes", format!("note:{item_id}").as_bytes())
}

// ---------------------------------------------------------------------------------------
// AES-256-GCM layouts (§3.4)
// ---------------------------------------------------------------------------------------

fn random_iv<R: CryptoRng + RngCore>(rng: &mut R) -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    rng.fill_bytes(&mut iv);
    iv
}

/// Format A: `iv ‖ tag ‖ ct`.
fn seal_format_a<R: CryptoRng + RngCore>(key: &[u8; 32], rng: &mut R, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, Error> {
    let iv = random_iv(rng);
    let (ct, tag) = aead_seal(key, &iv, plaintext, aad)?;
    let mut out = Vec::with_capacity(MIN_SEALED_LEN + ct.len());
    out.extend_from_slice(&iv);
    out.extend_from_slice(&tag);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens format A. Callers have checked the minimum length; this checks it again.
fn open_format_a(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (iv, rest) = sealed
        .split_first_chunk::<IV_LEN>()
        .ok_or(Error::CiphertextTruncated("wrapped key"))?;
    let (tag, ct) = rest
        .split_first_chunk::<TAG_LEN>()
        .ok_or(Error::CiphertextTruncated("wrapped key"))?;
    aead_open(key, iv, ct, tag, aad)
}

/// Format B: `iv ‖ ct ‖ tag`.
fn seal_format_b<R: CryptoRng + RngCore>(key: &[u8; 32], rng: &mut R, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, Error> {
    let iv = random_iv(rng);
    let (ct, tag) = aead_seal(key, &iv, plaintext, aad)?;
    let mut out = Vec::with_capacity(MIN_SEALED_LEN + ct.len());
    out.extend_from_slice(&iv);
    out.extend_from_slice(&ct);
    out.extend_from_slice(&tag);
    Ok(out)
}

fn open_format_b(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let (iv, rest) = sealed
        .split_first_chunk::<IV_LEN>()
        .ok_or(Error::CiphertextTruncated("ciphertext"))?;
    let (ct, tag) = rest
        .split_last_chunk::<TAG_LEN>()
        .ok_or(Error::CiphertextTruncated("ciphertext"))?;
    aead_open(key, iv, ct, tag, aad)
}

/// Decodes canonical b64u and checks the iv + tag minimum.
fn decode_sealed(s: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    let bytes = b64u_decode(s, what)?;
    if bytes.len() < MIN_SEALED_LEN {
        return Err(Error::CiphertextTruncated("sealed value"));
    }
    Ok(bytes)
}

/// Format A of the raw 32-byte root key, as b64u.
fn seal_root<R: CryptoRng + RngCore>(key: &[u8; 32], rng: &mut R, root: &RootKey, aad: &[u8]) -> Result<String, Error> {
    // EXPOSE: the root key is the plaintext being wrapped.
    let sealed = seal_format_a(key, rng, root.expose_secret(), aad)?;
    Ok(b64u::encode(&sealed))
}

/// A plaintext that must be exactly the raw 32-byte root key.
fn root_from_raw(plaintext: &[u8]) -> Result<RootKey, Error> {
    if plaintext.len() != 32 {
        return Err(zkauth_verify::Error::InvalidLength { what: "root key", expected: 32, actual: plaintext.len() }.into());
    }
    RootKey::from_slice(plaintext)
}

/// The JSON root-key plaintext (§3.3). Borrowed from the decrypted buffer, which is wiped.
#[derive(Deserialize)]
struct ArkJson<'a> {
    #[serde(borrow)]
    typ: Cow<'a, str>,
    #[serde(borrow)]
    version: Cow<'a, str>,
    #[serde(borrow)]
    sub: Cow<'a, str>,
    #[serde(borrow)]
    key_id: Cow<'a, str>,
    /// b64u never needs JSON escapes, so this always borrows (no unwiped copy).
    ark: &'a str,
}

/// A password-envelope plaintext: the raw 32-byte key, or the JSON form bound to `meta`.
fn root_from_password_plaintext(plaintext: &[u8], meta: &EnvelopeMeta<'_>) -> Result<RootKey, Error> {
    if plaintext.len() == 32 {
        return root_from_raw(plaintext);
    }
    let parsed: ArkJson<'_> = serde_json::from_slice(plaintext)
        .map_err(|_| Error::PlaintextInvalid("envelope plaintext (neither a 32-byte key nor root-key JSON)"))?;
    if parsed.typ != ARK_JSON_TYP {
        return Err(Error::EnvelopeMetadataMismatch("typ"));
    }
    if parsed.version != ARK_JSON_VERSION {
        return Err(Error::EnvelopeMetadataMismatch("version"));
    }
    if !ct_eq_str(&parsed.sub, meta.sub) {
        return Err(Error::EnvelopeMetadataMismatch("sub"));
    }
    if !ct_eq_str(&parsed.key_id, meta.key_id) {
        return Err(Error::EnvelopeMetadataMismatch("key_id"));
    }
    let ark = Zeroizing::new(b64u_decode(parsed.ark, "ark")?);
    if ark.len() != 32 {
        return Err(zkauth_verify::Error::InvalidLength { what: "ark", expected: 32, actual: ark.len() }.into());
    }
    RootKey::from_slice(&ark)
}

// ---------------------------------------------------------------------------------------
// Password custody (§3.2, §3.3, §3.5)
// ---------------------------------------------------------------------------------------

impl ExportKey {
    /// Legacy `wrapped_drk`: `b64u(formatA(KW, root, AAD = UTF8(sub)))` (§3.5).
    ///
    /// Infallible: AES-GCM only fails on plaintexts above 64 GiB, and this one is 32 bytes.
    pub fn wrap_root_key<R: CryptoRng + RngCore>(&self, rng: &mut R, root: &RootKey, sub: &str) -> String {
        // EXPOSE: export_key is the IKM of the password key schedule.
        let kw = kw_v1(self.expose_secret(), sub);
        // The only error of `seal_root` (plaintext too long) cannot occur for 32 bytes.
        seal_root(&kw, rng, root, sub.as_bytes()).unwrap_or_default()
    }

    /// Opens a legacy `wrapped_drk`. A wrong `sub`, wrong export key or tampered bytes give
    /// `unwrap_failed`; bad encodings `invalid_base64url`; fewer than 28 bytes `invalid_input`.
    pub fn unwrap_root_key(&self, wrapped: &str, sub: &str) -> Result<RootKey, Error> {
        let sealed = decode_sealed(wrapped, "wrapped_drk")?;
        // EXPOSE: export_key is the IKM of the password key schedule.
        let kw = kw_v1(self.expose_secret(), sub);
        let plaintext = open_format_a(&kw, &sealed, sub.as_bytes())?;
        root_from_raw(&plaintext)
    }

    /// Writes a v2 password envelope: key `KW`, raw 32-byte plaintext, canonical AAD with
    /// `type: "password"` and `wrapping_alg: "OPAQUE-HKDF-SHA256+A256GCM/v2"`. Returns the
    /// `wrapped_key` (b64u); the `aad` field to send is [`password_envelope_aad_b64u`].
    pub fn seal_password_envelope<R: CryptoRng + RngCore>(
        &self,
        rng: &mut R,
        root: &RootKey,
        meta: &EnvelopeMeta<'_>,
    ) -> Result<String, Error> {
        meta.check_for_seal()?;
        let aad = meta.aad(EnvelopeType::Password, WRAPPING_ALG_PASSWORD_V2);
        // EXPOSE: export_key is the IKM of the password key schedule.
        let kw = kw_v1(self.expose_secret(), meta.sub);
        seal_root(&kw, rng, root, aad.as_bytes())
    }

    /// Opens a v2 password envelope: tries `KW2`, then `KW` (§3.3). The plaintext may be the
    /// raw key or the JSON form, whose `sub` and `key_id` must equal `meta`'s
    /// (`envelope_metadata_mismatch` otherwise).
    pub fn open_password_envelope(&self, wrapped: &str, meta: &EnvelopeMeta<'_>) -> Result<RootKey, Error> {
        let sealed = decode_sealed(wrapped, "wrapped_key")?;
        let aad = meta.aad(EnvelopeType::Password, WRAPPING_ALG_PASSWORD_V2);
        // EXPOSE: export_key is the IKM of the password key schedule.
        let export_key = self.expose_secret();
        let kw2 = kw_v2(export_key, meta.sub);
        let plaintext = match open_format_a(&kw2, &sealed, aad.as_bytes()) {
            Ok(pt) => pt,
            Err(Error::UnwrapFailed) => {
                let kw = kw_v1(export_key, meta.sub);
                open_format_a(&kw, &sealed, aad.as_bytes())?
            }
            Err(e) => return Err(e),
        };
        root_from_password_plaintext(&plaintext, meta)
    }

    /// Opens a migrated v1 password envelope (`wrapping_alg` `OPAQUE-HKDF-SHA256+A256GCM/v1`,
    /// `envelope_id` `legacy-drk-password:<sub>`): key `KW`, AAD = `UTF8(sub)`, so the same
    /// bytes as a legacy `wrapped_drk`.
    pub fn open_migrated_password_envelope(&self, wrapped: &str, sub: &str) -> Result<RootKey, Error> {
        self.unwrap_root_key(wrapped, sub)
    }
}

/// `b64u` of the canonical password-envelope AAD: the `aad` field of `POST /crypto/keybag/envelopes`.
pub fn password_envelope_aad_b64u(meta: &EnvelopeMeta<'_>) -> String {
    b64u::encode(meta.aad(EnvelopeType::Password, WRAPPING_ALG_PASSWORD_V2).as_bytes())
}

// ---------------------------------------------------------------------------------------
// Client App Key (§3.7) and private JWK (§3.11)
// ---------------------------------------------------------------------------------------

impl RootKey {
    /// The Client App Key for one relying party:
    /// `HKDF(ARK, H("DarkAuth|v2|client-key|sub=" + sub + "|key_id=" + key_id),
    /// "client_id=" + client_id + "|org_id=" + (org_id or "") + "|aud=" + client_id)`.
    /// `None` and `Some("")` both give the account-wide key (`|org_id=|`).
    pub fn derive_client_app_key(&self, sub: &str, key_id: &str, client_id: &str, org_id: Option<&str>) -> AppKey {
        let salt = sha256(format!("DarkAuth|v2|client-key|sub={sub}|key_id={key_id}").as_bytes());
        let org = org_id.unwrap_or("");
        let info = format!("client_id={client_id}|org_id={org}|aud={client_id}");
        // EXPOSE: the root key is the IKM of the CAK derivation.
        let cak = hkdf32(self.expose_secret(), &salt, info.as_bytes());
        let org_id = org_id.filter(|o| !o.is_empty()).map(str::to_string);
        let context = AppKeyContext { sub: sub.to_string(), key_id: key_id.to_string(), client_id: client_id.to_string(), org_id };
        AppKey::derived(&cak, context)
    }

    /// `wrapped_enc_private_jwk = b64u(formatB(wk, jwk_json, AAD = "user-private-key"))`.
    /// The root key is only read, never wiped here (§0 "zeroed key after password reset").
    pub fn wrap_private_jwk<R: CryptoRng + RngCore>(&self, rng: &mut R, jwk_json: &str) -> Result<String, Error> {
        if jwk_json.is_empty() {
            return Err(Error::InvalidInput("private JWK is empty"));
        }
        // EXPOSE: the root key is the IKM of the private-key wrap key.
        let wk = private_key_wrap_key(self.expose_secret());
        let sealed = seal_format_b(&wk, rng, jwk_json.as_bytes(), PRIVATE_JWK_AAD)?;
        Ok(b64u::encode(&sealed))
    }

    /// Opens `wrapped_enc_private_jwk`; the JWK JSON is wiped when dropped.
    pub fn unwrap_private_jwk(&self, wrapped: &str) -> Result<Zeroizing<String>, Error> {
        let sealed = decode_sealed(wrapped, "wrapped_enc_private_jwk")?;
        // EXPOSE: the root key is the IKM of the private-key wrap key.
        let wk = private_key_wrap_key(self.expose_secret());
        let mut plaintext = open_format_b(&wk, &sealed, PRIVATE_JWK_AAD)?;
        match String::from_utf8(core::mem::take(&mut *plaintext)) {
            Ok(s) => Ok(Zeroizing::new(s)),
            Err(e) => {
                let mut bytes = e.into_bytes();
                bytes.zeroize();
                Err(Error::PlaintextInvalid("private JWK (not UTF-8)"))
            }
        }
    }

    /// The data key of one item (§3.12), derived from the root key.
    pub fn derive_data_key(&self, item_id: &str) -> DataKey {
        // EXPOSE: the root key is the IKM of the DEK derivation.
        derive_data_key(self.expose_secret(), item_id)
    }
}

impl AppKey {
    /// The data key of one item (§3.12), derived from a Client App Key (for v2 relying
    /// parties, which hold only a CAK).
    pub fn derive_data_key(&self, item_id: &str) -> DataKey {
        // EXPOSE: the CAK is the IKM of the DEK derivation.
        derive_data_key(self.expose_secret(), item_id)
    }
}

// ---------------------------------------------------------------------------------------
// Recovery key (§3.8)
// ---------------------------------------------------------------------------------------

/// A recovery secret: 32 random bytes, shown to the user once as b64u (43 characters).
/// Only `H(secret)` (the verifier) goes to the server.
#[derive(ZeroizeOnDrop)]
pub struct RecoverySecret(Box<[u8; 32]>);

impl core::fmt::Debug for RecoverySecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RecoverySecret([redacted])")
    }
}

impl RecoverySecret {
    /// A fresh recovery secret from a CSPRNG.
    pub fn generate<R: CryptoRng + RngCore>(rng: &mut R) -> Self {
        let mut secret = Box::new([0u8; 32]);
        rng.fill_bytes(secret.as_mut_slice());
        Self(secret)
    }

    /// Parses the display string: canonical b64u of exactly 32 bytes. Surrounding ASCII
    /// whitespace (from copy and paste) is ignored.
    pub fn from_display(display: &str) -> Result<Self, Error> {
        let bytes = Zeroizing::new(b64u_decode(display.trim_ascii(), "recovery key")?);
        let mut secret = Box::new([0u8; 32]);
        if bytes.len() != 32 {
            return Err(zkauth_verify::Error::InvalidLength { what: "recovery key", expected: 32, actual: bytes.len() }.into());
        }
        secret.copy_from_slice(&bytes);
        Ok(Self(secret))
    }

    /// The one-time display string `b64u(secret)`. Show it once; it is wiped when dropped.
    pub fn expose_display(&self) -> Zeroizing<String> {
        Zeroizing::new(b64u::encode(self.0.as_slice()))
    }

    /// The verifier sent to the server: `b64u(H(secret))`.
    pub fn verifier_b64u(&self) -> String {
        let mut digest = sha256(self.0.as_slice());
        let out = b64u::encode(&digest);
        digest.zeroize();
        out
    }

    /// Writes a recovery envelope: format A under the recovery wrap key, canonical AAD with
    /// `type: "recovery"` and `wrapping_alg: "DarkAuth-Recovery-HKDF-SHA256+A256GCM/v2"`.
    pub fn seal_recovery_envelope<R: CryptoRng + RngCore>(
        &self,
        rng: &mut R,
        root: &RootKey,
        meta: &EnvelopeMeta<'_>,
    ) -> Result<String, Error> {
        meta.check_for_seal()?;
        let aad = meta.aad(EnvelopeType::Recovery, WRAPPING_ALG_RECOVERY);
        let key = recovery_wrap_key(&self.0, meta.sub);
        seal_root(&key, rng, root, aad.as_bytes())
    }

    /// Opens a recovery envelope (raw 32-byte plaintext).
    pub fn open_recovery_envelope(&self, wrapped: &str, meta: &EnvelopeMeta<'_>) -> Result<RootKey, Error> {
        let sealed = decode_sealed(wrapped, "wrapped_key")?;
        let aad = meta.aad(EnvelopeType::Recovery, WRAPPING_ALG_RECOVERY);
        let key = recovery_wrap_key(&self.0, meta.sub);
        let plaintext = open_format_a(&key, &sealed, aad.as_bytes())?;
        root_from_raw(&plaintext)
    }
}

/// `b64u` of the canonical recovery-envelope AAD (the `aad` field of `POST /crypto/recovery-keys`).
pub fn recovery_envelope_aad_b64u(meta: &EnvelopeMeta<'_>) -> String {
    b64u::encode(meta.aad(EnvelopeType::Recovery, WRAPPING_ALG_RECOVERY).as_bytes())
}

// ---------------------------------------------------------------------------------------
// Passkey PRF (§3.9)
// ---------------------------------------------------------------------------------------

fn check_prf_inputs(prf_output: &[u8], credential_id: &str) -> Result<(), Error> {
    if prf_output.is_empty() {
        return Err(Error::InvalidInput("PRF output is empty"));
    }
    if credential_id.is_empty() {
        return Err(Error::InvalidInput("credential_id is empty"));
    }
    Ok(())
}

/// Writes a passkey-PRF envelope: format A under
/// `HKDF(prf_output, H("DarkAuth|v2|passkey-prf|sub=…|credential_id=…"), "wrap-key")`,
/// canonical AAD with `type: "passkey_prf"`. `credential_id` is the b64u id string as the
/// server returns it. The PRF output never leaves the client.
pub fn seal_prf_envelope<R: CryptoRng + RngCore>(
    rng: &mut R,
    prf_output: &[u8],
    credential_id: &str,
    root: &RootKey,
    meta: &EnvelopeMeta<'_>,
) -> Result<String, Error> {
    check_prf_inputs(prf_output, credential_id)?;
    meta.check_for_seal()?;
    let aad = meta.aad(EnvelopeType::PasskeyPrf, WRAPPING_ALG_PASSKEY_PRF);
    let key = prf_wrap_key(prf_output, meta.sub, credential_id);
    seal_root(&key, rng, root, aad.as_bytes())
}

/// Opens a passkey-PRF envelope (raw 32-byte plaintext).
pub fn open_prf_envelope(prf_output: &[u8], credential_id: &str, wrapped: &str, meta: &EnvelopeMeta<'_>) -> Result<RootKey, Error> {
    check_prf_inputs(prf_output, credential_id)?;
    let sealed = decode_sealed(wrapped, "wrapped_key")?;
    let aad = meta.aad(EnvelopeType::PasskeyPrf, WRAPPING_ALG_PASSKEY_PRF);
    let key = prf_wrap_key(prf_output, meta.sub, credential_id);
    let plaintext = open_format_a(&key, &sealed, aad.as_bytes())?;
    root_from_raw(&plaintext)
}

/// `b64u` of the canonical passkey-PRF envelope AAD.
pub fn prf_envelope_aad_b64u(meta: &EnvelopeMeta<'_>) -> String {
    b64u::encode(meta.aad(EnvelopeType::PasskeyPrf, WRAPPING_ALG_PASSKEY_PRF).as_bytes())
}

// ---------------------------------------------------------------------------------------
// App data keys (§3.12)
// ---------------------------------------------------------------------------------------

/// `DEK = HKDF(key, "DarkAuth|demo-notes", "note:" + item_id)`, where `key` is the root key
/// (owner DEK, as DarkAuth's demo app does) or a CAK.
pub fn derive_data_key(key: &[u8; 32], item_id: &str) -> DataKey {
    let dek = data_key_bytes(key, item_id);
    DataKey::from_bytes(*dek)
}

#[derive(Serialize)]
struct NoteAad<'a> {
    note_id: &'a str,
}

/// `JSON.stringify({note_id})`: serde_json escapes exactly as JSON.stringify does.
fn note_aad(item_id: &str) -> String {
    // Serializing a struct of one string cannot fail; the fallback is unreachable.
    serde_json::to_string(&NoteAad { note_id: item_id }).unwrap_or_default()
}

impl DataKey {
    /// Encrypts one item: format B with AAD `{"note_id":"<item_id>"}`, as padded standard base64.
    /// Fails only for plaintexts above AES-GCM's 64 GiB limit.
    pub fn encrypt<R: CryptoRng + RngCore>(&self, rng: &mut R, item_id: &str, plaintext: &[u8]) -> Result<String, Error> {
        let aad = note_aad(item_id);
        // EXPOSE: the DEK encrypts the item.
        let sealed = seal_format_b(self.expose_secret(), rng, plaintext, aad.as_bytes())?;
        Ok(b64std::encode(&sealed))
    }

    /// Decrypts one item encrypted under AAD `{"note_id":"<item_id>"}`.
    pub fn decrypt(&self, item_id: &str, ciphertext_b64: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.decrypt_with_aad(&note_aad(item_id), ciphertext_b64)
    }

    /// Decrypts with an AAD given verbatim (DarkAuth's decrypt takes the caller's
    /// `JSON.stringify(aadObject)` and does not rebuild it from the note id, §3.12).
    pub fn decrypt_with_aad(&self, aad: &str, ciphertext_b64: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
        let sealed = b64std::decode(ciphertext_b64).ok_or(Error::InvalidBase64("note ciphertext"))?;
        if sealed.len() < MIN_SEALED_LEN {
            return Err(Error::CiphertextTruncated("sealed value"));
        }
        // EXPOSE: the DEK decrypts the item.
        open_format_b(self.expose_secret(), &sealed, aad.as_bytes())
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    //! Known answers come from tests/vectors/custody_kat.py (Python `cryptography`), not
    //! from this code. Re-run it to regenerate: the names below match its output lines.

    use super::*;

    /// Returns `pattern` over and over: every fresh `PatternRng` gives the same bytes.
    struct PatternRng {
        pattern: Vec<u8>,
        pos: usize,
    }

    impl PatternRng {
        fn new(pattern: &[u8]) -> Self {
            Self { pattern: pattern.to_vec(), pos: 0 }
        }
    }

    impl RngCore for PatternRng {
        fn next_u32(&mut self) -> u32 {
            let mut b = [0u8; 4];
            self.fill_bytes(&mut b);
            u32::from_le_bytes(b)
        }
        fn next_u64(&mut self) -> u64 {
            let mut b = [0u8; 8];
            self.fill_bytes(&mut b);
            u64::from_le_bytes(b)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for d in dest.iter_mut() {
                *d = self.pattern[self.pos % self.pattern.len()];
                self.pos += 1;
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl CryptoRng for PatternRng {}

    fn seq(start: u8, len: u8) -> Vec<u8> {
        (start..start + len).collect()
    }
    fn arr(start: u8) -> [u8; 32] {
        let mut a = [0u8; 32];
        a.copy_from_slice(&seq(start, 32));
        a
    }
    fn iv_rng() -> PatternRng {
        PatternRng::new(&seq(0xa0, 12))
    }

    // Fixed inputs, mirrored from custody_kat.py.
    fn export_key() -> ExportKey {
        ExportKey::from_bytes(arr(0x00))
    }
    fn root() -> RootKey {
        RootKey::from_bytes(arr(0x20))
    }
    const SUB: &str = "emthdXRoLXRlc3Qtc3ViIQ";
    const KEY_ID: &str = "ark_a2V5LWlkLWZvci16a2F1dGgtdGVzdHMh";
    const ENVELOPE_ID: &str = "env_0b6c6a8e-3f7d-4c1e-9a52-1d2e3f405162";
    const CLIENT_ID: &str = "demo-app";
    const ORG_ID: &str = "8c1f6f0e-2b1a-4d8e-9a0b-1c2d3e4f5a6b";
    const CREDENTIAL_ID: &str = "Y3JlZGVudGlhbC1pZC0wMDE";
    const PRIVATE_JWK: &str = r#"{"crv":"P-256","d":"ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ","ext":true,"key_ops":["deriveKey","deriveBits"],"kty":"EC","x":"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg","y":"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXk"}"#;
    const NOTE_ID: &str = "note-1";
    const NOTE_ID_ODD: &str = "n\"\\\n\u{1}é";
    const NOTE_PT: &[u8] = b"hello, notes";
    fn meta() -> EnvelopeMeta<'static> {
        EnvelopeMeta { envelope_id: ENVELOPE_ID, key_id: KEY_ID, sub: SUB }
    }

    // Known answers (custody_kat.py output).
    const KAT_MK: &str = "160149f8a4f72b4ba6ca2867fda9cd616fe7439c08390844006db6d8fd6f65dc";
    const KAT_KW: &str = "724bc443c06cf4c82ca018ae7f7a74ae89b4ab57d8695b0885759c77f93697e0";
    const KAT_MK2: &str = "b291d8893ac44bea5998e63d0826025839edd3a78935a17ef6adfee0cb175d2e";
    const KAT_KW2: &str = "1e5f3cebb5141d343da9644dd4113d5c76613b0c59b18e9a5acf0577d1aaba3d";
    const KAT_WRAPPED_DRK: &str = "oKGio6SlpqeoqaqroFI5-qwtH9N0DOmNALPbF1KcfiZPn4U-eGa_cyHDJY8HqTmF62UeERuU5AWzlN0Y";
    const KAT_PASSWORD_AAD: &str = r#"{"envelope_id":"env_0b6c6a8e-3f7d-4c1e-9a52-1d2e3f405162","key_id":"ark_a2V5LWlkLWZvci16a2F1dGgtdGVzdHMh","sub":"emthdXRoLXRlc3Qtc3ViIQ","type":"password","wrapping_alg":"OPAQUE-HKDF-SHA256+A256GCM/v2"}"#;
    const KAT_PASSWORD_ENVELOPE: &str = "oKGio6SlpqeoqaqrG5vUnsJGr_mLpdDgO0W-aVKcfiZPn4U-eGa_cyHDJY8HqTmF62UeERuU5AWzlN0Y";
    const KAT_PASSWORD_ENVELOPE_KW2_RAW: &str = "oKGio6SlpqeoqaqrF_UeGl1poWTtp1VMWHf_5tKLjalgWALVEFnJH1xrHGYxMutauiW6t5eQCSUzJ2Nn";
    const KAT_PASSWORD_ENVELOPE_KW_JSON: &str = "oKGio6SlpqeoqaqrstSglaWp-8EKRkCs84f4vwmfKHwbmJk7FC7nM0ybf8ga2WjVsCVGUg7_sVH7hKhCddTjcZ4WgEl5N0rdlWjvkusM7ABn06HsjzwtNNX_7TwEDHNC-3wXKg1oTbJd1og1y_TeqciNdqjVH01iMmjfz9MPVbHv7yWqvAdAp5IQ4wF8b_H3KUBRpY6IKThpdcHzOGan7FIT24vu5ISWleDGhzC3znGfcNXCIRkz2OKL6y7icVc6BX0Hzy-OQgdjMuOSWeDW15o";
    const KAT_PASSWORD_ENVELOPE_KW2_JSON: &str = "oKGio6SlpqeoqaqrQi3WdKCiOa5sUfYB20eBoImI2_M0Xx7QfBGRXzEzRiEsQroK4WXi9IL7XHF7NxY9i7OyHJRfk1WYfthT1BbmRXMZILYXuBu836uyBu9hPxgRG5EGnvZc2iPz9KAiQMdUKxZIkopK7qU7QyZmItFKDi_sHif8lK03AjhkQFNARdNgoeD_XzYGy1ZWhpYS2CSK99JVD4-cTOLS9aZZ3no4GYixu6ocs7P5xft9e1dOc479ZhFECmcZVyuiL603-xfWfCeu9hs";
    const KAT_PASSWORD_ENVELOPE_JSON_BAD_SUB: &str = "oKGio6SlpqeoqaqrH_8cW6_vZLp_2aCNOFgQlomI2_M0Xx7QfBGRXzEzRiEsQroK4WXi9IL7XHF7NxY9i7OyHJRfk1WYfthT1BbmRXMZILYXuBu8372wH-JqCS9TMqUnl7dDqTz1vqkibbRMJVVRnKx0tZcsNVNrO_ZCNWvZQlqdmfQ9ZAZVRE4VNOQog5nWcHNejXByl9BgtwXrnpl9BLXSPKn42ahj-HElNvKtlL8WmJHhxIgDWkIHfbLbOhMOMwoQDlzEOQ";
    const KAT_PASSWORD_ENVELOPE_JSON_BAD_KEY_ID: &str = "oKGio6SlpqeoqaqriJeFXzzJFIBfmHPKW3pJ-AmfKHwbmJk7FC7nM0ybf8ga2WjVsCVGUg7_sVH7hKhCddTjcZ4WgEl5N0rdlWjvkusM7ABn06HsjzwtNNX_7TwEDHNC-3wXKg1oTbJd1og1y_TeqciNdqjVH01iMmjfwZUxBY-ar2yHmTYU_tloliUnYLnCAm1MoqaVADNTdOrhYQi830F8i-SX6ZWm79bTgEyR12ntc9CITyc";
    const KAT_PASSWORD_ENVELOPE_JSON_SHORT_ARK: &str = "oKGio6SlpqeoqaqrO4xW5XN-JsM0B_RuAH-9gAmfKHwbmJk7FC7nM0ybf8ga2WjVsCVGUg7_sVH7hKhCddTjcZ4WgEl5N0rdlWjvkusM7ABn06HsjzwtNNX_7TwEDHNC-3wXKg1oTbJd1og1y_TeqciNdqjVH01iMmjfz9MPVbHv7yWqvAdAp5IQ4wF8b_H3KUBRpY6IKThpdcHzOGan7FIT24vu5ISWleDGhzC3znGfcNXCIRkz2OKL6y7icVc6BX0Hzy-OQgdjMuOSWe3MiA";
    const KAT_CAK_NO_ORG: &str = "ffc05e65f518719f6b408829ec577d5a2863122585fefd9adb6f507b59083f6a";
    const KAT_CAK_ORG: &str = "43fb0a1b738fe7175f6a9575ea8daadf37ad1454c266106265631cc3bd86198f";
    const KAT_RECOVERY_DISPLAY: &str = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8";
    const KAT_RECOVERY_VERIFIER: &str = "yipP5yf6rs8W7NEwqG4IhcVUDAU3U0BEUHHAZXVV_UI";
    const KAT_RECOVERY_WRAP_KEY: &str = "ec578daa1a542543384503382ab45661657f90bc53ebc368921a86eb80a1f6d5";
    const KAT_RECOVERY_ENVELOPE: &str = "oKGio6SlpqeoqaqrgyqQ9xjR8HbIiPoPFV7gaiQ6NaP1g7iNjMvDdjVAUvKcYPg_Tz2m_FAQk6vC44kb";
    const KAT_PRF_WRAP_KEY: &str = "0b3c847cc098160b8142086de8d0680c55519bae1714d4f83a28a7f7383606d7";
    const KAT_PRF_ENVELOPE: &str = "oKGio6SlpqeoqaqrA-HPku15dapH5LZD9s68wbM32tOsVOL723htK1k3LpJaAz3NRSVBK4-jTHaftD3s";
    const KAT_PRIVATE_KEY_WRAP_KEY: &str = "2ba5256a254d149884105bcf7a6246f37d2d9ade54451741619de1c2d8c32783";
    const KAT_WRAPPED_ENC_PRIV: &str = "oKGio6SlpqeoqaqrI3wNqDKS0l9W1MFGOxL77zyvfc8qg_MdraCf_YaoddfltbWDE9EYlM2FUuHTo0D7xD0kOYQPslcM_Janr0LGf4tnRBc_f0QNusHh6IbrLBjwQcxu5tdQdzAR1qStSbt0lLIIlI5Nvzhxrt4heM_pGpLxf2WKleAQ3K2XRifowBwJ29lsz5rc-VNeHQM5GMjB-5M2-RdJncrIeRMBULToN7MTBWJg3AfmTRCoGW04H_NJ4PEBQAXBMMca7bbydo3g5vS4UPklA0_rKHAIdDscf2jYhdfOEBgP2FXUbA_2QSnPugfZfDGUMRVOC9rPGkKp";
    const KAT_NOTE_DEK: &str = "e271d8fa94063a3fdad054a8516b53e997495f8413510507c510add539847de6";
    const KAT_NOTE_AAD: &str = r#"{"note_id":"note-1"}"#;
    const KAT_NOTE_CIPHERTEXT: &str = "oKGio6Slpqeoqaqr9UvEUqIbUqFt5vv3i+DVjUkm3LxNUvr7pt/0Ag==";
    const KAT_NOTE_ODD_AAD: &str = r#"{"note_id":"n\"\\\n\u0001é"}"#;
    const KAT_NOTE_ODD_CIPHERTEXT: &str = "oKGio6SlpqeoqaqrJWGk+TKbyb9nNxpmb3xysHZZC2sckO2O4oB8TA==";
    const KAT_NOTE_DEK_FROM_CAK: &str = "1c63396bef08bdb75203828b59b7c103e2030cd817f1d30959173e5a4f13d338";

    fn code<T>(r: Result<T, Error>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    /// Flips one bit of byte `i` of a b64u value and re-encodes it canonically.
    fn flip(s: &str, i: usize) -> String {
        let mut b = b64u::decode(s, "t").unwrap();
        b[i] ^= 0x01;
        b64u::encode(&b)
    }

    // ---- key schedules ----

    #[test]
    fn kat_password_key_schedules() {
        let ek = arr(0x00);
        assert_eq!(hex::encode(*mk_v1(&ek, SUB)), KAT_MK);
        assert_eq!(hex::encode(*kw_v1(&ek, SUB)), KAT_KW);
        assert_eq!(hex::encode(*mk_v2(&ek, SUB)), KAT_MK2);
        assert_eq!(hex::encode(*kw_v2(&ek, SUB)), KAT_KW2);
        assert_ne!(*kw_v1(&ek, "other"), *kw_v1(&ek, SUB));
    }

    #[test]
    fn kat_other_wrap_keys() {
        assert_eq!(hex::encode(*recovery_wrap_key(&arr(0x40), SUB)), KAT_RECOVERY_WRAP_KEY);
        assert_eq!(hex::encode(*prf_wrap_key(&seq(0x60, 32), SUB, CREDENTIAL_ID)), KAT_PRF_WRAP_KEY);
        assert_eq!(hex::encode(*private_key_wrap_key(&arr(0x20))), KAT_PRIVATE_KEY_WRAP_KEY);
    }

    // ---- legacy wrapped_drk ----

    #[test]
    fn kat_wrapped_drk() {
        let wrapped = export_key().wrap_root_key(&mut iv_rng(), &root(), SUB);
        assert_eq!(wrapped, KAT_WRAPPED_DRK);
        assert_eq!(b64u::decode(&wrapped, "t").unwrap().len(), 60);
        let opened = export_key().unwrap_root_key(KAT_WRAPPED_DRK, SUB).unwrap();
        assert_eq!(opened.expose_secret(), &arr(0x20));
    }

    #[test]
    fn wrapped_drk_rejects_wrong_binding() {
        assert_eq!(code(export_key().unwrap_root_key(KAT_WRAPPED_DRK, "emthdXRoLXRlc3Qtc3ViIg")), "unwrap_failed");
        assert_eq!(code(ExportKey::from_bytes([9; 32]).unwrap_root_key(KAT_WRAPPED_DRK, SUB)), "unwrap_failed");
        // A v2 password envelope is not a wrapped_drk (different AAD), and vice versa.
        assert_eq!(code(export_key().unwrap_root_key(KAT_PASSWORD_ENVELOPE, SUB)), "unwrap_failed");
        assert_eq!(code(export_key().open_password_envelope(KAT_WRAPPED_DRK, &meta())), "unwrap_failed");
    }

    #[test]
    fn migrated_v1_password_envelope() {
        // Same bytes as a wrapped_drk: key KW, AAD = UTF8(sub).
        let opened = export_key().open_migrated_password_envelope(KAT_WRAPPED_DRK, SUB).unwrap();
        assert_eq!(opened.expose_secret(), &arr(0x20));
    }

    // ---- v2 password envelope ----

    #[test]
    fn kat_password_envelope() {
        assert_eq!(meta().aad(EnvelopeType::Password, WRAPPING_ALG_PASSWORD_V2), KAT_PASSWORD_AAD);
        assert_eq!(password_envelope_aad_b64u(&meta()), b64u::encode(KAT_PASSWORD_AAD.as_bytes()));
        let wrapped = export_key().seal_password_envelope(&mut iv_rng(), &root(), &meta()).unwrap();
        assert_eq!(wrapped, KAT_PASSWORD_ENVELOPE);
        let opened = export_key().open_password_envelope(&wrapped, &meta()).unwrap();
        assert_eq!(opened.expose_secret(), &arr(0x20));
    }

    #[test]
    fn password_envelope_read_paths() {
        // KW2 + raw, KW + JSON, KW2 + JSON: all written by the Python reference.
        for w in [KAT_PASSWORD_ENVELOPE_KW2_RAW, KAT_PASSWORD_ENVELOPE_KW_JSON, KAT_PASSWORD_ENVELOPE_KW2_JSON] {
            let opened = export_key().open_password_envelope(w, &meta()).unwrap();
            assert_eq!(opened.expose_secret(), &arr(0x20));
        }
    }

    #[test]
    fn password_envelope_json_binding() {
        let r = export_key().open_password_envelope(KAT_PASSWORD_ENVELOPE_JSON_BAD_SUB, &meta());
        assert_eq!(r.unwrap_err(), Error::EnvelopeMetadataMismatch("sub"));
        let r = export_key().open_password_envelope(KAT_PASSWORD_ENVELOPE_JSON_BAD_KEY_ID, &meta());
        assert_eq!(r.unwrap_err(), Error::EnvelopeMetadataMismatch("key_id"));
        assert_eq!(code(export_key().open_password_envelope(KAT_PASSWORD_ENVELOPE_JSON_SHORT_ARK, &meta())), "invalid_length");
    }

    #[test]
    fn password_plaintext_parser() {
        let m = meta();
        let ok = format!(
            r#"{{"typ":"DarkAuth-Account-Root-Key","version":"v2","sub":"{SUB}","key_id":"{KEY_ID}","ark":"{}"}}"#,
            b64u::encode(&arr(0x20))
        );
        assert_eq!(root_from_password_plaintext(ok.as_bytes(), &m).unwrap().expose_secret(), &arr(0x20));
        let bad_typ = ok.replace("DarkAuth-Account-Root-Key", "Other");
        assert_eq!(root_from_password_plaintext(bad_typ.as_bytes(), &m).unwrap_err(), Error::EnvelopeMetadataMismatch("typ"));
        let bad_ver = ok.replace("\"v2\"", "\"v3\"");
        assert_eq!(root_from_password_plaintext(bad_ver.as_bytes(), &m).unwrap_err(), Error::EnvelopeMetadataMismatch("version"));
        let padded_ark = ok.replace("\"}", "=\"}");
        assert_eq!(code(root_from_password_plaintext(padded_ark.as_bytes(), &m)), "invalid_base64url");
        let dup = ok.replace("{\"typ\"", "{\"sub\":\"x\",\"typ\"");
        assert_eq!(code(root_from_password_plaintext(dup.as_bytes(), &m)), "plaintext_invalid");
        for junk in [&b""[..], b"not json", &[0u8; 31], &[0u8; 33], b"{}", b"[]"] {
            assert_eq!(code(root_from_password_plaintext(junk, &m)), "plaintext_invalid");
        }
    }

    #[test]
    fn password_envelope_rejects_wrong_metadata() {
        let other = [
            EnvelopeMeta { envelope_id: "env_other", ..meta() },
            EnvelopeMeta { key_id: "ark_other", ..meta() },
            EnvelopeMeta { sub: "emthdXRoLXRlc3Qtc3ViIg", ..meta() },
        ];
        for m in &other {
            assert_eq!(code(export_key().open_password_envelope(KAT_PASSWORD_ENVELOPE, m)), "unwrap_failed");
            assert_eq!(code(export_key().open_password_envelope(KAT_PASSWORD_ENVELOPE_KW2_JSON, m)), "unwrap_failed");
        }
        assert_eq!(code(ExportKey::from_bytes([9; 32]).open_password_envelope(KAT_PASSWORD_ENVELOPE, &meta())), "unwrap_failed");
    }

    #[test]
    fn seal_refuses_empty_metadata() {
        let mut rng = iv_rng();
        for m in [EnvelopeMeta { envelope_id: "", ..meta() }, EnvelopeMeta { key_id: "", ..meta() }, EnvelopeMeta { sub: "", ..meta() }] {
            assert_eq!(code(export_key().seal_password_envelope(&mut rng, &root(), &m)), "invalid_input");
            assert_eq!(code(RecoverySecret::generate(&mut rng).seal_recovery_envelope(&mut rng, &root(), &m)), "invalid_input");
            assert_eq!(code(seal_prf_envelope(&mut rng, &[1; 32], CREDENTIAL_ID, &root(), &m)), "invalid_input");
        }
    }

    // ---- bad encodings and lengths (§6 of the brief) ----

    #[test]
    fn bad_wrapped_inputs_have_typed_errors() {
        let ek = export_key();
        let m = meta();
        type Open<'a> = &'a dyn Fn(&str) -> &'static str;
        let opens: [(&str, Open<'_>); 4] = [
            ("wrapped_drk", &|w| code(ek.unwrap_root_key(w, SUB))),
            ("password", &|w| code(ek.open_password_envelope(w, &m))),
            ("recovery", &|w| code(RecoverySecret(Box::new(arr(0x40))).open_recovery_envelope(w, &m))),
            ("prf", &|w| code(open_prf_envelope(&seq(0x60, 32), CREDENTIAL_ID, w, &m))),
        ];
        let good = KAT_PASSWORD_ENVELOPE;
        for (name, open) in opens {
            // Encodings that are not canonical b64u.
            let two_short = &good[..good.len() - 2]; // ends in "lN": non-zero unused bits
            let three_short = &good[..good.len() - 3]; // length 1 mod 4
            for bad in
                ["", " ", "oKGio6Sl=", "oKGio6Sl+/", &format!("{good}="), &format!(" {good}"), &format!("{good}\n"), two_short, three_short]
            {
                assert_eq!(open(bad), "invalid_base64url", "{name}: {bad:?}");
            }
            // Canonical b64u, but shorter than iv + tag.
            for n in [1usize, 12, 27] {
                assert_eq!(open(&b64u::encode(&vec![0xa5; n])), "ciphertext_truncated", "{name}: {n} bytes");
            }
            // Exactly iv + tag (empty ciphertext) or any other length: AEAD failure.
            for n in [28usize, 59, 61] {
                assert_eq!(open(&b64u::encode(&vec![0xa5; n])), "unwrap_failed", "{name}: {n} bytes");
            }
        }
    }

    #[test]
    fn tampering_is_unwrap_failed() {
        let ek = export_key();
        // Format A: bytes 0..12 iv, 12..28 tag, 28.. ciphertext.
        for i in [0usize, 11, 12, 27, 28, 59] {
            assert_eq!(code(ek.unwrap_root_key(&flip(KAT_WRAPPED_DRK, i), SUB)), "unwrap_failed", "byte {i}");
            assert_eq!(code(ek.open_password_envelope(&flip(KAT_PASSWORD_ENVELOPE, i), &meta())), "unwrap_failed", "byte {i}");
        }
        // Format B: tag is the last 16 bytes.
        let len = b64u::decode(KAT_WRAPPED_ENC_PRIV, "t").unwrap().len();
        for i in [0usize, 12, len - 16, len - 1] {
            assert_eq!(code(root().unwrap_private_jwk(&flip(KAT_WRAPPED_ENC_PRIV, i))), "unwrap_failed", "byte {i}");
        }
    }

    #[test]
    fn truncations_never_panic() {
        let ek = export_key();
        let rs = RecoverySecret(Box::new(arr(0x40)));
        for s in [KAT_WRAPPED_DRK, KAT_PASSWORD_ENVELOPE_KW2_JSON, KAT_WRAPPED_ENC_PRIV] {
            for i in 0..s.len() {
                let t = &s[..i];
                assert!(ek.unwrap_root_key(t, SUB).is_err());
                assert!(ek.open_password_envelope(t, &meta()).is_err());
                assert!(rs.open_recovery_envelope(t, &meta()).is_err());
                assert!(open_prf_envelope(&[1], CREDENTIAL_ID, t, &meta()).is_err());
                assert!(root().unwrap_private_jwk(t).is_err());
            }
        }
        let dek = root().derive_data_key(NOTE_ID);
        for i in 0..KAT_NOTE_CIPHERTEXT.len() {
            assert!(dek.decrypt(NOTE_ID, &KAT_NOTE_CIPHERTEXT[..i]).is_err());
        }
    }

    // ---- CAK ----

    #[test]
    fn kat_client_app_key() {
        let r = root();
        assert_eq!(hex::encode(r.derive_client_app_key(SUB, KEY_ID, CLIENT_ID, None).expose_secret()), KAT_CAK_NO_ORG);
        assert_eq!(hex::encode(r.derive_client_app_key(SUB, KEY_ID, CLIENT_ID, Some("")).expose_secret()), KAT_CAK_NO_ORG);
        assert_eq!(hex::encode(r.derive_client_app_key(SUB, KEY_ID, CLIENT_ID, Some(ORG_ID)).expose_secret()), KAT_CAK_ORG);
        assert_ne!(hex::encode(r.derive_client_app_key(SUB, "legacy-drk:x", CLIENT_ID, None).expose_secret()), KAT_CAK_NO_ORG);
    }

    // ---- recovery ----

    #[test]
    fn kat_recovery() {
        let secret = RecoverySecret::generate(&mut PatternRng::new(&seq(0x40, 32)));
        assert_eq!(secret.expose_display().as_str(), KAT_RECOVERY_DISPLAY);
        assert_eq!(secret.verifier_b64u(), KAT_RECOVERY_VERIFIER);
        assert_eq!(format!("{secret:?}"), "RecoverySecret([redacted])");
        let wrapped = secret.seal_recovery_envelope(&mut iv_rng(), &root(), &meta()).unwrap();
        assert_eq!(wrapped, KAT_RECOVERY_ENVELOPE);
        assert_eq!(
            b64u::decode(&recovery_envelope_aad_b64u(&meta()), "t").unwrap(),
            KAT_PASSWORD_AAD
                .replace(
                    r#""password","wrapping_alg":"OPAQUE-HKDF-SHA256+A256GCM/v2""#,
                    r#""recovery","wrapping_alg":"DarkAuth-Recovery-HKDF-SHA256+A256GCM/v2""#
                )
                .as_bytes()
        );
        let parsed = RecoverySecret::from_display(KAT_RECOVERY_DISPLAY).unwrap();
        assert_eq!(
            parsed
                .open_recovery_envelope(KAT_RECOVERY_ENVELOPE, &meta())
                .unwrap()
                .expose_secret(),
            &arr(0x20)
        );
        let pasted = RecoverySecret::from_display(&format!("  {KAT_RECOVERY_DISPLAY}\n")).unwrap();
        assert_eq!(pasted.verifier_b64u(), KAT_RECOVERY_VERIFIER);
    }

    #[test]
    fn recovery_rejects_bad_inputs() {
        assert_eq!(code(RecoverySecret::from_display(&KAT_RECOVERY_DISPLAY[..42])), "invalid_base64url");
        assert_eq!(code(RecoverySecret::from_display("QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9")), "invalid_base64url"); // trailing bits
        assert_eq!(code(RecoverySecret::from_display(&b64u::encode(&[1; 31]))), "invalid_length");
        assert_eq!(code(RecoverySecret::from_display(&b64u::encode(&[1; 33]))), "invalid_length");
        assert_eq!(code(RecoverySecret::from_display("")), "invalid_base64url");
        let wrong = RecoverySecret::from_display(&b64u::encode(&[1; 32])).unwrap();
        assert_eq!(code(wrong.open_recovery_envelope(KAT_RECOVERY_ENVELOPE, &meta())), "unwrap_failed");
        let right = RecoverySecret::from_display(KAT_RECOVERY_DISPLAY).unwrap();
        assert_eq!(code(right.open_recovery_envelope(KAT_RECOVERY_ENVELOPE, &EnvelopeMeta { key_id: "ark_x", ..meta() })), "unwrap_failed");
        // A password envelope under the same bytes is bound to a different type and key.
        assert_eq!(code(right.open_recovery_envelope(KAT_PASSWORD_ENVELOPE, &meta())), "unwrap_failed");
    }

    // ---- passkey PRF ----

    #[test]
    fn kat_prf_envelope() {
        let prf = seq(0x60, 32);
        let wrapped = seal_prf_envelope(&mut iv_rng(), &prf, CREDENTIAL_ID, &root(), &meta()).unwrap();
        assert_eq!(wrapped, KAT_PRF_ENVELOPE);
        assert_eq!(
            open_prf_envelope(&prf, CREDENTIAL_ID, KAT_PRF_ENVELOPE, &meta())
                .unwrap()
                .expose_secret(),
            &arr(0x20)
        );
        assert_eq!(code(open_prf_envelope(&prf, "Y3JlZGVudGlhbC1pZC0wMDI", KAT_PRF_ENVELOPE, &meta())), "unwrap_failed");
        assert_eq!(code(open_prf_envelope(&seq(0x61, 32), CREDENTIAL_ID, KAT_PRF_ENVELOPE, &meta())), "unwrap_failed");
        assert_eq!(code(open_prf_envelope(&[], CREDENTIAL_ID, KAT_PRF_ENVELOPE, &meta())), "invalid_input");
        assert_eq!(code(open_prf_envelope(&prf, "", KAT_PRF_ENVELOPE, &meta())), "invalid_input");
        assert_eq!(code(seal_prf_envelope(&mut iv_rng(), &[], CREDENTIAL_ID, &root(), &meta())), "invalid_input");
        assert!(prf_envelope_aad_b64u(&meta()) != password_envelope_aad_b64u(&meta()));
    }

    // ---- wrapped_enc_priv ----

    #[test]
    fn kat_wrapped_enc_priv() {
        let r = root();
        let wrapped = r.wrap_private_jwk(&mut iv_rng(), PRIVATE_JWK).unwrap();
        assert_eq!(wrapped, KAT_WRAPPED_ENC_PRIV);
        // §0: wrapping must not wipe the root key it was derived from.
        assert_eq!(r.expose_secret(), &arr(0x20));
        assert_eq!(r.unwrap_private_jwk(KAT_WRAPPED_ENC_PRIV).unwrap().as_str(), PRIVATE_JWK);
        // The upstream hazard: a blob under a zeroed root key does not open under the real one.
        let zero_wrapped = RootKey::from_bytes([0; 32])
            .wrap_private_jwk(&mut iv_rng(), PRIVATE_JWK)
            .unwrap();
        assert_eq!(code(r.unwrap_private_jwk(&zero_wrapped)), "unwrap_failed");
        assert_eq!(code(RootKey::from_bytes([1; 32]).unwrap_private_jwk(KAT_WRAPPED_ENC_PRIV)), "unwrap_failed");
        assert_eq!(code(r.wrap_private_jwk(&mut iv_rng(), "")), "invalid_input");
        // Format A is not format B: a key envelope does not open as a private JWK.
        assert_eq!(code(r.unwrap_private_jwk(KAT_PASSWORD_ENVELOPE)), "unwrap_failed");
    }

    #[test]
    fn private_jwk_must_be_utf8() {
        let r = root();
        let wk = private_key_wrap_key(r.expose_secret());
        let sealed = seal_format_b(&wk, &mut iv_rng(), &[0xff, 0xfe], PRIVATE_JWK_AAD).unwrap();
        assert_eq!(code(r.unwrap_private_jwk(&b64u::encode(&sealed))), "plaintext_invalid");
    }

    // ---- data keys ----

    #[test]
    fn kat_note() {
        let r = root();
        let dek = r.derive_data_key(NOTE_ID);
        assert_eq!(hex::encode(dek.expose_secret()), KAT_NOTE_DEK);
        assert_eq!(hex::encode(derive_data_key(&arr(0x20), NOTE_ID).expose_secret()), KAT_NOTE_DEK);
        assert_eq!(note_aad(NOTE_ID), KAT_NOTE_AAD);
        assert_eq!(note_aad(NOTE_ID_ODD), KAT_NOTE_ODD_AAD);
        assert_eq!(dek.encrypt(&mut iv_rng(), NOTE_ID, NOTE_PT).unwrap(), KAT_NOTE_CIPHERTEXT);
        assert_eq!(dek.decrypt(NOTE_ID, KAT_NOTE_CIPHERTEXT).unwrap().as_slice(), NOTE_PT);
        assert_eq!(dek.decrypt_with_aad(KAT_NOTE_AAD, KAT_NOTE_CIPHERTEXT).unwrap().as_slice(), NOTE_PT);
        let odd = r.derive_data_key(NOTE_ID_ODD);
        assert_eq!(odd.encrypt(&mut iv_rng(), NOTE_ID_ODD, NOTE_PT).unwrap(), KAT_NOTE_ODD_CIPHERTEXT);
        assert_eq!(odd.decrypt(NOTE_ID_ODD, KAT_NOTE_ODD_CIPHERTEXT).unwrap().as_slice(), NOTE_PT);
        let cak = r.derive_client_app_key(SUB, KEY_ID, CLIENT_ID, Some(ORG_ID));
        assert_eq!(hex::encode(cak.derive_data_key(NOTE_ID).expose_secret()), KAT_NOTE_DEK_FROM_CAK);
    }

    #[test]
    fn note_rejects_bad_inputs() {
        let dek = root().derive_data_key(NOTE_ID);
        assert_eq!(code(dek.decrypt("note-2", KAT_NOTE_CIPHERTEXT)), "unwrap_failed");
        assert_eq!(code(root().derive_data_key("note-2").decrypt(NOTE_ID, KAT_NOTE_CIPHERTEXT)), "unwrap_failed");
        let unpadded = KAT_NOTE_CIPHERTEXT.trim_end_matches('=');
        let url = KAT_NOTE_CIPHERTEXT.replace('+', "-").replace('/', "_");
        let extra_pad = format!("{KAT_NOTE_CIPHERTEXT}==");
        let three_pad = format!("{}===", &KAT_NOTE_CIPHERTEXT[..KAT_NOTE_CIPHERTEXT.len() - 3]);
        let bits = KAT_NOTE_CIPHERTEXT.replace("Ag==", "Ah==");
        for bad in ["", "====", unpadded, &url, &extra_pad, &three_pad, &bits, &format!(" {KAT_NOTE_CIPHERTEXT}")] {
            assert_eq!(code(dek.decrypt(NOTE_ID, bad)), "invalid_base64", "{bad:?}");
        }
        assert_eq!(code(dek.decrypt(NOTE_ID, &b64std::encode(&[0; 27]))), "ciphertext_truncated");
        assert_eq!(code(dek.decrypt(NOTE_ID, &b64std::encode(&[0; 28]))), "unwrap_failed");
        let mut sealed = b64std::decode(KAT_NOTE_CIPHERTEXT).unwrap();
        if let Some(last) = sealed.last_mut() {
            *last ^= 1;
        }
        assert_eq!(code(dek.decrypt(NOTE_ID, &b64std::encode(&sealed))), "unwrap_failed");
    }

    // ---- round trips with a real CSPRNG ----

    #[test]
    fn round_trips() {
        let mut rng = rand_core::OsRng;
        let ek = ExportKey::from_bytes([3; 32]);
        let r = RootKey::generate(&mut rng);
        let m = EnvelopeMeta { envelope_id: "env_x", key_id: "ark_y", sub: "c3Vi" };

        let w1 = ek.wrap_root_key(&mut rng, &r, m.sub);
        let w2 = ek.wrap_root_key(&mut rng, &r, m.sub);
        assert_ne!(w1, w2, "fresh IVs");
        assert_eq!(ek.unwrap_root_key(&w1, m.sub).unwrap().expose_secret(), r.expose_secret());

        let pw = ek.seal_password_envelope(&mut rng, &r, &m).unwrap();
        assert_eq!(ek.open_password_envelope(&pw, &m).unwrap().expose_secret(), r.expose_secret());

        let rs = RecoverySecret::generate(&mut rng);
        let rw = rs.seal_recovery_envelope(&mut rng, &r, &m).unwrap();
        let rs2 = RecoverySecret::from_display(&rs.expose_display()).unwrap();
        assert_eq!(rs2.open_recovery_envelope(&rw, &m).unwrap().expose_secret(), r.expose_secret());
        assert_eq!(rs2.verifier_b64u(), rs.verifier_b64u());

        let pw2 = seal_prf_envelope(&mut rng, &[5; 32], "cred", &r, &m).unwrap();
        assert_eq!(open_prf_envelope(&[5; 32], "cred", &pw2, &m).unwrap().expose_secret(), r.expose_secret());

        let jw = r.wrap_private_jwk(&mut rng, "{\"d\":\"é\"}").unwrap();
        assert_eq!(r.unwrap_private_jwk(&jw).unwrap().as_str(), "{\"d\":\"é\"}");

        let cak = r.derive_client_app_key(m.sub, m.key_id, "app", None);
        for dek in [r.derive_data_key("i"), cak.derive_data_key("i")] {
            for pt in [&b""[..], b"x", &[7u8; 1000]] {
                let ct = dek.encrypt(&mut rng, "i", pt).unwrap();
                assert_eq!(dek.decrypt("i", &ct).unwrap().as_slice(), pt);
            }
        }
    }
}
