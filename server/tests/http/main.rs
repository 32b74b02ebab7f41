//! HTTP-level integration tests of the reference server: the real router on a real SQLite
//! file, driven by the SDK's native OPAQUE client and delivery code.

// Test code: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod harness;

mod admin;
mod backup;
mod confidential;
mod devices;
mod end_session;
mod flow;
mod instances;
mod lockout;
mod oidc;
mod openidconnect_rp;
mod passkeys;
mod prompt;
mod logs;
mod password;
mod proxies;
mod quotas;
mod refusals;
mod restart;
mod sessions;
mod sharing;
mod static_files;
mod step_up;
mod timing;
mod trusted_devices;
mod user_keys;
