//! A native OPAQUE server for the JS hostile-input sweep's honest flow (tests/js/sweep.js), which
//! has no server half in the package: JSON lines on stdin, one JSON answer line each on stdout.
//! Test support only (cargo feature `server`); profile Argon2id m=1024 KiB, t=1, p=1, server
//! identity "sweep.test", empty context, as the sweep's client uses.
//!
//! `{"op":"register","request","identity"}` → `{"response"}`; `{"op":"record","record"}` → `{}`;
//! `{"op":"login","ke1","identity"}` → `{"ke2"}`; `{"op":"finish","ke3"}` → `{}`. A refusal is
//! `{"error": code}`.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use rand_core::OsRng;
use serde_json::{json, Value};
use zkauth::opaque::server::{ServerLoginState, ServerSetup, StoredRecord};
use zkauth::opaque::Profile;
use zkauth::Error;

struct Peer {
    setup: ServerSetup,
    profile: Profile,
    record: Option<StoredRecord>,
    login: Option<ServerLoginState>,
}

fn field<'a>(v: &'a Value, name: &'static str) -> Result<&'a str, Error> {
    v.get(name).and_then(Value::as_str).ok_or(Error::MissingField(name))
}

impl Peer {
    fn answer(&mut self, line: &str) -> Result<Value, Error> {
        let v: Value = serde_json::from_str(line).map_err(|_| Error::InvalidInput("not JSON"))?;
        match field(&v, "op")? {
            "register" => Ok(json!({ "response": self.setup.registration_response(field(&v, "request")?, field(&v, "identity")?.as_bytes())? })),
            "record" => {
                self.record = Some(StoredRecord::new(&self.profile, field(&v, "record")?)?);
                Ok(json!({}))
            }
            "login" => {
                let id = field(&v, "identity")?.as_bytes();
                let (ke2, state) = self.setup.login_start(&mut OsRng, &self.profile, self.record.as_ref(), field(&v, "ke1")?, id, id)?;
                self.login = Some(state);
                Ok(json!({ "ke2": ke2 }))
            }
            "finish" => {
                let state = self.login.take().ok_or(Error::StateUsed)?;
                drop(state.finish(field(&v, "ke3")?)?);
                Ok(json!({}))
            }
            _ => Err(Error::InvalidInput("unknown op")),
        }
    }
}

fn main() -> ExitCode {
    let Ok(profile) = Profile::argon2id(1024, 1, 1, "sweep.test", "") else { return ExitCode::FAILURE };
    let mut peer = Peer { setup: ServerSetup::generate(&mut OsRng), profile, record: None, login: None };
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return ExitCode::FAILURE };
        let answer = peer.answer(&line).unwrap_or_else(|e| json!({ "error": e.code() }));
        let mut out = stdout.lock();
        if writeln!(out, "{answer}").and_then(|()| out.flush()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
