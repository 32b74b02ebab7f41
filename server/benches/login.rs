//! Server bench: OPAQUE login (start + finish) through HTTP on loopback next to the same
//! server-side work called as a library, measured in the same run. One connection, one
//! request at a time, so the HTTP figure is the cost per core; the client's work (blinding,
//! the KSF, KE3) runs between requests and is not timed. Bounded: a fixed number of logins.
//!
//! Prints a markdown table and writes it to `target/bench/server.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::time::{Duration, Instant};

use rand_core::OsRng;
use serde_json::{json, Value};
use zkauth::opaque::server::StoredRecord;
use zkauth::opaque::OpaqueClient;
use zkauth_server::{build, router, Clock, Config, KekSource, Overrides};

const LOGINS: usize = 300;
const WARMUP: usize = 20;

#[path = "../tests/support/client.rs"]
mod client;

use client::Conn;

/// POST that must answer 200.
async fn ok(conn: &mut Conn, path: &str, body: &Value) -> Value {
    let (status, v) = conn.post_json(path, body).await.unwrap();
    assert_eq!(status, 200, "{path}: {v}");
    v
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "issuer = \"http://localhost:8080\"\nlisten = \"127.0.0.1:0\"\ndata_dir = \"{}\"\nopaque_profile = \"argon2id\"\n\
         [argon2id]\nmemory_kib = 8\niterations = 1\nparallelism = 1\n[rate_limits]\nlogin = {{ burst = 1000000, per_minute = 1000000 }}\n",
        dir.path().join("data").display()
    );
    let config = Config::parse(&toml, "bench.toml", Overrides::default()).unwrap();
    let profile = config.profile.clone();
    let state = build(config, &KekSource::DevFile, Clock::System).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let email = "bench@example.com";
    let client = OpaqueClient::new(profile.clone());
    let mut conn = Conn::open(&addr.to_string(), "http://localhost:8080").await.unwrap();
    let (req, reg) = client.start_registration(&mut OsRng, b"bench password").unwrap();
    let start = ok(&mut conn, "/opaque/register/start", &json!({"request": req, "email": email})).await;
    let done = reg.finish(&mut OsRng, start["message"].as_str().unwrap(), email).unwrap();
    let record_b64 = done.record.clone();
    let (status, _) = conn.post_json("/opaque/register/finish", &json!({"email": email, "record": done.record})).await.unwrap();
    assert_eq!(status, 201);

    // HTTP: start + finish per login, client work untimed.
    let mut http = Vec::with_capacity(LOGINS);
    for i in 0..WARMUP + LOGINS {
        let (ke1, login) = client.start_login(&mut OsRng, b"bench password").unwrap();
        let t0 = Instant::now();
        let ke2 = ok(&mut conn, "/opaque/login/start", &json!({"email": email, "request": ke1})).await;
        let mut elapsed = t0.elapsed();
        let fin = login.finish(&mut OsRng, ke2["message"].as_str().unwrap(), email).unwrap();
        let t1 = Instant::now();
        let done = ok(&mut conn, "/opaque/login/finish", &json!({"finish": fin.finish, "sessionId": ke2["sessionId"]})).await;
        elapsed += t1.elapsed();
        assert_eq!(done["success"], true);
        if i >= WARMUP {
            http.push(elapsed);
        }
    }

    // Library only: the same server-side OPAQUE work, no HTTP, no database.
    let record = StoredRecord::new(&profile, &record_b64).unwrap();
    let setup = &state.secrets.opaque;
    let mut lib = Vec::with_capacity(LOGINS);
    for i in 0..WARMUP + LOGINS {
        let (ke1, login) = client.start_login(&mut OsRng, b"bench password").unwrap();
        let t0 = Instant::now();
        let (ke2, server_state) = setup.login_start(&mut OsRng, &profile, Some(&record), &ke1, email.as_bytes(), email.as_bytes()).unwrap();
        let mut elapsed = t0.elapsed();
        let fin = login.finish(&mut OsRng, &ke2, email).unwrap();
        let t1 = Instant::now();
        server_state.finish(&fin.finish).unwrap();
        elapsed += t1.elapsed();
        if i >= WARMUP {
            lib.push(elapsed);
        }
    }

    http.sort();
    lib.sort();
    let rate = |v: &[Duration]| v.len() as f64 / v.iter().sum::<Duration>().as_secs_f64();
    let (http_rate, lib_rate) = (rate(&http), rate(&lib));
    let ratio = http_rate / lib_rate;
    let table = format!(
        "| server: OPAQUE login start+finish, one core | logins/s | p50 ms | p99 ms |\n|---|---|---|---|\n\
         | library only (same run) | {lib_rate:.0} | {:.2} | {:.2} |\n| HTTP on loopback (axum + SQLite) | {http_rate:.0} | {:.2} | {:.2} |\n\n\
         HTTP / library: **{:.0}%** (goal ≥ 80%: {})\n",
        ms(percentile(&lib, 0.5)),
        ms(percentile(&lib, 0.99)),
        ms(percentile(&http, 0.5)),
        ms(percentile(&http, 0.99)),
        ratio * 100.0,
        if ratio >= 0.8 { "met" } else { "missed" }
    );
    println!("\n{table}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("server.md"), &table).unwrap();
}
