//! An application that links zkauth as an rlib keeps its own `#[global_allocator]`, on wasm32
//! too: zkauth's zeroizing allocator is opt-in (cargo feature `zeroizing-allocator`, which only
//! the npm package build turns on). Compiled for wasm32 by `make lint`, where a library-installed
//! allocator would make this file fail to build ("conflicts with global allocator in: zkauth").

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
// With the feature on, zkauth brings its own allocator and this embedder cannot have one.
#![cfg(not(feature = "zeroizing-allocator"))]

/// The embedder's allocator (here the system one).
#[global_allocator]
static EMBEDDER_ALLOCATOR: std::alloc::System = std::alloc::System;

#[test]
fn zkauth_runs_under_the_embedders_allocator() {
    let root = zkauth::RootKey::from_bytes([7; 32]);
    let cak = root.derive_client_app_key("u1", "ark_1", "app", None).unwrap();
    assert_eq!(cak.expose_secret().len(), 32);
}
