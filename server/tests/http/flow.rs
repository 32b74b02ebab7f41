//! The whole flow over HTTP: register → login → wrapped-drk → keybag → authorize with a
//! `zk_pub` → finalize → token → the JWE sealed for that `zk_pub` opens with the returned hash
//! and CAK; then notes with the access token and a refresh rotation.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use zkauth::delivery::{seal_delivery_v2, DeliveryKeyPair, SealV2};
use zkauth::keys::{password_envelope_aad, EnvelopeMeta};
use zkauth::RootKey;
use zkauth_verify::{b64u, hash_b64u, ExpectV2, WRAPPING_ALG_PASSWORD_V2};

use crate::harness::*;

/// What an app holds between `/authorize` and the callback.
pub struct AppRequest {
    pub kp: DeliveryKeyPair,
    pub verifier: String,
    pub state: String,
    pub query: Vec<(String, String)>,
    /// The binding cookie `/authorize` set in the browser that followed it.
    pub binding: String,
}

impl AppRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub fn authorize_uri(client: &str, redirect: &str, challenge: &str, zk_pub: Option<&str>, state: &str) -> String {
    let mut q = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", redirect),
        ("state", state),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        ("scope", "openid profile"),
        ("nonce", "n-0S6_WzA2Mj"),
    ];
    if let Some(z) = zk_pub {
        q.push(("zk_pub", z));
    }
    format!("/authorize?{}", serde_urlencoded::to_string(&q).unwrap())
}

/// The app's side of `/authorize`: a fresh key pair, PKCE and state; follows the 302 to the
/// login page and returns its query.
pub async fn app_authorize(server: &Server) -> AppRequest {
    let kp = DeliveryKeyPair::generate(&mut OsRng);
    let mut v = [0u8; 32];
    OsRng.fill_bytes(&mut v);
    let verifier = b64u::encode(&v);
    let state = b64u::encode(&v[..16]);
    let uri = authorize_uri(CLIENT, REDIRECT, &hash_b64u(&verifier), Some(&kp.zk_pub().unwrap()), &state);
    let (status, headers, body) = server.send(Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::FOUND, "{body}");
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    let query = location.strip_prefix(&format!("{ISSUER}/?")).expect("redirects to the login page at /");
    let query: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let names = server.state.config.cookies;
    let binding = set_cookies(&headers)
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{}=", names.binding())).map(|rest| rest.split(';').next().unwrap().to_string()))
        .expect("authorize sets the binding cookie");
    AppRequest { kp, verifier, state, query, binding }
}

/// `POST /token` as the app on its own origin.
pub async fn token_request(server: &Server, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/token")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, APP_ORIGIN)
        .body(Body::from(serde_urlencoded::to_string(form).unwrap()))
        .unwrap();
    let (s, headers, body) = server.send(req).await;
    if s == StatusCode::OK {
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], APP_ORIGIN);
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    }
    (s, body)
}

pub async fn exchange_code(server: &Server, code: &str, verifier: &str) -> (StatusCode, Value) {
    token_request(server, &[("grant_type", "authorization_code"), ("code", code), ("client_id", CLIENT), ("redirect_uri", REDIRECT), ("code_verifier", verifier)])
        .await
}

/// A logged-in user with a root key, an active account key and a password envelope.
pub struct Account {
    pub sub: String,
    pub key_id: String,
    pub root: RootKey,
}

pub async fn account_with_keys(b: &mut Browser<'_>, email: &str) -> Account {
    account_with_envelope(b, email, "env_6b1f0c9e-2d4a-4e8b-9c1d-0a2b3c4d5e6f").await
}

