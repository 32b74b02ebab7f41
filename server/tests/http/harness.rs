//! Test harness: a server on a temp data dir with a manual clock, and a `Browser` that keeps
//! cookies and sends the same-origin signals and CSRF header a real login page sends.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use rand_core::OsRng;
use serde_json::{json, Value};
use tower::ServiceExt;
use zkauth::opaque::{OpaqueClient, Profile};
use zkauth::ExportKey;
pub use zkauth_server::session::CookieProfile;
use zkauth_server::{build, router, AppState, Clock, Config, KekSource, Overrides};

pub const ISSUER: &str = "http://localhost:8080";
pub const APP_ORIGIN: &str = "http://localhost:8081";
pub const REDIRECT: &str = "http://localhost:8081/callback";
pub const CLIENT: &str = "demo-app";
pub const PASSWORD: &str = "correct horse battery staple";

/// The backend under test: SQLite by default; with `ZKAUTH_TEST_POSTGRES` (a server URL such
/// as `postgres://postgres@127.0.0.1:5432`), a fresh PostgreSQL database per data dir. The
/// same tests run against both (`make test-postgres`).
pub async fn database_for(data_dir: &std::path::Path) -> String {
    let Ok(base) = std::env::var("ZKAUTH_TEST_POSTGRES") else { return "sqlite".into() };
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let digest = zkauth_verify::hash_b64u(&data_dir.display().to_string()).to_ascii_lowercase().replace(['-', '_'], "");
    let name = format!("zk_{}", &digest[..20]);
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres")).await.unwrap();
    // A restart test reopens the same data dir: the database exists already then.
    let _ = sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await;
    admin.close().await.unwrap();
    format!("{base}/{name}")
}

/// The secret of the confidential test clients "backend" and "post-backend".
pub const BACKEND_SECRET: &str = "a backend's secret: s3cr3t-for-tests";

/// The private key of the "jwt-backend" client (private_key_jwt), a fixed test key.
pub fn jwt_backend_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[0x42; 32]).unwrap()
}

/// Its public JWK members (x, y).
fn jwt_backend_xy() -> (String, String) {
    let point = jwt_backend_key().verifying_key().to_encoded_point(false);
    (zkauth_verify::b64u::encode(point.x().unwrap()), zkauth_verify::b64u::encode(point.y().unwrap()))
}

pub fn config_toml(data_dir: &std::path::Path, database: &str, extra: &str) -> String {
    format!(
        r#"
issuer = "{ISSUER}"
listen = "127.0.0.1:0"
data_dir = "{}"
database = "{database}"
opaque_profile = "argon2id"
{extra}
[argon2id]
memory_kib = 1024
iterations = 1
parallelism = 1
[[clients]]
client_id = "{CLIENT}"
client_name = "Demo app"
redirect_uris = ["{REDIRECT}"]
allowed_origins = ["{APP_ORIGIN}"]
zk_delivery = "fragment-jwe"
zk_required = true
key_delivery_version = "v2"
id_token_signed_response_alg = "ES256"
share_by_email = true

[[clients]]
client_id = "plain-app"
redirect_uris = ["http://localhost:8082/cb"]
post_logout_redirect_uris = ["http://localhost:8082/bye"]
allowed_origins = ["http://localhost:8082"]
zk_delivery = "none"

[[clients]]
client_id = "backend"
client_type = "confidential"
client_secret_sha256 = "{secret_hash}"
redirect_uris = ["https://backend.example/cb"]
zk_delivery = "none"

[[clients]]
client_id = "jwt-backend"
client_type = "confidential"
token_endpoint_auth_method = "private_key_jwt"
jwks = {{ keys = [ {{ kty = "EC", crv = "P-256", kid = "k1", x = "{jwt_x}", y = "{jwt_y}" }} ] }}
redirect_uris = ["https://backend.example/cb"]
zk_delivery = "none"

[[clients]]
client_id = "post-backend"
client_type = "confidential"
token_endpoint_auth_method = "client_secret_post"
client_secret_sha256 = "{secret_hash}"
redirect_uris = ["https://backend.example/cb"]
zk_delivery = "none"
"#,
        data_dir.display(),
        secret_hash = zkauth_verify::hash_b64u(BACKEND_SECRET),
        jwt_x = jwt_backend_xy().0,
        jwt_y = jwt_backend_xy().1,
    )
}

