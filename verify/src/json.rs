//! The one strict JSON-object reader behind every JSON zkauth parses: the `zk_pub`/`epk` JWK
//! ([`crate::validate_zk_pub`]), the JWE protected header ([`crate::parse_compact_jwe`]), the
//! private JWK, the v2 delivery payload ([`crate::check_v2_claims`]) and the SDK's password
//! envelope plaintext.
//!
//! Bounded and linear: at most [`Limits::max_len`] bytes of input and [`Limits::max_members`]
//! members per object (nested objects included); member names are checked against a hash set
//! of the names seen so far, and the first duplicate ends the read. Strict (RFC 8259) also
//! where nobody looks: the input must be UTF-8, and every string, member name and nested
//! object is decoded, so an escaped lone surrogate or a duplicate name is refused even inside a
//! member that is otherwise ignored. What each member's value must be is the caller's
//! [`Members`] type's business; members it does not read are skipped under these rules.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use zeroize::Zeroizing;

/// Longest accepted JSON text, in bytes (an honest JWK or JWE header is a few hundred).
pub const MAX_LEN: usize = 4096;
/// Most members one object may have (kty, crv, x, y, d plus kid, use, alg, key_ops, ext, …).
pub const MAX_MEMBERS: usize = 16;

/// How much one read may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted JSON text, in bytes.
    pub max_len: usize,
    /// Most members one object (the top one or a nested one) may have.
    pub max_members: usize,
}

impl Limits {
    /// [`MAX_LEN`] and [`MAX_MEMBERS`]: JWKs and JWE headers.
    pub const DEFAULT: Limits = Limits { max_len: MAX_LEN, max_members: MAX_MEMBERS };
}

/// Why [`read_object`] refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// More than [`MAX_LEN`] bytes.
    TooLong,
    /// Not JSON, not an object, or a member value of a type the reader does not accept (also
    /// anything refused inside a nested object).
    Malformed,
    /// A member name that appeared before in the same object.
    DuplicateMember,
    /// More than [`MAX_MEMBERS`] members.
    TooManyMembers,
    /// The [`Members`] type refused a member, for the reason given.
    Member(&'static str),
}

/// What a [`Members::member`] handler can fail with.
pub enum MemberError<E> {
    /// The value is not what the handler reads (wrong JSON type, bad syntax).
    Json(E),
    /// The object may not have this member at all.
    Refused(&'static str),
}

impl<E> From<E> for MemberError<E> {
    fn from(e: E) -> Self {
        MemberError::Json(e)
    }
}

/// An object read member by member: `member` sees each name once, in document order.
pub trait Members: Default {
    /// Reads member `name` through `value`, or leaves `value` unread to skip it.
    fn member<'de, A: MapAccess<'de>>(&mut self, name: &str, value: Value<'_, A>) -> Result<(), MemberError<A::Error>>;
}

/// The value of the current member. Reading it is optional: an unread value is skipped.
pub struct Value<'m, A> {
    map: &'m mut A,
    read: &'m mut bool,
    limits: Limits,
}

impl<'de, A: MapAccess<'de>> Value<'_, A> {
    /// A JSON string.
    pub fn string(self) -> Result<String, A::Error> {
        *self.read = true;
        self.map.next_value()
    }

    /// A JSON string that holds a secret: wiped when dropped.
    pub fn secret_string(self) -> Result<Zeroizing<String>, A::Error> {
        *self.read = true;
        self.map.next_value()
    }

    /// A JSON integer that fits in an `i64` (`1.5`, `1e3` and strings are refused).
    pub fn integer(self) -> Result<i64, A::Error> {
        *self.read = true;
        self.map.next_value()
    }

    /// Any value of type `T`, decoded by its own `Deserialize` (strings inside are decoded, so
    /// the strict string rules hold).
    pub fn decode<T: de::Deserialize<'de>>(self) -> Result<T, A::Error> {
        *self.read = true;
        self.map.next_value()
    }

    /// A nested object, read under the same rules (its refusals make the outer read `Malformed`).
    pub fn object<M: Members>(self) -> Result<M, A::Error> {
        *self.read = true;
        let mut refusal = None;
        let limits = self.limits;
        self.map.next_value_seed(ObjectSeed { refusal: &mut refusal, limits, members: PhantomData })
    }
}

