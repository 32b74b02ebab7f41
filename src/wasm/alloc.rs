//! A global allocator for the wasm build that wipes every block when it is freed or moved,
//! so copies made inside dependencies (protocol state, serde buffers, `Vec` growth) do not
//! linger in linear memory after their owner is gone.
//!
//! Installed only with the cargo feature `zeroizing-allocator`, which the npm package build
//! (`make pkg`) and the wasm tests turn on: an application that links zkauth as an rlib keeps
//! its own `#[global_allocator]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

use zeroize::Zeroize;

struct ZeroizingAlloc;

/// Whether freeing wipes. Off only inside a disposable KSF instance (`ksf_instance`), whose
/// whole memory the page's instance zeroes with one `fill` as soon as the KSF returns: a wipe
/// of each of the KSF's blocks there would write its 32–64 MiB once more, on the click.
static WIPE: AtomicBool = AtomicBool::new(true);

/// Turns the wipe on free off for the rest of this instance's life (see [`WIPE`]).
#[cfg(all(feature = "login", feature = "ksf-instance"))]
pub(crate) fn leave_wiping_to_the_owner() {
    WIPE.store(false, Ordering::Relaxed);
}

// SAFETY: every call forwards to `System` with the same layout; the extra work only writes
// zeros into a block the caller owns and is about to give back.
unsafe impl GlobalAlloc for ZeroizingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe {
            if WIPE.load(Ordering::Relaxed) {
                wipe(core::slice::from_raw_parts_mut(ptr, layout.size()));
            }
            System.dealloc(ptr, layout);
        }
    }

    // Never let the inner allocator move a block without wiping the old one.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new = System.alloc(new_layout);
            if !new.is_null() {
                core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

/// Frees `block` through the global allocator without wiping it: for a block that never held
/// anything (the KSF's reservation probe, `crate::opaque::ksf`), whose wipe would be 32–64 MiB of
/// stores for nothing.
///
/// # Safety
/// As [`std::alloc::dealloc`]: `block` was allocated by the global allocator with `layout`.
#[cfg(feature = "login")]
pub(crate) unsafe fn dealloc_unwritten(block: *mut u8, layout: Layout) {
    let wiping = WIPE.swap(false, Ordering::Relaxed);
    // SAFETY: the caller's contract is dealloc's.
    unsafe { std::alloc::dealloc(block, layout) };
    WIPE.store(wiping, Ordering::Relaxed);
}

/// Zeroizes `block` with 8-byte stores where it is 8-byte aligned (zeroize's slice wipe writes
/// one element per volatile store: a byte at a time for `[u8]`, which made freeing a KSF's
/// 32–64 MiB work area cost tens of milliseconds).
fn wipe(block: &mut [u8]) {
    // SAFETY: every bit pattern is a valid u64, and `align_to_mut` only puts whole, aligned u64s in the middle.
    let (head, words, tail) = unsafe { block.align_to_mut::<u64>() };
    head.zeroize();
    words.zeroize();
    tail.zeroize();
}

#[global_allocator]
static ALLOCATOR: ZeroizingAlloc = ZeroizingAlloc;
