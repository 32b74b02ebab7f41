//! Login backoff that a stranger cannot turn into a lockout (OWASP Authentication Cheat
//! Sheet, "account lockout"; issue 23, finding 4).
//!
//! Failures are counted, not attempts, per *limit key*: the identity as seen from an unknown
//! browser, or the identity together with one browser that has logged in to it before (its
//! device cookie, 256 random bits, stored hashed). So someone who only knows the e-mail
//! address spends the unknown-device budget and never the owner's.
//!
//! Per limit key:
//! - the first [`FREE_FAILURES`] consecutive failures cost nothing;
//! - each further failure locks the key for 1 s, 2 s, 4 s, … up to [`MAX_LOCK_SECS`]
//!   (15 minutes, reached at the 16th consecutive failure);
//! - at most [`DAILY_FAILURES`] failures per UTC day; past that the key waits for the next day;
//! - a success clears it.
//!
//! A guesser from unknown browsers gets at most 100 guesses a day per identity (the
//! per-address `login` bucket applies on top), where attempt counting allowed ~14,400.

use axum::http::header::{HeaderMap, HeaderValue, SET_COOKIE};
use zkauth_verify::hash_b64u;

use crate::error::{ApiError, ApiResult};
use crate::session::{cookie, set_cookie, CookieProfile};
use crate::state::{random_b64u, AppState};

pub const FREE_FAILURES: i64 = 5;
pub const MAX_LOCK_SECS: i64 = 15 * 60;
pub const DAILY_FAILURES: i64 = 100;
/// The device cookie's lifetime (the longest browsers keep one: 400 days).
pub const DEVICE_COOKIE_SECS: i64 = 400 * 86_400;

/// How long a key is locked after its `consecutive`-th failure, in seconds.
pub fn lock_secs(consecutive: i64) -> i64 {
    if consecutive <= FREE_FAILURES {
        return 0;
    }
    let doublings = u32::try_from(consecutive - FREE_FAILURES - 1).unwrap_or(u32::MAX).min(20);
    (1i64 << doublings).min(MAX_LOCK_SECS)
}

/// Whom a login counts against.
#[derive(Debug, Clone)]
pub struct LoginKeys {
    /// The identity's keyed name.
    pub identity: String,
    /// The limit key: the identity, or the identity with this known device.
    pub limit_key: String,
}

fn device_hash(headers: &HeaderMap, profile: CookieProfile) -> Option<String> {
    cookie(headers, profile.device()).filter(|v| v.len() == 43).map(hash_b64u)
}

/// The limit key of a login of `email` from the browser that sent `headers`.
pub async fn keys_for(state: &AppState, headers: &HeaderMap, email: &str) -> ApiResult<LoginKeys> {
    let identity = state.log_name(email);
    let mut limit_key = format!("u:{identity}");
    if let Some(device) = device_hash(headers, state.config.cookies) {
        if state.store.is_known_device(&identity, &device).await? {
            limit_key = format!("d:{}", state.log_name(&format!("{identity}\u{1f}{device}")));
        }
    }
    Ok(LoginKeys { identity, limit_key })
}

/// Refuses a login start while its key is locked or has used up the day.
pub async fn check(state: &AppState, limit_key: &str) -> ApiResult<()> {
    let Some(f) = state.store.login_failures(limit_key).await? else { return Ok(()) };
    let now_ms = state.clock.now_ms();
    let today = now_ms.div_euclid(86_400_000);
    let wait_ms = if f.day == today && f.today >= DAILY_FAILURES {
        (today + 1) * 86_400_000 - now_ms
    } else {
        f.locked_until_ms - now_ms
    };
    if wait_ms > 0 {
        state.event(crate::state::Event::RateLimited, limit_key);
        return Err(ApiError::RateLimited { retry_after_secs: u64::try_from(wait_ms / 1000 + 1).unwrap_or(1) });
    }
    Ok(())
}

/// Records a failed finish: one more failure, and the lock it earns.
pub async fn failed(state: &AppState, limit_key: &str) -> ApiResult<()> {
    let now_ms = state.clock.now_ms();
    let f = state.store.add_login_failure(limit_key, now_ms.div_euclid(86_400_000)).await?;
    let secs = lock_secs(f.consecutive);
    if secs > 0 {
        state.store.lock_login(limit_key, now_ms + secs * 1000).await?;
    }
    Ok(())
}

/// What a successful login did to the browser's standing.
pub struct Success {
    /// The device cookie to set, when the browser had none.
    pub set_cookie: Option<HeaderValue>,
    /// The hash of the browser's device cookie (new or presented).
    pub device_hash: String,
    /// A browser never seen for this identity, which has signed in from others before.
    pub new_device: bool,
}

/// Records a success: the key's failures are cleared, and this browser becomes a known device
/// of the identity (a device cookie is set if it had none).
pub async fn succeeded(state: &AppState, headers: &HeaderMap, keys: &LoginKeys) -> ApiResult<Success> {
    state.store.clear_login_failures(&keys.limit_key).await?;
    let unknown = !keys.limit_key.starts_with("d:");
    let new_device = unknown && state.store.known_devices_of(&keys.identity).await? > 0;
    let (set_cookie, device_hash) = remember(state, headers, &keys.identity).await?;
    Ok(Success { set_cookie, device_hash, new_device })
}

/// Makes this browser a known device of `identity` (registration: the account's first one);
/// returns the device cookie to set (if it had none) and the device's hash.
pub async fn remember(state: &AppState, headers: &HeaderMap, identity: &str) -> ApiResult<(Option<HeaderValue>, String)> {
    let profile = state.config.cookies;
    let (device, set) = match cookie(headers, profile.device()).filter(|v| v.len() == 43) {
        Some(v) => (v.to_string(), None),
        None => {
            let v = random_b64u(32);
            let set = set_cookie(state, profile.device(), &v, DEVICE_COOKIE_SECS, true)?;
            (v, Some(set))
        }
    };
    let device_hash = hash_b64u(&device);
    state.store.remember_device(identity, &device_hash, state.now()).await?;
    Ok((set, device_hash))
}

/// Adds the device cookie (if any) to a response's headers.
pub fn add_cookie(headers: &mut HeaderMap, set: Option<HeaderValue>) {
    if let Some(v) = set {
        headers.append(SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_doubles_after_five_failures_up_to_fifteen_minutes() {
        let locks: Vec<i64> = (1..=16).map(lock_secs).collect();
        assert_eq!(locks, [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]);
        assert_eq!(lock_secs(i64::MAX), 900);
        assert_eq!(lock_secs(-1), 0);
    }
}
