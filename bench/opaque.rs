//! Native side of the OPAQUE client-finish benchmark (DarkAuth profile, scrypt N=32768).
//! Prints one machine-readable line: `native_client_finish_ms p50=<ms> n=<iters>`.

use std::time::Instant;

fn main() {
    let iters = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(15);
    let t0 = Instant::now();
    let now_ms = || t0.elapsed().as_secs_f64() * 1000.0;
    match zkauth::bench::opaque_client_finish_ms(&zkauth::opaque::Profile::darkauth(), iters, now_ms) {
        Ok(mut v) => {
            v.sort_by(f64::total_cmp);
            let p50 = v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
            println!("native_client_finish_ms p50={p50:.2} n={iters}");
        }
        Err(e) => {
            eprintln!("error: {}: {e}", e.code());
            std::process::exit(1);
        }
    }
}
