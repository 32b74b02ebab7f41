//! `zkauth-server --config FILE [--listen ADDR] [--issuer URL] [--data-dir DIR]
//! [--database sqlite|postgres://…] [--dev]`: starts the reference server.
//! `zkauth-server backup --config FILE --to FILE`: an online copy of the SQLite database.
//! `zkauth-server client-secret`: a new confidential-client secret and its config line.
//! `zkauth-server keys rotate --config FILE [--alg RS256|ES256|EdDSA]`: new ID-token signing
//! keys (every algorithm unless one is named); needs the KEK.
//! `zkauth-server admin --config FILE [--json] users …|clients …`: the operator's controls
//! (`zkauth_server::admin`).
//!
//! Exit codes: 0 after a clean shutdown (Ctrl-C / SIGTERM), a written backup or a done admin
//! action, 2 for a usage, configuration or secrets error (reported before the port is bound),
//! 1 when serving or the backup fails, or an admin action finds no such account or client.

use std::path::PathBuf;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;
use zkauth_server::session::CookieProfile;
use zkauth_server::{build, router, spawn_janitor, Clock, Config, KekSource, Overrides};

const USAGE: &str = "usage: zkauth-server --config FILE [--listen ADDR] [--issuer URL] [--data-dir DIR] [--database sqlite|postgres://...] [--dev]
       zkauth-server backup --config FILE --to FILE [--data-dir DIR]
       zkauth-server client-secret
       zkauth-server keys rotate --config FILE [--alg RS256|ES256|EdDSA] [--dev]
       zkauth-server admin --config FILE [--json] users list | users show EMAIL | users revoke EMAIL | users delete EMAIL | clients revoke CLIENT_ID";

struct Args {
    config: PathBuf,
    overrides: Overrides,
    dev: bool,
    /// `backup --to FILE`
    backup_to: Option<PathBuf>,
    /// `admin …`: the command and `--json`.
    admin: Option<(zkauth_server::admin::Command, bool)>,
    /// `keys rotate [--alg A]`: the algorithms to rotate.
    rotate: Option<Vec<zkauth_server::idtoken::Alg>>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1).peekable();
    if it.peek().is_some_and(|a| a == "client-secret") {
        return Err("client-secret".into());
    }
    let backup = it.peek().is_some_and(|a| a == "backup");
    let admin = it.peek().is_some_and(|a| a == "admin");
    let keys = it.peek().is_some_and(|a| a == "keys");
    if backup || admin || keys {
        it.next();
    }
    if keys && it.next().as_deref() != Some("rotate") {
        return Err("keys: the command is `keys rotate`".into());
    }
    let mut algs = vec![];
    let mut words = vec![];
    let mut json = false;
    let mut config = None;
    let mut o = Overrides::default();
    let mut dev = false;
    let mut backup_to = None;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--to" if backup => backup_to = Some(PathBuf::from(value("--to")?)),
            "--json" if admin => json = true,
            "--alg" if keys => {
                let name = value("--alg")?;
                algs.push(zkauth_server::idtoken::Alg::from_name(&name).ok_or(format!("--alg {name}: RS256, ES256 or EdDSA"))?);
            }
            w if admin && !w.starts_with('-') => words.push(w.to_string()),
            "--config" => config = Some(PathBuf::from(value("--config")?)),
            "--listen" => o.listen = Some(value("--listen")?),
            "--issuer" => o.issuer = Some(value("--issuer")?),
            "--data-dir" => o.data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--database" => o.database = Some(value("--database")?),
            "--dev" => dev = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if backup && backup_to.is_none() {
        return Err("backup needs --to FILE".into());
    }
    let admin = if admin { Some((zkauth_server::admin::Command::parse(&words)?, json)) } else { None };
    let rotate = keys.then(|| if algs.is_empty() { zkauth_server::idtoken::Alg::ALL.to_vec() } else { algs });
    Ok(Args { config: config.ok_or("--config is required")?, overrides: o, dev, backup_to, admin, rotate })
}

