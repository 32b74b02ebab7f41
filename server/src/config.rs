//! Server configuration: a TOML file, overridden by `ZKAUTH_*` environment variables and then
//! by command-line flags. Every value is checked before the port is bound; an error names the
//! key and the file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use zkauth::opaque::Profile;

/// A configuration error: which key, in which file, and why. `main` prints it and exits 2.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {key}: {why}")]
pub struct ConfigError {
    pub file: String,
    pub key: String,
    pub why: String,
}

fn err(file: &str, key: impl Into<String>, why: impl Into<String>) -> ConfigError {
    ConfigError { file: file.to_string(), key: key.into(), why: why.into() }
}

/// The file as written. Unknown keys are errors, so a typo never silently weakens a setting.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    issuer: Option<String>,
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database: Option<String>,
    #[serde(default)]
    opaque_profile: Option<String>,
    argon2id: Option<Argon2Params>,
    #[serde(default)]
    session: SessionConfig,
    #[serde(default)]
    rate_limits: RateLimits,
    #[serde(default)]
    http: HttpLimits,
    #[serde(default)]
    quotas: Quotas,
    #[serde(default)]
    signing: SigningConfig,
    #[serde(default)]
    user_keys: UserKeysConfig,
    #[serde(default)]
    webauthn: WebauthnFile,
    /// `"passphrase"` (default: Argon2id of `ZKAUTH_KEK_PASSPHRASE`).
    kek: Option<String>,
    /// PEM certificate chain and private key: serve HTTPS (rustls) when both are set.
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    #[serde(default)]
    partitioned_cookies: bool,
    #[serde(default)]
    frame_ancestors: Vec<String>,
    /// Folder served at `/` (the login page); none by default.
    login_page_dir: Option<PathBuf>,
    /// Folder served at `/pkg/` (the built npm package) on the login page and the demo app.
    sdk_dir: Option<PathBuf>,
    /// A static demo relying party on its own origin (`make demo`, e2e tests).
    demo_app: Option<DemoApp>,
    /// `"text"` (default) or `"json"`.
    log_format: Option<String>,
    /// Address of the `/metrics` listener; off when absent.
    metrics_listen: Option<String>,
    /// Reverse proxies (CIDRs) whose forwarding header names the client; none by default.
    #[serde(default)]
    trusted_proxies: Vec<String>,
    /// `"x-forwarded-for"` (default) or `"forwarded"` (RFC 7239): the header they write.
    client_ip_header: Option<String>,
    #[serde(default)]
    clients: Vec<ClientConfig>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

/// The demo app: `dir` served on `listen`, with `/callback` answering `index.html`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoApp {
    pub listen: String,
    pub dir: PathBuf,
}

/// Session lifetimes in seconds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    pub idle_timeout_secs: i64,
    pub absolute_timeout_secs: i64,
    /// Step-up: how old the login behind a session may be for an action that can take the
    /// account or its data away (password change, recovery keys, key rotation, revoking
    /// sessions). 5 minutes; 1..=900.
    pub reauth_window_secs: i64,
    /// A refresh-token family ends this long after the login behind it, however often it
    /// rotates (30 days).
    pub refresh_family_lifetime_secs: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig { idle_timeout_secs: 30 * 60, absolute_timeout_secs: 8 * 3600, reauth_window_secs: 300, refresh_family_lifetime_secs: 30 * 86_400 }
    }
}

/// The users' encryption public keys (`[user_keys]`, wire profile §3.11).
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UserKeysConfig {
    /// Whether a signed-in user may read another user's encryption public key
    /// (`GET /crypto/user-enc-pub?sub=`), which sharing needs. Off by default.
    pub enc_public_visible_to_authenticated_users: bool,
}

/// Passkeys (`[webauthn]`) as written: each value defaults from the issuer.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebauthnFile {
    rp_id: Option<String>,
    rp_name: Option<String>,
    #[serde(default)]
    origins: Vec<String>,
}

/// The passkey relying party (`[webauthn]`), checked: `rp_id` covers the issuer's host and
/// every origin's host.
#[derive(Debug, Clone)]
pub struct WebauthnConfig {
    /// The RP ID passkeys are bound to (default: the issuer's host).
    pub rp_id: String,
    /// The name an authenticator shows (default: "zkauth").
    pub rp_name: String,
    /// The origins a ceremony may come from (default: the issuer's origin).
    pub origins: Vec<String>,
}

