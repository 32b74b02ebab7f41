//! The reference server's request handling on fuzzed input: every endpoint's body extractor
//! (JSON and form), path parameters and the `/authorize` query, driven through the whole
//! router in-process (tower layers, handlers, SQLite store), with a logged-in session so the
//! endpoints behind it are reached too, and an app's access token for the bearer endpoints
//! (`/notes`, `/sharing`, `/shared-notes`, `/userinfo`). No panic, never a 5xx, and every refusal is the JSON
//! error body with a stable `error`.
#![no_main]
use std::net::SocketAddr;
use std::sync::atomic::AtomicI64;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Method, Request};
use axum::Router;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use rand_core::OsRng;
use serde_json::{json, Value};
use tower::ServiceExt;
use zkauth::opaque::OpaqueClient;
use zkauth_server::{build, router, Clock, Config, KekSource, Overrides};

const ISSUER: &str = "http://localhost:8080";

/// Every route but those that end the fuzzer's own session (`/logout`, `/logout/all`,
/// `/end_session/confirm`). (A passkey sign-in would replace it too, but no fuzzed assertion
/// verifies.)
/// `{}` is replaced by a fuzzed path segment; `?` takes a fuzzed query.
const ENDPOINTS: &[(&str, &str, &str)] = &[
    ("POST", "/opaque/register/start", "application/json"),
    ("POST", "/opaque/register/finish", "application/json"),
    ("POST", "/opaque/login/start", "application/json"),
    ("POST", "/opaque/login/finish", "application/json"),
    ("POST", "/recovery/start", "application/json"),
    ("POST", "/password/reset/start", "application/json"),
    ("POST", "/password/reset/finish", "application/json"),
    ("POST", "/password/change/start", "application/json"),
    ("POST", "/password/change/finish", "application/json"),
    ("PUT", "/crypto/wrapped-drk", "application/json"),
    ("POST", "/crypto/keybag/account-key", "application/json"),
    ("POST", "/crypto/keybag/envelopes", "application/json"),
    ("DELETE", "/crypto/keybag/envelopes/{}", ""),
    ("POST", "/crypto/keybag/rotate", "application/json"),
    ("POST", "/crypto/keybag/recovery", "application/json"),
    ("POST", "/crypto/recovery-keys", "application/json"),
    ("POST", "/crypto/recovery-keys/{}/use", "application/json"),
    ("POST", "/crypto/recovery-keys/{}/revoke", "application/json"),
    ("POST", "/sessions/{}/revoke", ""),
    ("GET", "/authorize?", ""),
    ("GET", "/authorize/requests/{}", ""),
    ("POST", "/authorize/finalize", "application/x-www-form-urlencoded"),
    ("POST", "/token", "application/x-www-form-urlencoded"),
    ("PUT", "/notes/{}", "application/json"),
    ("GET", "/notes/{}", ""),
    ("POST", "/revoke", "application/x-www-form-urlencoded"),
    ("POST", "/introspect", "application/x-www-form-urlencoded"),
    ("GET", "/end_session?", ""),
    ("POST", "/end_session", "application/x-www-form-urlencoded"),
    ("POST", "/consents/{}/revoke", ""),
    // Appended (a seed's first byte keeps naming the same endpoint): passkeys, trusted devices
    // and device approval, the user's key pair.
    ("POST", "/webauthn/register/start", "application/json"),
    ("POST", "/webauthn/register/finish", "application/json"),
    ("POST", "/webauthn/login/start", "application/json"),
    ("POST", "/webauthn/login/finish", "application/json"),
    ("POST", "/webauthn/prf-envelope", "application/json"),
    ("PATCH", "/webauthn/credentials/{}", "application/json"),
    ("DELETE", "/webauthn/credentials/{}", ""),
    ("POST", "/crypto/devices", "application/json"),
    ("DELETE", "/crypto/devices/{}", ""),
    ("POST", "/crypto/device-approvals", "application/json"),
    ("POST", "/crypto/device-approvals/{}/approve", "application/json"),
    ("POST", "/crypto/device-approvals/{}/deny", ""),
    ("POST", "/crypto/device-approvals/{}/consume", "application/json"),
    ("PUT", "/crypto/enc-pub", "application/json"),
    ("PUT", "/crypto/wrapped-enc-priv", "application/json"),
    // Sharing between users of an app (bearer): keys, recipients, a note's shares.
    ("PUT", "/sharing/key", "application/json"),
    ("GET", "/sharing/recipients?", ""),
    ("POST", "/notes/{}/shares", "application/json"),
    ("GET", "/notes/{}/shares", ""),
    ("DELETE", "/notes/n1/shares/{}", ""),
    ("GET", "/shared-notes", ""),
];

