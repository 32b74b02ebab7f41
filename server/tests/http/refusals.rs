//! Every refusal of the issue's list, each asserted with its status and `error`.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use rand_core::OsRng;
use serde_json::json;
use zkauth::delivery::DeliveryKeyPair;
use zkauth_verify::{b64u, hash_b64u};

use crate::flow::{account_with_keys, app_authorize, approve, authorize_uri, exchange_code, token_request};
use crate::harness::*;

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn authorize_status(server: &Server, uri: &str) -> (StatusCode, serde_json::Value, bool) {
    let (s, h, body) = server.send(Request::get(uri).body(Body::empty()).unwrap()).await;
    (s, body, h.contains_key(header::LOCATION))
}

/// Where an authorization error redirects to, parsed: `(redirect URI, [(name, value)])`.
fn redirected_error(h: &axum::http::HeaderMap) -> (String, Vec<(String, String)>) {
    let location = h[header::LOCATION].to_str().unwrap();
    let (base, query) = location.split_once('?').unwrap();
    (base.to_string(), serde_urlencoded::from_str(query).unwrap())
}

#[tokio::test]
async fn authorize_refusals_redirect_only_to_a_registered_uri() {
    let server = Server::start().await;
    let zk = DeliveryKeyPair::generate(&mut OsRng).zk_pub().unwrap();
    // Unknown client or unregistered redirect URI: JSON, never a redirect.
    let cases: Vec<(String, StatusCode, &str)> = vec![
        (authorize_uri("nobody", REDIRECT, CHALLENGE, Some(&zk), "s"), StatusCode::UNAUTHORIZED, "invalid_client"),
        (authorize_uri(CLIENT, "http://localhost:8081/callback/", CHALLENGE, Some(&zk), "s"), StatusCode::BAD_REQUEST, "invalid_request"),
        (authorize_uri(CLIENT, "http://localhost:8081/other", CHALLENGE, Some(&zk), "s"), StatusCode::BAD_REQUEST, "invalid_request"),
    ];
    for (uri, status, error) in cases {
        let (s, body, redirected) = authorize_status(&server, &uri).await;
        assert_eq!((s, body["error"].as_str().unwrap()), (status, error), "{uri}");
        assert!(!redirected, "{uri}");
    }
    // A repeated parameter is refused rather than guessed at (which client would it be?).
    let twice = format!("{}&client_id={CLIENT}", authorize_uri(CLIENT, REDIRECT, CHALLENGE, Some(&zk), "s"));
    let (s, _, redirected) = authorize_status(&server, &twice).await;
    assert_eq!((s, redirected), (StatusCode::BAD_REQUEST, false));

    // Known client and redirect URI: the error goes back to the client (RFC 6749 §4.1.2.1),
    // with its state and the issuer (RFC 9207).
    let no_pkce = format!("/authorize?response_type=code&client_id={CLIENT}&redirect_uri={}&state=s", urlencode(REDIRECT));
    let plain = authorize_uri(CLIENT, REDIRECT, CHALLENGE, Some(&zk), "s").replace("S256", "plain");
    let token_type = authorize_uri(CLIENT, REDIRECT, CHALLENGE, Some(&zk), "s").replace("response_type=code", "response_type=token");
    let scope = authorize_uri(CLIENT, REDIRECT, CHALLENGE, Some(&zk), "s").replace("scope=openid+profile", "scope=openid+admin");
    assert!(scope.contains("openid+admin"));
    let cases: Vec<(String, &str, &str)> = vec![
        (authorize_uri(CLIENT, REDIRECT, "short", Some(&zk), "s"), REDIRECT, "invalid_request"),
        (authorize_uri(CLIENT, REDIRECT, CHALLENGE, None, "s"), REDIRECT, "invalid_request"),
        (authorize_uri("plain-app", "http://localhost:8082/cb", CHALLENGE, Some(&zk), "s"), "http://localhost:8082/cb", "invalid_request"),
        (authorize_uri(CLIENT, REDIRECT, CHALLENGE, Some("e30"), "s"), REDIRECT, "invalid_request"),
        (no_pkce, REDIRECT, "invalid_request"),
        (plain, REDIRECT, "invalid_request"),
        (token_type, REDIRECT, "unsupported_response_type"),
        (scope, REDIRECT, "invalid_scope"),
    ];
    for (uri, target, error) in cases {
        let (s, h, _) = server.send(Request::get(uri.as_str()).body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::FOUND, "{uri}");
        let (base, q) = redirected_error(&h);
        assert_eq!(base, target, "{uri}");
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!((get("error"), get("state"), get("iss")), (Some(error), Some("s"), Some(ISSUER)), "{uri}");
        assert!(get("error_description").is_some_and(|d| !d.is_empty()));
        assert!(get("code").is_none());
        assert!(set_cookies(&h).is_empty(), "no binding cookie for a refused request");
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap().trim_start_matches("x=").to_string()
}

/// `zk_pub` values that are off the curve, or whose `x` is 33 bytes with a leading zero.
#[tokio::test]
async fn malformed_zk_pub_is_refused() {
    let server = Server::start().await;
    let good = DeliveryKeyPair::generate(&mut OsRng).zk_pub().unwrap();
    let jwk: serde_json::Value = serde_json::from_slice(&b64u::decode(&good, "z").unwrap()).unwrap();
    let x = b64u::decode(jwk["x"].as_str().unwrap(), "x").unwrap();
    let mut y = b64u::decode(jwk["y"].as_str().unwrap(), "y").unwrap();
    let mut padded = vec![0u8];
    padded.extend_from_slice(&x);
    let long_x = json!({"kty": "EC", "crv": "P-256", "x": b64u::encode(&padded), "y": jwk["y"]});
    y[31] ^= 1;
    let off_curve = json!({"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": b64u::encode(&y)});
    for bad in [long_x, off_curve] {
        let zk = b64u::encode(bad.to_string().as_bytes());
        let uri = authorize_uri(CLIENT, REDIRECT, CHALLENGE, Some(&zk), "s");
        let (s, h, _) = server.send(Request::get(uri.as_str()).body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::FOUND);
        let (base, q) = redirected_error(&h);
        assert_eq!(base, REDIRECT);
        assert!(q.contains(&("error".to_string(), "invalid_request".to_string())), "{q:?}");
    }
}

#[tokio::test]
async fn finalize_needs_session_csrf_and_same_origin() {
    let server = Server::start().await;
    let mut b = server.browser();
    account_with_keys(&mut b, "fin@example.com").await;
    let req = app_authorize(&server).await;
    b.binding = Some(req.binding.clone());
    let form = [("request_id", req.param("request_id").unwrap()), ("approve", "true"), ("zk_key_hash", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU")];

    let mut anonymous = server.browser();
    let (s, _, body) = anonymous.post_form("/authorize/finalize", &form).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "login_required"));

    let csrf = b.csrf.take();
    let (s, _, body) = b.post_form("/authorize/finalize", &form).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::FORBIDDEN, "csrf_refused"));
    b.csrf = csrf;

    b.origin = Some("http://localhost:8081".into());
    let (s, _, body) = b.post_form("/authorize/finalize", &form).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::FORBIDDEN, "csrf_refused"), "another port is another origin");
    b.origin = None;
    let (s, _, _) = b.post_form("/authorize/finalize", &form).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no Origin, no Referer, no Sec-Fetch-Site");
    let mut r = b.request(Method::POST, "/authorize/finalize", Some("application/x-www-form-urlencoded"), serde_urlencoded::to_string(form).unwrap());
    r.headers_mut().insert("sec-fetch-site", "same-site".parse().unwrap());
    assert_eq!(b.send(r).await.0, StatusCode::FORBIDDEN);
    b.origin = Some(ISSUER.into());

    // A ZK request needs its hash; the refusals above did not consume the request.
    let (s, _, body) = b.post_form("/authorize/finalize", &form[..2]).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "invalid_request"));
    // ... which did not consume it either: the complete form succeeds, once.
    let (s, _, _) = b.post_form("/authorize/finalize", &form).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = b.post_form("/authorize/finalize", &form).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn code_replay_revokes_its_tokens_and_wrong_pkce_fails() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "replay@example.com").await;

    let req = app_authorize(&server).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    let (s, body) = exchange_code(&server, &code, &hash_b64u("not the verifier")[..43]).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    // The failed attempt spent the code: the right verifier is now a replay.
    assert_eq!(exchange_code(&server, &code, &req.verifier).await.0, StatusCode::BAD_REQUEST);

    let req = app_authorize(&server).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    let (s, tok) = exchange_code(&server, &code, &req.verifier).await;
    assert_eq!(s, StatusCode::OK);
    let access = tok["access_token"].as_str().unwrap();
    let notes = || Request::get("/notes").header(header::AUTHORIZATION, format!("Bearer {access}")).body(Body::empty()).unwrap();
    assert_eq!(server.send(notes()).await.0, StatusCode::OK);
    let (s, body) = exchange_code(&server, &code, &req.verifier).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    let (s, h, body) = server.send(notes()).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "invalid_token"));
    assert!(h.contains_key(header::WWW_AUTHENTICATE));
    let refresh = tok["refresh_token"].as_str().unwrap();
    let (s, _) = token_request(&server, &[("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", CLIENT)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "the replay revoked the refresh token too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_redemptions_of_one_code_have_one_winner() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "race@example.com").await;
    let req = app_authorize(&server).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let app = server.app.clone();
        let form = serde_urlencoded::to_string([("grant_type", "authorization_code"), ("code", &code), ("client_id", CLIENT), ("redirect_uri", REDIRECT), ("code_verifier", &req.verifier)]).unwrap();
        set.spawn(async move {
            use tower::ServiceExt;
            let r = Request::post("/token").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(form)).unwrap();
            let res = app.oneshot(r).await.unwrap();
            let status = res.status();
            let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&body).to_string())
        });
    }
    let results: Vec<(StatusCode, String)> = set.join_all().await;
    let statuses: Vec<StatusCode> = results.iter().map(|r| r.0).collect();
    assert!(results.iter().all(|(s, b)| *s == StatusCode::OK || b.contains("invalid_grant")), "{results:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{statuses:?}");
    // The losers were replays: the winner's tokens are revoked too.
    let winner: serde_json::Value = serde_json::from_str(&results.iter().find(|r| r.0 == StatusCode::OK).unwrap().1).unwrap();
    let access = winner["access_token"].as_str().unwrap();
    let r = Request::get("/notes").header(header::AUTHORIZATION, format!("Bearer {access}")).body(Body::empty()).unwrap();
    assert_eq!(server.send(r).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_reuse_revokes_the_family() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "family@example.com").await;
    let req = app_authorize(&server).await;
    let (code, _) = approve(&mut b, &acct, &req).await;
    let (_, tok) = exchange_code(&server, &code, &req.verifier).await;
    let r1 = tok["refresh_token"].as_str().unwrap().to_string();
    let srv = &server;
    let grant = |t: String| async move { token_request(srv, &[("grant_type", "refresh_token"), ("refresh_token", &t), ("client_id", CLIENT)]).await };
    let (s, t2) = grant(r1.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let r2 = t2["refresh_token"].as_str().unwrap().to_string();
    let (s, body) = grant(r1).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "invalid_grant"));
    let (s, _) = grant(r2).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "reuse of r1 revoked r2, its successor");
    // Bound to the client: another client id is refused.
    let (s, body) = token_request(&server, &[("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", "nobody")]).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "invalid_client"));
}

