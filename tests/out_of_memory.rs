//! Memory that cannot be had is an error, never an abort (in wasm, a trap that kills the
//! instance and every key in it): this binary's allocator refuses blocks above a per-thread
//! limit, and the operations that allocate in proportion to their input or to the KSF's cost
//! (AES-GCM's copy of the plaintext, scrypt's 32 MiB work area) must return an error.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use rand_core::OsRng;
use zkauth::opaque::server::ServerSetup;
use zkauth::opaque::{OpaqueClient, Profile};
use zkauth::DataKey;

thread_local! {
    /// Largest block this thread may allocate.
    static LIMIT: Cell<usize> = const { Cell::new(usize::MAX) };
}

fn limit() -> usize {
    LIMIT.try_with(Cell::get).unwrap_or(usize::MAX)
}

/// Refuses (returns null for) any block above the current thread's limit.
struct Limited;

// SAFETY: forwards to `System` with the caller's layout, or returns null, which GlobalAlloc
// allows for a failed allocation.
unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > limit() {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > limit() {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > limit() {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Limited = Limited;

/// Runs `f` with allocations above `bytes` refused on this thread.
fn with_limit<T>(bytes: usize, f: impl FnOnce() -> T) -> T {
    LIMIT.with(|l| l.set(bytes));
    let out = f();
    LIMIT.with(|l| l.set(usize::MAX));
    out
}

const MIB: usize = 1 << 20;

#[test]
fn aes_gcm_copy_of_a_large_plaintext() {
    let key = DataKey::from_bytes([3; 32]);
    let plaintext = vec![7u8; 3 * MIB];
    let err = with_limit(MIB, || key.encrypt(&mut OsRng, "note", &plaintext)).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    // With the memory, the same call succeeds.
    assert!(key.encrypt(&mut OsRng, "note", &plaintext).is_ok());
}

#[test]
fn scrypt_work_area_of_the_darkauth_ksf() {
    let profile = Profile::darkauth();
    let setup = ServerSetup::generate(&mut OsRng);
    let client = OpaqueClient::new(profile.clone());
    // scrypt N=32768, r=8 needs 32 MiB; allow 4.
    let (req, reg) = client.start_registration(&mut OsRng, b"pw").unwrap();
    let resp = setup.registration_response(&req, b"oom").unwrap();
    let err = with_limit(4 * MIB, || reg.finish(&mut OsRng, &resp, "oom")).unwrap_err();
    assert_eq!(err.code(), "ksf_failed");

    let (req, reg) = client.start_registration(&mut OsRng, b"pw").unwrap();
    let resp = setup.registration_response(&req, b"oom").unwrap();
    let record = zkauth::opaque::server::StoredRecord::new(&profile, &reg.finish(&mut OsRng, &resp, "oom").unwrap().record).unwrap();
    let (ke1, login) = client.start_login(&mut OsRng, b"pw").unwrap();
    let (ke2, _) = setup.login_start(&mut OsRng, &profile, Some(&record), &ke1, b"oom", b"oom").unwrap();
    let err = with_limit(4 * MIB, || login.finish(&mut OsRng, &ke2, "oom")).unwrap_err();
    assert_eq!(err.code(), "opaque_login_failed");
}
