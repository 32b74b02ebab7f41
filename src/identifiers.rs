//! The one rule for identifiers, applied by every function that takes one, sealing and
//! opening alike: `sub`, key id, client id, org id, envelope id, request id and passkey
//! credential id must be non-empty (an optional one, when given, too). Item ids of data keys
//! and OPAQUE client identities are not identifiers in this sense (DarkAuth registers without
//! an e-mail under the identity "").
//!
//! Where several identifiers are joined into one key-derivation string with `|` (the Client
//! App Key's salt and info, wire profile §3.7, and the passkey-PRF salt, §3.9), none of them may
//! contain `|`: otherwise (`sub = "a|key_id=b"`, `key_id = "c"`) and (`sub = "a"`,
//! `key_id = "b|key_id=c"`) would derive one key. The formulas are DarkAuth's and stay; every
//! honest identifier (b64u, `ark_…`, `legacy-drk:…`, UUIDs, client ids) is free of `|`.

use crate::Error;

/// One kind of identifier, with the messages of its two refusals.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Identifier {
    empty: &'static str,
    separator: &'static str,
}

macro_rules! identifier {
    ($name:ident, $text:literal) => {
        pub(crate) const $name: Identifier = Identifier {
            empty: concat!($text, " must not be empty"),
            separator: concat!($text, " must not contain '|', the separator of the key-derivation string it goes into"),
        };
    };
}

identifier!(SUB, "sub");
identifier!(KEY_ID, "key_id");
identifier!(CLIENT_ID, "client_id");
identifier!(ORG_ID, "org_id");
identifier!(ENVELOPE_ID, "envelope_id");
identifier!(REQUEST_ID, "request_id");
identifier!(CREDENTIAL_ID, "credential_id");
identifier!(KEY_HANDLE, "key_handle");

/// The separator of the multi-identifier derivation strings.
const SEPARATOR: char = '|';

impl Identifier {
    /// A required identifier: non-empty (`invalid_input`).
    pub(crate) fn check(self, value: &str) -> Result<(), Error> {
        if value.is_empty() {
            return Err(Error::InvalidInput(self.empty));
        }
        Ok(())
    }

    /// An optional identifier: when given, non-empty.
    pub(crate) fn check_optional(self, value: Option<&str>) -> Result<(), Error> {
        value.map_or(Ok(()), |v| self.check(v))
    }

    /// An identifier that goes into a `|`-joined derivation string: non-empty, without `|`.
    pub(crate) fn check_in_derivation(self, value: &str) -> Result<(), Error> {
        self.check(value)?;
        if value.contains(SEPARATOR) {
            return Err(Error::InvalidInput(self.separator));
        }
        Ok(())
    }
}

/// The context of a Client App Key (§3.7): `sub`, key id, client id and, when given, org id,
/// each non-empty and without `|`.
pub(crate) fn check_cak_context(sub: &str, key_id: &str, client_id: &str, org_id: Option<&str>) -> Result<(), Error> {
    SUB.check_in_derivation(sub)?;
    KEY_ID.check_in_derivation(key_id)?;
    CLIENT_ID.check_in_derivation(client_id)?;
    org_id.map_or(Ok(()), |o| ORG_ID.check_in_derivation(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule() {
        assert!(SUB.check("u").is_ok());
        assert_eq!(SUB.check("").unwrap_err().code(), "invalid_input");
        assert!(ORG_ID.check_optional(None).is_ok());
        assert_eq!(ORG_ID.check_optional(Some("")).unwrap_err().code(), "invalid_input");
        assert!(check_cak_context("u", "k", "c", Some("o")).is_ok());
        for (s, k, c, o) in [("a|key_id=b", "c", "app", None), ("a", "b|key_id=c", "app", None), ("a", "b", "x|org_id=", None), ("a", "b", "c", Some("o|aud=c")), ("", "k", "c", None), ("a", "b", "c", Some(""))] {
            assert_eq!(check_cak_context(s, k, c, o).unwrap_err().code(), "invalid_input", "{s} {k} {c} {o:?}");
        }
        // Messages name the field, never the value.
        let e = check_cak_context("secret|value", "k", "c", None).unwrap_err().to_string();
        assert!(e.contains("sub") && !e.contains("secret"), "{e}");
    }
}
