//! SQLite's hot writes on one dedicated connection, run on the request's own thread (issue 20).
//! On this project's 2-core VMs a write through sqlx's pool costs 46–100 µs, most of it the hop
//! to the connection's worker thread and back (and the wake-up of a thread that went to sleep);
//! the same statement on a dedicated writer thread (a channel there, a oneshot back) 64–79 µs;
//! on the caller's thread 8 µs, 18 µs through this module (server/benches/login.rs measures all
//! four in one run). With the login path's writes here (rate limits, login state, failures,
//! known devices, sessions) an HTTP login went from 499–554/s to 738–760/s (the library alone:
//! about 1,400/s). Same SQL text as through sqlx; two rules keep the request's thread from ever
//! waiting on the disk or on another connection:
//!
//! - SQLite's busy timeout is zero: when another connection holds the write lock the statement
//!   answers "busy" at once, and the caller runs it through the pool instead, which waits there
//!   (up to 5 s) on sqlx's worker thread.
//! - This connection never checkpoints the WAL (commits in WAL mode with `synchronous = NORMAL`
//!   only append to it; a checkpoint writes and fsyncs the database file): every
//!   [`CHECKPOINT_EVERY`] writes, one passive checkpoint runs through the pool instead.
//!
//! Each statement commits on its own, as a pooled one does. PostgreSQL never comes here.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};
use sqlx::AnyPool;

use super::{sqlite_numbered, unavailable};

/// Writes between two checkpoints run through the pool: with SQLite's default of 1000 pages
/// (4 MB) per checkpoint and a login's few small rows, about the same WAL size as sqlx's own.
const CHECKPOINT_EVERY: u64 = 1000;

/// The dedicated read-write connection.
pub(super) struct FastWrite {
    conn: Mutex<Connection>,
    writes: AtomicU64,
    /// For the checkpoints.
    pool: AnyPool,
}

/// A text parameter.
pub(super) fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// What a statement here gave: done, or "busy" (run it through the pool), or a database
/// error as `ApiError` reads sqlx's (500; rusqlite's messages name the failure, never bound
/// values).
fn outcome<T>(r: rusqlite::Result<T>) -> Result<Option<T>, sqlx::Error> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)) => Ok(None),
        Err(e) => Err(sqlx::Error::Protocol(format!("SQLite: {e}"))),
    }
}

impl FastWrite {
    /// Opens `file` read-write (after the migrations made it) with the pool's settings but the
    /// two rules above.
    pub(super) fn open(file: &Path, pool: AnyPool) -> Result<FastWrite, sqlx::Error> {
        let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(unavailable)?;
        conn.busy_timeout(std::time::Duration::ZERO).map_err(unavailable)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;").map_err(unavailable)?;
        Ok(FastWrite { conn: Mutex::new(conn), writes: AtomicU64::new(0), pool })
    }

    /// Runs `f` on the connection with `sql` (sqlx's placeholders) prepared once; `None` when busy.
    fn with<T>(&self, sql: &str, f: impl FnOnce(&mut rusqlite::CachedStatement<'_>) -> rusqlite::Result<T>) -> Result<Option<T>, sqlx::Error> {
        let done = {
            let conn = self.conn.lock().map_err(|_| unavailable("the write connection's lock is poisoned"))?;
            outcome(conn.prepare_cached(&sqlite_numbered(sql)).and_then(|mut stmt| f(&mut stmt)))?
        };
        if done.is_some() && self.writes.fetch_add(1, Ordering::Relaxed) % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1 {
            let pool = self.pool.clone();
            tokio::spawn(async move {
                // PASSIVE: copies what no reader still needs, never waits for anyone.
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                    tracing::warn!(target: "zkauth::store", error = %e, "WAL checkpoint failed");
                }
            });
        }
        Ok(done)
    }

    /// Runs `sql`: the rows it changed, or `None` when busy.
    pub(super) fn execute(&self, sql: &str, params: Vec<Value>) -> Result<Option<u64>, sqlx::Error> {
        self.with(sql, |stmt| stmt.execute(rusqlite::params_from_iter(params)).map(|n| u64::try_from(n).unwrap_or(u64::MAX)))
    }

    /// Runs `sql` and maps its first row, if any, by `map` (for `… RETURNING`): `None` when busy.
    pub(super) fn row<T>(&self, sql: &str, params: Vec<Value>, map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>) -> Result<Option<Option<T>>, sqlx::Error> {
        self.with(sql, |stmt| stmt.query_row(rusqlite::params_from_iter(params), map).optional())
    }
}