/// [`account_with_keys`] with its password envelope's id (envelope ids are unique per server).
pub async fn account_with_envelope(b: &mut Browser<'_>, email: &str, envelope_id: &str) -> Account {
    let (sub, export) = b.register(email, PASSWORD).await;
    let root = RootKey::generate(&mut OsRng);
    let wrapped = export.wrap_root_key(&mut OsRng, &root, &sub).unwrap();
    let (s, _, _) = b.put_json("/crypto/wrapped-drk", json!({"wrapped_drk": wrapped})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, key) = b.post_json("/crypto/keybag/rotate", json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let key_id = key["account_key"]["key_id"].as_str().unwrap().to_string();
    let meta = EnvelopeMeta { envelope_id, key_id: &key_id, sub: &sub };
    let wrapped_key = export.seal_password_envelope(&mut OsRng, &root, &meta).unwrap();
    let body = json!({
        "envelope_id": meta.envelope_id, "key_id": key_id, "type": "password", "wrapping_alg": WRAPPING_ALG_PASSWORD_V2,
        "wrapped_key": wrapped_key, "aad": password_envelope_aad(&meta).unwrap(), "metadata": {"version": "v2"}
    });
    let (s, _, env) = b.post_json("/crypto/keybag/envelopes", body).await;
    assert_eq!(s, StatusCode::CREATED, "{env}");
    Account { sub, key_id, root }
}

/// The login page's approve step: seal the CAK to the app's `zk_pub` and finalize.
pub async fn approve(b: &mut Browser<'_>, acct: &Account, req: &AppRequest) -> (String, String) {
    b.binding = Some(req.binding.clone()); // the browser that followed /authorize
    let cak = acct.root.derive_client_app_key(&acct.sub, &acct.key_id, CLIENT, None).unwrap();
    let sealed = seal_delivery_v2(
        &mut OsRng,
        &cak,
        req.param("zk_pub").unwrap(),
        &SealV2 {
            sub: &acct.sub,
            client_id: CLIENT,
            org_id: None,
            request_id: req.param("request_id").unwrap(),
            state: req.param("state"),
            redirect_uri: req.param("redirect_uri").unwrap(),
            key_id: &acct.key_id,
            iat: b.server.state.now(),
        },
    )
    .unwrap();
    let (s, _, fin) = b.post_form("/authorize/finalize", &[("request_id", req.param("request_id").unwrap()), ("approve", "true"), ("zk_key_hash", &sealed.hash)]).await;
    assert_eq!(s, StatusCode::OK, "{fin}");
    assert_eq!(fin["state"], json!(req.state));
    assert_eq!(fin["redirect_uri"], json!(REDIRECT));
    assert_eq!(fin["iss"], json!(ISSUER), "RFC 9207: the issuer rides with the response");
    let mut want = vec![("code", fin["code"].as_str().unwrap())];
    if let Some(s) = req.param("state") {
        want.push(("state", s));
    }
    want.push(("iss", ISSUER));
    assert_eq!(fin["redirect_to"], json!(format!("{REDIRECT}?{}", serde_urlencoded::to_string(&want).unwrap())), "the whole callback");
    (fin["code"].as_str().unwrap().to_string(), sealed.jwe)
}

fn id_token_alg(id_token: &str) -> String {
    let header: Value = serde_json::from_slice(&b64u::decode(id_token.split('.').next().unwrap(), "h").unwrap()).unwrap();
    header["alg"].as_str().unwrap().to_string()
}

/// Verifies an ID token against the served JWKS (the key its `kid` names), whatever its
/// algorithm; returns the claims.
fn verify_id_token(server: &Server, id_token: &str) -> Value {
    let jwks = server.state.secrets.signing.loaded().jwks(server.state.now(), server.state.config.signing.retired_key_overlap_secs);
    let (input, sig) = id_token.rsplit_once('.').unwrap();
    let sig = b64u::decode(sig, "sig").unwrap();
    let header: Value = serde_json::from_slice(&b64u::decode(input.split('.').next().unwrap(), "h").unwrap()).unwrap();
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header["kid"]).expect("the kid is in the JWKS");
    assert_eq!(jwk["alg"], header["alg"]);
    let coord = |c: &'static str| b64u::decode(jwk[c].as_str().unwrap(), c).unwrap();
    match header["alg"].as_str().unwrap() {
        "EdDSA" => {
            let key = VerifyingKey::from_bytes(&coord("x").try_into().unwrap()).unwrap();
            key.verify(input.as_bytes(), &Signature::from_slice(&sig).unwrap()).expect("EdDSA signature verifies against the JWKS");
        }
        "ES256" => {
            use p256::ecdsa::signature::Verifier as _;
            let sec1 = [vec![4u8], coord("x"), coord("y")].concat();
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).unwrap();
            key.verify(input.as_bytes(), &p256::ecdsa::Signature::from_slice(&sig).unwrap()).expect("ES256 signature verifies against the JWKS");
        }
        "RS256" => {
            let key = ring::signature::RsaPublicKeyComponents { n: coord("n"), e: coord("e") };
            key.verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig).expect("RS256 signature verifies against the JWKS");
        }
        other => panic!("unexpected alg {other}"),
    }
    serde_json::from_slice(&b64u::decode(input.split('.').nth(1).unwrap(), "p").unwrap()).unwrap()
}