/// Reads `json` as one object of unique members into `M`, within [`Limits::DEFAULT`].
pub fn read_object<M: Members>(json: &[u8]) -> Result<M, Refusal> {
    read_object_within(json, Limits::DEFAULT)
}

/// Reads `json` as one object of unique members into `M`, within `limits`.
pub fn read_object_within<M: Members>(json: &[u8], limits: Limits) -> Result<M, Refusal> {
    if json.len() > limits.max_len {
        return Err(Refusal::TooLong);
    }
    // RFC 8259 §8.1: the text is UTF-8 (decoding every string below catches it there too).
    if core::str::from_utf8(json).is_err() {
        return Err(Refusal::Malformed);
    }
    let mut refusal = None;
    let mut de = serde_json::Deserializer::from_slice(json);
    let read = ObjectSeed { refusal: &mut refusal, limits, members: PhantomData }.deserialize(&mut de).and_then(|m| de.end().map(|()| m));
    read.map_err(|_| refusal.unwrap_or(Refusal::Malformed))
}

/// Reads one object into `M`, recording why it refused in `refusal`.
struct ObjectSeed<'r, M> {
    refusal: &'r mut Option<Refusal>,
    limits: Limits,
    members: PhantomData<M>,
}

impl<'de, M: Members> DeserializeSeed<'de> for ObjectSeed<'_, M> {
    type Value = M;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<M, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, M: Members> Visitor<'de> for ObjectSeed<'_, M> {
    type Value = M;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object of unique members")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<M, A::Error> {
        let mut refuse = |why: Refusal| {
            *self.refusal = Some(why);
            de::Error::custom("object refused")
        };
        let mut out = M::default();
        // A fixed-key hasher: no HashDoS concern with at most max_members names.
        let mut seen: HashSet<String, BuildHasherDefault<DefaultHasher>> = HashSet::default();
        while let Some(name) = map.next_key::<String>()? {
            if seen.contains(&name) {
                return Err(refuse(Refusal::DuplicateMember));
            }
            if seen.len() >= self.limits.max_members {
                return Err(refuse(Refusal::TooManyMembers));
            }
            let mut read = false;
            match out.member(&name, Value { map: &mut map, read: &mut read, limits: self.limits }) {
                Ok(()) => {}
                Err(MemberError::Json(e)) => return Err(e),
                Err(MemberError::Refused(why)) => return Err(refuse(Refusal::Member(why))),
            }
            if !read {
                map.next_value_seed(Strict { limits: self.limits })?;
            }
            seen.insert(name);
        }
        Ok(out)
    }
}

