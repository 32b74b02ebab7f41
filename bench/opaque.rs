//! Native side of the OPAQUE client-finish benchmark: the DarkAuth profile (scrypt N=32768)
//! and Argon2id (64 MiB, t = 3, p = 4). Prints one machine-readable line each:
//! `native_client_finish_ms p50=<ms> n=<iters>`, `native_argon2id_finish_ms p50=<ms> n=<iters>`.

use std::time::Instant;

fn main() {
    let iters = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(15);
    let t0 = Instant::now();
    let now_ms = || t0.elapsed().as_secs_f64() * 1000.0;
    let argon2id = match zkauth::bench::argon2id_64m() {
        Ok(p) => p,
        Err(e) => fail(&e),
    };
    for (name, profile) in [("native_client_finish_ms", zkauth::opaque::Profile::darkauth()), ("native_argon2id_finish_ms", argon2id)] {
        match zkauth::bench::opaque_client_finish_ms(&profile, iters, now_ms, |_| ()) {
            Ok(mut v) => {
                v.sort_by(f64::total_cmp);
                let p50 = v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
                println!("{name} p50={p50:.2} n={iters}");
            }
            Err(e) => fail(&e),
        }
    }
}

fn fail(e: &zkauth::Error) -> ! {
    eprintln!("error: {}: {e}", e.code());
    std::process::exit(1);
}
