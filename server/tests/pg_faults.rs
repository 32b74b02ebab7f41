//! Faults with several real server processes on one PostgreSQL database (run by
//! `make test-postgres`): an instance killed with SIGKILL in the middle of a login burst loses
//! nothing that reached the others, and a database restart is answered with 503 — never a 500
//! or a wrong answer — until the database is back, with no restart of the instances.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "support/client.rs"]
mod client;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use client::Conn;
use rand_core::OsRng;
use serde_json::json;
use sqlx::Connection;
use zkauth::opaque::OpaqueClient;

const ISSUER: &str = "http://localhost:9999";
const EMAIL: &str = "burst@example.com";

/// Kills every child on drop, also when an assertion fails.
struct Instances(Vec<Option<Child>>);

impl Drop for Instances {
    fn drop(&mut self) {
        for c in self.0.iter_mut().flatten() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_ready(addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(mut c) = Conn::open(addr, ISSUER).await {
            if let Ok((200, _)) = c.send("GET", "/opaque/config", None).await {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("instance on {addr} did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_instance_and_database_restart() {
    let base = std::env::var("ZKAUTH_TEST_POSTGRES").expect("run through server/tests/with-postgres.sh (make test-postgres)");
    let ctl = std::env::var("ZKAUTH_TEST_PG_CTL").expect("run through server/tests/with-postgres.sh (make test-postgres)");
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres")).await.unwrap();
    sqlx::query("CREATE DATABASE zk_faults").execute(&mut admin).await.unwrap();
    admin.close().await.unwrap();
    let database = format!("{base}/zk_faults");

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut instances = Instances(vec![]);
    let mut addrs = vec![];
    for i in 0..3 {
        let addr = format!("127.0.0.1:{}", free_port());
        let file = dir.path().join(format!("i{i}.toml"));
        std::fs::write(
            &file,
            format!(
                "issuer = \"{ISSUER}\"\nlisten = \"{addr}\"\ndata_dir = \"{}\"\ndatabase = \"{database}\"\nopaque_profile = \"argon2id\"\n\
                 [rate_limits]\nlogin = {{ burst = 100000, per_minute = 100000 }}\n[argon2id]\nmemory_kib = 8\niterations = 1\nparallelism = 1\n",
                data.display()
            ),
        )
        .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_zkauth-server"))
            .args(["--config", file.to_str().unwrap(), "--dev"])
            .env("ZKAUTH_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        instances.0.push(Some(child));
        // One at a time: the first creates the dev KEK file and the sealed secrets.
        wait_ready(&addr).await;
        addrs.push(addr);
    }

    let profile = zkauth::opaque::Profile::argon2id(8, 1, 1, "http://localhost:9999", "").unwrap();
    let client = OpaqueClient::new(profile);
    let mut conns = vec![];
    for a in &addrs {
        conns.push(Some(Conn::open(a, ISSUER).await.unwrap()));
    }
    let (req, reg) = client.start_registration(&mut OsRng, b"pw").unwrap();
    let (_, start) = conns[0].as_mut().unwrap().post_json("/opaque/register/start", &json!({"request": req, "email": EMAIL})).await.unwrap();
    let done = reg.finish(&mut OsRng, start["message"].as_str().unwrap(), EMAIL).unwrap();
    let (status, _) = conns[0].as_mut().unwrap().post_json("/opaque/register/finish", &json!({"email": EMAIL, "record": done.record})).await.unwrap();
    assert_eq!(status, 201);

    // The burst: login i starts on instance i % 3 and finishes on (i + 1) % 3; A (0) is
    // killed with SIGKILL after 20 logins.
    let (mut finished_elsewhere, mut ok, mut abandoned) = (0, 0, 0);
    for i in 0..60 {
        if i == 20 {
            instances.0[0].as_mut().unwrap().kill().unwrap();
            instances.0[0].take().unwrap().wait().unwrap();
            conns[0] = None;
        }
        let (s, f) = (i % 3, (i + 1) % 3);
        let (ke1, login) = client.start_login(&mut OsRng, b"pw").unwrap();
        let Some(conn) = conns[s].as_mut() else { continue };
        let (status, ke2) = conn.post_json("/opaque/login/start", &json!({"email": EMAIL, "request": ke1})).await.unwrap();
        assert_eq!(status, 200);
        let fin = login.finish(&mut OsRng, ke2["message"].as_str().unwrap(), EMAIL).unwrap();
        let Some(conn) = conns[f].as_mut() else {
            abandoned += 1; // its finish would go to the dead instance: the state just expires
            continue;
        };
        // Each login as a fresh browser, so no login replaces another's session.
        conn.forget_cookies();
        let (status, body) = conn.post_json("/opaque/login/finish", &json!({"finish": fin.finish, "sessionId": ke2["sessionId"]})).await.unwrap();
        assert_eq!(status, 200, "login {i} (start on {s}, finish on {f}): {body}");
        finished_elsewhere += usize::from(f != s);
        ok += 1;
    }
    // Before the kill all 20; after it, those that touch only B and C (i % 3 == 1).
    let expected = 20 + (20..60).filter(|i| i % 3 == 1).count();
    assert_eq!((ok, finished_elsewhere), (expected, expected), "every login whose start and finish reached B or C succeeded");

    // Every successful login left exactly one session (plus the registration's).
    let mut db = sqlx::AnyConnection::connect(&database).await.unwrap();
    let (sessions,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions").fetch_one(&mut db).await.unwrap();
    assert_eq!(sessions, i64::try_from(ok + 1).unwrap(), "no session lost or duplicated");
    let (pending,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM pending_logins").fetch_one(&mut db).await.unwrap();
    assert_eq!(pending, abandoned, "every finished login consumed its state exactly once");
    db.close().await.unwrap();

    // Database restart: 503 while it is down, success again once it is back.
    let run = |arg: &str| assert!(Command::new(&ctl).arg(arg).stdout(Stdio::null()).status().unwrap().success(), "ctl {arg}");
    run("stop");
    let b = conns[1].as_mut().unwrap();
    let (ke1, _) = client.start_login(&mut OsRng, b"pw").unwrap();
    let (status, body) = b.post_json("/opaque/login/start", &json!({"email": EMAIL, "request": ke1})).await.unwrap();
    assert_eq!((status, body["error"].as_str()), (503, Some("temporarily_unavailable")), "{body}");
    run("start");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut statuses = vec![];
    loop {
        let (ke1, login) = client.start_login(&mut OsRng, b"pw").unwrap();
        let (status, ke2) = b.post_json("/opaque/login/start", &json!({"email": EMAIL, "request": ke1})).await.unwrap();
        statuses.push(status);
        if status == 200 {
            let fin = login.finish(&mut OsRng, ke2["message"].as_str().unwrap(), EMAIL).unwrap();
            let c = conns[2].as_mut().unwrap();
            let (status, _) = c.post_json("/opaque/login/finish", &json!({"finish": fin.finish, "sessionId": ke2["sessionId"]})).await.unwrap();
            assert_eq!(status, 200);
            break;
        }
        assert!(Instant::now() < deadline, "no recovery after the restart: {statuses:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "only 503 while recovering, never 500: {statuses:?}");
}
