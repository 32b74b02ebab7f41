//! Passkey-PRF envelopes (§3.9): the root key wrapped under a WebAuthn PRF output.

use rand_core::{CryptoRng, RngCore};
use zkauth_verify::{EnvelopeType, WRAPPING_ALG_PASSKEY_PRF};

use super::schedule::prf_wrap_key;
use super::EnvelopeMeta;
use crate::identifiers::{CREDENTIAL_ID, SUB};
use crate::{Error, RootKey};

/// The PRF output is non-empty; `sub` and `credential_id` are joined with `|` into the wrap
/// key's salt, so both follow the identifier rule for derivation strings (non-empty, no `|`).
fn check_prf_inputs(prf_output: &[u8], sub: &str, credential_id: &str) -> Result<(), Error> {
    if prf_output.is_empty() {
        return Err(Error::InvalidInput("PRF output is empty"));
    }
    SUB.check_in_derivation(sub)?;
    CREDENTIAL_ID.check_in_derivation(credential_id)
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
    check_prf_inputs(prf_output, meta.sub, credential_id)?;
    let key = prf_wrap_key(prf_output, meta.sub, credential_id);
    meta.seal_root(rng, &key, root, EnvelopeType::PasskeyPrf, WRAPPING_ALG_PASSKEY_PRF)
}

/// Opens a passkey-PRF envelope (raw 32-byte plaintext).
pub fn open_prf_envelope(prf_output: &[u8], credential_id: &str, wrapped: &str, meta: &EnvelopeMeta<'_>) -> Result<RootKey, Error> {
    check_prf_inputs(prf_output, meta.sub, credential_id)?;
    let key = prf_wrap_key(prf_output, meta.sub, credential_id);
    meta.open_root(&key, wrapped, EnvelopeType::PasskeyPrf, WRAPPING_ALG_PASSKEY_PRF)
}

/// `b64u` of the canonical passkey-PRF envelope AAD.
pub fn prf_envelope_aad(meta: &EnvelopeMeta<'_>) -> Result<String, Error> {
    meta.aad_b64u(EnvelopeType::PasskeyPrf, WRAPPING_ALG_PASSKEY_PRF)
}