/// A value nobody reads, skipped under the same rules: strings and names decoded (so invalid
/// UTF-8 and escaped lone surrogates are refused), nested objects with unique names and at
/// most `max_members` members. Depth is bounded by serde_json's recursion limit.
#[derive(Clone, Copy)]
struct Strict {
    limits: Limits,
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a strict JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    // serde_json hands a string to the visitor only after decoding it strictly.
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: HashSet<String, BuildHasherDefault<DefaultHasher>> = HashSet::default();
        while let Some(name) = map.next_key::<String>()? {
            if seen.len() >= self.limits.max_members || !seen.insert(name) {
                return Err(de::Error::custom("nested object refused"));
            }
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps the string members, counts the rest, refuses `"bad"`, reads `"inner"` as an object.
    #[derive(Default, Debug, PartialEq)]
    struct Probe {
        strings: Vec<(String, String)>,
        skipped: usize,
        inner: Option<Box<Probe>>,
    }

    impl Members for Probe {
        fn member<'de, A: MapAccess<'de>>(&mut self, name: &str, value: Value<'_, A>) -> Result<(), MemberError<A::Error>> {
            match name {
                "bad" => return Err(MemberError::Refused("bad member")),
                "inner" => self.inner = Some(Box::new(value.object()?)),
                n if n.starts_with('s') => self.strings.push((n.to_string(), value.string()?)),
                _ => self.skipped += 1,
            }
            Ok(())
        }
    }

    fn read(json: &str) -> Result<Probe, Refusal> {
        read_object(json.as_bytes())
    }

    #[test]
    fn reads_members_in_order_and_skips_the_rest() {
        let p = read(r#" {"s1":"a","n":[1,{"x":null}],"s2":"b\u0041","inner":{"s":"c","s":1e3}} "#);
        // The inner duplicate refuses the whole object.
        assert_eq!(p, Err(Refusal::Malformed));
        let p = read(r#" {"s1":"a","n":[1,{"x":null}],"s2":"b\u0041","inner":{"s":"c","t":1e3}} "#).unwrap();
        assert_eq!(p.strings, vec![("s1".into(), "a".into()), ("s2".into(), "bA".into())]);
        assert_eq!(p.skipped, 1);
        let inner = p.inner.unwrap();
        assert_eq!(inner.strings, vec![("s".into(), "c".into())]);
        assert_eq!(inner.skipped, 1);
        assert_eq!(read("{}").unwrap(), Probe::default());
    }

    #[test]
    fn refusals() {
        assert_eq!(read(r#"{"a":1,"b":2,"a":3}"#), Err(Refusal::DuplicateMember));
        assert_eq!(read(r#"{"s":"x","\u0073":"y"}"#), Err(Refusal::DuplicateMember));
        assert_eq!(read(r#"{"a":1,"bad":2}"#), Err(Refusal::Member("bad member")));
        for bad in ["", "[]", "\"s\"", "{", r#"{"s":1}"#, r#"{"a":1}x"#, r#"{"a":1,}"#, "null"] {
            assert_eq!(read(bad), Err(Refusal::Malformed), "{bad:?}");
        }
        assert_eq!(read_object::<Probe>(b"{\"s\":\"\xff\"}"), Err(Refusal::Malformed));
        let members = |n: usize| format!("{{{}}}", (0..n).map(|i| format!(r#""m{i}":0"#)).collect::<Vec<_>>().join(","));
        assert!(read(&members(MAX_MEMBERS)).is_ok());
        assert_eq!(read(&members(MAX_MEMBERS + 1)), Err(Refusal::TooManyMembers));
        let long = format!(r#"{{"s":"{}"}}"#, "a".repeat(MAX_LEN));
        assert_eq!(read(&long), Err(Refusal::TooLong));
        assert!(read(&format!(r#"{{"s":"{}"}}"#, "a".repeat(MAX_LEN - 8))).is_ok());
    }

    #[test]
    fn strict_also_in_members_nobody_reads() {
        // RFC 8259: escaped lone surrogates, invalid UTF-8 and duplicate names are refused in
        // skipped members and nested values too (issue 13).
        for bad in [
            r#"{"s":"a","n":"\ud800"}"#,
            r#"{"s":"a","n":"\udc00x"}"#,
            r#"{"s":"a","n":"\ud800\u0041"}"#,
            r#"{"s":"a","n":["ok","\udfff"]}"#,
            r#"{"s":"a","n":{"x":1,"x":2}}"#,
            r#"{"s":"a","n":[{"x":{"y":1,"y":1}}]}"#,
            r#"{"s":"a","n":{"\ud800":1}}"#,
            r#"{"\ud800":1}"#,
            r#"{"s":"\ud800"}"#,
        ] {
            assert_eq!(read(bad), Err(Refusal::Malformed), "{bad}");
        }
        let flood = format!(r#"{{"n":{{{}}}}}"#, (0..=MAX_MEMBERS).map(|i| format!(r#""m{i}":0"#)).collect::<Vec<_>>().join(","));
        assert_eq!(read(&flood), Err(Refusal::Malformed));
        for raw in [&b"{\"n\":\"\xff\"}"[..], b"{\"n\":[\"\xc3\x28\"]}", b"{\"n\xff\":1}", b"{\"s\":\"a\"}\xff"] {
            assert_eq!(read_object::<Probe>(raw), Err(Refusal::Malformed), "{raw:?}");
        }
        // What stays accepted: a surrogate pair, numbers, nested values, null.
        let ok = read(r#"{"s":"\ud83d\ude00","n":[1,-2.5e3,true,null,{"a":{"b":[]}}],"m":{}}"#).unwrap();
        assert_eq!(ok.strings, vec![("s".into(), "😀".into())]);
    }

    #[test]
    fn limits_are_the_callers() {
        let tight = Limits { max_len: 20, max_members: 2 };
        assert!(read_object_within::<Probe>(br#"{"a":1,"b":2}"#, tight).is_ok());
        assert_eq!(read_object_within::<Probe>(br#"{"a":1,"b":2,"c":3}"#, tight), Err(Refusal::TooManyMembers));
        assert_eq!(read_object_within::<Probe>(br#"{"s":"0123456789abcdef"}"#, tight), Err(Refusal::TooLong));
    }
}
