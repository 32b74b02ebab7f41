//! Storage: every piece of server state lives in the database (never in process memory), so
//! any instance can serve any request. One implementation over sqlx's `Any` driver serves
//! SQLite (embedded default) and PostgreSQL; statements are portable SQL, and every
//! check-and-change (code redemption, refresh rotation, login-state consumption, rate-limit
//! buckets) is a single compare-and-set statement. On SQLite the login path's reads take a
//! dedicated read-only connection instead of the pool (`fast_read`: ~1 µs instead of ~100 µs
//! a statement) and its writes a dedicated connection that never waits (`fast_write`: ~7 µs,
//! through the pool when another connection holds the write lock), with the same SQL text.
//!
//! Timestamps are unix seconds (`i64`); secrets and tokens appear only as `b64u(SHA-256)`.

mod account_events;
mod admin;
mod backup;
mod client_assertions;
mod consents;
mod fast_read;
mod fast_write;
mod keys;
mod limits;
mod lockout;
mod logout;
mod meta;
mod notes;
mod oauth;
mod passkeys;
mod quotas;
mod sessions;
mod trusted_devices;
mod user_keys;
mod sharing;
mod signing_keys;
mod users;

use std::path::Path;
use std::sync::Arc;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnectionMetadata;
use sqlx::{AnyConnection, AnyPool};

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

pub use account_events::{AccountEventRow, ACCOUNT_EVENT_DAYS};
pub use admin::AccountSummary;
pub use backup::BackupError;
pub use consents::ConsentRow;
pub use keys::{AccountKeyRow, EnvelopeRow, NewEnvelope, RecoveryKeyRow};
pub use limits::Bucket;
pub use lockout::Failures;
pub use notes::NoteRow;
pub use passkeys::{Ceremony, PasskeyListing, PasskeyRow};
pub use quotas::Counted;
pub use sharing::{NoteShareRow, SharedNoteRow, SharingKeyRow};
pub use oauth::{AuthRequestRow, CodeRow, Redeemed, Rotated, TokenRow};
pub use sessions::{Ended, SessionRow};
pub use signing_keys::SigningKeyRow;
pub use trusted_devices::{ApprovalRow, TrustedDeviceRow};
pub use users::{LoginRow, PendingLogin, UserRow};

/// What a purge statement's `$1` is: unix seconds, milliseconds, or the UTC day (`$2`, where
/// present, is always milliseconds).
#[derive(Debug, Clone, Copy)]
enum PurgeBind {
    Secs,
    Ms,
    Day,
}

/// The purge statements, in order.
const PURGES: &[(&str, PurgeBind)] = &[
    ("DELETE FROM pending_logins WHERE expires_at <= $1", PurgeBind::Secs),
    ("DELETE FROM pending_registrations WHERE expires_at <= $1", PurgeBind::Secs),
    ("DELETE FROM sessions WHERE absolute_expires_at <= $1", PurgeBind::Secs),
    ("DELETE FROM auth_requests WHERE expires_at <= $1", PurgeBind::Secs),
    ("DELETE FROM auth_codes WHERE expires_at <= $1 - 86400", PurgeBind::Secs),
    ("DELETE FROM tokens WHERE expires_at <= $1", PurgeBind::Secs),
    ("DELETE FROM session_families WHERE expires_at <= $1", PurgeBind::Secs),
    // Account events are listed for 90 days.
    ("DELETE FROM account_events WHERE at <= $1 - 7776000", PurgeBind::Secs),
    ("DELETE FROM client_assertions WHERE expires_at <= $1", PurgeBind::Secs),
    ("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1", PurgeBind::Secs),
    ("DELETE FROM device_approvals WHERE expires_at <= $1", PurgeBind::Secs),
    ("DELETE FROM password_resets WHERE expires_at <= $1", PurgeBind::Secs),
    // A device unseen for 400 days (the cookie's lifetime) is a stranger again.
    ("DELETE FROM known_devices WHERE last_seen_at <= $1 - 34560000", PurgeBind::Secs),
    // Buckets idle for an hour are full again: the same as no row.
    ("DELETE FROM rate_limits WHERE updated_ms <= $1 - 3600000", PurgeBind::Ms),
    // Failures of an earlier day whose lock has run out count for nothing any more.
    ("DELETE FROM login_failures WHERE day < $1 AND locked_until_ms <= $2", PurgeBind::Day),
];

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
    /// SQLite only: the login path's reads on a dedicated connection (`fast_read`).
    fast: Option<Arc<fast_read::FastRead>>,
    /// SQLite only: the login path's writes on a dedicated connection, inline (`fast_write`).
    write: Option<Arc<fast_write::FastWrite>>,
}

