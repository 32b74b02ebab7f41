//! Soak test (`make soak`, not part of `make test`): mixed traffic against one zkauth-server on
//! SQLite for `ZKAUTH_SOAK_SECS` (default 600), loopback only, stopping by itself.
//!
//! Four virtual users loop over a weighted mix: logins (right and wrong passwords, so the
//! backoff engages), authorize + finalize + token, refresh, and note writes, reads and deletes
//! (at most 50 notes a user: a steady state). Every grant keeps a 30-day refresh token (used
//! ones stay for reuse detection), so the database grows by that history and nothing else.
//! Each user keeps a ledger of the notes it wrote; at the end the server's notes must equal the
//! ledgers exactly (nothing lost, nothing duplicated). Every interval (a tenth of the run) it
//! prints the server's resident memory, the database's size on disk (file + WAL), requests,
//! p50/p99 latency and 5xx answers. Fails on any 5xx, any transport error, or a ledger
//! mismatch. Writes the table to `target/bench/soak.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "../tests/support/client.rs"]
mod client;

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use client::{Conn, Reply};
use rand_core::{OsRng, RngCore};
use serde_json::json;
use zkauth::delivery::DeliveryKeyPair;
use zkauth::opaque::{OpaqueClient, Profile};
use zkauth_verify::hash_b64u;

const ISSUER: &str = "http://localhost:9999";
const APP_ORIGIN: &str = "http://localhost:9998";
const VIRTUAL_USERS: usize = 4;
const PASSWORD: &[u8] = b"soak password";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// What every request adds to the current interval.
#[derive(Default)]
struct Window {
    latencies: Vec<Duration>,
    server_errors: usize,
    limited: usize,
}

