//! Rate-limit buckets in the database, so N instances enforce one limit.
//!
//! A leaky bucket per key: each attempt adds 60 000 units, the level drains by `per_minute`
//! units per millisecond, and an attempt is refused when it would take the level above
//! `burst × 60 000`. The check and the update are one `INSERT … ON CONFLICT DO UPDATE …
//! WHERE` statement: atomic on SQLite and PostgreSQL alike.

use super::fast_write::text;
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
        let fast = self.write.as_deref().map(|w| w.row(&sql, vec![text(key), now_ms.into(), drain.into(), COST.into(), capacity.into()], |r| r.get::<_, i64>(0))).transpose()?.flatten();
        let allowed = match fast {
            Some(level) => level,
            None => sqlx::query_as::<_, (i64,)>(&sql).bind(key).bind(now_ms).bind(drain).bind(COST).bind(capacity).fetch_optional(&self.pool).await?.map(|(level,)| level),
        };
        if allowed.is_some() {
            return Ok(None);
        }
        const LEVEL: &str = "SELECT level, updated_ms FROM rate_limits WHERE bucket = $1";
        let row: Option<(i64, i64)> = match &self.fast {
            Some(fast) => fast.row(LEVEL, [key], |r| Ok((r.get(0)?, r.get(1)?)))?,
            None => sqlx::query_as(LEVEL).bind(key).fetch_optional(&self.pool).await?,
        };
        let (level, updated) = row.unwrap_or((capacity, now_ms));
        let current = (level - (now_ms - updated).max(0) * drain).max(0);
        let wait_ms = (current + COST - capacity).max(0) / drain.max(1);
        Ok(Some(u64::try_from(wait_ms / 1000 + 1).unwrap_or(1)))
    }
}
