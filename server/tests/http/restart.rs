//! Secrets at rest: a restart with the same data dir and passphrase keeps every user able to
//! log in; a wrong passphrase refuses to start and changes nothing.

use std::sync::Arc;

use axum::http::StatusCode;
use zeroize::Zeroizing;
use zkauth_server::KekSource;

use crate::harness::*;

fn passphrase(p: &str) -> KekSource {
    KekSource::Passphrase(Zeroizing::new(p.to_string()))
}

#[tokio::test]
async fn restart_keeps_users_and_a_wrong_passphrase_refuses() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let server = Server::start_in(dir.clone(), "", &passphrase("first passphrase, long enough")).await.unwrap();
    let mut b = server.browser();
    let (sub, export) = b.register("restart@example.com", PASSWORD).await;
    let public_key = server.state.secrets.opaque.public_key();
    server.state.store.close().await;
    drop(b);
    drop(server);

    let wrong = Server::start_in(dir.clone(), "", &passphrase("not the passphrase at all")).await;
    let err = wrong.err().expect("a wrong passphrase must not start").to_string();
    assert!(err.contains("wrong ZKAUTH_KEK_PASSPHRASE"), "{err}");
    let dev = Server::start_in(dir.clone(), "", &KekSource::DevFile).await;
    assert!(dev.err().unwrap().to_string().contains("passphrase KEK"));
    assert!(!dir.path().join("data/dev-kek.key").exists());

    let server = Server::start_in(dir.clone(), "", &passphrase("first passphrase, long enough")).await.unwrap();
    assert_eq!(server.state.secrets.opaque.public_key(), public_key);
    let mut b = server.browser();
    let (s, body, again) = b.login("restart@example.com", PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["sub"].as_str(), Some(sub.as_str()));
    assert_eq!(again.unwrap().expose_secret(), export.expose_secret(), "same OPRF seed, same export key");

    // No secret is stored in plaintext: neither the database nor its WAL holds the setup.
    let setup = server.state.secrets.opaque.to_b64u();
    for file in ["zkauth.db", "zkauth.db-wal"] {
        let raw = match std::fs::read(dir.path().join("data").join(file)) {
            Ok(raw) => raw,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::env::var("ZKAUTH_TEST_POSTGRES").is_ok() => continue,
            Err(e) => panic!("{file}: {e}"),
        };
        assert!(!raw.windows(setup.len()).any(|w| w == setup.as_bytes()), "{file}");
    }
}