/// The host of an origin `scheme://host[:port]`, without the port.
fn origin_host(origin: &str) -> &str {
    let authority = origin.split_once("://").map(|(_, a)| a).unwrap_or(origin);
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map(|(h, _)| h).unwrap_or(authority)
}

/// Whether a passkey for `rp_id` may be used on `host` (WebAuthn: the RP ID is the host or a
/// registrable suffix of it).
fn rp_id_covers(rp_id: &str, host: &str) -> bool {
    host == rp_id || host.strip_suffix(rp_id).is_some_and(|rest| rest.ends_with('.'))
}

fn check_webauthn(file: &str, raw: WebauthnFile, issuer_origin: &str) -> Result<WebauthnConfig, ConfigError> {
    let issuer_host = origin_host(issuer_origin);
    let rp_id = raw.rp_id.unwrap_or_else(|| issuer_host.to_string());
    let valid = !rp_id.is_empty() && rp_id.len() <= 253 && rp_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !valid {
        return Err(err(file, "webauthn.rp_id", "must be a lowercase host name (no scheme, no port)"));
    }
    if !rp_id_covers(&rp_id, issuer_host) {
        return Err(err(file, "webauthn.rp_id", format!("{rp_id:?} does not cover the issuer's host {issuer_host:?}: passkeys made for it could not be used on the login page")));
    }
    let rp_name = raw.rp_name.unwrap_or_else(|| "zkauth".into());
    if rp_name.trim().is_empty() || rp_name.len() > 64 || rp_name.chars().any(char::is_control) {
        return Err(err(file, "webauthn.rp_name", "must be 1..64 characters without control characters"));
    }
    let origins = if raw.origins.is_empty() { vec![issuer_origin.to_string()] } else { raw.origins };
    for o in &origins {
        if origin_of(o).as_deref() != Some(o.as_str()) {
            return Err(err(file, "webauthn.origins", format!("{o:?} is not an origin (scheme://host[:port])")));
        }
        if !rp_id_covers(&rp_id, origin_host(o)) {
            return Err(err(file, "webauthn.origins", format!("{o:?} is not covered by rp_id {rp_id:?}")));
        }
        if o.starts_with("http://") && !is_loopback_origin(o) {
            return Err(err(file, "webauthn.origins", format!("{o:?}: http:// is only allowed for localhost")));
        }
    }
    Ok(WebauthnConfig { rp_id, rp_name, origins })
}

/// ID-token signing keys (`[signing]`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SigningConfig {
    /// After `zkauth-server keys rotate`, the retired key stays in the JWKS this long (one
    /// day), so tokens it signed, and clients' cached key sets, keep verifying.
    pub retired_key_overlap_secs: i64,
}

impl Default for SigningConfig {
    fn default() -> Self {
        SigningConfig { retired_key_overlap_secs: 86_400 }
    }
}

/// What a connection may take of the server (`[http]`): slow and idle clients are closed.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpLimits {
    /// A request's headers (and an idle keep-alive connection's next request) within this.
    pub header_read_timeout_secs: u64,
    /// A handler's whole run; past it the client gets 503.
    pub request_timeout_secs: u64,
    /// Open connections at once; one more is closed at accept.
    pub max_connections: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits { header_read_timeout_secs: 10, request_timeout_secs: 30, max_connections: 1024 }
    }
}

/// The scopes this server supports (discovery's `scopes_supported`); a client without a
/// `scopes` key may request every one.
pub const SCOPES: [&str; 3] = ["openid", "profile", "email"];

/// What one account may hold (`[quotas]`), so one user cannot fill the database. Past a quota a
/// create is refused with `quota_exceeded` (403); sessions instead end the oldest one.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Quotas {
    /// Notes over all of the user's apps.
    pub notes: i64,
    pub account_keys: i64,
    /// Key envelopes, revoked ones included (they stay as history).
    pub envelopes: i64,
    /// Recovery keys, revoked ones included.
    pub recovery_keys: i64,
    /// Live sessions; a new login ends the oldest past this.
    pub sessions: i64,
    /// Passkeys per account.
    pub passkeys: i64,
    /// Note shares one user makes (each recipient of each note counts once).
    pub shares: i64,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas { notes: 10_000, account_keys: 100, envelopes: 1_000, recovery_keys: 100, sessions: 50, passkeys: 20, shares: 10_000 }
    }
}

