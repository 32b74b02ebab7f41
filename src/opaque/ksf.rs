//! The key-stretching functions a profile can choose (wire profile §2.2): scrypt for DarkAuth,
//! Argon2id for new deployments, and the identity function of the RFC 9807 vectors.

use opaque_ke::errors::InternalError;
use opaque_ke::generic_array::{ArrayLength, GenericArray};
use opaque_ke::ksf::Ksf;

/// The key-stretching function of a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stretch {
    /// No stretching: RFC 9807 conformance vectors only; the npm API cannot reach it.
    Identity,
    /// scrypt with empty salt and 32-byte output (DarkAuth: N=32768, r=8, p=1).
    Scrypt { log_n: u8, r: u32, p: u32 },
    /// Argon2id v1.3 with a 16-byte zero salt (opaque-ke's convention), output = Nh.
    Argon2id { memory_kib: u32, iterations: u32, parallelism: u32 },
}

impl Default for Stretch {
    /// The DarkAuth scrypt parameters (never Identity, so a forgotten KSF is never "none").
    fn default() -> Self {
        Stretch::Scrypt { log_n: 15, r: 8, p: 1 }
    }
}

impl Ksf for Stretch {
    fn hash<L: ArrayLength<u8>>(&self, input: GenericArray<u8, L>) -> Result<GenericArray<u8, L>, InternalError> {
        if *self == Stretch::Identity {
            return Ok(input);
        }
        let mut out = GenericArray::<u8, L>::default();
        // In the browser the KSF runs in a disposable instance, so its memory is given back.
        #[cfg(all(target_arch = "wasm32", feature = "ksf-instance"))]
        if let Some(done) = crate::wasm::ksf_instance::stretch(self, &input, &mut out) {
            done.map_err(|()| InternalError::KsfError)?;
            return Ok(out);
        }
        self.stretch_here(&input, &mut out).map_err(|()| InternalError::KsfError)?;
        Ok(out)
    }
}

impl Stretch {
    /// The bytes the KSF's work area takes (scrypt: 128·r·N; Argon2id: its memory cost);
    /// `None` when that does not fit in a `usize`. (Used where the KSF runs in a disposable instance.)
    #[cfg(all(target_arch = "wasm32", feature = "ksf-instance"))]
    pub(crate) fn work_area_bytes(&self) -> Option<usize> {
        match self {
            Stretch::Identity => Some(0),
            Stretch::Scrypt { log_n, r, .. } => scrypt_work_area(*log_n, *r),
            Stretch::Argon2id { memory_kib, .. } => usize::try_from(*memory_kib).ok()?.checked_mul(1024),
        }
    }

    /// The same KSF with a small work area (scrypt N ≤ 4096 and p = 1: 4 MiB for DarkAuth;
    /// Argon2id ≤ 4 MiB and t = 1), which a disposable instance runs on zeros while it is
    /// prepared. V8 compiles a wasm function with its optimising tier only after it has run a
    /// while, and a call already running keeps its baseline code; the KSF's hot loop is one long
    /// call, so without this the click's KSF on a fresh page runs in baseline code (first login
    /// on a fresh page, DarkAuth: 76–87 ms without, 75–79 ms with; see bench/README.md).
    #[cfg(all(target_arch = "wasm32", feature = "ksf-instance"))]
    pub(crate) fn warm_up(&self) -> Option<Stretch> {
        match *self {
            Stretch::Identity => None,
            Stretch::Scrypt { log_n, r, .. } => Some(Stretch::Scrypt { log_n: log_n.min(12), r, p: 1 }),
            Stretch::Argon2id { memory_kib, parallelism, .. } => Some(Stretch::Argon2id { memory_kib: memory_kib.min(4096), iterations: 1, parallelism }),
        }
    }

    /// Runs the KSF in this instance (natively: in this process). `out` has the input's length.
    pub(crate) fn stretch_here(&self, input: &[u8], out: &mut [u8]) -> Result<(), ()> {
        match self {
            Stretch::Identity => {
                if input.len() != out.len() {
                    return Err(());
                }
                out.copy_from_slice(input);
                Ok(())
            }
            Stretch::Scrypt { log_n, r, p } => scrypt(input, &[], *log_n, *r, *p, out),
            Stretch::Argon2id { memory_kib, iterations, parallelism } => {
                let cost = Argon2Cost { memory_kib: *memory_kib, iterations: *iterations, parallelism: *parallelism };
                argon2id(input, &[0u8; 16], &[], &[], cost, out).map_err(|_| ())
            }
        }
    }
}

