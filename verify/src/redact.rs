//! `Debug` output that says a value is there without printing it, for the structs that carry
//! bindings (state, request id, hashes, subjects).

use std::fmt;

/// Prints `[redacted]` in place of a value.
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// `Some([redacted])` or `None`: whether a value was given, never the value.
pub fn redacted<T>(value: Option<T>) -> Option<Redacted> {
    value.map(|_| Redacted)
}
