//! Server bench: OPAQUE login (start + finish) through HTTP on loopback next to the same
//! server-side work called as a library, measured in the same run. One connection, one
//! request at a time, so the HTTP figure is the cost per core; the client's work (blinding,
//! the KSF, KE3) runs between requests and is not timed. Bounded: a fixed number of logins.
//!
//! Then where an HTTP login's time goes beyond the library's (issue 20): one HTTP round trip to
//! an endpoint without database work, one indexed read three ways and the rate-limit upsert four
//! ways (an sqlx pool, a dedicated writer thread, a connection on the caller's thread, the
//! store's own path), each the median of many: what a statement costs next to a request, and
//! why the store's login path writes inline (store/fast_write.rs).
//!
//! With `ZKAUTH_TEST_POSTGRES` (make bench runs it under server/tests/with-postgres.sh), the same
//! HTTP logins on PostgreSQL too.
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

/// A server on loopback over `database` ("sqlite", or a PostgreSQL URL) with its data in `dir`,
/// a connection to it, and one registered user: the state, the connection, the profile and the
/// stored record.
async fn server(database: &str, dir: &std::path::Path) -> (zkauth_server::AppState, Conn, zkauth::opaque::Profile, String) {
    let toml = format!(
        "issuer = \"http://localhost:8080\"\nlisten = \"127.0.0.1:0\"\ndata_dir = \"{}\"\ndatabase = \"{database}\"\nopaque_profile = \"argon2id\"\n\
         [argon2id]\nmemory_kib = 8\niterations = 1\nparallelism = 1\n[rate_limits]\nlogin = {{ burst = 1000000, per_minute = 1000000 }}\n",
        dir.join("data").display()
    );
    let config = Config::parse(&toml, "bench.toml", Overrides::default()).unwrap();
    let profile = config.profile.clone();
    let state = build(config, &KekSource::DevFile, Clock::System).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = OpaqueClient::new(profile.clone());
    let mut conn = Conn::open(&addr.to_string(), "http://localhost:8080").await.unwrap();
    let (req, reg) = client.start_registration(&mut OsRng, b"bench password").unwrap();
    let start = ok(&mut conn, "/opaque/register/start", &json!({"request": req, "email": EMAIL})).await;
    let done = reg.finish(&mut OsRng, start["message"].as_str().unwrap(), EMAIL).unwrap();
    let record_b64 = done.record.clone();
    let (status, _) = conn.post_json("/opaque/register/finish", &json!({"email": EMAIL, "record": done.record})).await.unwrap();
    assert_eq!(status, 201);
    (state, conn, profile, record_b64)
}

const EMAIL: &str = "bench@example.com";

/// `LOGINS` logins over HTTP (start + finish per login, the client's work untimed), then the
/// same server-side OPAQUE work as library calls (no HTTP, no database): each login's time.
async fn logins(state: &zkauth_server::AppState, conn: &mut Conn, profile: &zkauth::opaque::Profile, record_b64: &str) -> (Vec<Duration>, Vec<Duration>) {
    let client = OpaqueClient::new(profile.clone());
    let mut http = Vec::with_capacity(LOGINS);
    for i in 0..WARMUP + LOGINS {
        let (ke1, login) = client.start_login(&mut OsRng, b"bench password").unwrap();
        let t0 = Instant::now();
        let ke2 = ok(conn, "/opaque/login/start", &json!({"email": EMAIL, "request": ke1})).await;
        let mut elapsed = t0.elapsed();
        let fin = login.finish(&mut OsRng, ke2["message"].as_str().unwrap(), EMAIL).unwrap();
        let t1 = Instant::now();
        let done = ok(conn, "/opaque/login/finish", &json!({"finish": fin.finish, "sessionId": ke2["sessionId"]})).await;
        elapsed += t1.elapsed();
        assert_eq!(done["success"], true);
        if i >= WARMUP {
            http.push(elapsed);
        }
    }
    let record = StoredRecord::new(profile, record_b64).unwrap();
    let setup = &state.secrets.opaque;
    let mut lib = Vec::with_capacity(LOGINS);
    for i in 0..WARMUP + LOGINS {
        let (ke1, login) = client.start_login(&mut OsRng, b"bench password").unwrap();
        let t0 = Instant::now();
        let (ke2, server_state) = setup.login_start(&mut OsRng, profile, Some(&record), &ke1, EMAIL.as_bytes(), EMAIL.as_bytes()).unwrap();
        let mut elapsed = t0.elapsed();
        let fin = login.finish(&mut OsRng, &ke2, EMAIL).unwrap();
        let t1 = Instant::now();
        server_state.finish(&fin.finish).unwrap();
        elapsed += t1.elapsed();
        if i >= WARMUP {
            lib.push(elapsed);
        }
    }
    http.sort();
    lib.sort();
    (http, lib)
}

