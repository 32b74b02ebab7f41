//! SQLite's hot reads on one dedicated connection (issue 20). A statement through sqlx's pool
//! costs about 100 µs on this project's 2-core VMs (a hop to the connection's worker thread and
//! back, and the `Any` driver's value conversion); the same read on a connection of its own,
//! statement prepared once, about 2 µs (server/benches/login.rs measures both in one run). The
//! login path's reads run here, inline: a WAL reader never waits for the writer and the
//! statement takes microseconds, so holding the task's thread for it costs less than handing
//! it to another thread. Read-only (the connection is opened so), SQLite only; every write and
//! every PostgreSQL statement still goes through sqlx. Each read sees the last committed state,
//! as a pooled one does.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Params, Row};

use super::{sqlite_numbered, unavailable};

/// The dedicated read-only connection.
pub(super) struct FastRead {
    conn: Mutex<Connection>,
}

impl FastRead {
    /// Opens `file` read-only (after the migrations made it).
    pub(super) fn open(file: &Path) -> Result<FastRead, sqlx::Error> {
        let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(unavailable)?;
        // Bounded: a reader waits only while another connection recovers the WAL index.
        conn.busy_timeout(Duration::from_millis(200)).map_err(unavailable)?;
        Ok(FastRead { conn: Mutex::new(conn) })
    }

    /// At most one row of `sql` (written with sqlx's `$n` placeholders, which become SQLite's
    /// numbered `?n`, so one text serves both paths), mapped by `map`.
    pub(super) fn row<T>(&self, sql: &str, params: impl Params, map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>) -> Result<Option<T>, sqlx::Error> {
        let sql = sqlite_numbered(sql);
        let conn = self.conn.lock().map_err(|_| unavailable("the read connection's lock is poisoned"))?;
        let mut stmt = conn.prepare_cached(&sql).map_err(unavailable)?;
        stmt.query_row(params, map).optional().map_err(unavailable)
    }
}
