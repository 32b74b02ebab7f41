//! A member's value as a `Members` handler sees it: the typed reads, each recording whether it
//! succeeded, so that a read that failed part-way refuses the whole object.

use zeroize::Zeroizing;

use super::{Cursor, Limits, Malformed, Members, OneOrMany};

/// Whether the handler read the current member's value, and how that went.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadState {
    /// Not read: the reader skips it.
    Unread,
    Done,
    /// A read failed part-way: the cursor is inside the value, so the whole read is refused
    /// even if the handler dropped the error.
    Failed,
}

/// The value of the current member. Reading it is optional: an unread value is skipped.
pub struct Value<'c, 'j> {
    pub(super) cur: &'c mut Cursor<'j>,
    pub(super) read: &'c mut ReadState,
    pub(super) limits: Limits,
}

impl Value<'_, '_> {
    /// Runs one typed read and records how it went.
    fn read<T>(self, f: impl FnOnce(&mut Cursor<'_>, Limits) -> Result<T, Malformed>) -> Result<T, Malformed> {
        let r = f(self.cur, self.limits);
        *self.read = if r.is_ok() { ReadState::Done } else { ReadState::Failed };
        r
    }

    /// A JSON string.
    pub fn string(self) -> Result<String, Malformed> {
        self.read(|cur, _| cur.string())
    }

    /// A JSON string that holds a secret: wiped when dropped, and decoded into one allocation
    /// of its final capacity, so no reallocation leaves a partial copy behind.
    pub fn secret_string(self) -> Result<Zeroizing<String>, Malformed> {
        self.read(|cur, _| {
            let mut out = Zeroizing::new(String::new());
            cur.string_into(&mut out)?;
            Ok(out)
        })
    }

    /// A JSON integer that fits in an `i64` (`1.5`, `1e3`, `-0` and strings are refused).
    pub fn integer(self) -> Result<i64, Malformed> {
        self.read(|cur, _| {
            let start = cur.i;
            if !cur.number()? {
                return Err(Malformed);
            }
            let text = cur.b.get(start..cur.i).and_then(|t| core::str::from_utf8(t).ok()).ok_or(Malformed)?;
            if text == "-0" {
                return Err(Malformed);
            }
            text.parse().map_err(|_| Malformed)
        })
    }

    /// `null` (as `None`) or a JSON string.
    pub fn nullable_string(self) -> Result<Option<String>, Malformed> {
        self.read(|cur, _| if cur.literal(b"null") { Ok(None) } else { cur.string().map(Some) })
    }

    /// A JSON string, or an array of JSON strings.
    pub fn one_or_many(self) -> Result<OneOrMany, Malformed> {
        self.read(|cur, _| {
            if cur.peek() != Some(b'[') {
                return cur.string().map(OneOrMany::One);
            }
            let mut all = Vec::new();
            cur.array(|cur| {
                all.push(cur.string()?);
                Ok(())
            })?;
            Ok(OneOrMany::Many(all))
        })
    }

    /// A nested object, read under the same rules (its refusals make the outer read `Malformed`).
    pub fn object<M: Members>(self) -> Result<M, Malformed> {
        self.read(|cur, limits| cur.object(limits, &mut None))
    }
}
