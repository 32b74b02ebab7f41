//! `zkauth-server admin`: the operator's controls, on the same `--config` (SQLite or
//! PostgreSQL), without the KEK (nothing here opens a sealed secret):
//!
//! - `users list`, `users show EMAIL`: accounts with their live sessions, tokens, keys, notes;
//! - `users revoke EMAIL`: every session, access and refresh token, unredeemed code, pending
//!   login and reset grant of the account ends now (the next request with any of them fails);
//! - `users delete EMAIL`: the account and everything it owns, ciphertext included;
//! - `clients revoke CLIENT_ID`: every token of that client, and its unredeemed codes.
//!
//! Output is a table, or JSON with `--json`. Exit codes: 0 done, 1 no such account or client,
//! 2 usage or configuration. Every change is a security event in the log (`zkauth::security`,
//! by `sub` or `client_id`, never by e-mail address).

use serde_json::json;

use crate::config::Config;
use crate::store::{AccountSummary, Store};

pub const USAGE: &str = "usage: zkauth-server admin --config FILE [--json] users list | users show EMAIL | users revoke EMAIL | users delete EMAIL | clients revoke CLIENT_ID";

/// One admin action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    UsersList,
    UsersShow(String),
    UsersRevoke(String),
    UsersDelete(String),
    ClientsRevoke(String),
}

impl Command {
    /// The words after `admin` (flags already taken out).
    pub fn parse(words: &[String]) -> Result<Command, String> {
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        match w.as_slice() {
            ["users", "list"] => Ok(Command::UsersList),
            ["users", "show", e] => Ok(Command::UsersShow((*e).to_string())),
            ["users", "revoke", e] => Ok(Command::UsersRevoke((*e).to_string())),
            ["users", "delete", e] => Ok(Command::UsersDelete((*e).to_string())),
            ["clients", "revoke", c] => Ok(Command::ClientsRevoke((*c).to_string())),
            _ => Err(format!("unknown admin command: {}", w.join(" "))),
        }
    }
}

/// What an admin run printed and its exit code.
#[derive(Debug)]
pub struct Outcome {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

fn ok(stdout: String) -> Outcome {
    Outcome { code: 0, stdout, stderr: String::new() }
}

fn not_found(what: &str) -> Outcome {
    Outcome { code: 1, stdout: String::new(), stderr: format!("zkauth-server admin: {what}\n") }
}

fn table(rows: &[AccountSummary]) -> String {
    let mut out = format!("{:<24} {:<32} {:>10} {:>8} {:>6} {:>4} {:>6}\n", "sub", "email", "created_at", "sessions", "tokens", "keys", "notes");
    for r in rows {
        out.push_str(&format!("{:<24} {:<32} {:>10} {:>8} {:>6} {:>4} {:>6}\n", r.sub, r.email, r.created_at, r.sessions, r.tokens, r.account_keys, r.notes));
    }
    out
}

fn event(name: &str, field: &str, value: &str) {
    tracing::info!(target: "zkauth::security", event = name, field, value, "admin action");
}

/// Runs `command` against `store` at time `now`.
pub async fn run(config: &Config, store: &Store, command: &Command, as_json: bool, now: i64) -> Result<Outcome, sqlx::Error> {
    Ok(match command {
        Command::UsersList => {
            let rows = store.accounts(now).await?;
            ok(if as_json { format!("{}\n", json!({ "users": rows })) } else { table(&rows) })
        }
        Command::UsersShow(email) => match store.account(email, now).await? {
            Some(row) => ok(if as_json { format!("{}\n", json!({ "user": row })) } else { table(std::slice::from_ref(&row)) }),
            None => not_found("no account with that e-mail address"),
        },
        Command::UsersRevoke(email) => match store.account(email, now).await? {
            Some(row) => {
                let ended = store.end_access_of(&row.sub, now).await?;
                event("admin_user_revoked", "sub", &row.sub);
                let text = format!("revoked {}: {} sessions, {} tokens, {} codes\n", row.sub, ended.sessions, ended.tokens, ended.codes);
                ok(if as_json { format!("{}\n", json!({"sub": row.sub, "sessions": ended.sessions, "tokens": ended.tokens, "codes": ended.codes})) } else { text })
            }
            None => not_found("no account with that e-mail address"),
        },
        Command::UsersDelete(email) => match store.account(email, now).await? {
            Some(row) => {
                store.delete_account(&row.sub).await?;
                event("admin_user_deleted", "sub", &row.sub);
                ok(if as_json { format!("{}\n", json!({"deleted": row.sub})) } else { format!("deleted {} and everything it owned\n", row.sub) })
            }
            None => not_found("no account with that e-mail address"),
        },
        Command::ClientsRevoke(client_id) => {
            if config.client(client_id).is_none() {
                return Ok(not_found("no client with that client_id in the configuration"));
            }
            let n = store.revoke_client(client_id, now).await?;
            event("admin_client_revoked", "client_id", client_id);
            ok(if as_json { format!("{}\n", json!({"client_id": client_id, "tokens": n})) } else { format!("revoked {n} tokens of {client_id}\n") })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_and_anything_else_is_refused() {
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(Command::parse(&w("users list")), Ok(Command::UsersList));
        assert_eq!(Command::parse(&w("users show a@b")), Ok(Command::UsersShow("a@b".into())));
        assert_eq!(Command::parse(&w("clients revoke app")), Ok(Command::ClientsRevoke("app".into())));
        for bad in ["users", "users list extra", "users drop a@b", "clients list", ""] {
            assert!(Command::parse(&w(bad)).is_err(), "{bad}");
        }
    }
}