#[tokio::test]
async fn login_state_expires_is_single_use_and_cannot_be_forged() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("late@example.com", PASSWORD).await;
    let mut b = server.browser();

    let (login, ke2, sid) = b.login_start("late@example.com", PASSWORD).await;
    let ke3 = login.finish(&mut OsRng, &ke2, "late@example.com").unwrap().finish;
    server.advance(61);
    let (s, _, body) = b.post_json("/opaque/login/finish", json!({"finish": ke3, "sessionId": sid})).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::UNAUTHORIZED, "authentication_failed"));

    let (login, ke2, _) = b.login_start("late@example.com", PASSWORD).await;
    let ke3 = login.finish(&mut OsRng, &ke2, "late@example.com").unwrap().finish;
    let (s, _, _) = b.post_json("/opaque/login/finish", json!({"finish": ke3, "sessionId": "AAAAAAAAAAAAAAAAAAAAAA"})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "forged sessionId");

    let (login, ke2, sid) = b.login_start("late@example.com", PASSWORD).await;
    let ke3 = login.finish(&mut OsRng, &ke2, "late@example.com").unwrap().finish;
    let (s, _, _) = b.post_json("/opaque/login/finish", json!({"finish": ke3, "sessionId": sid})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = b.post_json("/opaque/login/finish", json!({"finish": ke3, "sessionId": sid})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "replayed finish");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_alike() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("known@example.com", PASSWORD).await;
    let mut b = server.browser();
    let (s1, wrong, _) = b.login("known@example.com", "wrong password").await;
    let (s2, unknown, _) = b.login("nobody@example.com", PASSWORD).await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(wrong, unknown);
    assert!(b.session.is_none());
}

