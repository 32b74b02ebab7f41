//! Password custody (§3.2, §3.3, §3.5): the legacy `wrapped_drk` and the v2 password
//! envelope, both under keys derived from the OPAQUE `export_key`.

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;
use zkauth_verify::json::{read_object_within, Limits, MemberError, Members, Value};
use zkauth_verify::{ct_eq_str, EnvelopeType, WRAPPING_ALG_PASSWORD_V2};

use super::format::{decode_sealed, open_format_a, root_from_raw, seal_root};
use super::schedule::{kw_v1, kw_v2};
use super::EnvelopeMeta;
use crate::error::b64u_decode;
use crate::identifiers::SUB;
use crate::{Error, ExportKey, RootKey};

/// `typ` of the JSON root-key plaintext (§3.3 read path).
const ARK_JSON_TYP: &str = "DarkAuth-Account-Root-Key";
/// `version` of the JSON root-key plaintext.
const ARK_JSON_VERSION: &str = "v2";

/// Most a JSON root-key plaintext may take (an honest one is about 200 bytes).
const ARK_JSON_LIMITS: Limits = Limits { max_len: 64 * 1024, max_members: 16 };

/// The JSON root-key plaintext (§3.3), read by zkauth-verify's strict bounded reader (no
/// duplicate member, no lone surrogate, UTF-8, also in members it ignores). `ark` is wiped.
#[derive(Default)]
struct ArkJson {
    typ: Option<String>,
    version: Option<String>,
    sub: Option<String>,
    key_id: Option<String>,
    ark: Option<Zeroizing<String>>,
}

impl Members for ArkJson {
    fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError> {
        match name {
            "typ" => self.typ = Some(value.string()?),
            "version" => self.version = Some(value.string()?),
            "sub" => self.sub = Some(value.string()?),
            "key_id" => self.key_id = Some(value.string()?),
            "ark" => self.ark = Some(value.secret_string()?),
            _ => {}
        }
        Ok(())
    }
}

/// A password-envelope plaintext: the raw 32-byte key, or the JSON form bound to `meta`.
pub fn root_from_password_plaintext(plaintext: &[u8], meta: &EnvelopeMeta<'_>) -> Result<RootKey, Error> {
    if plaintext.len() == 32 {
        return root_from_raw(plaintext);
    }
    const NOT_ROOT_KEY: Error = Error::PlaintextInvalid("envelope plaintext (neither a 32-byte key nor root-key JSON)");
    let parsed: ArkJson = read_object_within(plaintext, ARK_JSON_LIMITS).map_err(|_| NOT_ROOT_KEY)?;
    let (Some(typ), Some(version), Some(sub), Some(key_id), Some(ark)) = (parsed.typ, parsed.version, parsed.sub, parsed.key_id, parsed.ark) else {
        return Err(NOT_ROOT_KEY);
    };
    if typ != ARK_JSON_TYP {
        return Err(Error::EnvelopeMetadataMismatch("typ"));
    }
    if version != ARK_JSON_VERSION {
        return Err(Error::EnvelopeMetadataMismatch("version"));
    }
    if !ct_eq_str(&sub, meta.sub) {
        return Err(Error::EnvelopeMetadataMismatch("sub"));
    }
    if !ct_eq_str(&key_id, meta.key_id) {
        return Err(Error::EnvelopeMetadataMismatch("key_id"));
    }
    let ark = Zeroizing::new(b64u_decode(&ark, "ark")?);
    if ark.len() != 32 {
        return Err(zkauth_verify::Error::InvalidLength { what: "ark", expected: 32, actual: ark.len() }.into());
    }
    RootKey::from_slice(&ark)
}

impl ExportKey {
    /// Legacy `wrapped_drk`: `b64u(formatA(KW, root, AAD = UTF8(sub)))` (§3.5). Fails only
    /// where the encryption itself fails (never an empty string in place of a wrapped key).
    pub fn wrap_root_key<R: CryptoRng + RngCore>(&self, rng: &mut R, root: &RootKey, sub: &str) -> Result<String, Error> {
        SUB.check(sub)?;
        // EXPOSE: export_key is the IKM of the password key schedule.
        let kw = kw_v1(self.expose_secret(), sub);
        seal_root(&kw, rng, root, sub.as_bytes())
    }

    /// Opens a legacy `wrapped_drk`. A wrong `sub`, wrong export key or tampered bytes give
    /// `unwrap_failed`; bad encodings `invalid_base64url`; fewer than 28 bytes
    /// `ciphertext_truncated`; an empty `sub` `invalid_input`.
    pub fn unwrap_root_key(&self, wrapped: &str, sub: &str) -> Result<RootKey, Error> {
        SUB.check(sub)?;
        let sealed = decode_sealed(wrapped, "wrapped_drk")?;
        // EXPOSE: export_key is the IKM of the password key schedule.
        let kw = kw_v1(self.expose_secret(), sub);
        let plaintext = open_format_a(&kw, &sealed, sub.as_bytes())?;
        root_from_raw(&plaintext)
    }

    /// Writes a v2 password envelope: key `KW`, raw 32-byte plaintext, canonical AAD with
    /// `type: "password"` and `wrapping_alg: "OPAQUE-HKDF-SHA256+A256GCM/v2"`. Returns the
    /// `wrapped_key` (b64u); the `aad` field to send is [`password_envelope_aad`].
    pub fn seal_password_envelope<R: CryptoRng + RngCore>(
        &self,
        rng: &mut R,
        root: &RootKey,
        meta: &EnvelopeMeta<'_>,
    ) -> Result<String, Error> {
        // EXPOSE: export_key is the IKM of the password key schedule.
        let kw = kw_v1(self.expose_secret(), meta.sub);
        meta.seal_root(rng, &kw, root, EnvelopeType::Password, WRAPPING_ALG_PASSWORD_V2)
    }

    /// Opens a v2 password envelope: tries `KW2`, then `KW` (§3.3). The plaintext may be the
    /// raw key or the JSON form, whose `sub` and `key_id` must equal `meta`'s
    /// (`envelope_metadata_mismatch` otherwise).
    pub fn open_password_envelope(&self, wrapped: &str, meta: &EnvelopeMeta<'_>) -> Result<RootKey, Error> {
        let aad = meta.aad(EnvelopeType::Password, WRAPPING_ALG_PASSWORD_V2)?;
        let sealed = decode_sealed(wrapped, "wrapped_key")?;
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
pub fn password_envelope_aad(meta: &EnvelopeMeta<'_>) -> Result<String, Error> {
    meta.aad_b64u(EnvelopeType::Password, WRAPPING_ALG_PASSWORD_V2)
}