pub struct Server {
    pub state: AppState,
    pub app: Router,
    pub clock: Arc<AtomicI64>,
    /// Kept so the data dir lives as long as the server.
    pub _dir: Arc<tempfile::TempDir>,
}

impl Server {
    pub async fn start() -> Server {
        Self::start_with("").await
    }

    /// `extra` is TOML inserted before the clients (e.g. rate limits).
    pub async fn start_with(extra: &str) -> Server {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        Self::start_in(dir, extra, &KekSource::DevFile).await.unwrap()
    }

    pub async fn start_in(dir: Arc<tempfile::TempDir>, extra: &str, kek: &KekSource) -> Result<Server, zkauth_server::StartError> {
        Self::start_with_cookies(dir, extra, kek, CookieProfile::Secure).await
    }

    /// As `start_in`, with the cookie profile `main` would choose (`DevHttp`: `--dev` on http).
    pub async fn start_with_cookies(dir: Arc<tempfile::TempDir>, extra: &str, kek: &KekSource, cookies: CookieProfile) -> Result<Server, zkauth_server::StartError> {
        let database = database_for(dir.path()).await;
        // The server makes its data dir (0700) inside the temp dir: a dir others can read is refused.
        let mut config = Config::parse(&config_toml(&dir.path().join("data"), &database, extra), "test.toml", Overrides::default()).unwrap();
        config.cookies = cookies;
        let clock = Arc::new(AtomicI64::new(1_800_000_000_000));
        let state = build(config, kek, Clock::Manual(clock.clone())).await?;
        let expected = if database == "sqlite" { zkauth_server::store::Backend::Sqlite } else { zkauth_server::store::Backend::Postgres };
        assert_eq!(state.store.backend(), expected);
        let app = router(state.clone()).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        Ok(Server { state, app, clock, _dir: dir })
    }

    pub fn advance(&self, secs: i64) {
        self.clock.fetch_add(secs * 1000, Ordering::SeqCst);
    }

    pub fn profile(&self) -> Profile {
        self.state.config.profile.clone()
    }

    /// Sends a request; returns status, headers and the JSON body (`Null` when empty or not JSON).
    pub async fn send(&self, req: Request<Body>) -> (StatusCode, HeaderMap, Value) {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    pub fn browser(&self) -> Browser<'_> {
        Browser { server: self, session: None, csrf: None, device: None, binding: None, origin: Some(ISSUER.to_string()), user_agent: None }
    }
}

/// Cookies and the same-origin signals of a login page on the issuer's origin.
pub struct Browser<'a> {
    pub server: &'a Server,
    pub session: Option<String>,
    pub csrf: Option<String>,
    /// The device cookie a successful login sets (it makes this browser known to the identity).
    pub device: Option<String>,
    /// The cookie that binds authorization requests to this browser.
    pub binding: Option<String>,
    /// The `Origin` header sent with state changes (`None`: no header at all).
    pub origin: Option<String>,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<String>,
}

pub fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect()
}

fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies.iter().find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap().to_string()))
}