#[tokio::test]
async fn repeated_logins_are_rate_limited() {
    let server = Server::start_with("[rate_limits]\nlogin = { burst = 3, per_minute = 3 }").await;
    let mut b = server.browser();
    b.register("limited@example.com", PASSWORD).await;
    let client = zkauth::opaque::OpaqueClient::new(server.profile());
    let mut statuses = vec![];
    for _ in 0..4 {
        let (ke1, _) = client.start_login(&mut OsRng, b"guess").unwrap();
        let (s, h, body) = b.post_json("/opaque/login/start", json!({"email": "limited@example.com", "request": ke1})).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(body["error"], "rate_limited");
            assert!(h[header::RETRY_AFTER].to_str().unwrap().parse::<u64>().unwrap() >= 1);
        }
        statuses.push(s);
    }
    assert_eq!(statuses, [StatusCode::OK, StatusCode::OK, StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]);
    server.advance(25);
    let (ke1, _) = client.start_login(&mut OsRng, b"guess").unwrap();
    let (s, _, _) = b.post_json("/opaque/login/start", json!({"email": "limited@example.com", "request": ke1})).await;
    assert_eq!(s, StatusCode::OK, "the bucket drains at 3/min");
}

#[tokio::test]
async fn oversized_bodies_and_bearer_tokens_on_first_party_routes_are_refused() {
    let server = Server::start().await;
    let mut b = server.browser();
    let big = "A".repeat(1 << 20);
    let (s, _, body) = b.post_json("/opaque/login/start", json!({"email": "a@b", "request": big})).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    let r = Request::get("/session").header(header::AUTHORIZATION, "Bearer abc").body(Body::empty()).unwrap();
    let (s, _, body) = server.send(r).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "invalid_request"));
    let (s, _, body) = b.post_json("/opaque/login/start", json!({"email": "a@b", "request": "x", "extra": 1})).await;
    assert_eq!((s, body["error"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "invalid_request"));
}