#[tokio::test]
async fn register_login_keys_authorize_token_and_open_the_delivery() {
    let server = Server::start().await;
    let mut b = server.browser();
    let acct = account_with_keys(&mut b, "gina@example.com").await;

    // The wrapped DRK and keybag come back as stored.
    let (s, _, drk) = b.get("/crypto/wrapped-drk").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, bag) = b.get("/crypto/keybag").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(bag["account_keys"][0]["key_id"], json!(acct.key_id));
    assert_eq!(bag["account_keys"][0]["status"], "active");
    assert_eq!(bag["envelopes"][0]["type"], "password");
    assert_eq!(bag["envelopes"][0]["metadata"], json!({"version": "v2"}));

    // Log out, log in again: the same export key opens both the legacy wrap and the envelope.
    let (s, headers, _) = b.post_json("/logout", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(headers["clear-site-data"], "\"cache\", \"storage\"");
    assert!(set_cookies(&headers).iter().all(|c| c.contains("Max-Age=0")));
    assert!(b.session.is_none());
    let (s, body, export) = b.login("gina@example.com", PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["sub"], json!(acct.sub));
    assert_eq!(body["sessionKey"], Value::Null);
    assert_eq!(body["user"]["email"], "gina@example.com");
    let export = export.unwrap();
    let root = export.unwrap_root_key(drk["wrapped_drk"].as_str().unwrap(), &acct.sub).unwrap();
    assert_eq!(root.expose_secret(), acct.root.expose_secret());
    let env = &bag["envelopes"][0];
    let meta = EnvelopeMeta { envelope_id: env["envelope_id"].as_str().unwrap(), key_id: &acct.key_id, sub: &acct.sub };
    let opened = export.open_password_envelope(env["wrapped_key"].as_str().unwrap(), &meta).unwrap();
    assert_eq!(opened.expose_secret(), acct.root.expose_secret());

    // The app starts an authorization with its zk_pub; the login page gets the spec's query.
    let req = app_authorize(&server).await;
    assert_eq!(req.param("client_id"), Some(CLIENT));
    assert_eq!(req.param("client_name"), Some("Demo app"));
    assert_eq!(req.param("has_zk"), Some("1"));
    assert_eq!(req.param("zk_pub"), Some(req.kp.zk_pub().unwrap().as_str()));
    assert_eq!(req.param("key_delivery_version"), Some("v2"));
    assert_eq!(req.param("delivered_key_kind"), Some("client_app_key"));
    assert_eq!(req.param("request_id").unwrap().len(), 43);
    b.binding = Some(req.binding.clone());
    // The consent screen reads what the server holds for the request (not its own query).
    let (s, _, pending) = b.get(&format!("/authorize/requests/{}", req.param("request_id").unwrap())).await;
    assert_eq!(s, StatusCode::OK, "{pending}");
    assert_eq!(pending["client_name"], "Demo app");
    assert_eq!(pending["redirect_uri"], REDIRECT);
    assert_eq!(pending["zk_pub_kid"], json!(req.kp.zk_pub_kid().unwrap()));
    assert_eq!(pending["key_delivery_version"], "v2");
    let (s, _, _) = server.browser().get(&format!("/authorize/requests/{}", req.param("request_id").unwrap())).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "only with a session");
    // The banner's name needs no session: the registered name, whatever the link said.
    let (s, _, banner) = server.browser().get(&format!("/authorize/requests/{}/client", req.param("request_id").unwrap())).await;
    assert_eq!((s, banner), (StatusCode::OK, json!({"client_id": CLIENT, "client_name": "Demo app"})));
    let (s, _, _) = server.browser().get("/authorize/requests/AAAA/client").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (code, jwe) = approve(&mut b, &acct, &req).await;

    // The app exchanges the code and opens the JWE with every binding.
    let (s, tok) = exchange_code(&server, &code, &req.verifier).await;
    assert_eq!(s, StatusCode::OK, "{tok}");
    assert_eq!(tok["zk_key_hash"], json!(hash_b64u(&jwe)));
    assert_eq!(tok["zk_key_kind"], "client_app_key");
    assert_eq!(tok["zk_key_version"], "v2");
    assert_eq!(tok["token_type"], "Bearer");
    assert!(tok.get("jwe").is_none() && !tok.to_string().contains(&jwe));
    let claims = verify_id_token(&server, tok["id_token"].as_str().unwrap());
    assert_eq!(id_token_alg(tok["id_token"].as_str().unwrap()), "ES256", "the client's id_token_signed_response_alg");
    assert_eq!(claims["sub"], json!(acct.sub));
    assert_eq!(claims["aud"], CLIENT);
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["name"], "Gina", "profile scope");
    assert!(claims.get("email").is_none(), "no email scope, no email");
    // at_hash (OIDC Core §3.1.3.6), computed here from the access token: ES256 → SHA-256.
    let access_hash = <sha2::Sha256 as sha2::Digest>::digest(tok["access_token"].as_str().unwrap().as_bytes());
    assert_eq!(claims["at_hash"], json!(b64u::encode(&access_hash[..16])));
    let auth_time = claims["auth_time"].as_i64().unwrap();
    assert!(auth_time <= server.state.now() && auth_time > server.state.now() - 60, "the login's time");
    let expect = ExpectV2 {
        zk_key_hash: tok["zk_key_hash"].as_str().unwrap(),
        client_id: CLIENT,
        redirect_uri: REDIRECT,
        state: Some(&req.state),
        sub: claims["sub"].as_str(),
        request_id: req.param("request_id"),
        org_id: None,
        now: server.state.now(),
        zk_key_kind: tok["zk_key_kind"].as_str(),
        zk_key_version: tok["zk_key_version"].as_str(),
    };
    let delivered = req.kp.open_v2(&jwe, &expect).unwrap();
    let cak = acct.root.derive_client_app_key(&acct.sub, &acct.key_id, CLIENT, None).unwrap();
    assert_eq!(delivered.expose_secret(), cak.expose_secret());

    // Notes with the access token: ciphertext in, ciphertext out.
    let access = tok["access_token"].as_str().unwrap();
    let note = json!({"ciphertext": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "aad": "{\"note_id\":\"n1\"}"});
    let put = Request::put("/notes/n1")
        .header(header::AUTHORIZATION, format!("Bearer {access}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(note.to_string()))
        .unwrap();
    assert_eq!(server.send(put).await.0, StatusCode::OK);
    let list = Request::get("/notes").header(header::AUTHORIZATION, format!("Bearer {access}")).body(Body::empty()).unwrap();
    let (s, _, notes) = server.send(list).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(notes["notes"][0]["note_id"], "n1");
    // The scheme is case-insensitive (RFC 9110 §11.1); another scheme is no token.
    for (scheme, want) in [("bearer", StatusCode::OK), ("BEARER", StatusCode::OK), ("Basic", StatusCode::UNAUTHORIZED), ("Bearer\t", StatusCode::UNAUTHORIZED)] {
        let r = Request::get("/notes").header(header::AUTHORIZATION, format!("{scheme} {access}")).body(Body::empty()).unwrap();
        assert_eq!(server.send(r).await.0, want, "{scheme:?}");
    }
    assert_eq!(notes["notes"][0]["ciphertext"], note["ciphertext"]);

    // Refresh rotates: the new refresh token works, the old one is spent.
    let refresh = tok["refresh_token"].as_str().unwrap();
    server.advance(120);
    let (s, t2) = token_request(&server, &[("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", CLIENT)]).await;
    assert_eq!(s, StatusCode::OK, "{t2}");
    assert_ne!(t2["refresh_token"], tok["refresh_token"]);
    assert!(t2.get("zk_key_hash").is_none());
    // The refreshed ID token keeps the login's auth_time (not the refresh's) and a fresh at_hash.
    let refreshed = verify_id_token(&server, t2["id_token"].as_str().unwrap());
    assert_eq!(refreshed["auth_time"], json!(auth_time));
    assert_eq!(refreshed["iat"], json!(server.state.now()));
    let access_hash = <sha2::Sha256 as sha2::Digest>::digest(t2["access_token"].as_str().unwrap().as_bytes());
    assert_eq!(refreshed["at_hash"], json!(b64u::encode(&access_hash[..16])));
}

#[tokio::test]
async fn discovery_and_jwks_are_public_with_cors_for_clients_only() {
    let server = Server::start().await;
    let req = Request::get("/.well-known/openid-configuration").header(header::ORIGIN, APP_ORIGIN).body(Body::empty()).unwrap();
    let (s, h, conf) = server.send(req).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(conf["issuer"], ISSUER);
    assert_eq!(conf["token_endpoint"], format!("{ISSUER}/token"));
    assert_eq!(conf["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], APP_ORIGIN);
    let req = Request::get("/.well-known/jwks.json").header(header::ORIGIN, "https://evil.example").body(Body::empty()).unwrap();
    let (s, h, jwks) = server.send(req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let mut keys: Vec<_> = jwks["keys"].as_array().unwrap().iter().map(|k| (k["alg"].as_str().unwrap(), k["kty"].as_str().unwrap(), k["crv"].as_str())).collect();
    keys.sort();
    assert_eq!(keys, [("ES256", "EC", Some("P-256")), ("EdDSA", "OKP", Some("Ed25519")), ("RS256", "RSA", None)]);
    assert_eq!(conf["id_token_signing_alg_values_supported"], json!(["RS256", "ES256", "EdDSA"]));
    // Preflight for /token from the app: exact origin, fixed methods and headers.
    let pre = Request::builder()
        .method(Method::OPTIONS)
        .uri("/token")
        .header(header::ORIGIN, APP_ORIGIN)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "x-evil")
        .body(Body::empty())
        .unwrap();
    let (_, h, _) = server.send(pre).await;
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], APP_ORIGIN);
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none(), "token routes take no cookies");
    assert!(!h[header::ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap().contains("x-evil"));
    // No CORS on first-party routes, even for a registered origin.
    let req = Request::get("/session").header(header::ORIGIN, APP_ORIGIN).body(Body::empty()).unwrap();
    let (_, h, _) = server.send(req).await;
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

/// Browsers report CSP violations to `/csp-report` without cookies or CSRF token: each is a
/// `csp_violation` event, logged by directive name only; anything else is refused.
#[tokio::test]
async fn csp_reports_are_counted_by_directive_and_nothing_else_is_kept() {
    let server = Server::start().await;
    let report = |body: String, ct: &str| {
        Request::post("/csp-report").header(header::CONTENT_TYPE, ct).header(header::ORIGIN, "http://evil.example").body(Body::from(body)).unwrap()
    };
    let before = server.state.count(zkauth_server::state::Event::CspViolation);
    let chromium = json!({"csp-report": {"document-uri": "http://localhost:8080/?code=secret", "effective-directive": "require-trusted-types-for", "violated-directive": "require-trusted-types-for", "blocked-uri": "trusted-types-sink"}});
    let firefox = json!({"csp-report": {"document-uri": "http://localhost:8081/", "violated-directive": "style-src-attr", "blocked-uri": "inline"}});
    for (body, ct) in [(chromium, "application/csp-report"), (firefox, "application/json")] {
        let (s, _, _) = server.send(report(body.to_string(), ct)).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }
    assert_eq!(server.state.count(zkauth_server::state::Event::CspViolation), before + 2);
    for (body, why) in [("{}".to_string(), "no csp-report member"), ("not json".into(), "not JSON"), (format!("{{\"csp-report\":{{\"x\":\"{}\"}}}}", "a".repeat(9000)), "over 8 KiB")] {
        let (s, _, e) = server.send(report(body, "application/csp-report")).await;
        assert_eq!((s, e["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{why}");
    }
    assert_eq!(server.state.count(zkauth_server::state::Event::CspViolation), before + 2);
    let (s, _, _) = server.send(Request::get("/csp-report").body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn every_response_has_the_security_headers() {
    let server = Server::start().await;
    let (_, h, _) = server.send(Request::get("/session").body(Body::empty()).unwrap()).await;
    assert_eq!(
        h[header::CONTENT_SECURITY_POLICY],
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; require-trusted-types-for 'script'; report-uri http://localhost:8080/csp-report"
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(h["cross-origin-opener-policy"], "same-origin");
    assert_eq!(h["cross-origin-resource-policy"], "same-origin");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert!(h.contains_key("permissions-policy"));
    assert!(h.get(header::STRICT_TRANSPORT_SECURITY).is_none(), "no HSTS on an http://localhost issuer");
}