/// scrypt (RFC 7914, the `scrypt` crate; a profile's KSF uses an empty salt). The crate allocates its work
/// area (128·r·N bytes: 32 MiB for DarkAuth) infallibly, and in wasm a failed allocation is a
/// trap that kills the instance with the password still inside. So the same amount is reserved
/// fallibly first and released just before the crate asks for it: memory that cannot be had
/// is an error (`ksf_failed`, `opaque_login_failed` at login), and in single-threaded wasm the
/// allocator hands the crate the block the probe just returned.
pub(crate) fn scrypt(password: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32, out: &mut [u8]) -> Result<(), ()> {
    // RFC 7914 §2: N = 2^log_n must be greater than 1 (the crate also takes N = 1).
    if log_n == 0 {
        return Err(());
    }
    let params = scrypt::Params::new(log_n, r, p, out.len()).map_err(|_| ())?;
    let work = scrypt_work_area(log_n, r).ok_or(())?;
    if !can_allocate(work) {
        return Err(());
    }
    scrypt::scrypt(password, salt, &params, out).map_err(|_| ())
}

/// Whether `bytes` can be allocated right now: a block of that size is taken from the global
/// allocator (the one the KSF will ask) and given straight back, never written, so the wasm
/// build's zeroizing allocator is told not to wipe it (32 MiB of stores and first touches for
/// scrypt, measured at about as long as scrypt itself).
pub(crate) fn can_allocate(bytes: usize) -> bool {
    probe(bytes, false)
}

/// [`can_allocate`], and one zero byte written to every 4 KiB page of the block before it is
/// given back (a disposable instance made ready ahead of the click: its fresh memory's
/// first-write faults then happen before the KSF).
#[cfg(all(target_arch = "wasm32", feature = "ksf-instance"))]
pub(crate) fn touch_pages(bytes: usize) -> bool {
    probe(bytes, true)
}

fn probe(bytes: usize, touch: bool) -> bool {
    use std::alloc::Layout;
    if bytes == 0 {
        return true;
    }
    let Ok(layout) = Layout::from_size_align(bytes, 16) else {
        return false;
    };
    // SAFETY: `layout` has a non-zero size; the block is freed with the same layout; the only
    // accesses are writes at offsets below `bytes`, and zeros are what it holds afterwards.
    unsafe {
        let block = std::alloc::alloc(layout);
        if block.is_null() {
            return false;
        }
        if touch {
            for offset in (0..bytes).step_by(4096) {
                block.add(offset).write_volatile(0);
            }
        }
        #[cfg(all(target_arch = "wasm32", feature = "zeroizing-allocator"))]
        crate::wasm::alloc::dealloc_unwritten(block, layout);
        #[cfg(not(all(target_arch = "wasm32", feature = "zeroizing-allocator")))]
        std::alloc::dealloc(block, layout);
    }
    true
}

/// scrypt's work area, 128·r·N bytes; `None` when that does not fit in a `usize`.
fn scrypt_work_area(log_n: u8, r: u32) -> Option<usize> {
    let n = 1usize.checked_shl(u32::from(log_n))?;
    usize::try_from(r).ok()?.checked_mul(128)?.checked_mul(n)
}

/// Argon2id's cost parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Argon2Cost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

/// Argon2id v1.3 of `password` into `out`. A profile's KSF runs it with opaque-ke's 16-byte
/// zero salt and no secret or associated data; the RFC 9106 known answer with all four.
pub(crate) fn argon2id(password: &[u8], salt: &[u8], secret: &[u8], ad: &[u8], cost: Argon2Cost, out: &mut [u8]) -> Result<(), argon2::Error> {
    let mut builder = argon2::ParamsBuilder::new();
    builder.m_cost(cost.memory_kib).t_cost(cost.iterations).p_cost(cost.parallelism).output_len(out.len());
    if !ad.is_empty() {
        builder.data(argon2::AssociatedData::new(ad)?);
    }
    let params = builder.build()?;
    // Allocate the work area fallibly: an allocation failure must be an error, not a wasm trap
    // that would strand the password in the unfinished state.
    let mut blocks: Vec<argon2::Block> = Vec::new();
    blocks.try_reserve_exact(params.block_count()).map_err(|_| argon2::Error::MemoryTooLittle)?;
    blocks.resize(params.block_count(), argon2::Block::default());
    let hasher = if secret.is_empty() {
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
    } else {
        argon2::Argon2::new_with_secret(secret, argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)?
    };
    let result = hasher.hash_password_into_with_memory(password, salt, out, &mut blocks);
    // The wasm package's zeroizing allocator wipes `blocks` when they are freed (or, in a
    // disposable KSF instance, the page zeroes the whole memory): a second 64 MiB pass here
    // would only add to the click.
    #[cfg(not(all(target_arch = "wasm32", feature = "zeroizing-allocator")))]
    blocks.iter_mut().for_each(zeroize::Zeroize::zeroize);
    result
}
