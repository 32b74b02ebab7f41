//! Storage: every piece of server state lives in the database (never in process memory), so
//! any instance can serve any request. One implementation over sqlx's `Any` driver serves
//! SQLite (embedded default) and PostgreSQL; statements are portable SQL, and every
//! check-and-change (code redemption, refresh rotation, login-state consumption, rate-limit
//! buckets) is a single compare-and-set statement.
//!
//! Timestamps are unix seconds (`i64`); secrets and tokens appear only as `b64u(SHA-256)`.

mod keys;
mod limits;
mod lockout;
mod meta;
mod notes;
mod oauth;
mod sessions;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnectionMetadata;
use sqlx::{AnyConnection, AnyPool};

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

pub use keys::{AccountKeyRow, EnvelopeRow, NewEnvelope, RecoveryKeyRow};
pub use limits::Bucket;
pub use lockout::Failures;
pub use notes::NoteRow;
pub use oauth::{AuthRequestRow, CodeRow, Redeemed, Rotated, TokenRow};
pub use sessions::{Ended, SessionRow};
pub use users::{PendingLogin, UserRow};

/// Which SQL dialect is behind the pool (the few statements that differ check it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle shared by every request. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// Creating a row that exists already.
#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("already exists")]
    Exists,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn insert_result(r: Result<sqlx::any::AnyQueryResult, sqlx::Error>) -> Result<(), InsertError> {
    match r {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Err(InsertError::Exists),
        Err(e) => Err(InsertError::Db(e)),
    }
}

/// Per-connection SQLite settings. `synchronous = NORMAL` is the documented pairing with
/// WAL: commits no longer wait for an fsync each (the WAL is synced at checkpoints), and the
/// database stays consistent after a crash; only the last commits before a power loss can
/// be lost. (sqlx's defaults already give foreign_keys = ON and a 5 s busy_timeout.)
fn sqlite_session_pragmas<'c>(conn: &'c mut AnyConnection, _: PoolConnectionMetadata) -> BoxFuture<'c, Result<(), sqlx::Error>> {
    Box::pin(async move {
        sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
        Ok(())
    })
}

impl Store {
    /// Opens `database` (`"sqlite"` = `zkauth.db` in `data_dir`, or a `postgres://` URL) and
    /// runs the migrations.
    pub async fn open(database: &str, data_dir: &Path) -> Result<Store, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let (url, backend, max) = if database == "sqlite" {
            let file = data_dir.join("zkauth.db");
            (format!("sqlite://{}?mode=rwc", file.display()), Backend::Sqlite, 4)
        } else {
            (database.to_string(), Backend::Postgres, 16)
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let mut pool_options = AnyPoolOptions::new().max_connections(max).acquire_timeout(Duration::from_secs(5));
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(sqlite_session_pragmas);
        }
        let pool = pool_options.connect_with(options).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the writer and is a property of the file, so setting
            // it once is enough.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        // One portable schema for both backends (server/migrations/).
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Deletes what has expired (login states, sessions, requests, codes, tokens, idle
    /// rate-limit buckets). Run periodically; correctness never depends on it, since every
    /// read checks expiry itself.
    pub async fn purge_expired(&self, now: i64) -> Result<(), sqlx::Error> {
        for sql in [
            "DELETE FROM pending_logins WHERE expires_at <= $1",
            "DELETE FROM pending_registrations WHERE expires_at <= $1",
            "DELETE FROM sessions WHERE absolute_expires_at <= $1",
            "DELETE FROM auth_requests WHERE expires_at <= $1",
            "DELETE FROM auth_codes WHERE expires_at <= $1 - 86400",
            "DELETE FROM tokens WHERE expires_at <= $1",
            "DELETE FROM password_resets WHERE expires_at <= $1",
            // A device unseen for 400 days (the cookie's lifetime) is a stranger again.
            "DELETE FROM known_devices WHERE last_seen_at <= $1 - 34560000",
        ] {
            sqlx::query(sql).bind(now).execute(&self.pool).await?;
        }
        sqlx::query("DELETE FROM rate_limits WHERE updated_ms <= $1").bind((now - 3600) * 1000).execute(&self.pool).await?;
        // Failures of an earlier day whose lock has run out count for nothing any more.
        sqlx::query("DELETE FROM login_failures WHERE day < $1 AND locked_until_ms <= $2")
            .bind(now.div_euclid(86_400))
            .bind(now * 1000)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes the pool (tests and shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