/// Unknown paths (an empty path parameter included) and wrong methods answer with the JSON
/// error body, not axum's empty default (found by the server_requests fuzz target).
#[tokio::test]
async fn unknown_paths_and_methods_are_json_errors() {
    let server = Server::start().await;
    for uri in ["/authorize/requests/", "/no/such/endpoint", "/notes/x/y"] {
        let (s, _, body) = server.send(Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{uri}");
    }
    let (s, h, body) = server.send(Request::get("/logout").body(Body::empty()).unwrap()).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
    assert_eq!(h.get(header::ALLOW).and_then(|v| v.to_str().ok()), Some("POST"));
    let (s, _, body) = server.send(Request::put("/token").body(Body::empty()).unwrap()).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")));
    // A CORS preflight still gets the CORS answer (the wrong-method answer sits inside the CORS
    // layer; the e2e tests caught it outside).
    let preflight = Request::options("/notes")
        .header(header::ORIGIN, APP_ORIGIN)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .body(Body::empty())
        .unwrap();
    let (s, h, _) = server.send(preflight).await;
    assert!(s.is_success(), "{s}");
    assert_eq!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).and_then(|v| v.to_str().ok()), Some(APP_ORIGIN));

    // A path parameter or query that is not UTF-8: `invalid_request`, not a plain-text 400.
    let mut b = server.browser();
    b.register("paths@example.com", PASSWORD).await;
    assert_eq!(b.login("paths@example.com", PASSWORD).await.0, StatusCode::OK);
    for (method, uri) in [(Method::POST, "/sessions/%DA%D5/revoke"), (Method::GET, "/authorize/requests/%FF"), (Method::GET, "/crypto/keybag?include_revoked=%FF")] {
        let req = b.request(method, uri, None, String::new());
        let (s, _, body) = b.send(req).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{uri}");
    }
}