/// The app endpoints, which take the fixture's bearer token (the others its session cookie).
fn takes_bearer(path: &str) -> bool {
    ["/notes", "/sharing", "/shared-notes", "/userinfo"].iter().any(|p| path.starts_with(p))
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    app: Router,
    cookie: String,
    csrf: String,
    access_token: String,
    _dir: tempfile::TempDir,
}

fn config(dir: &std::path::Path) -> String {
    format!(
        r#"
issuer = "{ISSUER}"
listen = "127.0.0.1:0"
data_dir = "{}"
opaque_profile = "argon2id"
[argon2id]
memory_kib = 1024
iterations = 1
parallelism = 1
[rate_limits]
login = {{ burst = 1000000, per_minute = 1000000 }}
register = {{ burst = 1000000, per_minute = 1000000 }}
recovery = {{ burst = 1000000, per_minute = 1000000 }}
token = {{ burst = 1000000, per_minute = 1000000 }}
authorize = {{ burst = 1000000, per_minute = 1000000 }}
[[clients]]
client_id = "demo-app"
redirect_uris = ["http://localhost:8081/callback"]
allowed_origins = ["http://localhost:8081"]
zk_delivery = "fragment-jwe"
zk_required = true
key_delivery_version = "v2"
[[clients]]
client_id = "fuzz-app"
redirect_uris = ["http://localhost:8082/cb"]
allowed_origins = ["http://localhost:8082"]
zk_delivery = "none"
share_by_email = true
"#,
        dir.display()
    )
}

async fn send(app: &Router, req: Request<Body>) -> (u16, Vec<String>, Vec<u8>) {
    let res = app.clone().oneshot(req).await.expect("the router is infallible");
    let status = res.status().as_u16();
    let cookies = res.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect();
    let body = res.into_body().collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
    (status, cookies, body)
}

fn post_json(path: &str, body: Value) -> Request<Body> {
    Request::post(path).header(header::CONTENT_TYPE, "application/json").header(header::ORIGIN, ISSUER).body(Body::from(body.to_string())).expect("request")
}

fn cookie(cookies: &[String], name: &str) -> String {
    cookies.iter().find_map(|c| c.strip_prefix(&format!("{name}=")).and_then(|r| r.split(';').next())).unwrap_or_default().to_string()
}

/// A server on a temp dir and a logged-in user (register, then OPAQUE login), once per process.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let (app, cookie, csrf, access_token) = rt.block_on(async {
            let config = Config::parse(&config(&dir.path().join("data")), "fuzz.toml", Overrides::default()).expect("config");
            let profile = config.profile.clone();
            let state = build(config, &KekSource::DevFile, Clock::Manual(Arc::new(AtomicI64::new(1_800_000_000_000)))).await.expect("server");
            let app = router(state).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
            let client = OpaqueClient::new(profile);
            let email = "fuzz@example.com";
            let (request, reg) = client.start_registration(&mut OsRng, b"pw").expect("start");
            let (_, _, body) = send(&app, post_json("/opaque/register/start", json!({"request": request, "email": email}))).await;
            let start: Value = serde_json::from_slice(&body).expect("json");
            let done = reg.finish(&mut OsRng, start["message"].as_str().expect("message"), email).expect("finish");
            send(&app, post_json("/opaque/register/finish", json!({"email": email, "name": "F", "record": done.record}))).await;
            let (ke1, login) = client.start_login(&mut OsRng, b"pw").expect("login");
            let (_, _, body) = send(&app, post_json("/opaque/login/start", json!({"email": email, "request": ke1}))).await;
            let start: Value = serde_json::from_slice(&body).expect("json");
            let fin = login.finish(&mut OsRng, start["message"].as_str().expect("ke2"), email).expect("ke3");
            let body = json!({"finish": fin.finish, "sessionId": start["sessionId"]});
            let (status, cookies, _) = send(&app, post_json("/opaque/login/finish", body)).await;
            assert_eq!(status, 200, "the fuzzer's login");
            let (cookie, csrf) = (cookie(&cookies, "__Host-zkauth"), cookie(&cookies, "__Host-zkauth-csrf"));
            let access_token = app_token(&app, &cookie, &csrf).await;
            // A note of the fuzzer's, so a note's shares are reached past "no such note".
            let note = json!({"ciphertext": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "aad": "{\"note_id\":\"n1\"}"});
            let put = Request::put("/notes/n1")
                .header(header::AUTHORIZATION, format!("Bearer {access_token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(note.to_string()))
                .expect("request");
            assert_eq!(send(&app, put).await.0, 200, "the fuzzer's note");
            (app, cookie, csrf, access_token)
        });
        Fixture { rt, app, cookie, csrf, access_token, _dir: dir }
    })
}

