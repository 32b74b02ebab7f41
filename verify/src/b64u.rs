//! Canonical base64url without padding (RFC 4648 §5), the only binary encoding on the wire.
//!
//! Decoding accepts exactly the strings `encode` can produce: alphabet `[A-Za-z0-9_-]`,
//! no padding, no whitespace, non-empty, and zero unused trailing bits.

use base64ct::{Base64UrlUnpadded, Encoding};
use zeroize::Zeroizing;

use crate::Error;

/// Encodes bytes as base64url without padding.
pub fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes a canonical base64url string; `what` names the field in the error.
pub fn decode(s: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
        return Err(Error::InvalidBase64Url(what));
    }
    // Decoded bytes may be secret (wrapped keys, recovery secrets): wipe every copy we drop.
    let mut bytes = Zeroizing::new(Base64UrlUnpadded::decode_vec(s).map_err(|_| Error::InvalidBase64Url(what))?);
    // base64ct already refuses non-zero trailing bits; re-encoding keeps the rule explicit.
    let again = Zeroizing::new(encode(&bytes));
    if Base64UrlUnpadded::encoded_len(&bytes) != s.len() || again.as_str() != s {
        return Err(Error::InvalidBase64Url(what));
    }
    Ok(core::mem::take(&mut *bytes))
}

/// Decodes a canonical base64url string that must hold exactly `N` bytes.
pub fn decode_array<const N: usize>(s: &str, what: &'static str) -> Result<[u8; N], Error> {
    let bytes = Zeroizing::new(decode(s, what)?);
    let mut out = [0u8; N];
    if bytes.len() != N {
        return Err(Error::InvalidLength { what, expected: N, actual: bytes.len() });
    }
    out.copy_from_slice(&bytes);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4648 §10 test vectors, in the base64url alphabet without padding.
    #[test]
    fn rfc4648_vectors() {
        let cases: [(&[u8], &str); 6] =
            [(b"f", "Zg"), (b"fo", "Zm8"), (b"foo", "Zm9v"), (b"foob", "Zm9vYg"), (b"fooba", "Zm9vYmE"), (b"foobar", "Zm9vYmFy")];
        for (raw, enc) in cases {
            assert_eq!(encode(raw), enc);
            assert_eq!(decode(enc, "t").unwrap(), raw);
        }
        assert_eq!(encode(&[]), "");
    }

    #[test]
    fn url_alphabet() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8", "t").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("-_-_", "t").unwrap(), vec![0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn refuses_non_canonical() {
        for bad in ["", "Zg==", "Zg=", "Zm9v\n", " Zm9v", "Zm 9v", "Zm+v", "Zm/v", "Zh", "Zm9", "Z", "Zm9vYmFy!", "é"] {
            assert_eq!(decode(bad, "t"), Err(Error::InvalidBase64Url("t")), "{bad:?}");
        }
        // "Zh" decodes to 0x66 with a non-zero unused bit: only "Zg" is canonical.
        assert_eq!(decode("Zm8", "t").unwrap(), b"fo");
        assert!(decode("Zm9", "t").is_err());
    }

    #[test]
    fn fixed_lengths() {
        assert_eq!(decode_array::<3>("Zm9v", "t").unwrap(), *b"foo");
        assert_eq!(decode_array::<4>("Zm9v", "t"), Err(Error::InvalidLength { what: "t", expected: 4, actual: 3 }));
    }
}
