//! Wire profile §4.7 step 5: the delivery artifacts of a token response name one version, and a
//! v2 response says `zk_key_kind = "client_app_key"` and `zk_key_version = "v2"`. One rule for
//! every opener: the Rust `open_v2`/`open_v1` (and their split form), the JS `openV2`/`openV1`
//! and `DeliverySession`.

use crate::{Error, JweVersion, KEY_KIND_CLIENT_APP_KEY};

/// `zk_key_version` of a v2 token response.
pub const ZK_KEY_VERSION_V2: &str = "v2";

/// What the token endpoint returned about the delivery (wire profile §4.2, §4.6), each member
/// exactly as received, `None` when absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenArtifacts<'a> {
    /// v2: `zk_key_hash`.
    pub zk_key_hash: Option<&'a str>,
    /// v2: `zk_key_kind`.
    pub zk_key_kind: Option<&'a str>,
    /// v2: `zk_key_version`.
    pub zk_key_version: Option<&'a str>,
    /// v1: `zk_drk_hash`.
    pub zk_drk_hash: Option<&'a str>,
}

impl TokenArtifacts<'_> {
    /// Checks the artifacts for an opener of `opener`'s version, before the JWE is touched:
    /// v1 and v2 artifacts together, or artifacts of the other version than the opener's, are
    /// `delivery_version_mixed`; a v2 opener needs `zk_key_kind == "client_app_key"`
    /// (`key_kind_mismatch`, also when absent) and `zk_key_version == "v2"` (`version_mismatch`,
    /// also when absent). The hash itself is compared by [`crate::check_hash_binding`].
    pub fn check_for(&self, opener: JweVersion) -> Result<(), Error> {
        let any_v2 = self.zk_key_hash.is_some() || self.zk_key_kind.is_some() || self.zk_key_version.is_some();
        let v2_named = any_v2 || opener == JweVersion::V2;
        let v1_named = self.zk_drk_hash.is_some() || opener == JweVersion::V1;
        if v2_named && v1_named {
            return Err(Error::DeliveryVersionMixed);
        }
        if opener == JweVersion::V2 {
            if self.zk_key_kind != Some(KEY_KIND_CLIENT_APP_KEY) {
                return Err(Error::KeyKindMismatch);
            }
            if self.zk_key_version != Some(ZK_KEY_VERSION_V2) {
                return Err(Error::VersionMismatch);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2: TokenArtifacts<'static> =
        TokenArtifacts { zk_key_hash: Some("h"), zk_key_kind: Some("client_app_key"), zk_key_version: Some("v2"), zk_drk_hash: None };

    #[test]
    fn v2_needs_its_kind_and_version() {
        assert_eq!(V2.check_for(JweVersion::V2), Ok(()));
        assert_eq!(TokenArtifacts { zk_key_kind: None, ..V2 }.check_for(JweVersion::V2), Err(Error::KeyKindMismatch));
        assert_eq!(TokenArtifacts { zk_key_kind: Some("root_key"), ..V2 }.check_for(JweVersion::V2), Err(Error::KeyKindMismatch));
        assert_eq!(TokenArtifacts { zk_key_version: None, ..V2 }.check_for(JweVersion::V2), Err(Error::VersionMismatch));
        assert_eq!(TokenArtifacts { zk_key_version: Some("v1"), ..V2 }.check_for(JweVersion::V2), Err(Error::VersionMismatch));
        // Only a v2 opener reads kind and version: an empty token response is a v1 one.
        assert_eq!(TokenArtifacts::default().check_for(JweVersion::V2), Err(Error::KeyKindMismatch));
        assert_eq!(TokenArtifacts::default().check_for(JweVersion::V1), Ok(()));
    }

    #[test]
    fn mixed_artifacts_are_refused_first() {
        let mixed = TokenArtifacts { zk_drk_hash: Some("d"), ..V2 };
        assert_eq!(mixed.check_for(JweVersion::V2), Err(Error::DeliveryVersionMixed));
        assert_eq!(mixed.check_for(JweVersion::V1), Err(Error::DeliveryVersionMixed));
        // A v1 hash for a v2 opener, even without other v2 artifacts (kind and version unread).
        let drk_only = TokenArtifacts { zk_drk_hash: Some("d"), ..TokenArtifacts::default() };
        assert_eq!(drk_only.check_for(JweVersion::V2), Err(Error::DeliveryVersionMixed));
        assert_eq!(drk_only.check_for(JweVersion::V1), Ok(()));
        // Any one v2 artifact for a v1 opener.
        for one in [
            TokenArtifacts { zk_key_hash: Some("h"), ..TokenArtifacts::default() },
            TokenArtifacts { zk_key_kind: Some("client_app_key"), ..TokenArtifacts::default() },
            TokenArtifacts { zk_key_version: Some("v2"), zk_drk_hash: Some("d"), ..TokenArtifacts::default() },
        ] {
            assert_eq!(one.check_for(JweVersion::V1), Err(Error::DeliveryVersionMixed), "{one:?}");
        }
    }
}
