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
//!
//! A small recursive-descent reader over the bytes (RFC 8259's grammar, no serde): the wasm
//! module then carries no serde_json and none of the float formatting its error messages
//! need. It accepts what the serde_json-based reader it replaced accepted (numbers beyond
//! f64's range refused, decided by correct rounding); the tests below replay random and
//! mutated documents against that reader, kept there as the reference.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;


mod number;
mod value;
use number::overflows_f64;
use value::ReadState;
pub use value::Value;

/// Longest accepted JSON text, in bytes (an honest JWK or JWE header is a few hundred).
pub const MAX_LEN: usize = 4096;
/// Most members one object may have (kty, crv, x, y, d plus kid, use, alg, key_ops, ext, …).
pub const MAX_MEMBERS: usize = 16;
/// Arrays and objects nested this deep are refused (serde_json's recursion limit, kept).
const MAX_DEPTH: u32 = 128;

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

/// A value that is not JSON, or not of the type its reader takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// What a [`Members::member`] handler can fail with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberError {
    /// The value is not what the handler reads (wrong JSON type, bad syntax).
    Json,
    /// The object may not have this member at all.
    Refused(&'static str),
}

impl From<Malformed> for MemberError {
    fn from(_: Malformed) -> Self {
        MemberError::Json
    }
}

/// An object read member by member: `member` sees each name once, in document order.
pub trait Members: Default {
    /// Reads member `name` through `value`, or leaves `value` unread to skip it.
    fn member(&mut self, name: &str, value: Value<'_, '_>) -> Result<(), MemberError>;
}

/// A JSON string or an array of JSON strings (`aud`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
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
    // RFC 8259 §8.1: the text is UTF-8. (So every run of bytes between ASCII delimiters below is
    // UTF-8 too.)
    if core::str::from_utf8(json).is_err() {
        return Err(Refusal::Malformed);
    }
    let mut refusal = None;
    let mut cur = Cursor { b: json, i: 0, depth: 0 };
    cur.ws();
    let read = cur.object(limits, &mut refusal).map_err(|Malformed| refusal.unwrap_or(Refusal::Malformed))?;
    debug_assert_eq!(cur.depth, 0);
    cur.ws();
    if cur.i != json.len() {
        return Err(Refusal::Malformed);
    }
    Ok(read)
}

