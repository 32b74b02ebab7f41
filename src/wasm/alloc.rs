//! A global allocator for the wasm build that wipes every block when it is freed or moved,
//! so copies made inside dependencies (protocol state, serde buffers, `Vec` growth) do not
//! linger in linear memory after their owner is gone.
//!
//! Installed only with the cargo feature `zeroizing-allocator`, which the npm package build
//! (`make pkg`) and the wasm tests turn on: an application that links zkauth as an rlib keeps
//! its own `#[global_allocator]`.

use std::alloc::{GlobalAlloc, Layout, System};

use zeroize::Zeroize;

struct ZeroizingAlloc;

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
            core::slice::from_raw_parts_mut(ptr, layout.size()).zeroize();
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

#[global_allocator]
static ALLOCATOR: ZeroizingAlloc = ZeroizingAlloc;