/// Token-bucket limits: `burst` attempts at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub burst: u32,
    pub per_minute: u32,
}

/// The abuse limits, per client IP and (where there is one) per identity.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    /// OPAQUE login start and finish (DarkAuth's `opaque` bucket: 10/min).
    pub login: Limit,
    /// Registration (DarkAuth's `auth` bucket: 20/min).
    pub register: Limit,
    /// Recovery-key use.
    pub recovery: Limit,
    /// `POST /token`.
    pub token: Limit,
    /// `GET /authorize` (anonymous, and each one stores a pending request).
    pub authorize: Limit,
    /// Live pending authorization requests, all clients together; past it `/authorize` answers
    /// 503 until some expire (5 minutes), so a flood cannot grow the table without bound.
    pub pending_authorizations: u64,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login: Limit { burst: 10, per_minute: 10 },
            register: Limit { burst: 20, per_minute: 20 },
            recovery: Limit { burst: 5, per_minute: 5 },
            token: Limit { burst: 30, per_minute: 60 },
            authorize: Limit { burst: 30, per_minute: 30 },
            pending_authorizations: 100_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientConfigFile {
    client_id: String,
    client_name: Option<String>,
    client_type: Option<String>,
    redirect_uris: Vec<String>,
    /// OIDC RP-Initiated Logout: where `/end_session` may send the browser afterwards.
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    zk_delivery: Option<String>,
    #[serde(default)]
    zk_required: bool,
    /// Whether the client's users may find another user's sharing key by e-mail address.
    #[serde(default)]
    share_by_email: bool,
    key_delivery_version: Option<String>,
    scopes: Option<Vec<String>>,
    /// `none` (public clients), `client_secret_basic` (confidential default) or
    /// `client_secret_post`.
    token_endpoint_auth_method: Option<String>,
    /// Confidential clients: b64u(SHA-256(secret)); the secret itself never goes in a file
    /// (`zkauth-server client-secret` makes one).
    client_secret_sha256: Option<String>,
    /// `private_key_jwt` clients: their public keys, `{ keys = [ JWK, ... ] }`.
    jwks: Option<toml::Value>,
    /// `RS256` (default), `ES256` or `EdDSA`: what the client's ID-token check supports
    /// (OIDC Dynamic Client Registration's name for it).
    id_token_signed_response_alg: Option<String>,
}

type ClientConfig = ClientConfigFile;

/// How a client receives keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDelivery {
    None,
    V1Drk,
    V2,
}

impl KeyDelivery {
    /// `key_delivery_version` as sent to the login page.
    pub fn version(self) -> &'static str {
        match self {
            KeyDelivery::V1Drk => "v1-drk",
            KeyDelivery::V2 | KeyDelivery::None => "v2",
        }
    }

    /// `delivered_key_kind` as sent to the login page.
    pub fn key_kind(self) -> &'static str {
        match self {
            KeyDelivery::V1Drk => "root_key",
            KeyDelivery::V2 | KeyDelivery::None => "client_app_key",
        }
    }
}

/// How a client authenticates at `/token`, `/revoke` and `/introspect`.
#[derive(Clone)]
pub enum ClientAuth {
    /// A public client (a browser app): PKCE only, no secret, may call from its origins.
    None,
    /// A confidential client's backend: HTTP Basic with the secret whose SHA-256 is kept.
    SecretBasic(String),
    /// A confidential client's backend: `client_secret` in the form.
    SecretPost(String),
    /// A confidential client's backend: a JWT signed with one of these keys (RFC 7523).
    PrivateKeyJwt(std::sync::Arc<Vec<crate::client_assertion::ClientKey>>),
}

impl core::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ClientAuth::None => "none",
            ClientAuth::SecretBasic(_) => "client_secret_basic([redacted])",
            ClientAuth::SecretPost(_) => "client_secret_post([redacted])",
            ClientAuth::PrivateKeyJwt(_) => "private_key_jwt",
        })
    }
}

/// A registered relying party.
#[derive(Debug, Clone)]
pub struct Client {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub delivery: KeyDelivery,
    pub zk_required: bool,
    /// `GET /sharing/recipients?email=` answers for this client's users.
    pub share_by_email: bool,
    pub scopes: Vec<String>,
    pub id_token_alg: crate::idtoken::Alg,
    pub auth: ClientAuth,
}

