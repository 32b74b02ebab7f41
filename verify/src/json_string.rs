//! JSON string literals written exactly as `JSON.stringify` writes them (ECMA-262
//! QuoteJSONString): `"` and `\` escaped, `\b \f \n \r \t` short, every other control character
//! as `\u00xx` (lowercase hex), everything else verbatim. Infallible: the canonical AADs and
//! headers built from it can never come out empty.

/// Appends `s` to `out` as a JSON string literal, quotes included.
pub fn push_json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len().saturating_add(2));
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let b = u32::from(c);
                out.push_str("\\u00");
                // b < 0x20: both nibbles index the 16-entry table.
                for nibble in [b >> 4, b & 0xf] {
                    out.push(HEX.get(nibble as usize).map_or('0', |h| char::from(*h)));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `s` as a JSON string literal, quotes included.
pub fn json_string(s: &str) -> String {
    let mut out = String::new();
    push_json_string(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_json_stringify_does() {
        assert_eq!(json_string(""), r#""""#);
        assert_eq!(json_string("a\"b\\c\n\u{1}é/\u{7f}\u{2028}😀"), r#""a\"b\\c\n\u0001é/\u{7f}\u{2028}😀""#.replace("\\u{7f}", "\u{7f}").replace("\\u{2028}", "\u{2028}"));
        // Every character below 0x80 and a few above, against serde_json (which follows
        // JSON.stringify's escaping for strings).
        let all: String = (0u32..0x80).chain([0xe9, 0x2028, 0xfeff, 0x1f600]).filter_map(char::from_u32).collect();
        for c in all.chars() {
            let s = c.to_string();
            assert_eq!(json_string(&s), serde_json::to_string(&s).unwrap(), "U+{:04X}", u32::from(c));
        }
        assert_eq!(json_string(&all), serde_json::to_string(&all).unwrap());
    }
}