/// A new, empty database in the PostgreSQL cluster at `base`: its URL.
async fn fresh_pg_database(base: &str, name: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres")).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    admin.close().await.unwrap();
    format!("{base}/{name}")
}

/// Logins per second over a set of per-login times.
fn rate(v: &[Duration]) -> f64 {
    v.len() as f64 / v.iter().sum::<Duration>().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (state, mut conn, profile, record_b64) = server("sqlite", dir.path()).await;
    let (http, lib) = logins(&state, &mut conn, &profile, &record_b64).await;

    // The parts: a request that touches no table (GET /opaque/config), an indexed read that
    // finds nothing through sqlx's pool (a read the login path does not make), the same read on
    // a dedicated connection, and the login path's read through the store (its dedicated read
    // connection). Then the login rate limit's upsert four ways: through an sqlx pool of its
    // own on the same file, on a dedicated writer thread (a channel there, a oneshot back), on a
    // connection on this thread, and through the store (store/fast_write.rs: inline).
    let file = dir.path().join("data").join("zkauth.db");
    let mut request = Vec::with_capacity(LOGINS);
    let mut read = Vec::with_capacity(LOGINS);
    let mut store_upsert = Vec::with_capacity(LOGINS);
    let bucket = zkauth_server::store::Bucket { burst: 1_000_000, per_minute: 1_000_000 };
    for i in 0..WARMUP + LOGINS {
        let t0 = Instant::now();
        let (status, _) = conn.send("GET", "/opaque/config", None).await.unwrap();
        let t1 = Instant::now();
        assert_eq!(status, 200);
        assert!(state.store.user_by_email("no-such@example.com").await.unwrap().is_none());
        let t2 = Instant::now();
        assert!(state.store.rate_limit("bench:statement", bucket, 1_800_000_000_000 + i as i64).await.unwrap().is_none());
        let t3 = Instant::now();
        if i >= WARMUP {
            request.push(t1 - t0);
            read.push(t2 - t1);
            store_upsert.push(t3 - t2);
        }
    }
    // The store's rate-limit upsert (store/limits.rs); `$n` for sqlx, `?n` for rusqlite.
    let drained = "(CASE WHEN rate_limits.level - (CASE WHEN $2 > rate_limits.updated_ms THEN $2 - rate_limits.updated_ms ELSE 0 END) * $3 > 0 \
                   THEN rate_limits.level - (CASE WHEN $2 > rate_limits.updated_ms THEN $2 - rate_limits.updated_ms ELSE 0 END) * $3 ELSE 0 END)";
    let upsert_sql = format!(
        "INSERT INTO rate_limits (bucket, level, updated_ms) VALUES ($1, $4, $2) ON CONFLICT (bucket) DO UPDATE SET level = {drained} + $4, updated_ms = $2 \
         WHERE {drained} + $4 <= $5 RETURNING level"
    );
    let numbered = upsert_sql.replace('$', "?");
    let args = |key: &'static str, i: usize| (key, 1_800_000_000_000 + i as i64, 1_000_000_i64, 60_000_i64, 60_000_000_000_i64);

    // Through an sqlx pool set up as the store's (the `Any` driver, no ping before each use,
    // synchronous = NORMAL) on the same file.
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .test_before_acquire(false)
        .after_connect(|conn, _| Box::pin(async move { sqlx::query("PRAGMA synchronous = NORMAL").execute(conn).await.map(|_| ()) }))
        .connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let mut pooled_upsert = Vec::with_capacity(LOGINS);
    for i in 0..WARMUP + LOGINS {
        let t0 = Instant::now();
        let level: Option<(i64,)> = sqlx::query_as(&upsert_sql)
            .bind("bench:pool")
            .bind(1_800_000_000_000 + i as i64)
            .bind(1_000_000_i64)
            .bind(60_000_i64)
            .bind(60_000_000_000_i64)
            .fetch_optional(&pool)
            .await
            .unwrap();
        if i >= WARMUP {
            pooled_upsert.push(t0.elapsed());
        }
        assert!(level.is_some());
    }
    pool.close().await;

    // On a dedicated writer thread: what sqlx's worker does, without the pool or `Any`.
    let (jobs, queue) = std::sync::mpsc::channel::<(usize, tokio::sync::oneshot::Sender<i64>)>();
    let writer = {
        let (file, numbered) = (file.clone(), numbered.clone());
        std::thread::spawn(move || {
            let db = rusqlite::Connection::open(file).unwrap();
            db.pragma_update(None, "synchronous", "NORMAL").unwrap();
            db.busy_timeout(Duration::from_secs(5)).unwrap();
            for (i, answer) in queue {
                let level: i64 = db.prepare_cached(&numbered).unwrap().query_row(args("bench:thread", i), |r| r.get(0)).unwrap();
                let _ = answer.send(level);
            }
        })
    };
    let mut thread_upsert = Vec::with_capacity(LOGINS);
    for i in 0..WARMUP + LOGINS {
        let t0 = Instant::now();
        let (answer, answered) = tokio::sync::oneshot::channel();
        jobs.send((i, answer)).unwrap();
        assert!(answered.await.unwrap() > 0);
        if i >= WARMUP {
            thread_upsert.push(t0.elapsed());
        }
    }
    drop(jobs);
    writer.join().unwrap();

    // On one rusqlite connection on this thread, prepared once.
    let db = rusqlite::Connection::open(&file).unwrap();
    db.pragma_update(None, "synchronous", "NORMAL").unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut read_user = db.prepare("SELECT sub, email, name, opaque_record, opaque_profile FROM users WHERE email = ?1").unwrap();
    let mut bump = db.prepare(&numbered).unwrap();
    // The store's own read path (store/fast_read.rs), which the login's reads take on SQLite.
    let mut fast = Vec::with_capacity(LOGINS);
    for i in 0..WARMUP + LOGINS {
        let t0 = Instant::now();
        assert!(state.store.user_by_sub("no-such-sub").await.unwrap().is_none());
        if i >= WARMUP {
            fast.push(t0.elapsed());
        }
    }
    let mut direct_read = Vec::with_capacity(LOGINS);
    let mut direct_upsert = Vec::with_capacity(LOGINS);
    for i in 0..WARMUP + LOGINS {
        let t0 = Instant::now();
        let found = read_user.query_row(["no-such@example.com"], |_| Ok(())).is_ok();
        let t1 = Instant::now();
        let level: i64 = bump.query_row(args("bench:direct", i), |r| r.get(0)).unwrap();
        let t2 = Instant::now();
        assert!(!found && level > 0);
        if i >= WARMUP {
            direct_read.push(t1 - t0);
            direct_upsert.push(t2 - t1);
        }
    }
    for v in [&mut request, &mut read, &mut direct_read, &mut fast, &mut pooled_upsert, &mut thread_upsert, &mut direct_upsert, &mut store_upsert] {
        v.sort();
    }
    let us = |v: &[Duration]| percentile(v, 0.5).as_secs_f64() * 1e6;

    let (http_rate, lib_rate) = (rate(&http), rate(&lib));

    // The same HTTP logins on PostgreSQL (make bench runs this under with-postgres.sh), with
    // their own library run beside them.
    let (postgres, postgres_ratio) = match std::env::var("ZKAUTH_TEST_POSTGRES") {
        Ok(base) => {
            let db = fresh_pg_database(&base, &format!("zk_login_{}", std::process::id())).await;
            let pg_dir = tempfile::tempdir().unwrap();
            let (pg_state, mut pg_conn, _, pg_record) = server(&db, pg_dir.path()).await;
            let (pg_http, pg_lib) = logins(&pg_state, &mut pg_conn, &profile, &pg_record).await;
            let ratio = rate(&pg_http) / rate(&pg_lib);
            (
                format!(
                    "| HTTP on loopback (axum + PostgreSQL 15; the library {:.0}/s beside it) | {:.0} | {:.2} | {:.2} |\n",
                    rate(&pg_lib),
                    rate(&pg_http),
                    ms(percentile(&pg_http, 0.5)),
                    ms(percentile(&pg_http, 0.99))
                ),
                format!("; on PostgreSQL: **{:.0}%** (goal ≥ 65%: {})", ratio * 100.0, if ratio >= 0.65 { "met" } else { "missed" }),
            )
        }
        Err(_) => ("| HTTP on loopback (axum + PostgreSQL) | not run: no ZKAUTH_TEST_POSTGRES (make bench provides one) | | |\n".to_string(), String::new()),
    };
    let ratio = http_rate / lib_rate;
    let table = format!(
        "| server: OPAQUE login start+finish, one core | logins/s | p50 ms | p99 ms |\n|---|---|---|---|\n\
         | library only (same run) | {lib_rate:.0} | {:.2} | {:.2} |\n| HTTP on loopback (axum + SQLite) | {http_rate:.0} | {:.2} | {:.2} |\n{postgres}\n\
         HTTP / library on SQLite: **{:.0}%** (goal ≥ 80%: {}){postgres_ratio}\n\n\
         | where the HTTP login's time goes (medians, same run) | µs |\n|---|---|\n\
         | HTTP round trip, no database (`GET /opaque/config`) | {:.0} |\n\
         | one indexed read through sqlx's pool (`users` by `email`, no row) | {:.0} |\n\
         | the same read on a dedicated rusqlite connection, statement prepared once | {:.1} |\n\
         | a login-path read through the store (`users` by `sub`: its dedicated read connection) | {:.1} |\n\
         | one upsert through an sqlx pool (the rate-limit bucket statement) | {:.0} |\n\
         | the same upsert on a dedicated writer thread (a channel there, a oneshot back) | {:.0} |\n\
         | the same upsert on a rusqlite connection on this thread | {:.1} |\n\
         | the login path's upsert through the store (its dedicated connection, inline) | {:.1} |\n\
         | HTTP login p50 minus library p50 (two requests and every statement) | {:.0} |\n",
        ms(percentile(&lib, 0.5)),
        ms(percentile(&lib, 0.99)),
        ms(percentile(&http, 0.5)),
        ms(percentile(&http, 0.99)),
        ratio * 100.0,
        if ratio >= 0.8 { "met" } else { "missed" },
        us(&request),
        us(&read),
        us(&direct_read),
        us(&fast),
        us(&pooled_upsert),
        us(&thread_upsert),
        us(&direct_upsert),
        us(&store_upsert),
        (ms(percentile(&http, 0.5)) - ms(percentile(&lib, 0.5))) * 1000.0,
    );
    println!("\n{table}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("server.md"), &table).unwrap();
}
