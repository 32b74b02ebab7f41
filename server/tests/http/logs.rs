//! Logs never carry a secret: a full flow with known values runs under a capturing
//! subscriber at TRACE level, and none of the values appears in the output.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use zkauth_verify::{b64u, hash_b64u};

use crate::flow::{account_with_keys, app_authorize, approve, exchange_code};
use crate::harness::*;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_reaches_the_log() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt().with_writer(capture.clone()).with_max_level(tracing::Level::TRACE).with_ansi(false).finish();
    // Global, not thread-local: the server's tasks may log from any thread. Other tests of
    // this binary log into the capture too; their values are scanned for nothing but ours.
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = Server::start().await;
    let mut b = server.browser();
    let email = "secret-person@example.com";
    let acct = account_with_keys(&mut b, email).await;
    let (s, _, export) = b.login(email, PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    let export = export.unwrap();
    let (s, _, _) = b.login(email, "a wrong password").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let req = app_authorize(&server).await;
    let (code, jwe) = approve(&mut b, &acct, &req).await;
    let (s, tok) = exchange_code(&server, &code, &req.verifier).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = exchange_code(&server, &code, &req.verifier).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, _, drk) = b.get("/crypto/wrapped-drk").await;
    let (session, csrf) = (b.session.clone().unwrap(), b.csrf.clone().unwrap());
    let (s, _, _) = b.post_json("/logout/all", json!({})).await;
    assert_eq!(s, StatusCode::OK);

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("login_ok") && log.contains("login_failed") && log.contains("code_replay") && log.contains("logout_all"), "{log}");
    assert!(log.contains("route=/token") || log.contains("route=\"/token\""), "the request log names routes: {log}");
    let secrets: Vec<(&str, String)> = vec![
        ("password", PASSWORD.into()),
        ("email", email.into()),
        ("zk_pub", req.kp.zk_pub().unwrap()),
        ("jwe", jwe.clone()),
        ("jwe hash", hash_b64u(&jwe)),
        ("code", code.clone()),
        ("pkce verifier", req.verifier.clone()),
        ("state", req.state.clone()),
        ("request_id", req.param("request_id").unwrap().into()),
        ("access token", tok["access_token"].as_str().unwrap().into()),
        ("refresh token", tok["refresh_token"].as_str().unwrap().into()),
        ("id token", tok["id_token"].as_str().unwrap().into()),
        ("export key", b64u::encode(export.expose_secret())),
        ("root key", b64u::encode(acct.root.expose_secret())),
        ("wrapped drk", drk["wrapped_drk"].as_str().unwrap().into()),
        ("session cookie", session),
        ("csrf token", csrf),
    ];
    for (what, value) in secrets {
        assert!(!log.contains(&value), "{what} appears in the log");
    }
}
