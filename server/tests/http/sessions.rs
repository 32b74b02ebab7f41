//! Cookie sessions: attributes, fixation, rotation, timeouts, listing, logout everywhere, and
//! the recovery-key flow (which rotates the session id).

use axum::http::StatusCode;
use rand_core::OsRng;
use serde_json::json;
use zkauth::keys::{recovery_envelope_aad, EnvelopeMeta, RecoveryKey};
use zkauth_verify::WRAPPING_ALG_RECOVERY;

use crate::flow::account_with_keys;
use crate::harness::*;

#[tokio::test]
async fn cookies_are_host_prefixed_secure_and_http_only() {
    let server = Server::start().await;
    let mut b = server.browser();
    let client = zkauth::opaque::OpaqueClient::new(server.profile());
    let (request, reg) = client.start_registration(&mut OsRng, PASSWORD.as_bytes()).unwrap();
    let (_, _, start) = b.post_json("/opaque/register/start", json!({"request": request, "email": "c@example.com"})).await;
    let done = reg.finish(&mut OsRng, start["message"].as_str().unwrap(), "c@example.com").unwrap();
    let (s, h, _) = b.post_json("/opaque/register/finish", json!({"email": "c@example.com", "message": done.record, "serverPublicKey": "ignored"})).await;
    assert_eq!(s, StatusCode::CREATED);
    let cookies = set_cookies(&h);
    let session = cookies.iter().find(|c| c.starts_with("__Host-zkauth=")).unwrap();
    let csrf = cookies.iter().find(|c| c.starts_with("__Host-zkauth-csrf=")).unwrap();
    for attr in ["; Path=/", "; Secure", "; SameSite=Lax", "; Max-Age=28800", "; HttpOnly"] {
        assert!(session.contains(attr), "{attr} missing");
    }
    assert!(!session.to_ascii_lowercase().contains("domain"));
    assert!(!csrf.contains("HttpOnly"), "the CSRF cookie is for script");
    assert_eq!(b.session.as_ref().unwrap().len(), 43, "256-bit id");
}

