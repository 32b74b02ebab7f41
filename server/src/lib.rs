//! zkauth reference server: OPAQUE endpoints, key storage, authorize/token with
//! zero-knowledge key delivery, and first-party cookie sessions — the answer to "what must my
//! server do so that the zero-knowledge guarantees hold?".
//!
//! Modules, in the order a request meets them ([`admin`] is the operator's CLI beside them):
//! - [`config`]: the TOML file, environment and flags, checked before the port is bound.
//! - [`secrets`]: server secrets sealed at rest under a KEK.
//! - [`store`]: every piece of state, in SQLite (default) or PostgreSQL.
//! - [`state`]: what handlers share (config, store, keys, clock, counters, rate limits).
//! - [`layers`]: headers, CSRF, no-bearer and request-log middleware.
//! - [`identity`]: which e-mail addresses are accepted, and the normal form of new ones.
//! - [`lockout`]: failure-based login backoff with known devices.
//! - [`session`], [`extract`]: cookie sessions and the request extractors; [`client_ip`]:
//!   who the client is behind trusted proxies, for per-client limits.
//! - [`routes`]: the endpoints, one file per group; [`idtoken`]: ES256 and EdDSA ID tokens;
//!   [`passkeys`]: the WebAuthn relying party.
//! - [`metrics`]: the Prometheus listener; [`demo_app`]: the demo relying party's static server.
//! - [`error`]: the one error type, with stable `error` strings.

pub mod admin;
pub mod client_assertion;
pub mod client_auth;
pub mod client_ip;
pub mod config;
pub mod demo_app;
pub mod device;
pub mod error;
pub mod extract;
pub mod identity;
pub mod idtoken;
pub mod layers;
pub mod lockout;
pub mod metrics;
pub mod passkeys;
pub mod routes;
pub mod secrets;
pub mod serve;
pub mod session;
pub mod signing_keys;
pub mod state;
pub mod static_files;
pub mod store;

use std::time::Duration;

pub use config::{Config, ConfigError, Overrides};
pub use routes::router;
pub use secrets::KekSource;
pub use state::{AppState, Clock};

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data_dir {path}: {why}")]
    DataDir { path: String, why: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Secrets(#[from] secrets::SecretsError),
    #[error("{0}")]
    Webauthn(String),
}

/// Opens the data dir and database, opens (or creates) the sealed secrets, and returns the
/// state the router runs on.
pub async fn build(config: Config, kek: &KekSource, clock: Clock) -> Result<AppState, StartError> {
    let store = open_store(&config).await?;
    let secrets = secrets::load(kek, &store, &config.data_dir, clock.now()).await?;
    // The deployment's passkey-PRF salt: made at first start, the same for every instance.
    let prf_salt = store.meta_init("webauthn_prf_salt", &state::random_b64u(32)).await?;
    let passkeys = passkeys::RelyingParty::new(&config.webauthn, prf_salt).map_err(StartError::Webauthn)?;
    Ok(AppState::new(config, store, secrets, clock, passkeys))
}

/// `zkauth-server keys rotate`: a new active ID-token key for each of `algs` (the running
/// instances sign with it within 30 s; the retired key stays in the JWKS for
/// `[signing] retired_key_overlap_secs`). Needs the KEK, as the server's start does.
pub async fn rotate_keys(config: &Config, kek: &KekSource, algs: &[idtoken::Alg], now: i64) -> Result<Vec<(idtoken::Alg, String)>, StartError> {
    let store = open_store(config).await?;
    let kek = secrets::kek(kek, &store, &config.data_dir).await?;
    Ok(signing_keys::rotate(&store, &kek, algs, now, config.signing.retired_key_overlap_secs).await.map_err(secrets::SecretsError::from)?)
}

/// Checks (or creates) the data dir and opens the database, migrated: what the server and
/// `zkauth-server admin` start with.
pub async fn open_store(config: &Config) -> Result<store::Store, StartError> {
    check_data_dir(&config.data_dir)?;
    Ok(store::Store::open(&config.database, &config.data_dir).await?)
}

/// Creates the data dir (mode 0700) or checks the one that exists: it holds sealed secrets,
/// hashes and ciphertext (and with `--dev` the key file), so a dir that group or others can
/// reach is refused with the command that fixes it, never silently changed.
fn check_data_dir(dir: &std::path::Path) -> Result<(), StartError> {
    let fail = |why: String| StartError::DataDir { path: dir.display().to_string(), why };
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| fail(e.to_string()))?;
    }
    let meta = std::fs::metadata(dir).map_err(|e| fail(e.to_string()))?;
    if !meta.is_dir() {
        return Err(fail("is not a directory".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(fail(format!("mode {mode:03o} lets group or others in; it holds the server's sealed secrets: chmod 700 {}", dir.display())));
        }
    }
    Ok(())
}

/// Deletes expired rows once a minute, for as long as the server runs.
pub fn spawn_janitor(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = state.store.purge_expired(state.now()).await {
                tracing::warn!(target: "zkauth::store", error = %e, "purging expired rows failed");
            }
        }
    })
}
