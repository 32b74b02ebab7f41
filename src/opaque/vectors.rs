//! RFC 9807 conformance runner: replays each vector's randomness through the real client and
//! server code and compares every output. Used by `zkauth opaque vectors` and the tests
//! (native and in headless Chromium).

use std::collections::VecDeque;

use rand_core::{CryptoRng, RngCore};
use serde_json::Value;

use super::server::{ServerSetup, StoredRecord};
use super::{OpaqueClient, Profile};

/// The result of one vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass(usize),
    Fail(usize, String),
    /// Not a P256-SHA256 vector.
    Skip(usize),
}

impl core::fmt::Display for Outcome {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Outcome::Pass(n) => write!(f, "PASS {n}"),
            Outcome::Fail(n, why) => write!(f, "FAIL {n}: {why}"),
            Outcome::Skip(n) => write!(f, "SKIP {n}"),
        }
    }
}

/// Hands out exactly the queued 32-byte draws, in order; any other draw is recorded as an error.
struct ReplayRng {
    queue: VecDeque<Vec<u8>>,
    error: Option<String>,
}

impl ReplayRng {
    fn new(draws: Vec<Vec<u8>>) -> Self {
        ReplayRng { queue: draws.into(), error: None }
    }
    fn finish(self, step: &str) -> Result<(), String> {
        match (self.error, self.queue.is_empty()) {
            (Some(e), _) => Err(format!("{step}: {e}")),
            (None, false) => Err(format!("{step}: not every random value was drawn")),
            (None, true) => Ok(()),
        }
    }
}

impl RngCore for ReplayRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        match self.queue.pop_front() {
            Some(v) if v.len() == dest.len() => dest.copy_from_slice(&v),
            other => {
                self.error.get_or_insert(format!("unexpected draw of {} bytes (queued: {:?} bytes)", dest.len(), other.map(|v| v.len())));
                dest.fill(0);
            }
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

// Test-only RNG: the conformance runner must inject the vector's values.
impl CryptoRng for ReplayRng {}

struct Vector<'a>(&'a Value);

impl Vector<'_> {
    fn hex(&self, section: &str, key: &str) -> Result<Vec<u8>, String> {
        let s = self.0.get(section).and_then(|s| s.get(key)).and_then(Value::as_str).ok_or_else(|| format!("missing {section}.{key}"))?;
        hex_decode(s).ok_or_else(|| format!("{section}.{key} is not hex"))
    }
    fn opt_hex(&self, section: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        match self.0.get(section).and_then(|s| s.get(key)) {
            None => Ok(None),
            Some(_) => self.hex(section, key).map(Some),
        }
    }
    fn config(&self, key: &str) -> Option<&str> {
        self.0.get("config").and_then(|c| c.get(key)).and_then(Value::as_str)
    }
    fn b64(&self, section: &str, key: &str) -> Result<String, String> {
        self.hex(section, key).map(|b| zkauth_verify::b64u::encode(&b))
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

fn check(what: &str, got: &str, want: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what} mismatch"))
    }
}

fn profile_of(v: &Vector<'_>, server_identity: Option<&[u8]>) -> Result<Profile, String> {
    let context = match v.config("Context") {
        Some(c) => hex_decode(c).ok_or("config.Context is not hex")?,
        None => Vec::new(),
    };
    let num = |k: &str, d: u64| -> Result<u64, String> {
        match v.config(k) {
            None => Ok(d),
            Some(s) => s.parse::<u64>().map_err(|_| format!("config.{k} is not a number")),
        }
    };
    match v.config("KSF") {
        Some("Identity") => Ok(Profile::conformance_identity(server_identity, &context)),
        Some("scrypt") => {
            let n = num("KSF_N", 32768)?;
            if !n.is_power_of_two() || n < 2 {
                return Err("KSF_N must be a power of two".into());
            }
            let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| "KSF_N too large")?;
            let r = u32::try_from(num("KSF_r", 8)?).map_err(|_| "KSF_r too large")?;
            let p = u32::try_from(num("KSF_p", 1)?).map_err(|_| "KSF_p too large")?;
            Profile::conformance_scrypt(log_n, r, p, server_identity, &context).map_err(|e| format!("config: {e}"))
        }
        other => Err(format!("unsupported KSF {other:?}")),
    }
}

fn setup_of(v: &Vector<'_>, fake_pk: &[u8]) -> Result<ServerSetup, String> {
    let mut bytes = v.hex("inputs", "oprf_seed")?;
    bytes.extend(v.hex("inputs", "server_private_key")?);
    bytes.extend_from_slice(fake_pk);
    ServerSetup::from_bytes(&bytes).map_err(|e| format!("server setup: {e}"))
}

