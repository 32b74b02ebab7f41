//! The serde_json-based reader that `json` replaced, kept as the tests' reference: the same
//! strictness (duplicate names, member limits, decoded strings) on serde_json's parser.

use super::{read_object_within, Limits, Refusal, Skipped};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;
use std::fmt;

#[derive(Clone, Copy)]
struct Strict(Limits);

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
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
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if seen.len() >= self.0.max_members || !seen.insert(name) {
                return Err(de::Error::custom("nested object refused"));
            }
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

struct Top<'r>(Limits, &'r mut Option<Refusal>);

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if seen.contains(&name) {
                *self.1 = Some(Refusal::DuplicateMember);
                return Err(de::Error::custom("dup"));
            }
            if seen.len() >= self.0.max_members {
                *self.1 = Some(Refusal::TooManyMembers);
                return Err(de::Error::custom("many"));
            }
            map.next_value_seed(Strict(self.0))?;
            seen.insert(name);
        }
        Ok(())
    }
}

pub fn read(json: &[u8], limits: Limits) -> Result<(), Refusal> {
    if json.len() > limits.max_len {
        return Err(Refusal::TooLong);
    }
    if core::str::from_utf8(json).is_err() {
        return Err(Refusal::Malformed);
    }
    let mut refusal = None;
    let mut de = serde_json::Deserializer::from_slice(json);
    let r = de.deserialize_map(Top(limits, &mut refusal)).and_then(|()| de.end());
    r.map_err(|_| refusal.unwrap_or(Refusal::Malformed))
}

/// The reader under test on the same input, every member skipped.
pub fn ours(json: &[u8], limits: Limits) -> Result<(), Refusal> {
    read_object_within::<Skipped>(json, limits).map(drop)
}
