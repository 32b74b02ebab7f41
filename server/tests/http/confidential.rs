//! Confidential clients (a backend that proves a secret): HTTP Basic or form secret, only the
//! configured method, compared against the stored hash; never from a browser; PKCE still
//! required; every failure `invalid_client` with `WWW-Authenticate: Basic`.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use serde_json::Value;

use crate::harness::*;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// A finalized authorization for `client` (redirect https://backend.example/cb); its code.
async fn code_for(b: &mut Browser<'_>, client: &str) -> String {
    let challenge = zkauth_verify::hash_b64u(VERIFIER);
    let q = serde_urlencoded::to_string([
        ("response_type", "code"), ("client_id", client), ("redirect_uri", "https://backend.example/cb"), ("scope", "openid"),
        ("state", "s"), ("code_challenge", challenge.as_str()), ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let (s, h, body) = b.get(&format!("/authorize?{q}")).await;
    assert_eq!(s, StatusCode::FOUND, "{body}");
    let location = h[header::LOCATION].to_str().unwrap().to_string();
    let query: Vec<(String, String)> = serde_urlencoded::from_str(location.split_once('?').unwrap().1).unwrap();
    let request_id = query.iter().find(|(k, _)| k == "request_id").unwrap().1.clone();
    let (s, _, fin) = b.post_form("/authorize/finalize", &[("request_id", &request_id), ("approve", "true")]).await;
    assert_eq!(s, StatusCode::OK, "{fin}");
    fin["code"].as_str().unwrap().to_string()
}

fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| serde_urlencoded::to_string([("x", s)]).unwrap().trim_start_matches("x=").to_string();
    format!("Basic {}", zkauth_verify::b64std::encode(format!("{}:{}", enc(id), enc(secret)).as_bytes()))
}

/// A form POST to `path` with optional Authorization and Origin headers.
async fn post(server: &Server, path: &str, authorization: Option<&str>, origin: Option<&str>, form: &[(&str, &str)]) -> (StatusCode, HeaderMap, Value) {
    let mut r = Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(a) = authorization {
        r = r.header(header::AUTHORIZATION, a);
    }
    if let Some(o) = origin {
        r = r.header(header::ORIGIN, o);
    }
    server.send(r.body(Body::from(serde_urlencoded::to_string(form).unwrap())).unwrap()).await
}

fn code_form<'a>(code: &'a str, client: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://backend.example/cb"), ("code_verifier", VERIFIER)];
    if let Some(c) = client {
        f.push(("client_id", c));
    }
    f
}

fn refused(r: (StatusCode, HeaderMap, Value), what: &str) {
    let (s, h, body) = r;
    assert_eq!((s, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{what}: {body}");
    assert_eq!(h[header::WWW_AUTHENTICATE], "Basic realm=\"zkauth\"", "{what}");
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(), "{what}: no CORS for a backend");
}

#[tokio::test]
async fn a_confidential_client_proves_its_secret_with_its_method_from_its_backend() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("backend-user@example.com", PASSWORD).await;

    // Refusals first (a refused request does not spend the code: client authentication comes first).
    let code = code_for(&mut b, "backend").await;
    refused(post(&server, "/token", None, None, &code_form(&code, Some("backend"))).await, "no secret");
    refused(post(&server, "/token", Some(&basic("backend", "wrong")), None, &code_form(&code, None)).await, "wrong secret");
    let mut with_post = code_form(&code, Some("backend"));
    with_post.push(("client_secret", BACKEND_SECRET));
    refused(post(&server, "/token", None, None, &with_post).await, "the right secret by the wrong method");
    refused(post(&server, "/token", Some(&basic("backend", BACKEND_SECRET)), Some("https://backend.example"), &code_form(&code, None)).await, "from a browser");
    refused(post(&server, "/token", Some(&basic("backend", BACKEND_SECRET)), None, &code_form(&code, Some("post-backend"))).await, "two client ids");
    refused(post(&server, "/token", Some("Basic !!!"), None, &code_form(&code, None)).await, "malformed Basic");
    refused(post(&server, "/token", Some(&basic("plain-app", "x")), None, &code_form(&code, None)).await, "a secret for a public client");

    // The right secret by Basic: tokens.
    let (s, h, tok) = post(&server, "/token", Some(&basic("backend", BACKEND_SECRET)), None, &code_form(&code, None)).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    assert!(tok["id_token"].is_string() && tok["refresh_token"].is_string());
    // PKCE is still required for a confidential client.
    let code2 = code_for(&mut b, "backend").await;
    let mut no_pkce = code_form(&code2, None);
    no_pkce.retain(|(k, _)| *k != "code_verifier");
    let (s, _, body) = post(&server, "/token", Some(&basic("backend", BACKEND_SECRET)), None, &no_pkce).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));

    // Revocation authenticates the same way.
    let refresh = tok["refresh_token"].as_str().unwrap();
    refused(post(&server, "/revoke", None, None, &[("token", refresh), ("client_id", "backend")]).await, "revoke without secret");
    let (s, _, _) = post(&server, "/revoke", Some(&basic("backend", BACKEND_SECRET)), None, &[("token", refresh)]).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = post(&server, "/token", Some(&basic("backend", BACKEND_SECRET)), None, &[("grant_type", "refresh_token"), ("refresh_token", refresh)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "revoked");

    // client_secret_post: the form secret works, Basic does not.
    let code3 = code_for(&mut b, "post-backend").await;
    refused(post(&server, "/token", Some(&basic("post-backend", BACKEND_SECRET)), None, &code_form(&code3, None)).await, "Basic for a post client");
    let mut form = code_form(&code3, Some("post-backend"));
    form.push(("client_secret", BACKEND_SECRET));
    let (s, _, tok) = post(&server, "/token", None, None, &form).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
}