fn run_real(v: &Vector<'_>) -> Result<(), String> {
    let server_identity = v.opt_hex("inputs", "server_identity")?;
    let client_identity = v.opt_hex("inputs", "client_identity")?;
    let profile = profile_of(v, server_identity.as_deref())?;
    let setup = setup_of(v, &v.hex("inputs", "server_public_key")?)?;
    let cred_id = v.hex("inputs", "credential_identifier")?;
    let password = v.hex("inputs", "password")?;
    let client = OpaqueClient::new(profile.clone());

    let mut rng = ReplayRng::new(vec![v.hex("inputs", "blind_registration")?]);
    let (request, reg) = client.start_registration(&mut rng, &password).map_err(|e| format!("registration start: {e}"))?;
    rng.finish("registration start")?;
    check("registration_request", &request, &v.b64("outputs", "registration_request")?)?;

    let response = setup.registration_response(&request, &cred_id).map_err(|e| format!("registration response: {e}"))?;
    check("registration_response", &response, &v.b64("outputs", "registration_response")?)?;

    let mut rng = ReplayRng::new(vec![v.hex("inputs", "envelope_nonce")?]);
    let reg_done = reg.finish_with(&mut rng, &response, client_identity.as_deref()).map_err(|e| format!("registration finish: {e}"))?;
    rng.finish("registration finish")?;
    check("registration_upload", &reg_done.record, &v.b64("outputs", "registration_upload")?)?;
    // EXPOSE: conformance comparison of the export key against the published vector.
    check("export_key (registration)", &zkauth_verify::b64u::encode(reg_done.export_key.expose_secret()), &v.b64("outputs", "export_key")?)?;

    let mut rng = ReplayRng::new(vec![v.hex("inputs", "blind_login")?, v.hex("inputs", "client_keyshare_seed")?, v.hex("inputs", "client_nonce")?]);
    let (ke1, login) = client.start_login(&mut rng, &password).map_err(|e| format!("login start: {e}"))?;
    rng.finish("login start")?;
    check("KE1", &ke1, &v.b64("outputs", "KE1")?)?;

    let record = StoredRecord::new(&profile, &reg_done.record).map_err(|e| format!("record: {e}"))?;
    let mut rng = ReplayRng::new(vec![
        vec![0u8; 32], // masking key of the fake record, drawn even for a real record
        v.hex("inputs", "masking_nonce")?,
        v.hex("inputs", "server_keyshare_seed")?,
        v.hex("inputs", "server_nonce")?,
    ]);
    let (ke2, state) = setup
        .login_start_with(&mut rng, client_identity.as_deref(), &profile, Some(&record), &ke1, &cred_id)
        .map_err(|e| format!("login start (server): {e}"))?;
    rng.finish("server login start")?;
    check("KE2", &ke2, &v.b64("outputs", "KE2")?)?;

    let mut rng = ReplayRng::new(vec![]);
    let done = login.finish_with(&mut rng, &ke2, client_identity.as_deref()).map_err(|e| format!("login finish: {e}"))?;
    rng.finish("login finish")?;
    check("KE3", &done.finish, &v.b64("outputs", "KE3")?)?;
    // EXPOSE: conformance comparison of export and session keys against the published vector.
    check("export_key (login)", &zkauth_verify::b64u::encode(done.export_key.expose_secret()), &v.b64("outputs", "export_key")?)?;
    check("session_key (client)", &zkauth_verify::b64u::encode(done.session_key.expose_secret()), &v.b64("outputs", "session_key")?)?;
    let server_key = state.finish(&done.finish).map_err(|e| format!("server login finish: {e}"))?;
    check("session_key (server)", &zkauth_verify::b64u::encode(server_key.expose_secret()), &v.b64("outputs", "session_key")?)
}

fn run_fake(v: &Vector<'_>) -> Result<(), String> {
    let server_identity = v.opt_hex("inputs", "server_identity")?;
    let client_identity = v.opt_hex("inputs", "client_identity")?;
    let profile = profile_of(v, server_identity.as_deref())?;
    let setup = setup_of(v, &v.hex("inputs", "client_public_key")?)?;
    let cred_id = v.hex("inputs", "credential_identifier")?;
    let mut rng = ReplayRng::new(vec![
        v.hex("inputs", "masking_key")?,
        v.hex("inputs", "masking_nonce")?,
        v.hex("inputs", "server_keyshare_seed")?,
        v.hex("inputs", "server_nonce")?,
    ]);
    let (ke2, _state) = setup
        .login_start_with(&mut rng, client_identity.as_deref(), &profile, None, &v.b64("inputs", "KE1")?, &cred_id)
        .map_err(|e| format!("fake login start: {e}"))?;
    rng.finish("fake login start")?;
    check("KE2", &ke2, &v.b64("outputs", "KE2")?)
}

/// Runs every vector of a CFRG-format JSON array. Non-P-256 entries are skipped.
pub fn run_vectors(json: &str) -> Result<Vec<Outcome>, String> {
    let doc: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let list = doc.as_array().ok_or("expected a JSON array of vectors")?;
    Ok(list
        .iter()
        .enumerate()
        .map(|(n, raw)| {
            let v = Vector(raw);
            if v.config("OPRF") != Some("P256-SHA256") || v.config("Group") != Some("P256_XMD:SHA-256_SSWU_RO_") {
                return Outcome::Skip(n);
            }
            let result = if v.config("Fake") == Some("True") { run_fake(&v) } else { run_real(&v) };
            match result {
                Ok(()) => Outcome::Pass(n),
                Err(why) => Outcome::Fail(n, why),
            }
        })
        .collect())
}
