//! Load bench: register + login + authorize + finalize + token, end to end over HTTP through
//! the round-robin proxy (`zkauth-lb`), against 1 and 2 `zkauth-server` processes, on SQLite
//! and (when `ZKAUTH_TEST_POSTGRES` is set, as `make bench` does) PostgreSQL. Loopback only,
//! bounded: each run lasts `ZKAUTH_LOAD_SECS` (default 30) and stops by itself.
//!
//! Two instances on two cores cannot show scaling (the load generator, the proxy, the instances
//! and PostgreSQL share the cores), so each row also gives the CPU time each kind of process
//! spent per full flow, from `/proc/PID/stat` (utime + stime) before and after the run: what
//! one more core buys is read from the servers' share.
//!
//! Prints a markdown table and writes it to `target/bench/load.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "../tests/support/client.rs"]
mod client;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use client::Conn;
use rand_core::OsRng;
use serde_json::json;
use sqlx::Connection;
use zkauth::delivery::DeliveryKeyPair;
use zkauth::opaque::{OpaqueClient, Profile};
use zkauth_verify::hash_b64u;

const ISSUER: &str = "http://localhost:9999";
const VIRTUAL_USERS: usize = 4;

struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// utime + stime of process `pid` in seconds (`/proc/PID/stat` fields 14 and 15, after the
/// parenthesised command name; Linux reports them in USER_HZ = 100 ticks a second).
fn cpu_secs(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // `rest` starts at field 3 (state): utime is field 14, stime field 15.
    (tick(11) + tick(12)) / 100.0
}

/// CPU seconds of every live process named `postgres` (the cluster's postmaster and backends).
fn postgres_cpu_secs() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0.0 };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .map(|pid| cpu_secs(&pid))
        .sum()
}

/// CPU seconds so far: the server instances, the proxy, this load generator, PostgreSQL.
fn cpu_snapshot(servers: &[u32], proxy: u32, postgres: bool) -> [f64; 4] {
    [
        servers.iter().map(|p| cpu_secs(&p.to_string())).sum(),
        cpu_secs(&proxy.to_string()),
        cpu_secs("self"),
        if postgres { postgres_cpu_secs() } else { 0.0 },
    ]
}

