//! The rows behind failure-based login backoff: consecutive and daily failures per limit
//! key, and the devices that have logged in to an identity (see `crate::lockout`).

use super::fast_write::text;
use super::Store;

/// What a limit key has failed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// Consecutive failures since the last success.
    pub consecutive: i64,
    pub locked_until_ms: i64,
    /// The UTC day (`unix_secs / 86400`) that `today` counts.
    pub day: i64,
    pub today: i64,
}

impl Store {
    pub async fn login_failures(&self, limit_key: &str) -> Result<Option<Failures>, sqlx::Error> {
        const SQL: &str = "SELECT failures, locked_until_ms, day, day_failures FROM login_failures WHERE limit_key = $1";
        let row: Option<(i64, i64, i64, i64)> = match &self.fast {
            Some(fast) => fast.row(SQL, [limit_key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?,
            None => sqlx::query_as(SQL).bind(limit_key).fetch_optional(&self.pool).await?,
        };
        Ok(row.map(|(consecutive, locked_until_ms, day, today)| Failures { consecutive, locked_until_ms, day, today }))
    }

    /// Counts one failure (one atomic upsert) and returns the new counts.
    pub async fn add_login_failure(&self, limit_key: &str, day: i64) -> Result<Failures, sqlx::Error> {
        let (consecutive, locked_until_ms, today): (i64, i64, i64) = sqlx::query_as(
            "INSERT INTO login_failures (limit_key, failures, locked_until_ms, day, day_failures) VALUES ($1, 1, 0, $2, 1) \
             ON CONFLICT (limit_key) DO UPDATE SET failures = login_failures.failures + 1, \
             day_failures = CASE WHEN login_failures.day = $2 THEN login_failures.day_failures + 1 ELSE 1 END, day = $2 \
             RETURNING failures, locked_until_ms, day_failures",
        )
        .bind(limit_key)
        .bind(day)
        .fetch_one(&self.pool)
        .await?;
        Ok(Failures { consecutive, locked_until_ms, day, today })
    }

    /// Moves the lock forward (never back: two racing failures keep the later lock).
    pub async fn lock_login(&self, limit_key: &str, until_ms: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE login_failures SET locked_until_ms = $2 WHERE limit_key = $1 AND locked_until_ms < $2")
            .bind(limit_key)
            .bind(until_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A success clears the key's failures.
    pub async fn clear_login_failures(&self, limit_key: &str) -> Result<(), sqlx::Error> {
        const SQL: &str = "DELETE FROM login_failures WHERE limit_key = $1";
        if let Some(write) = &self.write {
            if write.execute(SQL, vec![text(limit_key)])?.is_some() {
                return Ok(());
            }
        }
        sqlx::query(SQL).bind(limit_key).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn is_known_device(&self, identity: &str, device_hash: &str) -> Result<bool, sqlx::Error> {
        const SQL: &str = "SELECT last_seen_at FROM known_devices WHERE identity = $1 AND device_hash = $2";
        if let Some(fast) = &self.fast {
            return Ok(fast.row(SQL, [identity, device_hash], |_| Ok(()))?.is_some());
        }
        let row: Option<(i64,)> = sqlx::query_as(SQL).bind(identity).bind(device_hash).fetch_optional(&self.pool).await?;
        Ok(row.is_some())
    }

    /// How many browsers have signed in to `identity` (within the device cookie's lifetime).
    pub async fn known_devices_of(&self, identity: &str) -> Result<i64, sqlx::Error> {
        const SQL: &str = "SELECT COUNT(*) FROM known_devices WHERE identity = $1";
        if let Some(fast) = &self.fast {
            return Ok(fast.row(SQL, [identity], |r| r.get(0))?.unwrap_or(0));
        }
        let (n,): (i64,) = sqlx::query_as(SQL).bind(identity).fetch_one(&self.pool).await?;
        Ok(n)
    }

    pub async fn remember_device(&self, identity: &str, device_hash: &str, now: i64) -> Result<(), sqlx::Error> {
        const SQL: &str = "INSERT INTO known_devices (identity, device_hash, last_seen_at) VALUES ($1, $2, $3) \
                           ON CONFLICT (identity, device_hash) DO UPDATE SET last_seen_at = $3";
        if let Some(write) = &self.write {
            if write.execute(SQL, vec![text(identity), text(device_hash), now.into()])?.is_some() {
                return Ok(());
            }
        }
        sqlx::query(SQL)
        .bind(identity)
        .bind(device_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