/// `admin …`: one operator action (no KEK needed; security events go to stderr's log).
async fn admin(config: &Config, command: &zkauth_server::admin::Command, json: bool) -> ExitCode {
    let filter = EnvFilter::try_from_env("ZKAUTH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let store = match zkauth_server::open_store(config).await {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    let now = Clock::System.now();
    match zkauth_server::admin::run(config, &store, command, json, now).await {
        Ok(out) => {
            print!("{}", out.stdout);
            eprint!("{}", out.stderr);
            ExitCode::from(out.code)
        }
        Err(e) => {
            eprintln!("zkauth-server admin: database: {e}");
            ExitCode::from(1)
        }
    }
}

/// `backup --to FILE`: the SQLite database as it is (read-only, not migrated), while the
/// server may keep running.
async fn backup(config: &Config, to: &std::path::Path) -> ExitCode {
    if config.database != "sqlite" {
        return fail("the database is PostgreSQL: back it up with pg_dump (README, \"Backup and restore\")");
    }
    let store = match zkauth_server::store::Store::open_read_only(&config.data_dir).await {
        Ok(s) => s,
        Err(e) => return fail(&format!("database: {e}")),
    };
    match store.backup_to(to).await {
        Ok(bytes) => {
            println!("zkauth-server: backup written to {} ({bytes} bytes)", to.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("zkauth-server: backup failed: {e}");
            ExitCode::from(1)
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("zkauth-server: {message}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(why) if why.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(why) if why == "client-secret" => {
            // A confidential client's secret: shown once, for the client's backend; the config
            // keeps only its hash.
            let (secret, line) = zkauth_server::client_auth::new_secret();
            println!("client secret (give it to the client's backend; it is not stored): {secret}");
            println!("add to the client's [[clients]] entry:\n{line}");
            return ExitCode::SUCCESS;
        }
        Err(why) => return fail(&format!("{why}\n{USAGE}")),
    };
    // Flags win over the environment, which wins over the file.
    let mut config = match Config::load(&args.config, Overrides::from_env().then(args.overrides)) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    if let Some(to) = &args.backup_to {
        return backup(&config, to).await;
    }
    if let Some((command, json)) = &args.admin {
        return admin(&config, command, *json).await;
    }
    if let Some(algs) = &args.rotate {
        let kek = match KekSource::from_env(args.dev) {
            Ok(k) => k,
            Err(e) => return fail(&e.to_string()),
        };
        return match zkauth_server::rotate_keys(&config, &kek, algs, Clock::System.now()).await {
            Ok(done) => {
                for (alg, kid) in done {
                    println!("{}: new signing key {kid}", alg.name());
                }
                println!("running instances sign with the new keys within 30 s; the retired keys stay in the JWKS for {} s", config.signing.retired_key_overlap_secs);
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        };
    }
    config.cookies = CookieProfile::for_start(args.dev, config.is_https());
    let filter = EnvFilter::try_from_env("ZKAUTH_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    if config.log_json {
        tracing_subscriber::fmt().json().with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let kek = match KekSource::from_env(args.dev) {
        Ok(k) => k,
        Err(e) => return fail(&e.to_string()),
    };
    if matches!(kek, KekSource::DevFile) {
        tracing::warn!(target: "zkauth::server", "DEV MODE: the KEK is a plain file in the data dir (dev-kek.key). Never use --dev in production.");
        eprintln!("zkauth-server: WARNING: --dev: server secrets are sealed under {}/dev-kek.key, a plain file. Never use this in production.", config.data_dir.display());
    }
    if config.cookies == CookieProfile::DevHttp {
        tracing::warn!(target: "zkauth::server", "DEV MODE: cookies zkauth-dev and zkauth-dev-csrf without Secure or __Host- (http:// issuer). Production always uses __Host- Secure cookies.");
        eprintln!("zkauth-server: WARNING: --dev with an http:// issuer: session cookies are zkauth-dev/zkauth-dev-csrf without Secure, so WebKit keeps them on http://localhost. Serve https for the production cookies (__Host-, Secure).");
    }
    let listen = config.listen.clone();
    let metrics_listen = config.metrics_listen.clone();
    let state = match build(config, &kek, Clock::System).await {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    drop(kek);
    let listener = match std::net::TcpListener::bind(&listen).and_then(|l| l.set_nonblocking(true).map(|()| l)) {
        Ok(l) => l,
        Err(e) => return fail(&format!("cannot listen on {listen}: {e}")),
    };
    let tls = match &state.config.tls {
        Some((cert, key)) => match axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await {
            Ok(t) => Some(t),
            Err(e) => return fail(&format!("tls_cert/tls_key ({}, {}): {e}", cert.display(), key.display())),
        },
        None => None,
    };
    if let Some(addr) = metrics_listen {
        match tokio::net::TcpListener::bind(&addr).await {
            Ok(l) => {
                let app = zkauth_server::metrics::router(state.clone());
                tokio::spawn(async move { axum::serve(l, app).await });
                tracing::info!(target: "zkauth::server", %addr, "metrics listening");
            }
            Err(e) => return fail(&format!("cannot listen on {addr} (metrics_listen): {e}")),
        }
    }
    if let Some(demo) = state.config.demo_app.clone() {
        match tokio::net::TcpListener::bind(&demo.listen).await {
            Ok(l) => {
                let app = zkauth_server::demo_app::router(&state.config, &demo);
                tokio::spawn(async move { axum::serve(l, app).await });
                tracing::info!(target: "zkauth::server", listen = %demo.listen, "demo app listening");
            }
            Err(e) => return fail(&format!("cannot listen on {} (demo_app.listen): {e}", demo.listen)),
        }
    }
    spawn_janitor(state.clone());
    tracing::info!(target: "zkauth::server", %listen, issuer = %state.config.issuer, "zkauth-server listening");
    let limits = state.config.http;
    match zkauth_server::serve::serve(listener, tls, limits, router(state), shutdown()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zkauth-server: {e}");
            ExitCode::from(1)
        }
    }
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!(target: "zkauth::server", "shutting down");
}
