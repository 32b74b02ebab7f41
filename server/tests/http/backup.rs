//! Data that survives: an online backup restored into a fresh data dir serves the same users
//! (same OPAQUE keys, so the same export key, so their envelopes open to the same root key);
//! and a database made by an earlier schema (the committed fixture) migrates and logs its users
//! in.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Value};
use zeroize::Zeroizing;
use zkauth::keys::EnvelopeMeta;
use zkauth::verify::b64u;
use zkauth_server::KekSource;

use crate::flow::account_with_keys;
use crate::harness::*;

fn passphrase(p: &str) -> KekSource {
    KekSource::Passphrase(Zeroizing::new(p.to_string()))
}

/// A fresh temp dir whose `data/` holds `db` as `zkauth.db` (mode 0700, as the server wants).
fn data_dir_with(db: &std::path::Path) -> Arc<tempfile::TempDir> {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    std::fs::copy(db, data.join("zkauth.db")).unwrap();
    dir
}

/// Logs in and opens the user's newest live password envelope with the export key; returns
/// the client app key the root key derives for `client` (b64u).
async fn app_key_after_login(b: &mut Browser<'_>, email: &str, password: &str, client: &str) -> String {
    let (s, body, export) = b.login(email, password).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let sub = body["sub"].as_str().unwrap().to_string();
    let export = export.unwrap();
    let (_, _, keybag) = b.get("/crypto/keybag").await;
    let key_id = keybag["account_keys"].as_array().unwrap().iter().find(|k| k["status"] == "active").unwrap()["key_id"].as_str().unwrap().to_string();
    let env: &Value = keybag["envelopes"].as_array().unwrap().iter().find(|e| e["type"] == "password").unwrap();
    let meta = EnvelopeMeta { envelope_id: env["envelope_id"].as_str().unwrap(), key_id: &key_id, sub: &sub };
    let root = export.open_password_envelope(env["wrapped_key"].as_str().unwrap(), &meta).unwrap();
    let cak = root.derive_client_app_key(&sub, &key_id, client, None).unwrap();
    b64u::encode(cak.expose_secret())
}

/// PostgreSQL: what the README says to do, `pg_dump -Fc` of the live database and `pg_restore`
/// into a new empty one (the binaries of the throwaway cluster, `ZKAUTH_TEST_PG_BIN`). Returns
/// a fresh temp dir whose test database holds the restored copy.
async fn pg_dump_and_restore(server: &Server, dir: &std::path::Path) -> Arc<tempfile::TempDir> {
    let bin = std::path::PathBuf::from(std::env::var("ZKAUTH_TEST_PG_BIN").expect("with-postgres.sh sets ZKAUTH_TEST_PG_BIN"));
    let dump = dir.join("backup.dump");
    let out = std::process::Command::new(bin.join("pg_dump"))
        .args(["--format=custom", "--file", dump.to_str().unwrap(), &server.state.config.database])
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    let restored = Arc::new(tempfile::tempdir().unwrap());
    let target = database_for(restored.path()).await;
    let out = std::process::Command::new(bin.join("pg_restore"))
        .args(["--no-owner", "--exit-on-error", "--dbname", &target, dump.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
    restored
}

#[tokio::test]
async fn an_online_backup_restores_into_a_fresh_data_dir() {
    let kek = passphrase("backup passphrase, long enough");
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let server = Server::start_in(dir.clone(), "", &kek).await.unwrap();
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "backup@example.com").await;
    let want = b64u::encode(acct.root.derive_client_app_key(&acct.sub, &acct.key_id, CLIENT, None).unwrap().expose_secret());

    // Online: the server keeps serving (and writing) while the copy is made.
    let restored_dir = if std::env::var("ZKAUTH_TEST_POSTGRES").is_ok() {
        let restored = pg_dump_and_restore(&server, dir.path()).await;
        assert!(server.state.store.backup_to(&dir.path().join("x.db")).await.unwrap_err().to_string().contains("pg_dump"));
        restored
    } else {
        let copy = dir.path().join("backup.db");
        let bytes = server.state.store.backup_to(&copy).await.unwrap();
        assert!(bytes > 0);
        #[cfg(unix)]
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&copy).unwrap().permissions()) & 0o777, 0o600);
        let again = server.state.store.backup_to(&copy).await;
        assert!(again.unwrap_err().to_string().contains("exists"), "an existing file is never overwritten");
        data_dir_with(&copy)
    };
    let mut later = server.browser();
    later.register("after-backup@example.com", PASSWORD).await;

    let restored = Server::start_in(restored_dir, "", &kek).await.unwrap();
    assert_eq!(restored.state.secrets.opaque.public_key(), server.state.secrets.opaque.public_key());
    let mut b = restored.browser();
    assert_eq!(app_key_after_login(&mut b, "backup@example.com", PASSWORD, CLIENT).await, want, "the same root key opens");
    assert_eq!(b.login("after-backup@example.com", PASSWORD).await.0, StatusCode::UNAUTHORIZED, "what came after the backup is not in it");
}

#[tokio::test]
async fn a_database_of_the_previous_schema_migrates_and_its_users_log_in() {
    if std::env::var("ZKAUTH_TEST_POSTGRES").is_ok() {
        return; // the fixture is a SQLite file
    }
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-0003");
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(fixtures.join("fixture.json")).unwrap()).unwrap();
    let dir = data_dir_with(&fixtures.join("zkauth.db"));
    let server = Server::start_in(dir, "", &passphrase(meta["kek_passphrase"].as_str().unwrap())).await.unwrap();
    let users = meta["users"].as_array().unwrap();
    let keyed = &users[0];
    let mut b = server.browser();
    let got = app_key_after_login(&mut b, keyed["email"].as_str().unwrap(), keyed["password"].as_str().unwrap(), keyed["client_id"].as_str().unwrap()).await;
    assert_eq!(got, keyed["client_app_key_b64u"].as_str().unwrap());
    let plain = &users[1];
    let (s, body, export) = b.login(plain["email"].as_str().unwrap(), plain["password"].as_str().unwrap()).await;
    assert_eq!((s, body["sub"].as_str()), (StatusCode::OK, plain["sub"].as_str()));
    assert_eq!(b64u::encode(export.unwrap().expose_secret()), plain["export_key_b64u"].as_str().unwrap());
    // The new tables work on the migrated file: a failed login is counted, a binding is stored.
    assert_eq!(b.login(plain["email"].as_str().unwrap(), "wrong").await.0, StatusCode::UNAUTHORIZED);
    let (s, _, _) = b.post_json("/logout/all", json!({})).await;
    assert_eq!(s, StatusCode::OK);
}
