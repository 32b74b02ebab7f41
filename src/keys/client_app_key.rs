//! The Client App Key (§3.7): one relying party's key, derived from the root key.

use crate::identifiers::check_cak_context;
use crate::primitives::{hkdf32, sha256};
use crate::{AppKey, AppKeyContext, Error, RootKey};

impl RootKey {
    /// The Client App Key for one relying party:
    /// `HKDF(ARK, H("DarkAuth|v2|client-key|sub=" + sub + "|key_id=" + key_id),
    /// "client_id=" + client_id + "|org_id=" + (org_id or "") + "|aud=" + client_id)`.
    /// `None` gives the account-wide key (`|org_id=|`). Every context value must be a
    /// non-empty identifier without `|` (`invalid_input`; see `identifiers`), so two different
    /// contexts never derive one key.
    pub fn derive_client_app_key(&self, sub: &str, key_id: &str, client_id: &str, org_id: Option<&str>) -> Result<AppKey, Error> {
        check_cak_context(sub, key_id, client_id, org_id)?;
        let salt = sha256(format!("DarkAuth|v2|client-key|sub={sub}|key_id={key_id}").as_bytes());
        let org = org_id.unwrap_or("");
        let info = format!("client_id={client_id}|org_id={org}|aud={client_id}");
        // EXPOSE: the root key is the IKM of the CAK derivation.
        let cak = hkdf32(self.expose_secret(), &salt, info.as_bytes());
        let org_id = org_id.map(str::to_string);
        let context = AppKeyContext { sub: sub.to_string(), key_id: key_id.to_string(), client_id: client_id.to_string(), org_id };
        Ok(AppKey::derived(&cak, context))
    }
}