/// No control character reaches the store (PostgreSQL refused NUL with a 500 and an ERROR
/// line): a query value, a JSON string or member name, a form value and a path id holding one
/// are `invalid_request` on both backends, before any limit, session or database work.
#[tokio::test]
async fn control_characters_are_refused_wherever_a_string_comes_in() {
    let server = Server::start().await;
    let zk = DeliveryKeyPair::generate(&mut OsRng).zk_pub().unwrap();
    let refused = |(s, body): (StatusCode, serde_json::Value), what: &str| {
        assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{what}: {body}");
    };
    for (state, what) in [("a%00b", "NUL in state"), ("a%0Ab", "LF in state"), ("a%7Fb", "DEL in state"), ("a%C2%85b", "NEL in state")] {
        let uri = authorize_uri(CLIENT, REDIRECT, CHALLENGE, Some(&zk), "s").replace("state=s", &format!("state={state}"));
        let (s, body, redirected) = authorize_status(&server, &uri).await;
        refused((s, body), what);
        assert!(!redirected);
    }
    let mut b = server.browser();
    b.register("ctl@example.com", PASSWORD).await;
    let (s, _, body) = b.post_json("/opaque/login/start", json!({"email": "ctl@example.com\u{0}", "request": "AA"})).await;
    refused((s, body), "NUL in a JSON string");
    let raw = b.request(Method::POST, "/opaque/login/start", Some("application/json"), r#"{"email":"a\u0000@example.com","request":"AA"}"#.into());
    let (s, _, body) = b.send(raw).await;
    refused((s, body), "an escaped NUL");
    let (s, _, body) = b.post_json("/crypto/recovery-keys/rk%00x/revoke", json!({})).await;
    refused((s, body), "NUL in a path id");
    let (s, form) = token_request(&server, &[("grant_type", "authorization_code"), ("code", "a\u{0}b"), ("client_id", CLIENT)]).await;
    refused((s, form), "NUL in a form value");
    // Control: the same calls without the character get past this check.
    let (s, _, _) = b.post_json("/crypto/recovery-keys/rk-x/revoke", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// Malformed requests in someone's name spend none of their limit (the reviewer locked a
/// victim out with 12 junk login starts and 5 junk recovery starts from another address).
#[tokio::test]
async fn junk_in_a_victims_name_does_not_spend_the_victims_limits() {
    let server = Server::start_with("[rate_limits]\nlogin = { burst = 3, per_minute = 1 }\nrecovery = { burst = 3, per_minute = 1 }").await;
    let mut victim = server.browser();
    victim.register("victim@example.com", PASSWORD).await;
    let mut attacker = server.browser();
    for _ in 0..12 {
        let (s, _, body) = attacker.post_json("/opaque/login/start", json!({"email": "victim@example.com", "request": "AAAA"})).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    }
    for _ in 0..5 {
        let (s, _, body) = attacker.post_json("/recovery/start", json!({"email": "victim@example.com", "verifier": "AAAA"})).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    }
    assert_eq!(victim.login("victim@example.com", PASSWORD).await.0, StatusCode::OK, "the victim still logs in");
    let verifier = b64u::encode(&[7u8; 32]);
    let (s, _, _) = victim.post_json("/recovery/start", json!({"email": "victim@example.com", "verifier": verifier})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a well-formed wrong key is judged, not rate-limited");
}

/// The spec's deterministic ids name their owner: another account cannot take
/// `legacy-drk:<sub>` (or its envelope id) first and make the owner's v1→v2 migration fail.
#[tokio::test]
async fn ids_that_name_an_account_belong_to_that_account() {
    let server = Server::start().await;
    let mut victim = server.browser();
    let (victim_sub, _) = victim.register("owner@example.com", PASSWORD).await;
    let mut squatter = server.browser();
    squatter.register("squatter@example.com", PASSWORD).await;
    let (s, _, body) = squatter.post_json("/crypto/keybag/account-key", json!({"key_id": format!("legacy-drk:{victim_sub}"), "version": "v1"})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("access_denied")), "{body}");
    let (s, _, body) = victim.post_json("/crypto/keybag/account-key", json!({"key_id": format!("legacy-drk:{victim_sub}"), "version": "v1"})).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

/// `GET /authorize` is anonymous and stores a row each time: limited per client, and the
/// pending requests of everyone together are bounded (503 until some expire).
#[tokio::test]
async fn authorize_is_rate_limited_and_pending_requests_are_bounded() {
    let zk = DeliveryKeyPair::generate(&mut OsRng).zk_pub().unwrap();
    let uri = authorize_uri(CLIENT, REDIRECT, CHALLENGE, Some(&zk), "s");
    let server = Server::start_with("[rate_limits]\nauthorize = { burst = 2, per_minute = 1 }").await;
    for _ in 0..2 {
        assert_eq!(authorize_status(&server, &uri).await.0, StatusCode::FOUND);
    }
    let (s, body, _) = authorize_status(&server, &uri).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));

    let server = Server::start_with("[rate_limits]\npending_authorizations = 2").await;
    for _ in 0..2 {
        assert_eq!(authorize_status(&server, &uri).await.0, StatusCode::FOUND);
    }
    let (s, body, redirected) = authorize_status(&server, &uri).await;
    assert_eq!((s, body["error"].as_str(), redirected), (StatusCode::SERVICE_UNAVAILABLE, Some("temporarily_unavailable"), false));
    server.advance(301);
    assert_eq!(authorize_status(&server, &uri).await.0, StatusCode::FOUND, "expired requests no longer count");
}

/// A registration record is accepted only after a `register/start` for the same identity,
/// once, within 10 minutes.
#[tokio::test]
async fn registration_finish_needs_its_own_start() {
    let server = Server::start().await;
    let mut b = server.browser();
    let client = zkauth::opaque::OpaqueClient::new(server.profile());
    // A record made against a start for another e-mail address.
    let (request, reg) = client.start_registration(&mut OsRng, PASSWORD.as_bytes()).unwrap();
    let (s, _, start) = b.post_json("/opaque/register/start", json!({"request": request, "email": "someone@example.com"})).await;
    assert_eq!(s, StatusCode::OK);
    let done = reg.finish(&mut OsRng, start["message"].as_str().unwrap(), "nostart@example.com").unwrap();
    let (s, _, body) = b.post_json("/opaque/register/finish", json!({"email": "nostart@example.com", "record": done.record})).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    // With its own start: created; the start is spent.
    let (request, reg) = client.start_registration(&mut OsRng, PASSWORD.as_bytes()).unwrap();
    let (_, _, start) = b.post_json("/opaque/register/start", json!({"request": request, "email": "ok@example.com"})).await;
    let done = reg.finish(&mut OsRng, start["message"].as_str().unwrap(), "ok@example.com").unwrap();
    let finish = json!({"email": "ok@example.com", "record": done.record});
    assert_eq!(b.post_json("/opaque/register/finish", finish.clone()).await.0, StatusCode::CREATED);
    let (s, _, body) = b.post_json("/opaque/register/finish", finish).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    // A start older than 10 minutes is no longer usable.
    let (request, reg) = client.start_registration(&mut OsRng, PASSWORD.as_bytes()).unwrap();
    let (_, _, start) = b.post_json("/opaque/register/start", json!({"request": request, "email": "late@example.com"})).await;
    let done = reg.finish(&mut OsRng, start["message"].as_str().unwrap(), "late@example.com").unwrap();
    server.advance(601);
    let (s, _, _) = b.post_json("/opaque/register/finish", json!({"email": "late@example.com", "record": done.record})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

/// New accounts use the normal form (NFKC, lower-case domain), so look-alike duplicates of an
/// account cannot be registered; invisible and mixed-script addresses have no normal form.
#[tokio::test]
async fn registration_refuses_look_alikes_and_addresses_not_in_normal_form() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("ada@example.com", PASSWORD).await;
    let client = zkauth::opaque::OpaqueClient::new(server.profile());
    for email in ["ａｄａ@example.com", "ada@EXAMPLE.com", "ada@exam\u{200B}ple.com", "\u{0430}da@example.com", "ad\u{AD}a@example.com"] {
        let (request, _) = client.start_registration(&mut OsRng, PASSWORD.as_bytes()).unwrap();
        let (s, _, body) = b.post_json("/opaque/register/start", json!({"request": request, "email": email})).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{email:?}");
        let (s, _, body) = b.post_json("/opaque/register/finish", json!({"email": email, "record": "AAAA"})).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{email:?}");
    }
    // The local part keeps its case: a different mailbox, a different account.
    b.register("Ada@example.com", PASSWORD).await;
}

/// An authorization request belongs to the browser that followed `/authorize`: another browser
/// holding the login link (even signed in to the same account) cannot see its consent or
/// finalize it, and its attempts do not burn the request for the right browser.
#[tokio::test]
async fn a_login_link_only_works_in_the_browser_that_started_it() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "bound@example.com").await;
    let req = app_authorize(&server).await;
    let id = req.param("request_id").unwrap();
    let mut finder = server.browser();
    assert_eq!(finder.login("bound@example.com", PASSWORD).await.0, StatusCode::OK);
    let form = [("request_id", id), ("approve", "true"), ("zk_key_hash", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU")];
    for binding in [None, Some("A".repeat(43))] {
        finder.binding = binding;
        let (s, _, body) = finder.get(&format!("/authorize/requests/{id}")).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("access_denied")), "{body}");
        let (s, _, body) = finder.post_form("/authorize/finalize", &form).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("access_denied")), "{body}");
    }
    // The browser that started it still can.
    let (code, _) = approve(&mut b, &acct, &req).await;
    assert_eq!(code.len(), 43);
    // Another /authorize in a browser that has a binding keeps it (two tabs both work).
    let uri = authorize_uri(CLIENT, REDIRECT, &zkauth_verify::hash_b64u(&req.verifier), req.param("zk_pub"), "second-tab");
    let (s, _, _) = b.get(&uri).await;
    assert_eq!(s, StatusCode::FOUND);
    assert_eq!(b.binding.as_deref(), Some(req.binding.as_str()));
}