impl Browser<'_> {
    pub fn request(&self, method: Method, path: &str, content_type: Option<&str>, body: String) -> Request<Body> {
        let mut b = Request::builder().method(method.clone()).uri(path);
        if let Some(ct) = content_type {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        let names = self.server.state.config.cookies;
        let mut cookies = vec![];
        if let Some(s) = &self.session {
            cookies.push(format!("{}={s}; {}={}", names.session(), names.csrf(), self.csrf.clone().unwrap_or_default()));
        }
        if let Some(d) = &self.device {
            cookies.push(format!("{}={d}", names.device()));
        }
        if let Some(v) = &self.binding {
            cookies.push(format!("{}={v}", names.binding()));
        }
        if !cookies.is_empty() {
            b = b.header(header::COOKIE, cookies.join("; "));
        }
        if let Some(ua) = &self.user_agent {
            b = b.header(header::USER_AGENT, ua);
        }
        if method != Method::GET {
            if let Some(o) = &self.origin {
                b = b.header(header::ORIGIN, o);
            }
            if let Some(c) = &self.csrf {
                b = b.header("x-csrf-token", c);
            }
        }
        b.body(Body::from(body)).unwrap()
    }

    /// Sends and keeps any cookies the response sets.
    pub async fn send(&mut self, req: Request<Body>) -> (StatusCode, HeaderMap, Value) {
        let (status, headers, body) = self.server.send(req).await;
        let set = set_cookies(&headers);
        let names = self.server.state.config.cookies;
        if let Some(s) = cookie_value(&set, names.session()) {
            self.session = Some(s).filter(|s| !s.is_empty());
        }
        if let Some(c) = cookie_value(&set, names.csrf()) {
            self.csrf = Some(c).filter(|c| !c.is_empty());
        }
        if let Some(d) = cookie_value(&set, names.device()) {
            self.device = Some(d);
        }
        if let Some(v) = cookie_value(&set, names.binding()) {
            self.binding = Some(v);
        }
        (status, headers, body)
    }

    pub async fn post_json(&mut self, path: &str, body: Value) -> (StatusCode, HeaderMap, Value) {
        let req = self.request(Method::POST, path, Some("application/json"), body.to_string());
        self.send(req).await
    }

    pub async fn put_json(&mut self, path: &str, body: Value) -> (StatusCode, HeaderMap, Value) {
        let req = self.request(Method::PUT, path, Some("application/json"), body.to_string());
        self.send(req).await
    }

    pub async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, HeaderMap, Value) {
        let req = self.request(Method::POST, path, Some("application/x-www-form-urlencoded"), serde_urlencoded::to_string(form).unwrap());
        self.send(req).await
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, HeaderMap, Value) {
        let req = self.request(Method::GET, path, None, String::new());
        self.send(req).await
    }

    /// OPAQUE registration through the endpoints; returns the sub and the export key.
    pub async fn register(&mut self, email: &str, password: &str) -> (String, ExportKey) {
        let client = OpaqueClient::new(self.server.profile());
        let (request, reg) = client.start_registration(&mut OsRng, password.as_bytes()).unwrap();
        let (s, _, start) = self.post_json("/opaque/register/start", json!({"request": request, "email": email})).await;
        assert_eq!(s, StatusCode::OK, "{start}");
        let done = reg.finish(&mut OsRng, start["message"].as_str().unwrap(), email).unwrap();
        let (s, _, fin) = self.post_json("/opaque/register/finish", json!({"email": email, "name": "Gina", "record": done.record})).await;
        assert_eq!(s, StatusCode::CREATED, "{fin}");
        (fin["sub"].as_str().unwrap().to_string(), done.export_key)
    }

    /// OPAQUE login start; returns the client state, KE2 and the login session id.
    pub async fn login_start(&mut self, email: &str, password: &str) -> (zkauth::opaque::ClientLogin, String, String) {
        let client = OpaqueClient::new(self.server.profile());
        let (ke1, login) = client.start_login(&mut OsRng, password.as_bytes()).unwrap();
        let (s, _, start) = self.post_json("/opaque/login/start", json!({"email": email, "request": ke1})).await;
        assert_eq!(s, StatusCode::OK, "{start}");
        (login, start["message"].as_str().unwrap().to_string(), start["sessionId"].as_str().unwrap().to_string())
    }

    /// A full OPAQUE login; returns the finish status, body and (on success) the export key.
    pub async fn login(&mut self, email: &str, password: &str) -> (StatusCode, Value, Option<ExportKey>) {
        let (login, ke2, sid) = self.login_start(email, password).await;
        let finished = login.finish(&mut OsRng, &ke2, email);
        let (ke3, export) = match finished {
            Ok(f) => (f.finish, Some(f.export_key)),
            // Wrong password: the client cannot even make KE3; send a well-formed wrong one.
            Err(_) => (zkauth::verify::b64u::encode(&[7u8; 32]), None),
        };
        let (s, _, body) = self.post_json("/opaque/login/finish", json!({"finish": ke3, "sessionId": sid})).await;
        (s, body, export.filter(|_| s == StatusCode::OK))
    }
}
