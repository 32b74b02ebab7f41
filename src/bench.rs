//! Benchmark hooks (cargo feature `bench`, never in the shipped package): times the OPAQUE
//! client's login finish with the same code natively (`cargo bench`) and in wasm (`make bench`),
//! for the DarkAuth profile (scrypt) and Argon2id at 64 MiB, t = 3, p = 4.

use rand_core::OsRng;

use crate::opaque::server::{ServerSetup, StoredRecord};
use crate::opaque::{OpaqueClient, Profile};
use crate::Error;

/// The Argon2id profile of issue 12's comparison with serenity-kit: 64 MiB, t = 3, p = 4.
pub fn argon2id_64m() -> Result<Profile, Error> {
    Profile::argon2id(64 * 1024, 3, 4, "bench.example", "zkauth-bench")
}

/// Runs `iters` logins for `profile` and returns the client-finish durations in ms, timed by
/// `now_ms`; `before_click` runs before each one's clock starts (in the browser: what the login
/// page does while the user types, `OpaqueProfile.prepare()`).
pub fn opaque_client_finish_ms(profile: &Profile, iters: usize, now_ms: impl Fn() -> f64, before_click: impl Fn(&Profile)) -> Result<Vec<f64>, Error> {
    let setup = ServerSetup::generate(&mut OsRng);
    let client = OpaqueClient::new(profile.clone());
    let (req, reg) = client.start_registration(&mut OsRng, b"benchmark password")?;
    let resp = setup.registration_response(&req, b"bench@example.com")?;
    let done = reg.finish(&mut OsRng, &resp, "bench@example.com")?;
    let record = StoredRecord::new(profile, &done.record)?;
    let mut out = Vec::with_capacity(iters);
    for _ in 0..iters {
        let (ke1, login) = client.start_login(&mut OsRng, b"benchmark password")?;
        let (ke2, _) = setup.login_start(&mut OsRng, profile, Some(&record), &ke1, b"bench@example.com", b"bench@example.com")?;
        before_click(profile);
        let t0 = now_ms();
        let fin = login.finish(&mut OsRng, &ke2, "bench@example.com")?;
        out.push(now_ms() - t0);
        drop(fin);
    }
    Ok(out)
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use std::cell::Cell;

    use wasm_bindgen::prelude::*;

    thread_local! {
        /// Whether each timed finish is preceded by `OpaqueProfile.prepare()` (the default).
        static PREPARE: Cell<bool> = const { Cell::new(true) };
    }

    /// What the login page does on the password field's focus, when [`PREPARE`] is on.
    fn before_click(profile: &crate::opaque::Profile) {
        #[cfg(feature = "ksf-instance")]
        if PREPARE.get() {
            crate::wasm::ksf_instance::prepare(&profile.stretch);
        }
        #[cfg(not(feature = "ksf-instance"))]
        let _ = (profile, PREPARE.get());
    }

    /// Whether the timed logins are prepared first (`OpaqueProfile.prepare()` before the clock
    /// starts, as the login page does on focus) or not: the A/B of what preparing buys.
    #[wasm_bindgen(js_name = benchPrepareKsf)]
    pub fn bench_prepare_ksf(on: bool) {
        PREPARE.set(on);
    }

    /// Client-finish times (ms) for the DarkAuth profile, measured inside wasm.
    #[wasm_bindgen(js_name = benchDarkauthClientFinish)]
    pub fn bench_darkauth_client_finish(iters: usize) -> Result<Vec<f64>, JsValue> {
        let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into())?;
        let now = js_sys::Reflect::get(&perf, &"now".into())?.dyn_into::<js_sys::Function>()?;
        let now_ms = || now.call0(&perf).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        super::opaque_client_finish_ms(&crate::opaque::Profile::darkauth(), iters, now_ms, before_click).map_err(crate::wasm::js_error)
    }

    /// Client-finish times (ms) for Argon2id 64 MiB, t = 3, p = 4, measured inside wasm.
    #[wasm_bindgen(js_name = benchArgon2idClientFinish)]
    pub fn bench_argon2id_client_finish(iters: usize) -> Result<Vec<f64>, JsValue> {
        let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into())?;
        let now = js_sys::Reflect::get(&perf, &"now".into())?.dyn_into::<js_sys::Function>()?;
        let now_ms = || now.call0(&perf).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        let profile = super::argon2id_64m().map_err(crate::wasm::js_error)?;
        super::opaque_client_finish_ms(&profile, iters, now_ms, before_click).map_err(crate::wasm::js_error)
    }

    #[cfg(feature = "ksf-instance")]
    /// Whether the KSF runs in a disposable instance (the default) or in this one: the A/B of
    /// what giving the memory back costs.
    #[wasm_bindgen(js_name = benchKsfInDisposableInstance)]
    pub fn bench_ksf_in_disposable_instance(on: bool) {
        crate::wasm::ksf_instance::set_disabled(!on);
    }
}
