//! zkauth-ksf: scrypt (RFC 7914) for the DarkAuth KSF, with every buffer allocated fallibly:
//! the 32 MiB `V` of N=32768, r=8 that cannot be had is an error, not an out-of-memory trap
//! that would kill the wasm instance (and strand the password in the unfinished login state).
//! The work buffers are wiped when dropped. Salsa20/8 is the `salsa20` crate's core;
//! PBKDF2-HMAC-SHA256 the `pbkdf2` crate's.
//!
//! Its own crate so that the npm package build, size-optimized everywhere else, can give
//! this hot loop (and the Salsa20/8 core instantiated here) opt-level 3: at "z" a DarkAuth
//! login's KSF takes about three times as long.

use pbkdf2::pbkdf2_hmac;
use salsa20::cipher::typenum::U4;
use salsa20::cipher::StreamCipherCore;
use salsa20::SalsaCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Words (u32) in one 64-byte Salsa20 block.
const BLOCK_WORDS: usize = 16;

/// Why scrypt did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScryptError {
    /// Parameters outside RFC 7914 §2 (N = 2^log_n > 1, r·p < 2^30, N < 2^(16r)), or an output
    /// length outside 1..=(2^32 − 1)·32.
    InvalidParams,
    /// A work buffer could not be allocated.
    OutOfMemory,
}

/// A zeroed buffer of `len` words, allocated fallibly and wiped on drop.
fn words(len: usize) -> Result<Zeroizing<Vec<u32>>, ScryptError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| ScryptError::OutOfMemory)?;
    v.resize(len, 0);
    Ok(Zeroizing::new(v))
}

/// `scrypt(password, salt, N = 2^log_n, r, p)` into `out` (RFC 7914 §6).
pub fn scrypt(password: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32, out: &mut [u8]) -> Result<(), ScryptError> {
    let (r, p) = (r as usize, p as usize);
    let fits = u32::from(log_n) < usize::BITS && u32::from(log_n) < 64;
    let rp_ok = r.checked_mul(p).is_some_and(|rp| rp < 1 << 30);
    let out_ok = !out.is_empty() && u64::try_from(out.len() / 32).is_ok_and(|blocks| blocks <= 0xffff_ffff);
    // N < 2^(128·r/8) = 2^(16r).
    if log_n == 0 || r == 0 || p == 0 || !fits || !rp_ok || !out_ok || usize::from(log_n) >= r.saturating_mul(16) {
        return Err(ScryptError::InvalidParams);
    }
    let n = 1usize << log_n;
    // One block B_i is 32·r words (128·r bytes).
    let block = r.checked_mul(2 * BLOCK_WORDS).ok_or(ScryptError::InvalidParams)?;
    let b_len = block.checked_mul(p).ok_or(ScryptError::InvalidParams)?;
    let v_len = block.checked_mul(n).ok_or(ScryptError::InvalidParams)?;
    let b_bytes = b_len.checked_mul(4).ok_or(ScryptError::InvalidParams)?;

    let mut bytes = Zeroizing::new(Vec::new());
    bytes.try_reserve_exact(b_bytes).map_err(|_| ScryptError::OutOfMemory)?;
    bytes.resize(b_bytes, 0);
    pbkdf2_hmac::<Sha256>(password, salt, 1, &mut bytes);
    let mut b = words(b_len)?;
    for (w, c) in b.iter_mut().zip(bytes.chunks_exact(4)) {
        *w = le_word(c);
    }
    let mut v = words(v_len)?;
    let mut t = words(block)?;
    for chunk in b.chunks_exact_mut(block) {
        ro_mix(chunk, &mut v, &mut t, n);
    }
    for (c, w) in bytes.chunks_exact_mut(4).zip(b.iter()) {
        c.copy_from_slice(&w.to_le_bytes());
    }
    pbkdf2_hmac::<Sha256>(password, &bytes, 1, out);
    Ok(())
}

/// A little-endian word from a 4-byte chunk (`chunks_exact(4)` gives nothing shorter).
fn le_word(c: &[u8]) -> u32 {
    match *c {
        [a, b, c, d] => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// ROMix (RFC 7914 §5) over one block `b` of 32·r words, with `v` (N blocks) and `t` (one
/// block) as work space.
fn ro_mix(b: &mut [u32], v: &mut [u32], t: &mut [u32], n: usize) {
    let len = b.len();
    for chunk in v.chunks_exact_mut(len) {
        chunk.copy_from_slice(b);
        block_mix(chunk, b);
    }
    for _ in 0..n {
        let j = integerify(b, n);
        if let Some(vj) = v.chunks_exact(len).nth(j) {
            for ((t, b), v) in t.iter_mut().zip(b.iter()).zip(vj) {
                *t = b ^ v;
            }
        }
        block_mix(t, b);
    }
}

/// `Integerify(B) mod N`: the first 64 bits of the last 64-byte block, little-endian.
fn integerify(b: &[u32], n: usize) -> usize {
    let mut last = b.rchunks_exact(BLOCK_WORDS).next().into_iter().flatten();
    let lo = u64::from(last.next().copied().unwrap_or(0));
    let hi = u64::from(last.next().copied().unwrap_or(0));
    // n is a power of two no larger than usize allows: the mask keeps the value below n.
    ((lo | hi << 32) as usize) & (n - 1)
}

/// BlockMix with Salsa20/8 (RFC 7914 §4): `output` = Y_0, Y_2, …, Y_{2r−2}, Y_1, Y_3, ….
fn block_mix(input: &[u32], output: &mut [u32]) {
    let mut x = [0u32; BLOCK_WORDS];
    if let Some(last) = input.rchunks_exact(BLOCK_WORDS).next() {
        x.copy_from_slice(last);
    }
    let (even, odd) = output.split_at_mut(input.len() / 2);
    let (mut even, mut odd) = (even.chunks_exact_mut(BLOCK_WORDS), odd.chunks_exact_mut(BLOCK_WORDS));
    for (i, chunk) in input.chunks_exact(BLOCK_WORDS).enumerate() {
        for (x, c) in x.iter_mut().zip(chunk) {
            *x ^= c;
        }
        salsa20_8(&mut x);
        let y = if i % 2 == 0 { even.next() } else { odd.next() };
        if let Some(y) = y {
            y.copy_from_slice(&x);
        }
    }
}

/// The Salsa20/8 core in place: `x = Salsa20/8(x)`.
fn salsa20_8(x: &mut [u32; BLOCK_WORDS]) {
    let mut out = Default::default();
    SalsaCore::<U4>::from_raw_state(*x).write_keystream_block(&mut out);
    for (w, c) in x.iter_mut().zip(out.chunks_exact(4)) {
        *w = le_word(c);
    }
}

#[cfg(test)]
mod tests;
