//! The operator's controls (`zkauth-server admin`): revoking a user or a client takes effect on
//! the very next request; deleting a user leaves nothing of it; unknown names exit 1.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::Value;
use zkauth_server::admin::{run, Command};

use crate::flow::{account_with_keys, app_authorize, approve, exchange_code};
use crate::oidc::tokens_for_scope;
use crate::harness::*;

async fn admin(server: &Server, command: Command) -> (u8, Value) {
    let out = run(&server.state.config, &server.state.store, &command, true, server.state.now()).await.unwrap();
    (out.code, serde_json::from_str(&out.stdout).unwrap_or(Value::Null))
}

async fn userinfo(server: &Server, access: &str) -> StatusCode {
    let req = Request::get("/userinfo").header(header::AUTHORIZATION, format!("Bearer {access}")).body(Body::empty()).unwrap();
    server.send(req).await.0
}

/// A user with a session and an app token; returns the access token.
async fn signed_in(server: &Server, b: &mut Browser<'_>, email: &str) -> String {
    let acct = account_with_keys(b, email).await;
    let req = app_authorize(server).await;
    let (code, _) = approve(b, &acct, &req).await;
    let (_, tok) = exchange_code(server, &code, &req.verifier).await;
    tok["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn revoke_and_delete_users_and_revoke_clients() {
    let server = Server::start().await;
    let mut ada = server.browser();
    let ada_access = signed_in(&server, &mut ada, "ada@example.com").await;
    let mut bob = server.browser();
    bob.register("bob@example.com", PASSWORD).await;
    let bob_tok = tokens_for_scope(&server, &mut bob, "openid", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").await;
    let bob_access = bob_tok["access_token"].as_str().unwrap().to_string();

    let (code, list) = admin(&server, Command::UsersList).await;
    assert_eq!(code, 0);
    let users = list["users"].as_array().unwrap();
    assert_eq!(users.iter().map(|u| u["email"].as_str().unwrap()).collect::<Vec<_>>(), ["ada@example.com", "bob@example.com"]);
    assert_eq!((users[0]["sessions"].as_i64(), users[0]["tokens"].as_i64(), users[0]["account_keys"].as_i64()), (Some(1), Some(2), Some(1)));
    assert!(!list.to_string().contains("opaque"), "no record or hash is printed");

    // users revoke: the session and the app token fail on their next request; bob is untouched.
    let (code, out) = admin(&server, Command::UsersRevoke("ada@example.com".into())).await;
    assert_eq!((code, out["sessions"].as_u64(), out["tokens"].as_u64()), (0, Some(1), Some(2)));
    assert_eq!(ada.get("/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(userinfo(&server, &ada_access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(userinfo(&server, &bob_access).await, StatusCode::OK);
    assert_eq!(ada.login("ada@example.com", PASSWORD).await.0, StatusCode::OK, "the account itself stays");

    // clients revoke: every token of the client.
    let (code, out) = admin(&server, Command::ClientsRevoke("plain-app".into())).await;
    assert_eq!((code, out["tokens"].as_u64()), (0, Some(2)));
    assert_eq!(userinfo(&server, &bob_access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(admin(&server, Command::ClientsRevoke("no-such-app".into())).await.0, 1);

    // users delete: nothing of the account remains; its e-mail can register anew.
    let (code, _) = admin(&server, Command::UsersDelete("bob@example.com".into())).await;
    assert_eq!(code, 0);
    assert_eq!(admin(&server, Command::UsersShow("bob@example.com".into())).await.0, 1);
    assert_eq!(bob.get("/session").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(bob.login("bob@example.com", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    let mut again = server.browser();
    again.register("bob@example.com", PASSWORD).await;
    let (_, shown) = admin(&server, Command::UsersShow("bob@example.com".into())).await;
    assert_eq!((shown["user"]["account_keys"].as_i64(), shown["user"]["notes"].as_i64(), shown["user"]["tokens"].as_i64()), (Some(0), Some(0), Some(0)));
    for cmd in [Command::UsersRevoke("nobody@example.com".into()), Command::UsersDelete("nobody@example.com".into())] {
        assert_eq!(admin(&server, cmd).await.0, 1);
    }
}
