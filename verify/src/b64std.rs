//! Padded standard base64 (RFC 4648 §4), the encoding of note ciphertexts (wire profile §3.12).
//!
//! Built on [`crate::b64u`] by swapping the two alphabet characters and adding `=`, so decoding
//! accepts exactly the strings `encode` can produce: correct padding, no URL alphabet, no
//! whitespace, non-empty, zero unused trailing bits.

use crate::b64u;

/// Encodes bytes as padded standard base64.
pub fn encode(bytes: &[u8]) -> String {
    let mut s: String = b64u::encode(bytes)
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while s.len() % 4 != 0 {
        s.push('=');
    }
    s
}

/// Decodes canonical padded standard base64; `None` for anything `encode` cannot produce.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let body = s.trim_end_matches('=');
    if s.len() % 4 != 0 || s.len() - body.len() > 2 || body.contains(['-', '_']) {
        return None;
    }
    let url: String = body
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    b64u::decode(&url, "ciphertext").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_b64_matches_rfc4648() {
        for (raw, enc) in [(&b""[..], ""), (b"f", "Zg=="), (b"fo", "Zm8="), (b"foo", "Zm9v"), (b"foob", "Zm9vYg=="), (b"\xfb\xff", "+/8=")]
        {
            assert_eq!(encode(raw), enc);
            if !raw.is_empty() {
                assert_eq!(decode(enc).unwrap(), raw);
            }
        }
    }
}