/// The checked configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Issuer URL without a trailing slash, e.g. `http://localhost:8080`.
    pub issuer: String,
    /// The issuer's origin (`scheme://host[:port]`), compared with `Origin` headers.
    pub issuer_origin: String,
    pub listen: String,
    pub data_dir: PathBuf,
    /// `sqlite` (a file in `data_dir`) or a `postgres://` URL.
    pub database: String,
    pub profile: Profile,
    /// The profile as the login page needs it to build the same `OpaqueProfile`
    /// (`GET /opaque/config`).
    pub profile_json: serde_json::Value,
    pub session: SessionConfig,
    pub rate_limits: RateLimits,
    pub http: HttpLimits,
    pub quotas: Quotas,
    pub signing: SigningConfig,
    pub user_keys: UserKeysConfig,
    pub webauthn: WebauthnConfig,
    pub partitioned_cookies: bool,
    pub frame_ancestors: Vec<String>,
    pub login_page_dir: Option<PathBuf>,
    pub sdk_dir: Option<PathBuf>,
    pub demo_app: Option<DemoApp>,
    pub log_json: bool,
    pub metrics_listen: Option<String>,
    /// `(certificate chain, private key)` PEM files.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Peers whose forwarding header is read for the client's address (`client_ip`).
    pub trusted_proxies: Vec<crate::client_ip::Cidr>,
    pub client_ip_header: crate::client_ip::ForwardedHeader,
    pub clients: Vec<Client>,
    /// The cookies' names and `Secure`: set by `main` from `--dev` and the issuer's scheme.
    pub cookies: crate::session::CookieProfile,
}

/// Values given on the command line or in the environment; they win over the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub issuer: Option<String>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database: Option<String>,
}

impl Overrides {
    /// `ZKAUTH_ISSUER`, `ZKAUTH_LISTEN`, `ZKAUTH_DATA_DIR`, `ZKAUTH_DATABASE`.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Overrides {
            issuer: var("ZKAUTH_ISSUER"),
            listen: var("ZKAUTH_LISTEN"),
            data_dir: var("ZKAUTH_DATA_DIR").map(PathBuf::from),
            database: var("ZKAUTH_DATABASE"),
        }
    }

    /// `other`'s values win where set.
    pub fn then(self, other: Overrides) -> Self {
        Overrides {
            issuer: other.issuer.or(self.issuer),
            listen: other.listen.or(self.listen),
            data_dir: other.data_dir.or(self.data_dir),
            database: other.database.or(self.database),
        }
    }
}