/// A position in the JSON text, and how deeply nested it is.
struct Cursor<'j> {
    b: &'j [u8],
    i: usize,
    depth: u32,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    /// RFC 8259 §2 whitespace.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), Malformed> {
        if self.bump() == Some(c) {
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    /// Consumes `word` if the text continues with it.
    fn literal(&mut self, word: &[u8]) -> bool {
        let end = self.i.saturating_add(word.len());
        if self.b.get(self.i..end) == Some(word) {
            self.i = end;
            true
        } else {
            false
        }
    }

    /// One level deeper (an array or object opens).
    fn enter(&mut self) -> Result<(), Malformed> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(Malformed);
        }
        Ok(())
    }

    fn string(&mut self) -> Result<String, Malformed> {
        let mut out = String::new();
        self.string_into(&mut out)?;
        Ok(out)
    }

    /// A JSON string (RFC 8259 §7) into `out`, sized first: the raw length up to the closing
    /// quote bounds the decoded length, since escapes only shrink.
    fn string_into(&mut self, out: &mut String) -> Result<(), Malformed> {
        self.eat(b'"')?;
        let mut end = self.i;
        loop {
            match self.b.get(end) {
                None => return Err(Malformed),
                Some(b'"') => break,
                Some(b'\\') => end += 2,
                Some(_) => end += 1,
            }
        }
        out.reserve_exact(end - self.i);
        let capacity = out.capacity();
        loop {
            let start = self.i;
            while matches!(self.peek(), Some(c) if c != b'"' && c != b'\\' && c >= 0x20) {
                self.i += 1;
            }
            let run = self.b.get(start..self.i).and_then(|r| core::str::from_utf8(r).ok()).ok_or(Malformed)?;
            out.push_str(run);
            match self.bump() {
                Some(b'"') => {
                    // Decoded into the one allocation (a secret leaves no reallocated copy).
                    debug_assert_eq!(out.capacity(), capacity);
                    return Ok(());
                }
                Some(b'\\') => out.push(self.escape()?),
                // An unescaped control character, or the end of the text.
                _ => return Err(Malformed),
            }
        }
    }

    /// The character an escape (after its backslash) stands for; a `\u` surrogate must be a
    /// high one followed by an escaped low one.
    fn escape(&mut self) -> Result<char, Malformed> {
        let c = match self.bump().ok_or(Malformed)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if !self.literal(b"\\u") {
                            return Err(Malformed);
                        }
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Malformed);
                        }
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(Malformed),
                    _ => unit,
                };
                char::from_u32(code).ok_or(Malformed)?
            }
            _ => return Err(Malformed),
        };
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, Malformed> {
        let mut v = 0;
        for _ in 0..4 {
            let d = char::from(self.bump().ok_or(Malformed)?).to_digit(16).ok_or(Malformed)?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// A JSON number (RFC 8259 §6); whether it is an integer literal (no fraction, no exponent).
    /// A number beyond f64's range (one that rounds to infinity) is refused, as serde_json does.
    fn number(&mut self) -> Result<bool, Malformed> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        match self.bump() {
            Some(b'0') => {}
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(Malformed),
        }
        let int = int_start..self.i;
        let mut frac = self.i..self.i;
        let mut exponent: i64 = 0;
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            integer = false;
            let start = self.i;
            if self.digits() == 0 {
                return Err(Malformed);
            }
            frac = start..self.i;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            integer = false;
            let negative = self.peek() == Some(b'-');
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let start = self.i;
            if self.digits() == 0 {
                return Err(Malformed);
            }
            for &d in self.b.get(start..self.i).unwrap_or_default() {
                exponent = exponent.saturating_mul(10).saturating_add(i64::from(d - b'0'));
            }
            if negative {
                exponent = -exponent;
            }
        }
        let (int, frac) = (self.b.get(int).unwrap_or_default(), self.b.get(frac).unwrap_or_default());
        if overflows_f64(int, frac, exponent) {
            return Err(Malformed);
        }
        Ok(integer)
    }

    /// `open item, item, … close` (or `open close`), one nesting level deeper, each item read by
    /// `item`: the list syntax of arrays and objects.
    fn list(&mut self, open: u8, close: u8, mut item: impl FnMut(&mut Self) -> Result<(), Malformed>) -> Result<(), Malformed> {
        self.eat(open)?;
        self.enter()?;
        self.ws();
        if self.peek() == Some(close) {
            self.i += 1;
        } else {
            loop {
                self.ws();
                item(self)?;
                self.ws();
                match self.bump() {
                    Some(b',') => {}
                    Some(c) if c == close => break,
                    _ => return Err(Malformed),
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// `[ item, … ]`, each item read by `item`.
    fn array(&mut self, item: impl FnMut(&mut Self) -> Result<(), Malformed>) -> Result<(), Malformed> {
        self.list(b'[', b']', item)
    }

    /// An object of unique members into `M`, recording why it refused in `refusal`.
    fn object<M: Members>(&mut self, limits: Limits, refusal: &mut Option<Refusal>) -> Result<M, Malformed> {
        let mut out = M::default();
        // A fixed-key hasher: no HashDoS concern with at most max_members names.
        let mut seen: HashSet<String, BuildHasherDefault<DefaultHasher>> = HashSet::default();
        self.list(b'{', b'}', |cur| {
            let name = cur.string()?;
            if seen.contains(&name) {
                *refusal = Some(Refusal::DuplicateMember);
                return Err(Malformed);
            }
            if seen.len() >= limits.max_members {
                *refusal = Some(Refusal::TooManyMembers);
                return Err(Malformed);
            }
            cur.ws();
            cur.eat(b':')?;
            cur.ws();
            let mut read = ReadState::Unread;
            match out.member(&name, Value { cur: &mut *cur, read: &mut read, limits }) {
                Ok(()) => {}
                Err(MemberError::Json) => return Err(Malformed),
                Err(MemberError::Refused(why)) => {
                    *refusal = Some(Refusal::Member(why));
                    return Err(Malformed);
                }
            }
            match read {
                ReadState::Unread => cur.skip(limits)?,
                ReadState::Done => {}
                ReadState::Failed => return Err(Malformed),
            }
            seen.insert(name);
            Ok(())
        })?;
        Ok(out)
    }

    /// A value nobody reads, skipped under the same rules: strings and names decoded (so
    /// escaped lone surrogates are refused), nested objects with unique names and at most
    /// `max_members` members, nesting bounded.
    fn skip(&mut self, limits: Limits) -> Result<(), Malformed> {
        match self.peek().ok_or(Malformed)? {
            b'"' => self.string().map(drop),
            b'{' => self.object::<Skipped>(limits, &mut None).map(drop),
            b'[' => self.array(|cur| cur.skip(limits)),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            _ if self.literal(b"true") || self.literal(b"false") || self.literal(b"null") => Ok(()),
            _ => Err(Malformed),
        }
    }
}

/// An object whose every member is skipped.
#[derive(Default)]
struct Skipped;

impl Members for Skipped {
    fn member(&mut self, _: &str, _: Value<'_, '_>) -> Result<(), MemberError> {
        Ok(())
    }
}

#[cfg(any(test, fuzzing))]
#[doc(hidden)]
pub mod reference;
#[cfg(test)]
mod tests;
