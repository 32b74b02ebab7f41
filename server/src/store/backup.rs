//! Online backups of the embedded SQLite database.
//!
//! `VACUUM INTO` writes a consistent, compacted copy from one read transaction while the
//! server keeps serving (WAL mode: writers go on). The copy holds everything the server needs
//! (users, keys, ciphertext, and the server secrets, sealed under the KEK), so a restore is the
//! copy placed as `zkauth.db` in an empty data dir and the same KEK passphrase. PostgreSQL
//! deployments back up with `pg_dump` instead (README, "Backup and restore").

use std::path::Path;

use super::{Backend, Store};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the database is PostgreSQL: back it up with pg_dump (README, \"Backup and restore\")")]
    Postgres,
    #[error("{path}: {why}")]
    Target { path: String, why: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl Store {
    /// Writes a consistent copy of the database to `to`, a new file created with mode 0600
    /// (an existing file is never overwritten). Returns the copy's size in bytes.
    pub async fn backup_to(&self, to: &Path) -> Result<u64, BackupError> {
        if self.backend != Backend::Sqlite {
            return Err(BackupError::Postgres);
        }
        let target = |why: String| BackupError::Target { path: to.display().to_string(), why };
        // Created empty and private first: VACUUM INTO fills an empty file, and the copy holds
        // sealed secrets and ciphertext, so it is never readable by others, not even briefly.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(to).map_err(|e| target(e.to_string()))?;
        let path = to.to_str().ok_or_else(|| target("the path is not UTF-8".into()))?;
        if let Err(e) = sqlx::query("VACUUM INTO $1").bind(path).execute(&self.pool).await {
            let _ = std::fs::remove_file(to); // no half-written backup is left behind
            return Err(e.into());
        }
        let size = std::fs::metadata(to).map_err(|e| target(e.to_string()))?.len();
        Ok(size)
    }
}
