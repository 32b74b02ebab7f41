//! Benchmark hooks (cargo feature `bench`, never in the shipped package): times the OPAQUE
//! client's login finish with the same code natively (`cargo bench`) and in wasm (`make bench`),
//! for the DarkAuth profile (scrypt) and Argon2id at 64 MiB, t = 3, p = 4.

use rand_core::OsRng;

use crate::opaque::server::{ServerSetup, StoredRecord};
use crate::opaque::{ClientLogin, OpaqueClient, Profile};
use crate::Error;

/// The Argon2id profile of issue 12's comparison with serenity-kit: 64 MiB, t = 3, p = 4.
pub fn argon2id_64m() -> Result<Profile, Error> {
    Profile::argon2id(64 * 1024, 3, 4, "bench.example", "zkauth-bench")
}

const PASSWORD: &[u8] = b"benchmark password";
const IDENTITY: &str = "bench@example.com";

/// A registration for `profile`: the server's setup and the stored record.
pub fn register(profile: &Profile) -> Result<(ServerSetup, StoredRecord), Error> {
    let setup = ServerSetup::generate(&mut OsRng);
    let (req, reg) = OpaqueClient::new(profile.clone()).start_registration(&mut OsRng, PASSWORD)?;
    let resp = setup.registration_response(&req, IDENTITY.as_bytes())?;
    let done = reg.finish(&mut OsRng, &resp, IDENTITY)?;
    Ok((setup, StoredRecord::new(profile, &done.record)?))
}

/// A login up to the client's finish: KE1 sent, KE2 received (no KSF has run for it yet).
pub struct PendingLogin {
    login: ClientLogin,
    ke2: String,
}

impl PendingLogin {
    /// KE1 and the server's KE2 for the registration `setup`/`record`.
    pub fn start(profile: &Profile, setup: &ServerSetup, record: &StoredRecord) -> Result<PendingLogin, Error> {
        let (ke1, login) = OpaqueClient::new(profile.clone()).start_login(&mut OsRng, PASSWORD)?;
        let (ke2, _) = setup.login_start(&mut OsRng, profile, Some(record), &ke1, IDENTITY.as_bytes(), IDENTITY.as_bytes())?;
        Ok(PendingLogin { login, ke2 })
    }

    /// The client's finish (the KSF, the envelope, KE3), timed by `now_ms`: its duration in ms.
    pub fn finish_ms(self, now_ms: impl Fn() -> f64) -> Result<f64, Error> {
        let t0 = now_ms();
        let fin = self.login.finish(&mut OsRng, &self.ke2, IDENTITY)?;
        let ms = now_ms() - t0;
        drop(fin);
        Ok(ms)
    }
}

/// Runs `iters` logins for `profile` and returns the client-finish durations in ms, timed by
/// `now_ms`; `before_click` runs before each one's clock starts (in the browser: what the login
/// page does while the user types, `OpaqueProfile.prepare()`).
pub fn opaque_client_finish_ms(profile: &Profile, iters: usize, now_ms: impl Fn() -> f64, before_click: impl Fn(&Profile)) -> Result<Vec<f64>, Error> {
    let (setup, record) = register(profile)?;
    let mut out = Vec::with_capacity(iters);
    for _ in 0..iters {
        let login = PendingLogin::start(profile, &setup, &record)?;
        before_click(profile);
        out.push(login.finish_ms(&now_ms)?);
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

    fn profile(argon2id: bool) -> Result<crate::opaque::Profile, JsValue> {
        if argon2id {
            super::argon2id_64m().map_err(crate::wasm::js_error)
        } else {
            Ok(crate::opaque::Profile::darkauth())
        }
    }

    /// A registration for the first-login rows, made in another page: `[setup, record]`.
    #[wasm_bindgen(js_name = benchRegister)]
    pub fn bench_register(argon2id: bool) -> Result<Vec<String>, JsValue> {
        let (setup, record) = super::register(&profile(argon2id)?).map_err(crate::wasm::js_error)?;
        Ok(vec![setup.to_b64u().to_string(), record.record_b64u()])
    }

    /// One login up to the client's finish, from a registration made in another page: when
    /// `finish` is timed, no KSF has run in this page yet.
    #[wasm_bindgen(js_name = BenchLogin)]
    pub struct BenchLogin(Option<super::PendingLogin>);

    #[wasm_bindgen(js_class = BenchLogin)]
    impl BenchLogin {
        #[wasm_bindgen(constructor)]
        pub fn new(argon2id: bool, setup: &str, record: &str) -> Result<BenchLogin, JsValue> {
            let profile = profile(argon2id)?;
            let setup = crate::opaque::server::ServerSetup::from_b64u(setup).map_err(crate::wasm::js_error)?;
            let record = crate::opaque::server::StoredRecord::new(&profile, record).map_err(crate::wasm::js_error)?;
            Ok(BenchLogin(Some(super::PendingLogin::start(&profile, &setup, &record).map_err(crate::wasm::js_error)?)))
        }

        /// The client's finish, timed: ms. Once.
        pub fn finish(&mut self) -> Result<f64, JsValue> {
            let login = self.0.take().ok_or_else(|| JsValue::from_str("finished"))?;
            let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into())?;
            let now = js_sys::Reflect::get(&perf, &"now".into())?.dyn_into::<js_sys::Function>()?;
            login.finish_ms(|| now.call0(&perf).ok().and_then(|v| v.as_f64()).unwrap_or(0.0)).map_err(crate::wasm::js_error)
        }
    }

    #[cfg(feature = "ksf-instance")]
    /// Whether the KSF runs in a disposable instance (the default) or in this one: the A/B of
    /// what giving the memory back costs.
    #[wasm_bindgen(js_name = benchKsfInDisposableInstance)]
    pub fn bench_ksf_in_disposable_instance(on: bool) {
        crate::wasm::ksf_instance::set_disabled(!on);
    }
}
