//! Standard input and output: one-line reads, 32-byte keys as hex, and single-write output
//! of secrets.
//!
//! Secrets arrive on standard input, never in arguments (which other local users can see).
//! Key buffers are fixed-size and wiped on drop; output holding a secret is written with one
//! `write_all` of a complete line, so the line-buffered stdout passes it straight through
//! instead of keeping a copy in its buffer.

use std::io::{self, Read, Write};

use zeroize::Zeroizing;

use crate::Failure;

/// Largest non-secret input read from standard input (a JWE): 1 MiB.
const MAX_LINE: usize = 1 << 20;

/// Room for one line of 64 hex digits and its newline, with slack to detect longer input.
const HEX_BUF: usize = 128;

/// `io_error` for a failed read or write.
pub fn io_failure(what: &str, e: &io::Error) -> Failure {
    Failure::rejected("io_error", format!("{what}: {e}"))
}

fn invalid_hex() -> Failure {
    Failure::rejected("invalid_hex", "standard input must be exactly one line of 64 hex digits (a 32-byte key)".into())
}

/// Strips one trailing `\n` or `\r\n`.
fn strip_newline(data: &[u8]) -> &[u8] {
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    data.strip_suffix(b"\r").unwrap_or(data)
}

/// Reads a 32-byte key given as one line of exactly 64 hex digits on standard input.
pub fn stdin_key32() -> Result<Zeroizing<[u8; 32]>, Failure> {
    let mut buf = Zeroizing::new([0u8; HEX_BUF]);
    let mut len = 0usize;
    let mut stdin = io::stdin().lock();
    while let Some(free) = buf.get_mut(len..) {
        if free.is_empty() {
            break;
        }
        match stdin.read(free) {
            Ok(0) => break,
            Ok(n) => len = len.saturating_add(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_failure("reading standard input", &e)),
        }
    }
    let line = strip_newline(buf.get(..len).unwrap_or_default());
    if line.len() != 64 {
        return Err(invalid_hex());
    }
    let mut key = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(line, &mut key[..]).map_err(|_| invalid_hex())?;
    Ok(key)
}

/// Reads one line of UTF-8 (at most 1 MiB) from standard input, without its trailing newline.
/// Any other line break inside is refused.
pub fn stdin_line(what: &'static str) -> Result<String, Failure> {
    let mut data = Vec::new();
    let limit = u64::try_from(MAX_LINE).unwrap_or(u64::MAX).saturating_add(1);
    io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut data)
        .map_err(|e| io_failure("reading standard input", &e))?;
    if data.len() > MAX_LINE {
        return Err(Failure::rejected("invalid_input", format!("{what} on standard input is larger than 1 MiB")));
    }
    let line = strip_newline(&data);
    if line.contains(&b'\n') || line.contains(&b'\r') {
        return Err(Failure::rejected("invalid_input", format!("{what} on standard input must be a single line")));
    }
    let text = std::str::from_utf8(line).map_err(|_| Failure::rejected("invalid_input", format!("{what} is not UTF-8")))?;
    Ok(text.to_string())
}

/// Writes `line` followed by a newline to standard output in one write.
pub fn print_line(line: &[u8]) -> Result<(), Failure> {
    let mut out = Zeroizing::new(Vec::with_capacity(line.len().saturating_add(1)));
    out.extend_from_slice(line);
    out.push(b'\n');
    write_stdout(&out)
}

/// Writes a 32-byte key as 64 lowercase hex digits and a newline, from a wiped stack buffer.
pub fn print_key_hex(key: &[u8; 32]) -> Result<(), Failure> {
    let mut out = Zeroizing::new([0u8; 65]);
    let (digits, newline) = out.split_at_mut(64);
    hex::encode_to_slice(key, digits).map_err(|_| Failure::rejected("invalid_input", "hex encoding".into()))?;
    newline.fill(b'\n');
    write_stdout(out.as_slice())
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(bytes).and_then(|()| stdout.flush()).map_err(|e| io_failure("writing standard output", &e))
}
