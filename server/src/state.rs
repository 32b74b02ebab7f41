//! What every handler shares: the checked config, the store, the server secrets and the
//! purpose keys derived from them, the clock, and the security-event counters.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use rand_core::{OsRng, RngCore};
use zkauth_verify::b64u;

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::secrets::{Key32, ServerSecrets};
use crate::store::{Bucket, Counted, Store};

/// Unix time. Tests use a manual clock to step past expiries.
#[derive(Clone)]
pub enum Clock {
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0),
            Clock::Manual(ms) => ms.load(Ordering::SeqCst),
        }
    }

    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// Security events: logged with `target: "zkauth::security"` and counted for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Registered,
    LoginOk,
    LoginFailed,
    RateLimited,
    CsrfRefused,
    CodeReplay,
    RefreshReuse,
    Logout,
    LogoutAll,
    SessionRevoked,
    RecoveryUsed,
    /// A browser reported a Content-Security-Policy (or Trusted Types) violation.
    CspViolation,
    /// A sign-in from a browser never seen for the account (which has signed in before).
    NewDeviceLogin,
}

impl Event {
    pub const ALL: [Event; 13] = [
        Event::Registered,
        Event::LoginOk,
        Event::LoginFailed,
        Event::RateLimited,
        Event::CsrfRefused,
        Event::CodeReplay,
        Event::RefreshReuse,
        Event::Logout,
        Event::LogoutAll,
        Event::SessionRevoked,
        Event::RecoveryUsed,
        Event::CspViolation,
        Event::NewDeviceLogin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Event::Registered => "registered",
            Event::LoginOk => "login_ok",
            Event::LoginFailed => "login_failed",
            Event::RateLimited => "rate_limited",
            Event::CsrfRefused => "csrf_refused",
            Event::CodeReplay => "code_replay",
            Event::RefreshReuse => "refresh_reuse",
            Event::Logout => "logout",
            Event::LogoutAll => "logout_all",
            Event::SessionRevoked => "session_revoked",
            Event::RecoveryUsed => "recovery_used",
            Event::CspViolation => "csp_violation",
            Event::NewDeviceLogin => "new_device_login",
        }
    }

    fn index(self) -> usize {
        Event::ALL.iter().position(|e| *e == self).unwrap_or(0)
    }
}

/// Which abuse limit an attempt counts against.
#[derive(Debug, Clone, Copy)]
pub enum LimitKind {
    Login,
    Register,
    Recovery,
    Token,
    Authorize,
    /// Creating a device-approval request (the login limit's size, its own bucket).
    Approval,
    /// Polling a device approval's consume (every 3 s for two minutes: 60 at once, 30 a minute).
    ApprovalPoll,
    /// Looking up another user's sharing key by e-mail (per user: 30 at once, 30 a minute).
    RecipientLookup,
}

pub struct Inner {
    pub config: Config,
    pub store: Store,
    pub clock: Clock,
    pub secrets: ServerSecrets,
    /// CSRF tokens: `HMAC(csrf_key, session id)`.
    pub csrf_key: Key32,
    /// Seals OPAQUE login states in the database.
    pub login_state_key: Key32,
    /// Names sessions and identities in logs and rate-limit keys without revealing them.
    pub name_key: Key32,
    /// The passkey relying party (`[webauthn]` and the deployment's PRF salt).
    pub passkeys: crate::passkeys::RelyingParty,
    counters: [AtomicU64; Event::ALL.len()],
}

/// Cheap to clone; one per server.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, store: Store, secrets: ServerSecrets, clock: Clock, passkeys: crate::passkeys::RelyingParty) -> AppState {
        let csrf_key = secrets.hmac.subkey("csrf");
        let login_state_key = secrets.hmac.subkey("opaque-login-state");
        let name_key = secrets.hmac.subkey("log-names");
        AppState(Arc::new(Inner {
            config,
            store,
            clock,
            secrets,
            csrf_key,
            login_state_key,
            name_key,
            passkeys,
            counters: Default::default(),
        }))
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Logs and counts a security event. `who` is already a short keyed name, never a raw id.
    pub fn event(&self, event: Event, who: &str) {
        if let Some(c) = self.counters.get(event.index()) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        tracing::info!(target: "zkauth::security", event = event.name(), who, "security event");
    }

    pub fn count(&self, event: Event) -> u64 {
        self.counters.get(event.index()).map(|c| c.load(Ordering::Relaxed)).unwrap_or(0)
    }

    /// A short keyed name for logs (12 b64u characters): stable per value, reveals nothing.
    pub fn log_name(&self, value: &str) -> String {
        let mac = self.name_key.mac(&[value.as_bytes()]);
        b64u::encode(mac.get(..9).unwrap_or(&mac))
    }

    /// Counts one attempt against each of `keys` (already keyed names); the first refusal
    /// answers 429 with `Retry-After`.
    pub async fn limit(&self, kind: LimitKind, keys: &[&str]) -> ApiResult<()> {
        let l = &self.config.rate_limits;
        let (name, limit) = match kind {
            LimitKind::Login => ("login", l.login),
            LimitKind::Register => ("register", l.register),
            LimitKind::Recovery => ("recovery", l.recovery),
            LimitKind::Token => ("token", l.token),
            LimitKind::Authorize => ("authorize", l.authorize),
            LimitKind::Approval => ("approval", l.login),
            LimitKind::ApprovalPoll => ("approval-poll", crate::config::Limit { burst: 60, per_minute: 30 }),
            LimitKind::RecipientLookup => ("recipient-lookup", crate::config::Limit { burst: 30, per_minute: 30 }),
        };
        let bucket = Bucket { burst: limit.burst, per_minute: limit.per_minute };
        for key in keys {
            if let Some(retry_after_secs) = self.store.rate_limit(&format!("{name}:{key}"), bucket, self.clock.now_ms()).await? {
                self.event(Event::RateLimited, key);
                return Err(ApiError::RateLimited { retry_after_secs });
            }
        }
        Ok(())
    }
}

impl AppState {
    /// Refuses a create when the account already holds its quota of `what` (`[quotas]`).
    pub async fn check_quota(&self, what: Counted, sub: &str) -> ApiResult<()> {
        let q = &self.config.quotas;
        let (limit, refusal) = match what {
            Counted::Notes => (q.notes, "the account holds as many notes as its quota allows"),
            Counted::AccountKeys => (q.account_keys, "the account holds as many account keys as its quota allows"),
            Counted::Envelopes => (q.envelopes, "the account holds as many key envelopes as its quota allows"),
            Counted::RecoveryKeys => (q.recovery_keys, "the account holds as many recovery keys as its quota allows"),
            Counted::Passkeys => (q.passkeys, "the account holds as many passkeys as its quota allows"),
            Counted::Shares => (q.shares, "the account has shared as many notes as its quota allows"),
        };
        if self.store.count_of(what, sub).await? >= limit {
            return Err(ApiError::QuotaExceeded(refusal));
        }
        Ok(())
    }
}

/// b64u of `n` random bytes (ids, codes, tokens).
pub fn random_b64u(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    b64u::encode(&bytes)
}