/// Creating a row that exists already.
#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error("already exists")]
    Exists,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A failure of one of SQLite's dedicated connections (`fast_read`, `fast_write`) as the store
/// reports errors, sqlx's: an I/O error reads as "database unavailable" (503).
fn unavailable(e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(e.to_string()))
}

/// `sql` written with sqlx's `$n` placeholders as SQLite's numbered `?n`, so one text serves the
/// pool and the dedicated connections.
fn sqlite_numbered(sql: &str) -> String {
    sql.replace('$', "?")
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
            // No ping before each use: a connection to a local file does not go stale, and the
            // ping is one more round trip to the connection's worker thread per statement (a
            // read through the pool took 177 µs with it and 107 µs without in
            // server/benches/login.rs; logins 363/s → 416/s). PostgreSQL keeps it: its
            // connections can break (tests/pg_faults.rs).
            pool_options = pool_options.after_connect(sqlite_session_pragmas).test_before_acquire(false);
        }
        let pool = pool_options.connect_with(options).await?;
        if backend == Backend::Sqlite {
            // WAL lets readers run beside the writer and is a property of the file, so setting
            // it once is enough.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        // One portable schema for both backends (server/migrations/).
        sqlx::migrate!("./migrations").run(&pool).await?;
        let (fast, write) = match backend {
            Backend::Sqlite => {
                let file = data_dir.join("zkauth.db");
                (Some(Arc::new(fast_read::FastRead::open(&file)?)), Some(Arc::new(fast_write::FastWrite::open(&file, pool.clone())?)))
            }
            Backend::Postgres => (None, None),
        };
        Ok(Store { pool, backend, fast, write })
    }

    /// Opens an existing SQLite database read-only, without migrating it (for `backup`: a
    /// backup is of the database as it is).
    pub async fn open_read_only(data_dir: &Path) -> Result<Store, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let file = data_dir.join("zkauth.db");
        if !file.is_file() {
            return Err(sqlx::Error::Configuration(format!("no database at {}", file.display()).into()));
        }
        let options = AnyConnectOptions::from_str(&format!("sqlite://{}?mode=ro", file.display()))?;
        let pool = AnyPoolOptions::new().max_connections(1).acquire_timeout(Duration::from_secs(5)).connect_with(options).await?;
        Ok(Store { pool, backend: Backend::Sqlite, fast: None, write: None })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Deletes what has expired (login states, sessions, requests, codes, tokens, idle
    /// rate-limit buckets, old login failures, forgotten devices). Run periodically;
    /// correctness never depends on it, since every read checks expiry itself. Every statement
    /// is an index range scan (a test holds each plan to that), so its cost follows the rows
    /// it deletes, not the table's size.
    pub async fn purge_expired(&self, now: i64) -> Result<(), sqlx::Error> {
        for (sql, bind) in PURGES {
            let value = match bind {
                PurgeBind::Secs => now,
                PurgeBind::Ms => now * 1000,
                PurgeBind::Day => now.div_euclid(86_400),
            };
            let mut q = sqlx::query(sql).bind(value);
            if sql.contains("$2") {
                q = q.bind(now * 1000);
            }
            q.execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Closes the pool (tests and shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    /// The login path's inline writes (`fast_write`) never wait for SQLite's write lock on the
    /// request's thread: while another connection holds it, each statement goes through the
    /// pool instead, which waits; once the lock is released, every one has done its work once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inline_writes_fall_back_to_the_pool_while_another_connection_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open("sqlite", dir.path()).await.unwrap();
        let bucket = Bucket { burst: 1, per_minute: 1 };
        let pending = PendingLogin { sealed_state: "sealed".into(), sub: Some("s".into()), identity: "i".into(), limit_key: "k".into() };
        // Without contention: the inline path.
        assert_eq!(store.rate_limit("t:a", bucket, 1_000).await.unwrap(), None);
        assert!(store.rate_limit("t:a", bucket, 1_001).await.unwrap().is_some(), "the bucket holds one attempt");
        store.put_pending_login("p1", &pending, 100).await.unwrap();

        // Another connection takes the write lock.
        let other = rusqlite::Connection::open(dir.path().join("zkauth.db")).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let s = store.clone();
        let pending2 = PendingLogin { sealed_state: "sealed2".into(), ..pending.clone() };
        let writes = tokio::spawn(async move {
            let limited = s.rate_limit("t:b", bucket, 1_000).await.unwrap();
            s.put_pending_login("p2", &pending2, 100).await.unwrap();
            let taken = s.take_pending_login("p1", 50).await.unwrap();
            s.clear_login_failures("k").await.unwrap();
            (limited, taken)
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!writes.is_finished(), "the writes wait (in the pool) while the lock is held");
        other.execute_batch("COMMIT").unwrap();
        let (limited, taken) = writes.await.unwrap();
        assert_eq!(limited, None);
        assert_eq!(taken.map(|p| p.sealed_state), Some("sealed".to_string()));
        // Each happened once: p1 is gone, p2 is there, t:b holds its one attempt.
        assert!(store.take_pending_login("p1", 50).await.unwrap().is_none());
        assert_eq!(store.take_pending_login("p2", 50).await.unwrap().map(|p| p.sealed_state), Some("sealed2".to_string()));
        assert!(store.rate_limit("t:b", bucket, 1_001).await.unwrap().is_some());
    }

    /// Every purge statement deletes through an index (SQLite's plan says `SEARCH … USING
    /// INDEX`, never `SCAN`), and a purge of 20,000 expired sessions beside 20,000 live ones
    /// stays cheap (its time is printed; `make test` logs keep it).
    #[tokio::test]
    async fn every_purge_is_an_index_range_scan() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open("sqlite", dir.path()).await.unwrap();
        for (sql, _) in PURGES {
            let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}")).bind(0i64).bind(0i64).fetch_all(&store.pool).await.unwrap();
            let details: Vec<&str> = plan.iter().map(|p| p.3.as_str()).collect();
            assert!(details.iter().any(|d| d.starts_with("SEARCH") && d.contains(" INDEX ")), "{sql}: {details:?}");
            assert!(!details.iter().any(|d| d.starts_with("SCAN")), "{sql}: {details:?}");
        }
        sqlx::query(
            "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 99) \
             INSERT INTO users (sub, email, name, opaque_record, opaque_profile, created_at) SELECT 's' || x, 'e' || x, '', '', '', 0 FROM c",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40000) \
             INSERT INTO sessions (id_hash, handle, sub, created_at, last_seen_at, absolute_expires_at) \
             SELECT 'h' || x, 'k' || x, 's' || (x % 100), 0, 0, CASE WHEN x % 2 = 0 THEN 100 ELSE 1000000 END FROM c",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        let t = std::time::Instant::now();
        store.purge_expired(1000).await.unwrap();
        let took = t.elapsed();
        let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions").fetch_one(&store.pool).await.unwrap();
        assert_eq!(left, 20_000, "only the expired half is gone");
        eprintln!("purge: 20000 expired of 40000 sessions in {:.1} ms", took.as_secs_f64() * 1000.0);
    }
}