impl Config {
    /// Reads and checks `path`, applying `overrides`.
    pub fn load(path: &Path, overrides: Overrides) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| err(&file, "(file)", format!("cannot read: {e}")))?;
        Config::parse(&text, &file, overrides)
    }

    /// Parses and checks a TOML document; `file` names it in errors.
    pub fn parse(text: &str, file: &str, overrides: Overrides) -> Result<Config, ConfigError> {
        let raw: FileConfig = toml::from_str(text).map_err(|e| {
            let key = e.span().and_then(|s| text.get(s)).map(|s| redact_userinfo(s.lines().next().unwrap_or(""))).unwrap_or_default();
            err(file, if key.is_empty() { "(syntax)".to_string() } else { key }, redact_userinfo(e.message()))
        })?;
        let issuer = overrides.issuer.or(raw.issuer).ok_or_else(|| err(file, "issuer", "required"))?;
        let issuer = issuer.trim_end_matches('/').to_string();
        let issuer_origin = origin_of(&issuer).ok_or_else(|| err(file, "issuer", "must be an http:// or https:// URL"))?;
        if issuer.starts_with("http://") && !is_loopback_origin(&issuer_origin) {
            return Err(err(file, "issuer", "http:// is only allowed for localhost/127.0.0.1 (cookies are __Host-, i.e. Secure)"));
        }
        let listen = overrides.listen.or(raw.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        listen.parse::<std::net::SocketAddr>().map_err(|_| err(file, "listen", "must be host:port with an IP address"))?;
        let data_dir = overrides.data_dir.or(raw.data_dir).ok_or_else(|| err(file, "data_dir", "required"))?;
        let database = overrides.database.or(raw.database).unwrap_or_else(|| "sqlite".into());
        if database != "sqlite" && !database.starts_with("postgres://") && !database.starts_with("postgresql://") {
            return Err(err(file, "database", "must be \"sqlite\" or a postgres:// URL"));
        }
        let (profile, profile_json) = match raw.opaque_profile.as_deref().unwrap_or("darkauth") {
            "darkauth" => (Profile::darkauth(), serde_json::json!({"profile": "darkauth"})),
            "argon2id" => {
                let p = raw.argon2id.ok_or_else(|| err(file, "argon2id", "required when opaque_profile = \"argon2id\""))?;
                let profile = Profile::argon2id(p.memory_kib, p.iterations, p.parallelism, &issuer_origin, "")
                    .map_err(|e| err(file, "argon2id", e.to_string()))?;
                let json = serde_json::json!({
                    "profile": "argon2id", "memoryKib": p.memory_kib, "iterations": p.iterations,
                    "parallelism": p.parallelism, "serverIdentity": issuer_origin, "context": ""
                });
                (profile, json)
            }
            _ => return Err(err(file, "opaque_profile", "must be \"darkauth\" or \"argon2id\"")),
        };
        let s = raw.session;
        if s.idle_timeout_secs < 60 || s.absolute_timeout_secs < s.idle_timeout_secs {
            return Err(err(file, "session", "idle_timeout_secs must be >= 60 and <= absolute_timeout_secs"));
        }
        if !(1..=900).contains(&s.reauth_window_secs) {
            return Err(err(file, "session", "reauth_window_secs must be 1..=900"));
        }
        if !(60..=366 * 86_400).contains(&s.refresh_family_lifetime_secs) {
            return Err(err(file, "session", "refresh_family_lifetime_secs must be 60..=31622400 (one year)"));
        }
        // An ID token lives 10 minutes: its key must outlive it in the JWKS.
        if !(600..=366 * 86_400).contains(&raw.signing.retired_key_overlap_secs) {
            return Err(err(file, "signing", "retired_key_overlap_secs must be 600..=31622400 (at least an ID token's lifetime)"));
        }
        for (name, l) in [("login", raw.rate_limits.login), ("register", raw.rate_limits.register), ("recovery", raw.rate_limits.recovery), ("token", raw.rate_limits.token), ("authorize", raw.rate_limits.authorize)] {
            if l.burst == 0 || l.per_minute == 0 {
                return Err(err(file, format!("rate_limits.{name}"), "burst and per_minute must be at least 1"));
            }
        }
        let h = raw.http;
        if !(1..=3600).contains(&h.header_read_timeout_secs) || !(1..=3600).contains(&h.request_timeout_secs) || !(1..=1_000_000).contains(&h.max_connections) {
            return Err(err(file, "http", "header_read_timeout_secs and request_timeout_secs must be 1..3600, max_connections 1..1000000"));
        }
        let q = raw.quotas;
        if [q.notes, q.account_keys, q.envelopes, q.recovery_keys, q.sessions, q.passkeys, q.shares].iter().any(|v| !(1..=10_000_000).contains(v)) {
            return Err(err(file, "quotas", "every quota must be 1..10000000"));
        }
        if raw.rate_limits.pending_authorizations == 0 {
            return Err(err(file, "rate_limits.pending_authorizations", "must be at least 1"));
        }
        match raw.kek.as_deref() {
            None | Some("passphrase") => {}
            Some(_) => return Err(err(file, "kek", "must be \"passphrase\" (the OS keyring is not supported in this build)")),
        }
        let log_json = match raw.log_format.as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(_) => return Err(err(file, "log_format", "must be \"text\" or \"json\"")),
        };
        for a in &raw.frame_ancestors {
            origin_of(a).filter(|o| o == a).ok_or_else(|| err(file, "frame_ancestors", "each entry must be an origin (scheme://host[:port])"))?;
        }
        if let Some(d) = &raw.demo_app {
            d.listen.parse::<std::net::SocketAddr>().map_err(|_| err(file, "demo_app.listen", "must be host:port with an IP address"))?;
        }
        if let Some(m) = &raw.metrics_listen {
            m.parse::<std::net::SocketAddr>().map_err(|_| err(file, "metrics_listen", "must be host:port with an IP address"))?;
        }
        let tls = match (raw.tls_cert, raw.tls_key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => return Err(err(file, "tls_cert", "tls_cert and tls_key go together")),
        };
        let trusted_proxies = raw
            .trusted_proxies
            .iter()
            .map(|c| crate::client_ip::Cidr::parse(c).ok_or_else(|| err(file, "trusted_proxies", format!("{c:?} is not an address or a CIDR such as 10.0.0.0/8 (host bits clear)"))))
            .collect::<Result<Vec<_>, _>>()?;
        let client_ip_header = match raw.client_ip_header.as_deref() {
            None | Some("x-forwarded-for") => crate::client_ip::ForwardedHeader::XForwardedFor,
            Some("forwarded") => crate::client_ip::ForwardedHeader::Forwarded,
            Some(_) => return Err(err(file, "client_ip_header", "must be \"x-forwarded-for\" or \"forwarded\"")),
        };
        let clients = check_clients(file, raw.clients)?;
        let webauthn = check_webauthn(file, raw.webauthn, &issuer_origin)?;
        Ok(Config {
            issuer,
            issuer_origin,
            listen,
            data_dir,
            database,
            profile,
            profile_json,
            session: s,
            rate_limits: raw.rate_limits,
            http: raw.http,
            quotas: raw.quotas,
            signing: raw.signing,
            user_keys: raw.user_keys,
            webauthn,
            partitioned_cookies: raw.partitioned_cookies,
            frame_ancestors: raw.frame_ancestors,
            login_page_dir: raw.login_page_dir,
            sdk_dir: raw.sdk_dir,
            demo_app: raw.demo_app,
            log_json,
            metrics_listen: raw.metrics_listen,
            tls,
            trusted_proxies,
            client_ip_header,
            clients,
            cookies: crate::session::CookieProfile::Secure,
        })
    }

    pub fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// Cookies need `Secure`; an https issuer also gets HSTS.
    pub fn is_https(&self) -> bool {
        self.issuer.starts_with("https://")
    }
}