fn free_port() -> String {
    format!("127.0.0.1:{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port())
}

async fn wait_ready(addr: &str) {
    for _ in 0..400 {
        if let Ok(mut c) = Conn::open(addr, ISSUER).await {
            if let Ok((200, _)) = c.send("GET", "/opaque/config", None).await {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{addr} did not start");
}

#[derive(Default)]
struct Outcome {
    flows: usize,
    errors: usize,
    latencies: Vec<Duration>,
}

/// One virtual user: full flows in a loop until `until`; only request time is measured.
async fn virtual_user(proxy: String, id: usize, until: Instant) -> Outcome {
    let profile = Profile::argon2id(8, 1, 1, ISSUER, "").unwrap();
    let client = OpaqueClient::new(profile);
    let zk_pub = DeliveryKeyPair::generate(&mut OsRng).zk_pub().unwrap();
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let mut out = Outcome::default();
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let email = format!("vu{id}-{n}@load.example");
        let mut c = Conn::open(&proxy, ISSUER).await.unwrap();
        let mut spent = Duration::ZERO;
        let mut step = async |c: &mut Conn, method: &str, path: &str, body: Option<(&str, String)>| {
            let t = Instant::now();
            let r = c.request(method, path, body).await;
            spent += t.elapsed();
            if let Ok(r) = &r {
                if r.status >= 400 && std::env::var("ZKAUTH_LOAD_DEBUG").is_ok() {
                    eprintln!("{method} {path}: {} {}", r.status, r.body);
                }
            }
            r.ok().filter(|r| r.status < 400)
        };
        let ok: Option<()> = async {
            let (req, reg) = client.start_registration(&mut OsRng, b"load password").unwrap();
            let r = step(&mut c, "POST", "/opaque/register/start", Some(("application/json", json!({"request": req, "email": email}).to_string()))).await?;
            let done = reg.finish(&mut OsRng, r.body["message"].as_str()?, &email).ok()?;
            step(&mut c, "POST", "/opaque/register/finish", Some(("application/json", json!({"email": email, "record": done.record}).to_string()))).await?;
            let (ke1, login) = client.start_login(&mut OsRng, b"load password").unwrap();
            let r = step(&mut c, "POST", "/opaque/login/start", Some(("application/json", json!({"email": email, "request": ke1}).to_string()))).await?;
            let fin = login.finish(&mut OsRng, r.body["message"].as_str()?, &email).ok()?;
            let body = json!({"finish": fin.finish, "sessionId": r.body["sessionId"]}).to_string();
            step(&mut c, "POST", "/opaque/login/finish", Some(("application/json", body))).await?;
            let q = serde_urlencoded::to_string([
                ("response_type", "code"), ("client_id", "load-app"), ("redirect_uri", "http://localhost:9998/cb"), ("state", "s"),
                ("code_challenge", &hash_b64u(verifier)), ("code_challenge_method", "S256"), ("zk_pub", &zk_pub),
            ]).ok()?;
            let r = step(&mut c, "GET", &format!("/authorize?{q}"), None).await?;
            let location = r.header("location")?.to_string();
            let query: Vec<(String, String)> = serde_urlencoded::from_str(location.split_once('?')?.1).ok()?;
            let request_id = query.iter().find(|(k, _)| k == "request_id")?.1.clone();
            let form = serde_urlencoded::to_string([("request_id", request_id.as_str()), ("approve", "true"), ("zk_key_hash", &hash_b64u(&email))]).ok()?;
            let r = step(&mut c, "POST", "/authorize/finalize", Some(("application/x-www-form-urlencoded", form))).await?;
            let code = r.body["code"].as_str()?.to_string();
            let form = serde_urlencoded::to_string([
                ("grant_type", "authorization_code"), ("code", code.as_str()), ("client_id", "load-app"),
                ("redirect_uri", "http://localhost:9998/cb"), ("code_verifier", verifier),
            ]).ok()?;
            c.origin = "http://localhost:9998".into(); // the app's origin, as a browser would send it
            let r = step(&mut c, "POST", "/token", Some(("application/x-www-form-urlencoded", form))).await?;
            r.body["access_token"].as_str().map(|_| ())
        }
        .await;
        match ok {
            Some(()) => {
                out.flows += 1;
                out.latencies.push(spent);
            }
            None => out.errors += 1,
        }
    }
    out
}

async fn run(database: &str, instances: usize, secs: u64) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut procs = Procs(vec![]);
    let mut backends = vec![];
    for i in 0..instances {
        let addr = free_port();
        let file = dir.path().join(format!("i{i}.toml"));
        std::fs::write(
            &file,
            format!(
                "issuer = \"{ISSUER}\"\nlisten = \"{addr}\"\ndata_dir = \"{}\"\ndatabase = \"{database}\"\nopaque_profile = \"argon2id\"\n\
                 [rate_limits]\nlogin = {{ burst = 1000000, per_minute = 1000000 }}\nregister = {{ burst = 1000000, per_minute = 1000000 }}\n\
                 token = {{ burst = 1000000, per_minute = 1000000 }}\nauthorize = {{ burst = 1000000, per_minute = 1000000 }}\n[argon2id]\nmemory_kib = 8\niterations = 1\nparallelism = 1\n\
                 [[clients]]\nclient_id = \"load-app\"\nredirect_uris = [\"http://localhost:9998/cb\"]\nallowed_origins = [\"http://localhost:9998\"]\nzk_required = true\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        procs.0.push(
            Command::new(env!("CARGO_BIN_EXE_zkauth-server"))
                .args(["--config", file.to_str().unwrap(), "--dev"])
                .env("ZKAUTH_LOG", "error")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_ready(&addr).await;
        backends.push(addr);
    }
    let proxy = free_port();
    procs.0.push(Command::new(env!("CARGO_BIN_EXE_zkauth-lb")).arg(&proxy).args(&backends).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    wait_ready(&proxy).await;
    let server_pids: Vec<u32> = procs.0.iter().take(instances).map(Child::id).collect();
    let proxy_pid = procs.0.last().map(Child::id).unwrap_or(0);
    let postgres = database != "sqlite";
    let cpu_before = cpu_snapshot(&server_pids, proxy_pid, postgres);
    let until = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..VIRTUAL_USERS).map(|id| tokio::spawn(virtual_user(proxy.clone(), id, until))).collect();
    let mut all = Outcome::default();
    for t in tasks {
        let o = t.await.unwrap();
        all.flows += o.flows;
        all.errors += o.errors;
        all.latencies.extend(o.latencies);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = cpu_snapshot(&server_pids, proxy_pid, postgres);
    let per_flow = |i: usize| (cpu_after[i] - cpu_before[i]) * 1000.0 / all.flows.max(1) as f64;
    let cpu_cells = format!(
        "{:.1} | {:.1} | {:.1} | {} | {:.0}%",
        per_flow(0),
        per_flow(1),
        per_flow(2),
        if postgres { format!("{:.1}", per_flow(3)) } else { "–".into() },
        (0..4).map(|i| cpu_after[i] - cpu_before[i]).sum::<f64>() / elapsed / 2.0 * 100.0,
    );
    all.latencies.sort();
    let pct = |p: f64| all.latencies.get(((all.latencies.len().max(1) - 1) as f64 * p).round() as usize).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    let backend = if database == "sqlite" { "SQLite" } else { "PostgreSQL" };
    let rate = all.flows as f64 / elapsed;
    let (p50, p99) = (pct(0.5), pct(0.99));
    println!("{backend} × {instances}: {rate:.1} flows/s, p50 {p50:.1} ms, p99 {p99:.1} ms, errors {}; CPU ms/flow servers | proxy | load | postgres | cores busy (of 2): {cpu_cells}", all.errors);
    format!("| {backend} | {instances} | {rate:.1} | {p50:.1} | {p99:.1} | {:.1} | {} | {cpu_cells} |\n", if p50 > 0.0 { p99 / p50 } else { 0.0 }, all.errors)
}

async fn fresh_pg_database(base: &str, name: &str) -> String {
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres")).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    admin.close().await.unwrap();
    format!("{base}/{name}")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    sqlx::any::install_default_drivers();
    let secs: u64 = std::env::var("ZKAUTH_LOAD_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let mut table = format!(
        "Full flows (register + login + authorize + finalize + token) through zkauth-lb, {VIRTUAL_USERS} virtual users, {secs} s per row, this 2-core machine:\n\n\
         | backend | instances | flows/s | p50 ms | p99 ms | p99/p50 | errors | CPU ms/flow: servers | proxy | load generator | PostgreSQL | cores busy (of 2) |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    );
    for instances in [1, 2] {
        table.push_str(&run("sqlite", instances, secs).await);
    }
    match std::env::var("ZKAUTH_TEST_POSTGRES") {
        Ok(base) => {
            for instances in [1, 2] {
                let db = fresh_pg_database(&base, &format!("zk_load_{instances}")).await;
                table.push_str(&run(&db, instances, secs).await);
            }
        }
        Err(_) => table.push_str("| PostgreSQL | – | not run: no ZKAUTH_TEST_POSTGRES (make bench provides one) | | | | | | | | | |\n"),
    }
    println!("\n{table}");
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("load.md"), &table).unwrap();
}