/// An access token of `fuzz-app` for the session (authorize, approve, code exchange).
async fn app_token(app: &Router, cookie: &str, csrf: &str) -> String {
    let verifier = "v".repeat(43);
    let challenge = zkauth_verify::hash_b64u(&verifier);
    let query = format!(
        "/authorize?response_type=code&client_id=fuzz-app&redirect_uri=http%3A%2F%2Flocalhost%3A8082%2Fcb&scope=openid&state=s&code_challenge={challenge}&code_challenge_method=S256"
    );
    let cookies = format!("__Host-zkauth={cookie}; __Host-zkauth-csrf={csrf}");
    let res = app.clone().oneshot(Request::get(query.as_str()).header(header::COOKIE, &cookies).body(Body::empty()).expect("request")).await.expect("router");
    assert_eq!(res.status().as_u16(), 302, "the fuzzer's authorize");
    let location = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let request_id = location.split(['?', '&']).find_map(|kv| kv.strip_prefix("request_id=")).unwrap_or_default().to_string();
    // The request is bound to this browser by the cookie /authorize sets.
    let binding = res.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).filter_map(|c| c.split(';').next()).find(|kv| kv.contains("authz")).unwrap_or_default().to_string();
    let finalize = Request::post("/authorize/finalize")
        .header(header::COOKIE, format!("{cookies}; {binding}"))
        .header(header::ORIGIN, ISSUER)
        .header("x-csrf-token", csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("request_id={request_id}&approve=true")))
        .expect("request");
    let (status, _, body) = send(app, finalize).await;
    assert_eq!(status, 200, "the fuzzer's finalize: {}", String::from_utf8_lossy(&body));
    let fin: Value = serde_json::from_slice(&body).expect("json");
    let code = fin["code"].as_str().expect("code");
    let token = Request::post("/token")
        .header(header::ORIGIN, "http://localhost:8082")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "grant_type=authorization_code&code={code}&client_id=fuzz-app&redirect_uri=http%3A%2F%2Flocalhost%3A8082%2Fcb&code_verifier={verifier}"
        )))
        .expect("request");
    let (status, _, body) = send(app, token).await;
    assert_eq!(status, 200, "the fuzzer's token: {}", String::from_utf8_lossy(&body));
    let tok: Value = serde_json::from_slice(&body).expect("json");
    tok["access_token"].as_str().expect("access_token").to_string()
}

fn percent_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(b) { (*b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fuzz_target!(
    // The server (with its first-start RSA key generation) is made before fuzzing starts, so
    // no input is charged for it.
    init: {
        fixture();
    },
    |data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Some(&(method, template, content_type)) = ENDPOINTS.get(usize::from(which) % ENDPOINTS.len()) else { return };
    // A path segment or query up to the first newline, then the body.
    let (param, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) if template.contains("{}") || template.ends_with('?') => (rest.get(..i).unwrap_or_default(), rest.get(i + 1..).unwrap_or_default()),
        _ => (&[][..], rest),
    };
    let path = if template.ends_with('?') {
        format!("{template}{}", String::from_utf8_lossy(param))
    } else {
        template.replace("{}", &percent_encode(param))
    };
    let f = fixture();
    let Ok(method) = Method::from_bytes(method.as_bytes()) else { return };
    let mut req = Request::builder().method(method).uri(path.as_str());
    if takes_bearer(&path) {
        req = req.header(header::AUTHORIZATION, format!("Bearer {}", f.access_token));
    } else {
        req = req.header(header::COOKIE, format!("__Host-zkauth={}; __Host-zkauth-csrf={}", f.cookie, f.csrf));
        req = req.header(header::ORIGIN, ISSUER).header("x-csrf-token", f.csrf.as_str());
    }
    if !content_type.is_empty() {
        req = req.header(header::CONTENT_TYPE, content_type);
    }
    // A query the URI grammar refuses never reaches the server: skip it.
    let Ok(req) = req.body(Body::from(body.to_vec())) else { return };
    let (status, _, body) = f.rt.block_on(send(&f.app, req));
    assert!(status < 500, "{path}: status {status}: {}", String::from_utf8_lossy(&body));
    if status >= 400 {
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert!(v.get("error").is_some_and(Value::is_string), "{path}: status {status} without a JSON error: {}", String::from_utf8_lossy(&body));
    }
});
