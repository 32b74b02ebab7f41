//! Several instances on one database: any instance serves any request. Each `Server` here is
//! a separate router and store pool on the same data dir (SQLite file or PostgreSQL
//! database), sharing nothing in memory.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use rand_core::OsRng;
use serde_json::json;
use tower::ServiceExt;
use zkauth_server::KekSource;

use crate::flow::{account_with_keys, app_authorize, approve};
use crate::harness::*;

async fn cluster(n: usize, extra: &str) -> Vec<Server> {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(Server::start_in(dir.clone(), extra, &KekSource::DevFile).await.unwrap());
    }
    out
}

#[tokio::test]
async fn login_starts_on_one_instance_and_finishes_on_another() {
    let s = cluster(3, "").await;
    let mut b = s[0].browser();
    b.register("spread@example.com", PASSWORD).await;
    let mut on_a = s[0].browser();
    let (login, ke2, sid) = on_a.login_start("spread@example.com", PASSWORD).await;
    let ke3 = login.finish(&mut OsRng, &ke2, "spread@example.com").unwrap().finish;
    let mut on_b = s[1].browser();
    let (st, _, body) = on_b.post_json("/opaque/login/finish", json!({"finish": ke3, "sessionId": sid})).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    // The session made on B works on C, and a replay of the finish on A is refused.
    let mut on_c = s[2].browser();
    on_c.session = on_b.session.clone();
    on_c.csrf = on_b.csrf.clone();
    assert_eq!(on_c.get("/session").await.0, StatusCode::OK);
    let (st, _, _) = on_a.post_json("/opaque/login/finish", json!({"finish": ke3, "sessionId": sid})).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // Logout everywhere on C ends the session everywhere.
    let (st, _, _) = on_c.post_json("/logout/all", json!({})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(on_b.get("/session").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_redemptions_across_instances_have_one_winner() {
    let s = cluster(3, "[rate_limits]\ntoken = { burst = 1000, per_minute = 1000 }").await;
    let mut b = s[0].browser();
    let acct = account_with_keys(&mut b, "race3@example.com").await;
    let req = app_authorize(&s[1]).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50 {
        let app = s[i % 3].app.clone();
        let form = serde_urlencoded::to_string([("grant_type", "authorization_code"), ("code", &code), ("client_id", CLIENT), ("redirect_uri", REDIRECT), ("code_verifier", &req.verifier)]).unwrap();
        set.spawn(async move {
            let r = Request::post("/token").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(form)).unwrap();
            app.oneshot(r).await.unwrap().status()
        });
    }
    let statuses = set.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::BAD_REQUEST), "{statuses:?}");
}

async fn refresh(server: &Server, token: &str) -> (StatusCode, serde_json::Value) {
    crate::flow::token_request(server, &[("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", CLIENT)]).await
}

#[tokio::test]
async fn refresh_reuse_on_another_instance_revokes_the_family() {
    let s = cluster(2, "").await;
    let mut b = s[0].browser();
    let acct = account_with_keys(&mut b, "fam2@example.com").await;
    let req = app_authorize(&s[0]).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    let (st, tok) = crate::flow::exchange_code(&s[0], &code, &req.verifier).await;
    assert_eq!(st, StatusCode::OK);
    let r1 = tok["refresh_token"].as_str().unwrap();
    let (st, t2) = refresh(&s[1], r1).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = refresh(&s[0], r1).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "reuse on A");
    let (st, _) = refresh(&s[1], t2["refresh_token"].as_str().unwrap()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "the successor issued by B is revoked too");
}

#[tokio::test]
async fn one_rate_limit_across_instances() {
    let s = cluster(3, "[rate_limits]\nlogin = { burst = 4, per_minute = 4 }").await;
    let client = zkauth::opaque::OpaqueClient::new(s[0].profile());
    let mut statuses = vec![];
    for i in 0..6 {
        let mut b = s[i % 3].browser();
        let (ke1, _) = client.start_login(&mut OsRng, b"guess").unwrap();
        statuses.push(b.post_json("/opaque/login/start", json!({"email": "victim@example.com", "request": ke1})).await.0);
    }
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(limited, 2, "three instances enforce one limit of 4, not three: {statuses:?}");
}