/// A finalize form the server refuses (a hash of the wrong shape, the other version's field, a
/// hash for a request without `zk_pub`) does not consume the request: the page can send the
/// corrected form.
#[tokio::test]
async fn a_malformed_finalize_does_not_burn_the_request() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "malformed@example.com").await;
    let req = app_authorize(&server).await;
    let id = req.param("request_id").unwrap();
    b.binding = Some(req.binding.clone());
    let good = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";
    for bad in [
        vec![("zk_key_hash", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuF")],   // 31 bytes and a bit
        vec![("zk_key_hash", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFV")],   // non-zero trailing bits
        vec![("drk_hash", good)],                                                // the v1 field on a v2 client
        vec![("zk_key_hash", good), ("drk_hash", good)],                         // both
        vec![],                                                                  // none
    ] {
        let mut form = vec![("request_id", id), ("approve", "true")];
        form.extend(bad.iter().copied());
        let (s, _, body) = b.post_form("/authorize/finalize", &form).await;
        assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{bad:?}: {body}");
    }
    let (code, _) = approve(&mut b, &acct, &req).await;
    assert_eq!(code.len(), 43, "the request survived every refused form");
    let (s, _, body) = b.post_form("/authorize/finalize", &[("request_id", id), ("approve", "true"), ("zk_key_hash", good)]).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "used once: {body}");
}

/// Denying at consent answers the whole error callback (RFC 6749 §4.1.2.1 with RFC 9207's
/// `iss`) and consumes the request.
#[tokio::test]
async fn a_denial_answers_the_error_callback_and_consumes_the_request() {
    let server = Server::start().await;
    let mut b = server.browser();
    account_with_keys(&mut b, "deny@example.com").await;
    let req = app_authorize(&server).await;
    b.binding = Some(req.binding.clone());
    let id = req.param("request_id").unwrap();
    let (s, _, body) = b.post_form("/authorize/finalize", &[("request_id", id), ("approve", "false")]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let state = req.param("state").unwrap();
    let want = serde_urlencoded::to_string([("error", "access_denied"), ("error_description", "the user denied the request"), ("state", state), ("iss", ISSUER)]).unwrap();
    assert_eq!(body["redirect_to"], json!(format!("{REDIRECT}?{want}")));
    assert!(body.get("code").is_none());
    let (s, _, _) = b.post_form("/authorize/finalize", &[("request_id", id), ("approve", "false")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "consumed");
}
