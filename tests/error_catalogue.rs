//! docs/errors.md lists exactly the codes of the Rust enums (`zkauth::Error`, with
//! `zkauth_verify::Error`) and of the JS layer (js/codes.js), each once. The package's
//! TypeScript union is built from the same two lists (js/build.mjs) and checked against the
//! catalogue by tests/js/catalogue.test.mjs.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeSet;

const CATALOGUE: &str = include_str!("../docs/errors.md");
const JS_CODES: &str = include_str!("../js/codes.js");

/// The codes of the catalogue's tables, above the CLI-only section: every table row's first
/// cell, `` `code` ``.
fn catalogue_codes() -> Vec<&'static str> {
    let sdk = CATALOGUE.split("\n## CLI only").next().unwrap();
    sdk.lines().filter_map(|l| l.strip_prefix("| `")).filter_map(|l| l.split_once("` |")).map(|(code, _)| code).collect()
}

/// The quoted names of js/codes.js's array.
fn js_codes() -> Vec<&'static str> {
    let list = JS_CODES.split_once('[').unwrap().1.split_once(']').unwrap().0;
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.trim_matches('\'')).collect()
}

#[test]
fn catalogue_lists_exactly_the_codes_of_the_enums_and_the_js_layer() {
    let catalogue = catalogue_codes();
    let unique: BTreeSet<&str> = catalogue.iter().copied().collect();
    assert_eq!(unique.len(), catalogue.len(), "a code is listed twice in docs/errors.md");
    let rust: BTreeSet<&str> = zkauth::Error::all_codes().collect();
    let js: BTreeSet<&str> = js_codes().into_iter().collect();
    assert!(rust.is_disjoint(&js), "a JS-layer code is also a Rust one: {:?}", rust.intersection(&js).collect::<Vec<_>>());
    let code_base: BTreeSet<&str> = rust.union(&js).copied().collect();
    assert_eq!(unique.difference(&code_base).collect::<Vec<_>>(), Vec::<&&str>::new(), "in docs/errors.md but thrown by nothing");
    assert_eq!(code_base.difference(&unique).collect::<Vec<_>>(), Vec::<&&str>::new(), "thrown but not in docs/errors.md");
    println!("error catalogue: {} codes ({} Rust, {} JS layer)", unique.len(), rust.len(), js.len());
}