#[derive(Default)]
struct Shared {
    window: Mutex<Window>,
    transport_errors: Mutex<usize>,
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> String {
    format!("127.0.0.1:{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port())
}

/// One request, timed and counted.
async fn call(shared: &Shared, c: &mut Conn, method: &str, path: &str, body: Option<(&str, String)>) -> Option<Reply> {
    let t = Instant::now();
    let r = c.request(method, path, body).await;
    let took = t.elapsed();
    match r {
        Ok(r) => {
            let mut w = shared.window.lock().unwrap();
            w.latencies.push(took);
            if r.status >= 500 {
                w.server_errors += 1;
                eprintln!("soak: {method} {path} answered {}: {}", r.status, r.body);
            }
            if r.status == 429 {
                w.limited += 1;
            }
            Some(r)
        }
        Err(e) => {
            eprintln!("soak: {method} {path}: {e}");
            *shared.transport_errors.lock().unwrap() += 1;
            None
        }
    }
}

fn json_body(v: serde_json::Value) -> Option<(&'static str, String)> {
    Some(("application/json", v.to_string()))
}

fn form_body(pairs: &[(&str, &str)]) -> Option<(&'static str, String)> {
    Some(("application/x-www-form-urlencoded", serde_urlencoded::to_string(pairs).unwrap()))
}

/// A logged-in browser of one account, and the app's tokens for it.
struct Account {
    email: String,
    browser: Conn,
    app: Conn,
    access: Option<String>,
    refresh: Option<String>,
    /// Note ids this user has written and not deleted.
    notes: BTreeSet<String>,
}

async fn login(shared: &Shared, client: &OpaqueClient, c: &mut Conn, email: &str, password: &[u8]) -> Option<u16> {
    let (ke1, state) = client.start_login(&mut OsRng, password).unwrap();
    let r = call(shared, c, "POST", "/opaque/login/start", json_body(json!({"email": email, "request": ke1}))).await?;
    if r.status != 200 {
        return Some(r.status);
    }
    let finish = match state.finish(&mut OsRng, r.body["message"].as_str()?, email) {
        Ok(f) => f.finish,
        Err(_) => zkauth_verify::b64u::encode(&[7u8; 32]),
    };
    let r = call(shared, c, "POST", "/opaque/login/finish", json_body(json!({"finish": finish, "sessionId": r.body["sessionId"]}))).await?;
    Some(r.status)
}

async fn authorize_and_token(shared: &Shared, acct: &mut Account, zk_pub: &str) -> Option<()> {
    let q = serde_urlencoded::to_string([
        ("response_type", "code"), ("client_id", "soak-app"), ("redirect_uri", "http://localhost:9998/cb"), ("state", "s"),
        ("code_challenge", &hash_b64u(VERIFIER)), ("code_challenge_method", "S256"), ("zk_pub", zk_pub),
    ])
    .ok()?;
    let r = call(shared, &mut acct.browser, "GET", &format!("/authorize?{q}"), None).await?;
    let location = r.header("location")?.to_string();
    let query: Vec<(String, String)> = serde_urlencoded::from_str(location.split_once('?')?.1).ok()?;
    let request_id = query.iter().find(|(k, _)| k == "request_id")?.1.clone();
    let hash = hash_b64u(&acct.email);
    let r = call(shared, &mut acct.browser, "POST", "/authorize/finalize", form_body(&[("request_id", &request_id), ("approve", "true"), ("zk_key_hash", &hash)])).await?;
    let code = r.body["code"].as_str()?.to_string();
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("client_id", "soak-app"), ("redirect_uri", "http://localhost:9998/cb"), ("code_verifier", VERIFIER)];
    let r = call(shared, &mut acct.app, "POST", "/token", form_body(&form)).await?;
    acct.access = Some(r.body["access_token"].as_str()?.to_string());
    acct.refresh = Some(r.body["refresh_token"].as_str()?.to_string());
    Some(())
}

async fn refresh(shared: &Shared, acct: &mut Account) -> Option<()> {
    let token = acct.refresh.clone()?;
    let r = call(shared, &mut acct.app, "POST", "/token", form_body(&[("grant_type", "refresh_token"), ("refresh_token", &token), ("client_id", "soak-app")])).await?;
    acct.access = Some(r.body["access_token"].as_str()?.to_string());
    acct.refresh = Some(r.body["refresh_token"].as_str()?.to_string());
    Some(())
}

/// A request with the app's bearer token, from the app's origin.
async fn bearer(shared: &Shared, acct: &mut Account, method: &str, path: &str, body: Option<(&str, String)>) -> Option<Reply> {
    acct.app.bearer = Some(acct.access.clone()?);
    let r = call(shared, &mut acct.app, method, path, body).await;
    acct.app.bearer = None;
    r
}

async fn virtual_user(addr: String, id: usize, until: Instant, shared: Arc<Shared>) -> (usize, BTreeSet<String>, Option<String>) {
    let profile = Profile::argon2id(8, 1, 1, ISSUER, "").unwrap();
    let client = OpaqueClient::new(profile);
    let zk_pub = DeliveryKeyPair::generate(&mut OsRng).zk_pub().unwrap();
    let email = format!("soak{id}@soak.example");
    let mut browser = Conn::open(&addr, ISSUER).await.unwrap();
    let (req, reg) = client.start_registration(&mut OsRng, PASSWORD).unwrap();
    let r = call(&shared, &mut browser, "POST", "/opaque/register/start", json_body(json!({"request": req, "email": email}))).await.unwrap();
    let done = reg.finish(&mut OsRng, r.body["message"].as_str().unwrap(), &email).unwrap();
    let r = call(&shared, &mut browser, "POST", "/opaque/register/finish", json_body(json!({"email": email, "record": done.record}))).await.unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    let app = Conn::open(&addr, APP_ORIGIN).await.unwrap();
    let mut acct = Account { email: email.clone(), browser, app, access: None, refresh: None, notes: BTreeSet::new() };
    authorize_and_token(&shared, &mut acct, &zk_pub).await.unwrap();
    let mut ops = 0;
    let mut next_note = 0u64;
    while Instant::now() < until {
        ops += 1;
        let roll = OsRng.next_u32() % 100;
        let ok = match roll {
            // A right login on the account's own browser (a known device).
            0..=14 => login(&shared, &client, &mut acct.browser, &email, PASSWORD).await.map(|s| s == 200),
            // A stranger's wrong password for this account: backoff, 401 or 429, never 5xx.
            15..=24 => {
                let mut stranger = Conn::open(&addr, ISSUER).await.unwrap();
                login(&shared, &client, &mut stranger, &email, b"wrong").await.map(|s| s == 401 || s == 429)
            }
            25..=39 => authorize_and_token(&shared, &mut acct, &zk_pub).await.map(|()| true),
            40..=54 => refresh(&shared, &mut acct).await.map(|()| true),
            // Notes in a steady state: at most 50 per user, so the workload stays the same size
            // and what the table shows is the server, not a growing list.
            55..=79 if acct.notes.len() < 50 => {
                next_note += 1;
                let note_id = format!("n{id}-{next_note}");
                let body = json!({"ciphertext": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "aad": format!("{{\"note_id\":\"{note_id}\"}}")}).to_string();
                let r = bearer(&shared, &mut acct, "PUT", &format!("/notes/{note_id}"), Some(("application/json", body))).await;
                let ok = r.map(|r| r.status == 200);
                if ok == Some(true) {
                    acct.notes.insert(note_id);
                }
                ok
            }
            80..=89 => bearer(&shared, &mut acct, "GET", "/notes", None).await.map(|r| r.status == 200),
            55..=79 | 90..=99 => match acct.notes.iter().next().cloned() {
                Some(note_id) => {
                    let r = bearer(&shared, &mut acct, "DELETE", &format!("/notes/{note_id}"), None).await;
                    let ok = r.map(|r| r.status == 200);
                    if ok == Some(true) {
                        acct.notes.remove(&note_id);
                    }
                    ok
                }
                None => Some(true),
            },
            _ => Some(true),
        };
        if ok != Some(true) {
            eprintln!("soak: user {id}: operation {roll} did not succeed ({ok:?})");
        }
    }
    (ops, acct.notes, acct.access)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn db_bytes(data: &std::path::Path) -> u64 {
    ["zkauth.db", "zkauth.db-wal", "zkauth.db-shm"].iter().filter_map(|f| std::fs::metadata(data.join(f)).ok()).map(|m| m.len()).sum()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let secs: u64 = std::env::var("ZKAUTH_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let addr = free_port();
    let file = dir.path().join("soak.toml");
    std::fs::write(
        &file,
        format!(
            "issuer = \"{ISSUER}\"\nlisten = \"{addr}\"\ndata_dir = \"{}\"\ndatabase = \"sqlite\"\nopaque_profile = \"argon2id\"\n\
             [rate_limits]\nlogin = {{ burst = 1000000, per_minute = 1000000 }}\nregister = {{ burst = 1000000, per_minute = 1000000 }}\n\
             token = {{ burst = 1000000, per_minute = 1000000 }}\nauthorize = {{ burst = 1000000, per_minute = 1000000 }}\n\
             [argon2id]\nmemory_kib = 8\niterations = 1\nparallelism = 1\n[quotas]\nnotes = 10000000\n\
             [[clients]]\nclient_id = \"soak-app\"\nredirect_uris = [\"http://localhost:9998/cb\"]\nallowed_origins = [\"{APP_ORIGIN}\"]\nzk_required = true\n",
            data.display()
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_zkauth-server"))
        .args(["--config", file.to_str().unwrap(), "--dev"])
        .env("ZKAUTH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = child.id();
    let server = Server(child);
    let ready = async {
        for _ in 0..400 {
            if let Ok(mut c) = Conn::open(&addr, ISSUER).await {
                if let Ok((200, _)) = c.send("GET", "/opaque/config", None).await {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(ready.await, "the server started");

    let shared = Arc::new(Shared::default());
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let users: Vec<_> = (0..VIRTUAL_USERS).map(|id| tokio::spawn(virtual_user(addr.clone(), id, until, shared.clone()))).collect();

    let interval = Duration::from_secs((secs / 10).max(1));
    let mut table = format!(
        "Soak: one zkauth-server on SQLite, {VIRTUAL_USERS} virtual users, mixed traffic (logins, wrong passwords, authorize/token, refresh, notes), {secs} s, this 2-core machine:\n\n\
         | minute | requests | p50 ms | p99 ms | 429 | 5xx | RSS MiB | database KiB |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    let mut total_5xx = 0;
    let mut tick = 0u32;
    while Instant::now() < until {
        tokio::time::sleep(interval.min(until.saturating_duration_since(Instant::now()).max(Duration::from_millis(10)))).await;
        tick += 1;
        let w = std::mem::take(&mut *shared.window.lock().unwrap());
        let mut l = w.latencies;
        l.sort();
        let pct = |p: f64| l.get(((l.len().max(1) - 1) as f64 * p).round() as usize).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
        total_5xx += w.server_errors;
        let at = started.elapsed().as_secs_f64() / 60.0;
        let row = format!(
            "| {at:.1} | {} | {:.2} | {:.2} | {} | {} | {:.1} | {} |\n",
            l.len(),
            pct(0.5),
            pct(0.99),
            w.limited,
            w.server_errors,
            rss_kib(pid) as f64 / 1024.0,
            db_bytes(&data) / 1024
        );
        print!("{row}");
        table.push_str(&row);
        if tick > 20 {
            break;
        }
    }
    let mut ops = 0;
    let mut ledgers = vec![];
    for u in users {
        let (n, notes, access) = u.await.unwrap();
        ops += n;
        ledgers.push((notes, access));
    }
    // Nothing lost, nothing duplicated: each user's notes on the server are exactly its ledger.
    let mut mismatches = 0;
    for (i, (ledger, access)) in ledgers.iter().enumerate() {
        let token = access.clone().expect("a user with a token");
        let mut app = Conn::open(&addr, APP_ORIGIN).await.unwrap();
        app.bearer = Some(token);
        let r = app.request("GET", "/notes", None).await.unwrap();
        let ids: Vec<String> = r.body["notes"].as_array().unwrap().iter().map(|n| n["note_id"].as_str().unwrap().to_string()).collect();
        let set: BTreeSet<String> = ids.iter().cloned().collect();
        if set.len() != ids.len() || &set != ledger {
            mismatches += 1;
            eprintln!("soak: user {i}: the server holds {} notes ({} distinct), the ledger {}", ids.len(), set.len(), ledger.len());
        }
    }
    let transport = *shared.transport_errors.lock().unwrap();
    let summary = format!(
        "\n{ops} operations; 5xx: {total_5xx}; transport errors: {transport}; note ledgers that differ from the server: {mismatches} of {VIRTUAL_USERS} ({} notes held).\n",
        ledgers.iter().map(|(l, _)| l.len()).sum::<usize>()
    );
    print!("{summary}");
    table.push_str(&summary);
    drop(server);
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("soak.md"), &table).unwrap();
    assert_eq!((total_5xx, transport, mismatches), (0, 0, 0), "the soak found server errors, transport errors or lost/duplicated notes");
}