/// `--dev` with an http:// issuer: `zkauth-dev` cookies without `Secure` (WebKit keeps no
/// Secure cookie set over http://localhost), the same session rules otherwise; the
/// production names are not read there.
#[tokio::test]
async fn the_dev_http_profile_drops_secure_and_the_host_prefix_only() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let server = Server::start_with_cookies(dir, "", &zkauth_server::KekSource::DevFile, CookieProfile::DevHttp).await.unwrap();
    let mut b = server.browser();
    let (_, h, _) = b.post_json("/opaque/register/start", json!({"request": "AA", "email": "d@example.com"})).await;
    assert!(set_cookies(&h).is_empty());
    b.register("d@example.com", PASSWORD).await;
    let (s, _, me) = b.get("/session").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    let (_, h, _) = b.post_json("/logout", json!({})).await;
    let cookies = set_cookies(&h);
    let session = cookies.iter().find(|c| c.starts_with("zkauth-dev=")).unwrap();
    assert!(cookies.iter().any(|c| c.starts_with("zkauth-dev-csrf=")));
    for attr in ["; Path=/", "; SameSite=Lax", "; HttpOnly"] {
        assert!(session.contains(attr), "{attr} missing");
    }
    assert!(cookies.iter().all(|c| !c.contains("Secure") && !c.starts_with("__Host-")), "{cookies:?}");
    // A production-named cookie is no session on a dev server.
    let mut other = server.browser();
    other.register("e@example.com", PASSWORD).await;
    let id = other.session.clone().unwrap();
    let req = axum::http::Request::get("/session").header(axum::http::header::COOKIE, format!("__Host-zkauth={id}")).body(axum::body::Body::empty()).unwrap();
    assert_eq!(server.send(req).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_pre_login_cookie_is_never_promoted_and_old_ids_die() {
    let server = Server::start().await;
    let mut setup = server.browser();
    setup.register("fix@example.com", PASSWORD).await;

    let mut b = server.browser();
    let planted = "AttackerChosenSessionIdAttackerChosenSessi".to_string();
    b.session = Some(planted.clone());
    let (s, _, _) = b.login("fix@example.com", PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    assert_ne!(b.session.as_deref(), Some(planted.as_str()));
    let first = b.session.clone().unwrap();
    assert_eq!(b.get("/session").await.0, StatusCode::OK);

    // A second login in the same browser rotates the id; the first is dead at once.
    let (s, _, _) = b.login("fix@example.com", PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    assert_ne!(b.session.as_deref(), Some(first.as_str()));
    let mut old = server.browser();
    old.session = Some(first);
    let (s, _, body) = old.get("/session").await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "login_required"));
    old.session = Some(planted);
    assert_eq!(old.get("/session").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn idle_and_absolute_timeouts() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("idle@example.com", PASSWORD).await;
    server.advance(29 * 60);
    assert_eq!(b.get("/session").await.0, StatusCode::OK, "use slides the idle window");
    server.advance(29 * 60);
    assert_eq!(b.get("/session").await.0, StatusCode::OK);
    server.advance(31 * 60);
    assert_eq!(b.get("/session").await.0, StatusCode::UNAUTHORIZED, "idle for 31 minutes");

    let (s, _, _) = b.login("idle@example.com", PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    for _ in 0..16 {
        server.advance(29 * 60);
        assert_eq!(b.get("/session").await.0, StatusCode::OK);
    }
    server.advance(29 * 60);
    assert_eq!(b.get("/session").await.0, StatusCode::UNAUTHORIZED, "past the 8 h absolute timeout");
}

#[tokio::test]
async fn logout_everywhere_ends_every_session_and_listing_shows_handles() {
    let server = Server::start().await;
    let mut a = server.browser();
    a.register("multi@example.com", PASSWORD).await;
    let mut b = server.browser();
    let mut c = server.browser();
    assert_eq!(b.login("multi@example.com", PASSWORD).await.0, StatusCode::OK);
    assert_eq!(c.login("multi@example.com", PASSWORD).await.0, StatusCode::OK);

    let (s, _, list) = a.get("/sessions").await;
    assert_eq!(s, StatusCode::OK);
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 3);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let text = list.to_string();
    for id in [&a.session, &b.session, &c.session] {
        assert!(!text.contains(id.as_deref().unwrap()), "session ids never appear");
    }
    // Revoke c's session by handle from a.
    let c_handle = sessions.iter().find(|s| s["current"] == false).map(|s| s["handle"].as_str().unwrap().to_string()).unwrap();
    let (s, _, _) = a.post_json(&format!("/sessions/{c_handle}/revoke"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let alive = [b.get("/session").await.0, c.get("/session").await.0];
    assert_eq!(alive.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count(), 1);

    let (s, h, _) = a.post_json("/logout/all", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["clear-site-data"], "\"cache\", \"storage\"");
    assert_eq!(a.get("/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(b.get("/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.state.count(zkauth_server::state::Event::LogoutAll), 1);
}

#[tokio::test]
async fn recovery_key_create_use_and_revoke() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "recover@example.com").await;
    let secret = RecoveryKey::generate(&mut OsRng);
    let meta = EnvelopeMeta { envelope_id: "env_rec-1", key_id: &acct.key_id, sub: &acct.sub };
    let wrapped = secret.seal_envelope(&mut OsRng, &acct.root, &meta).unwrap();
    let body = json!({
        "recovery_key_id": "rk_1", "envelope_id": meta.envelope_id, "key_id": acct.key_id, "wrapping_alg": WRAPPING_ALG_RECOVERY,
        "wrapped_key": wrapped, "aad": recovery_envelope_aad(&meta).unwrap(), "verifier": secret.verifier(), "metadata": {"version": "v2"}
    });
    let mut bad_aad = body.clone();
    bad_aad["aad"] = json!(recovery_envelope_aad(&EnvelopeMeta { sub: "someone-else", ..meta }).unwrap());
    let (s, _, err) = b.post_json("/crypto/recovery-keys", bad_aad).await;
    assert_eq!((s, err["error"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "invalid_request"));
    let (s, _, created) = b.post_json("/crypto/recovery-keys", body).await;
    assert_eq!(s, StatusCode::CREATED, "{created}");

    let (s, _, list) = b.get("/crypto/recovery-keys").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["recovery_keys"][0]["envelope"]["wrapped_key"], json!(wrapped));
    assert!(!list.to_string().contains(&secret.verifier()), "the verifier is stored hashed");

    let wrong = RecoveryKey::generate(&mut OsRng).verifier();
    let (s, _, err) = b.post_json("/crypto/recovery-keys/rk_1/use", json!({"verifier": wrong})).await;
    assert_eq!((s, err["error"].as_str().unwrap()), (StatusCode::FORBIDDEN, "access_denied"));
    let before = b.session.clone();
    let (s, _, used) = b.post_json("/crypto/recovery-keys/rk_1/use", json!({"verifier": secret.verifier()})).await;
    assert_eq!(s, StatusCode::OK, "{used}");
    assert_ne!(b.session, before, "privilege change rotates the session id");
    let opened = secret.open_envelope(used["envelope"]["wrapped_key"].as_str().unwrap(), &meta).unwrap();
    assert_eq!(opened.expose_secret(), acct.root.expose_secret());

    let (s, _, _) = b.post_json("/crypto/recovery-keys/rk_1/revoke", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = b.post_json("/crypto/recovery-keys/rk_1/use", json!({"verifier": secret.verifier()})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn partitioned_cookies_for_embedded_login_pages() {
    let server = Server::start_with("partitioned_cookies = true\nframe_ancestors = [\"https://portal.example\"]").await;
    let mut b = server.browser();
    let client = zkauth::opaque::OpaqueClient::new(server.profile());
    let (request, reg) = client.start_registration(&mut OsRng, PASSWORD.as_bytes()).unwrap();
    let (_, h, start) = b.post_json("/opaque/register/start", json!({"request": request, "email": "p@example.com"})).await;
    assert!(h[axum::http::header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors https://portal.example;"));
    let done = reg.finish(&mut OsRng, start["message"].as_str().unwrap(), "p@example.com").unwrap();
    let (_, h, _) = b.post_json("/opaque/register/finish", json!({"email": "p@example.com", "record": done.record})).await;
    assert!(set_cookies(&h).iter().all(|c| c.ends_with("; Partitioned")), "{:?}", set_cookies(&h));
}

#[tokio::test]
async fn metrics_count_security_events() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("m@example.com", PASSWORD).await;
    assert_eq!(b.login("m@example.com", "wrong").await.0, StatusCode::UNAUTHORIZED);
    let app = zkauth_server::metrics::router(server.state.clone());
    let res = tower::ServiceExt::oneshot(app, axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let text = String::from_utf8(http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(text.contains("zkauth_security_events_total{event=\"login_failed\"} 1\n"), "{text}");
    assert!(text.contains("zkauth_security_events_total{event=\"registered\"} 1\n"), "{text}");
    assert!(text.contains("# TYPE zkauth_security_events_total counter"));
}