#[test]
fn a_new_client_secret_is_256_bits_and_its_line_holds_only_the_hash() {
    let (secret, line) = zkauth_server::client_auth::new_secret();
    assert_eq!(zkauth_verify::b64u::decode(&secret, "s").unwrap().len(), 32);
    assert_eq!(line, format!("client_secret_sha256 = \"{}\"", zkauth_verify::hash_b64u(&secret)));
    assert!(!line.contains(&secret));
}

/// RFC 7662 introspection: confidential clients only; their own live tokens are active with
/// sub, client_id, scope, exp, iat, token_type; anything else is `{"active": false}` alone.
#[tokio::test]
async fn introspection_answers_confidential_clients_about_their_own_live_tokens() {
    let server = Server::start().await;
    let mut b = server.browser();
    let (sub, _) = b.register("introspect@example.com", PASSWORD).await;
    let code = code_for(&mut b, "backend").await;
    let auth = basic("backend", BACKEND_SECRET);
    let (s, _, tok) = post(&server, "/token", Some(&auth), None, &code_form(&code, None)).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    let (access, refresh) = (tok["access_token"].as_str().unwrap(), tok["refresh_token"].as_str().unwrap());
    let now = server.state.now();

    let (s, _, info) = post(&server, "/introspect", Some(&auth), None, &[("token", access)]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(info, serde_json::json!({
        "active": true, "sub": sub, "client_id": "backend", "scope": "openid", "exp": now + 600, "iat": now,
        "iss": ISSUER, "token_type": "Bearer",
    }));
    let (_, _, info) = post(&server, "/introspect", Some(&auth), None, &[("token", refresh), ("token_type_hint", "refresh_token")]).await;
    assert_eq!((info["active"].as_bool(), info["token_type"].as_str()), (Some(true), Some("refresh_token")));

    // A public client may not introspect; a wrong secret is invalid_client.
    refused(post(&server, "/introspect", None, None, &[("token", access), ("client_id", "plain-app")]).await, "a public client");
    refused(post(&server, "/introspect", Some(&basic("backend", "wrong")), None, &[("token", access)]).await, "wrong secret");
    // Another client's token, an unknown one, and revoked or spent ones: inactive, nothing else.
    refused(post(&server, "/introspect", Some(&basic("post-backend", BACKEND_SECRET)), None, &[("token", access)]).await, "post-backend by Basic");
    let mut form = vec![("token", access), ("client_id", "post-backend"), ("client_secret", BACKEND_SECRET)];
    let (s, _, info) = post(&server, "/introspect", None, None, &form).await;
    assert_eq!((s, &info), (StatusCode::OK, &serde_json::json!({"active": false})), "another client's token");
    form[0] = ("token", "no-such-token");
    assert_eq!(post(&server, "/introspect", None, None, &form).await.2, serde_json::json!({"active": false}));
    let (s, _, _) = post(&server, "/token", Some(&auth), None, &[("grant_type", "refresh_token"), ("refresh_token", refresh)]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(post(&server, "/introspect", Some(&auth), None, &[("token", refresh)]).await.2, serde_json::json!({"active": false}), "spent");
    assert_eq!(post(&server, "/revoke", Some(&auth), None, &[("token", access)]).await.0, StatusCode::OK);
    assert_eq!(post(&server, "/introspect", Some(&auth), None, &[("token", access)]).await.2, serde_json::json!({"active": false}), "revoked");
}

/// A client assertion for "jwt-backend" signed with `key` (ES256, kid k1) with `claims`.
fn assertion(key: &p256::ecdsa::SigningKey, claims: &Value) -> String {
    use p256::ecdsa::signature::Signer as _;
    let enc = |v: &Value| zkauth_verify::b64u::encode(&serde_json::to_vec(v).unwrap());
    let input = format!("{}.{}", enc(&serde_json::json!({"alg": "ES256", "kid": "k1", "typ": "JWT"})), enc(claims));
    let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
    format!("{input}.{}", zkauth_verify::b64u::encode(&sig.to_bytes()))
}

fn claims(server: &Server, jti: &str) -> Value {
    let now = server.state.now();
    serde_json::json!({"iss": "jwt-backend", "sub": "jwt-backend", "aud": format!("{ISSUER}/token"), "iat": now, "exp": now + 60, "jti": jti})
}

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// private_key_jwt (RFC 7523): a signed assertion authenticates, once; every other shape of
/// it is invalid_client.
#[tokio::test]
async fn private_key_jwt_authenticates_once_and_refuses_every_bad_assertion() {
    let server = Server::start().await;
    let mut b = server.browser();
    b.register("jwt@example.com", PASSWORD).await;
    let key = jwt_backend_key();
    let with = |code: &str, jwt: &str| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = code_form(code, None).into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        f.push(("client_assertion_type".into(), JWT_BEARER.into()));
        f.push(("client_assertion".into(), jwt.into()));
        f
    };
    let send = |form: Vec<(String, String)>, origin: Option<&'static str>, authorization: Option<String>| {
        let server = &server;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            post(server, "/token", authorization.as_deref(), origin, &pairs).await
        }
    };

    let code = code_for(&mut b, "jwt-backend").await;
    let now = server.state.now();
    let other_key = p256::ecdsa::SigningKey::from_slice(&[0x43; 32]).unwrap();
    let mut bad: Vec<(&str, String)> = vec![];
    let mut c = claims(&server, "j-aud");
    c["aud"] = serde_json::json!("https://elsewhere.example/token");
    bad.push(("another audience", assertion(&key, &c)));
    let mut c = claims(&server, "j-exp");
    c["exp"] = serde_json::json!(now + 301);
    bad.push(("exp more than 5 minutes ahead", assertion(&key, &c)));
    let mut c = claims(&server, "j-old");
    c["exp"] = serde_json::json!(now);
    bad.push(("expired", assertion(&key, &c)));
    let mut c = claims(&server, "j-iss");
    c["iss"] = serde_json::json!("backend");
    bad.push(("iss is not the client", assertion(&key, &c)));
    let mut c = claims(&server, "j-nojti");
    c.as_object_mut().unwrap().remove("jti");
    bad.push(("no jti", assertion(&key, &c)));
    bad.push(("another key", assertion(&other_key, &claims(&server, "j-key"))));
    let good = assertion(&key, &claims(&server, "j-good"));
    let (_, rest) = good.split_once('.').unwrap();
    let none_header = zkauth_verify::b64u::encode(br#"{"alg":"none"}"#);
    bad.push(("alg none", format!("{none_header}.{rest}")));
    for (what, jwt) in bad {
        refused(send(with(&code, &jwt), None, None).await, what);
    }
    // Mixed with a secret, from a browser, or for a secret-based client.
    let mut f = with(&code, &assertion(&key, &claims(&server, "j-mixed")));
    f.push(("client_secret".into(), BACKEND_SECRET.into()));
    refused(send(f, None, None).await, "an assertion and a secret");
    refused(send(with(&code, &assertion(&key, &claims(&server, "j-origin"))), Some("https://backend.example"), None).await, "from a browser");
    let mut c = claims(&server, "j-other-client");
    c["iss"] = serde_json::json!("backend");
    c["sub"] = serde_json::json!("backend");
    refused(send(with(&code, &assertion(&key, &c)), None, None).await, "a secret-based client");
    // A secret for the jwt client is refused too.
    refused(post(&server, "/token", Some(&basic("jwt-backend", BACKEND_SECRET)), None, &code_form(&code, None)).await, "a secret for a private_key_jwt client");

    // The good one works (the refusals above did not burn the code), once.
    let (s, _, tok) = send(with(&code, &good), None, None).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    assert!(tok["id_token"].is_string());
    let (s, _, body) = send(with(&code, &good), None, None).await;
    assert_eq!((s, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "the jti is used: {body}");
    // It also authenticates at introspection (aud: the issuer is accepted).
    let mut c = claims(&server, "j-introspect");
    c["aud"] = serde_json::json!(ISSUER);
    let form = [("token", tok["access_token"].as_str().unwrap()), ("client_assertion_type", JWT_BEARER), ("client_assertion", &assertion(&key, &c))];
    let (s, _, info) = post(&server, "/introspect", None, None, &form).await;
    assert_eq!((s, info["active"].as_bool()), (StatusCode::OK, Some(true)), "{info}");
}
