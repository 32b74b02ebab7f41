//! Login identities (e-mail addresses): what any request may name, and the normal form a new
//! account must use so that look-alike duplicates cannot exist (issue 23, finding 6).
//!
//! The normal form is NFKC of the whole address with the domain lower-cased (the local part's
//! case is the mailbox owner's business, RFC 5321 §2.4). The OPAQUE transcript binds the exact
//! identity string, so the server refuses an address that is not in normal form rather than
//! rewriting it; the login page normalises what the user types (`String.normalize('NFKC')`)
//! before it registers or logs in. Refused outright, because no normal form makes them safe:
//! invisible characters (default-ignorable code points, bidi controls, whitespace), and a
//! domain label or local part that mixes Latin, Greek and Cyrillic letters (`pаypal` with a
//! Cyrillic `а`). A whole-script look-alike (every letter Cyrillic) needs the Unicode
//! confusables data and is not caught.

use unicode_normalization::UnicodeNormalization;

use crate::error::{ApiError, ApiResult};

/// The longest identity (RFC 5321's path limit).
pub const MAX_LEN: usize = 254;

/// Any identity a login, reset or registration may name: 1..254 bytes, no control characters.
pub fn check(email: &str) -> ApiResult<()> {
    if email.is_empty() || email.len() > MAX_LEN || email.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest("email must be 1..254 characters without control characters"));
    }
    Ok(())
}

/// Default-ignorable code points (Unicode `DerivedCoreProperties.txt`,
/// `Default_Ignorable_Code_Point`) and the bidi controls: they render as nothing.
fn invisible(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// The three scripts whose letters pass for each other (Latin `a`, Cyrillic `а`, Greek `α`).
#[derive(PartialEq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
}

fn script(c: char) -> Option<Script> {
    if !c.is_alphabetic() {
        return None;
    }
    match c as u32 {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => Some(Script::Latin),
        0x370..=0x3FF | 0x1F00..=0x1FFF => Some(Script::Greek),
        0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Some(Script::Cyrillic),
        _ => None,
    }
}

/// Letters of two of the confusable scripts in one part.
fn mixed(part: &str) -> bool {
    let mut seen = part.chars().filter_map(script);
    match seen.next() {
        Some(first) => seen.any(|s| s != first),
        None => false,
    }
}

/// The normal form of `email`, or `None` when no normal form is safe (see the module docs).
pub fn normalized(email: &str) -> Option<String> {
    if email.chars().any(|c| invisible(c) || c.is_whitespace() || c.is_control()) {
        return None;
    }
    let nfkc: String = email.nfkc().collect();
    let (local, domain) = nfkc.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() || domain.contains('@') {
        return None;
    }
    let domain: String = domain.to_lowercase().nfkc().collect();
    if mixed(local) || domain.split('.').any(mixed) {
        return None;
    }
    let out = format!("{local}@{domain}");
    (!out.chars().any(|c| invisible(c) || c.is_whitespace() || c.is_control())).then_some(out)
}

/// A new account's identity: [`check`], and already in normal form.
pub fn check_new(email: &str) -> ApiResult<()> {
    check(email)?;
    if normalized(email).as_deref() != Some(email) {
        return Err(ApiError::InvalidRequest(
            "email must be one address in normal form (NFKC, lower-case domain) without invisible or mixed-script characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_forms() {
        // Expected values from Unicode's NFKC tables (UAX #15): fullwidth forms and ligatures
        // fold to ASCII, the domain is lower-cased, the local part keeps its case.
        for (input, want) in [
            ("ada@example.com", "ada@example.com"),
            ("Ada@Example.COM", "Ada@example.com"),
            ("ａｄａ@ｅｘａｍｐｌｅ.com", "ada@example.com"),
            ("ﬁona@example.com", "fiona@example.com"),
            ("ada@EXAMPLE.ＣＯＭ", "ada@example.com"),
            ("jürgen@bücher.de", "jürgen@bücher.de"),
            ("ju\u{308}rgen@example.de", "jürgen@example.de"), // combining diaeresis composes
            ("用户@例子.广告", "用户@例子.广告"),
            ("a@b@example.com", "a@b@example.com"), // the last @ splits; the local part may hold one
        ] {
            assert_eq!(normalized(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn no_safe_normal_form() {
        for input in [
            "ada@exam\u{200B}ple.com", // zero-width space
            "ad\u{AD}a@example.com",   // soft hyphen
            "ada@\u{202E}moc.elpmaxe", // right-to-left override
            "ada @example.com",
            "ada@example.com\u{FEFF}",
            "p\u{0430}ypal@example.com", // Cyrillic а beside Latin letters
            "ada@p\u{0430}ypal.com",
            "ada@\u{3bf}pen.example", // Greek ο beside Latin letters
            "ada",
            "@example.com",
            "ada@",
        ] {
            assert_eq!(normalized(input), None, "{input:?}");
        }
    }

    #[test]
    fn new_accounts_must_already_be_normal() {
        assert!(check_new("ada@example.com").is_ok());
        assert!(check_new("Ada@example.com").is_ok());
        assert!(check_new("ada@Example.com").is_err());
        assert!(check_new("ａｄａ@example.com").is_err());
        assert!(check_new("").is_err());
    }
}