fn check_clients(file: &str, raw: Vec<ClientConfig>) -> Result<Vec<Client>, ConfigError> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, c) in raw.into_iter().enumerate() {
        let key = |k: &str| format!("clients[{i}].{k}");
        if c.client_id.is_empty() || c.client_id.len() > 128 || !seen.insert(c.client_id.clone()) {
            return Err(err(file, key("client_id"), "must be 1..128 characters and unique"));
        }
        let confidential = match c.client_type.as_deref() {
            None | Some("public") => false,
            Some("confidential") => true,
            Some(_) => return Err(err(file, key("client_type"), "must be \"public\" or \"confidential\"")),
        };
        let secret_hash = c.client_secret_sha256.clone();
        if let Some(h) = &secret_hash {
            let ok = h.len() == 43 && zkauth_verify::b64u::decode(h, "client_secret_sha256").is_ok_and(|b| b.len() == 32);
            if !ok {
                return Err(err(file, key("client_secret_sha256"), "must be base64url of 32 bytes (zkauth-server client-secret prints one)"));
            }
        }
        let jwks = match &c.jwks {
            None => None,
            Some(v) => {
                let json = serde_json::to_value(v).map_err(|_| err(file, key("jwks"), "must be { keys = [ ... ] }"))?;
                Some(crate::client_assertion::parse_jwks(&json).map_err(|why| err(file, key("jwks"), why))?)
            }
        };
        let method = c.token_endpoint_auth_method.as_deref();
        if jwks.is_some() && method != Some("private_key_jwt") {
            return Err(err(file, key("jwks"), "only a private_key_jwt client has a jwks"));
        }
        let auth = match (confidential, method, secret_hash) {
            (true, Some("private_key_jwt"), None) => match jwks {
                Some(keys) => ClientAuth::PrivateKeyJwt(std::sync::Arc::new(keys)),
                None => return Err(err(file, key("jwks"), "a private_key_jwt client needs its public keys: jwks = { keys = [ ... ] }")),
            },
            (true, Some("private_key_jwt"), Some(_)) => return Err(err(file, key("client_secret_sha256"), "a private_key_jwt client has no secret")),
            (false, None | Some("none"), None) => ClientAuth::None,
            (false, _, _) => return Err(err(file, key("token_endpoint_auth_method"), "a public client authenticates with \"none\" and has no secret")),
            (true, None | Some("client_secret_basic"), Some(h)) => ClientAuth::SecretBasic(h),
            (true, Some("client_secret_post"), Some(h)) => ClientAuth::SecretPost(h),
            (true, None | Some("client_secret_basic" | "client_secret_post"), None) => {
                return Err(err(file, key("client_secret_sha256"), "a confidential client needs client_secret_sha256"))
            }
            (true, _, _) => return Err(err(file, key("token_endpoint_auth_method"), "must be \"client_secret_basic\", \"client_secret_post\" or \"private_key_jwt\"")),
        };
        if confidential && !c.allowed_origins.is_empty() {
            return Err(err(file, key("allowed_origins"), "a confidential client calls from its backend: no browser origins"));
        }
        if c.redirect_uris.is_empty() {
            return Err(err(file, key("redirect_uris"), "at least one is required"));
        }
        for (name, uris) in [("redirect_uris", &c.redirect_uris), ("post_logout_redirect_uris", &c.post_logout_redirect_uris)] {
            for u in uris {
                let o = origin_of(u).ok_or_else(|| err(file, key(name), "each must be an absolute http(s) URL"))?;
                if u.contains('#') || (u.starts_with("http://") && !is_loopback_origin(&o)) {
                    return Err(err(file, key(name), "no fragment; http:// only for localhost"));
                }
            }
        }
        for o in &c.allowed_origins {
            if origin_of(o).as_deref() != Some(o.as_str()) {
                return Err(err(file, key("allowed_origins"), "each must be an origin: scheme://host[:port], no path, no trailing slash"));
            }
        }
        let delivery = match (c.zk_delivery.as_deref().unwrap_or("fragment-jwe"), c.key_delivery_version.as_deref().unwrap_or("v2")) {
            ("none", _) => KeyDelivery::None,
            ("fragment-jwe", "v2") => KeyDelivery::V2,
            ("fragment-jwe", "v1-drk") => KeyDelivery::V1Drk,
            ("fragment-jwe", _) => return Err(err(file, key("key_delivery_version"), "must be \"v2\" or \"v1-drk\"")),
            _ => return Err(err(file, key("zk_delivery"), "must be \"fragment-jwe\" or \"none\"")),
        };
        if delivery == KeyDelivery::None && c.zk_required {
            return Err(err(file, key("zk_required"), "cannot be true with zk_delivery = \"none\""));
        }
        if let Some(unknown) = c.scopes.iter().flatten().find(|s| !SCOPES.contains(&s.as_str())) {
            return Err(err(file, key("scopes"), format!("{unknown:?} is not a supported scope ({})", SCOPES.join(", "))));
        }
        let id_token_alg = match c.id_token_signed_response_alg.as_deref() {
            // OIDC Core: RS256 unless the client registered another.
            None => crate::idtoken::Alg::RS256,
            Some(name) => crate::idtoken::Alg::from_name(name).ok_or_else(|| err(file, key("id_token_signed_response_alg"), "must be \"RS256\", \"ES256\" or \"EdDSA\""))?,
        };
        out.push(Client {
            client_name: c.client_name.unwrap_or_else(|| c.client_id.clone()),
            client_id: c.client_id,
            redirect_uris: c.redirect_uris,
            post_logout_redirect_uris: c.post_logout_redirect_uris,
            allowed_origins: c.allowed_origins,
            delivery,
            zk_required: c.zk_required,
            share_by_email: c.share_by_email,
            scopes: c.scopes.unwrap_or_else(|| SCOPES.iter().map(|s| s.to_string()).collect()),
            id_token_alg,
            auth,
        });
    }
    Ok(out)
}

/// `text` with the credentials of every URL in it (`scheme://user:password@host`) replaced by
/// `***`, so an error about a `database` line never prints its password.
fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority_end = tail.find(['/', '?', '#', '"', '\'', ' ']).unwrap_or(tail.len());
        match tail.get(..authority_end).and_then(|a| a.rfind('@')) {
            Some(at) => {
                out.push_str("***");
                rest = tail.get(at..).unwrap_or("");
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// `scheme://host[:port]` of an http(s) URL, lower-cased; `None` for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

fn is_loopback_origin(origin: &str) -> bool {
    let host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    let host = host.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map(|(h, _)| h).unwrap_or(host);
    host == "localhost" || host == "127.0.0.1" || host == "[::1]"
}

#[cfg(test)]
mod tests;
