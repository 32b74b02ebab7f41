//! Rate-limit buckets in the database, so N instances enforce one limit.
//!
//! A leaky bucket per key: each attempt adds 60 000 units, the level drains by `per_minute`
//! units per millisecond, and an attempt is refused when it would take the level above
//! `burst × 60 000`. The check and the update are one `INSERT … ON CONFLICT DO UPDATE …
//! WHERE` statement: atomic on SQLite and PostgreSQL alike.

use super::Store;

/// Units one attempt costs (one minute of drain at 1/min).
const COST: i64 = 60_000;

/// A limit: `burst` attempts at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    pub burst: u32,
    pub per_minute: u32,
}

impl Store {
    /// Counts one attempt against `key`. `Ok(None)` if allowed, `Ok(Some(secs))` if refused,
    /// with the seconds until an attempt would be allowed again.
    pub async fn rate_limit(&self, key: &str, bucket: Bucket, now_ms: i64) -> Result<Option<u64>, sqlx::Error> {
        let capacity = i64::from(bucket.burst) * COST;
        let drain = i64::from(bucket.per_minute);
        // drained = max(0, level - max(0, now - updated) * drain)
        let drained = "(CASE WHEN rate_limits.level - (CASE WHEN $2 > rate_limits.updated_ms THEN $2 - rate_limits.updated_ms ELSE 0 END) * $3 > 0 \
                       THEN rate_limits.level - (CASE WHEN $2 > rate_limits.updated_ms THEN $2 - rate_limits.updated_ms ELSE 0 END) * $3 ELSE 0 END)";
        let sql = format!(
            "INSERT INTO rate_limits (bucket, level, updated_ms) VALUES ($1, $4, $2) \
             ON CONFLICT (bucket) DO UPDATE SET level = {drained} + $4, updated_ms = $2 \
             WHERE {drained} + $4 <= $5 RETURNING level"
        );
        let allowed: Option<(i64,)> =
            sqlx::query_as(&sql).bind(key).bind(now_ms).bind(drain).bind(COST).bind(capacity).fetch_optional(&self.pool).await?;
        if allowed.is_some() {
            return Ok(None);
        }
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT level, updated_ms FROM rate_limits WHERE bucket = $1").bind(key).fetch_optional(&self.pool).await?;
        let (level, updated) = row.unwrap_or((capacity, now_ms));
        let current = (level - (now_ms - updated).max(0) * drain).max(0);
        let wait_ms = (current + COST - capacity).max(0) / drain.max(1);
        Ok(Some(u64::try_from(wait_ms / 1000 + 1).unwrap_or(1)))
    }
}
