//! `zkauth`: the operator CLI (spec `api.md` §2).
//!
//! Exit status 0 on success, 1 when an input is rejected (stderr `error: <code>: <message>`,
//! the code being the library's stable error code or one of the CLI's own: `invalid_hex`,
//! `invalid_input`, `io_error`, `invalid_vectors`, `vectors_failed`), 2 on a usage error.
//! Secrets (export key, root key) are read from standard input as one line of hex, never
//! from arguments.

mod args;
mod commands;
mod input;

use std::process::ExitCode;

/// The overview printed by `zkauth --help` (stdout, exit 0) and with no arguments (stderr, exit 2).
const OVERVIEW: &str = "zkauth <command> [options]

commands:
  zkauth hash <string>
  zkauth zkpub check <zk_pub>
  zkauth jwe inspect <jwe>
  zkauth jwe open --key <private-jwk-file> [--v1] [--expect-hash H] [--client-id C] [--redirect-uri U]
                  [--state S] [--sub S] [--request-id R] [--org-id O] [--now UNIX]      (JWE on stdin)
  zkauth keys unwrap-drk --sub S <wrapped_drk>                           (export_key hex on stdin)
  zkauth keys open-envelope --sub S --key-id K --envelope-id E <wrapped_key> (export_key hex on stdin)
  zkauth keys derive-cak --sub S --key-id K --client-id C [--org-id O]   (root key hex on stdin)
  zkauth opaque vectors <file.json>
  zkauth server-setup new

Secrets are read from standard input as one line of hex, never from arguments.
Exit status: 0 success, 1 input rejected (stderr: error: <code>: <message>), 2 usage.";

/// Why a command did not succeed.
pub enum Failure {
    /// `--help`: print the text on stdout and exit 0.
    Help(String),
    /// Bad command line: reason and usage on stderr, exit 2.
    Usage { reason: String, synopsis: &'static str },
    /// An input was refused: `error: <code>: <message>` on stderr, exit 1.
    Rejected { code: &'static str, message: String },
}

impl Failure {
    /// An input refusal with a CLI-level code.
    pub fn rejected(code: &'static str, message: String) -> Self {
        Failure::Rejected { code, message }
    }
}

impl From<zkauth::Error> for Failure {
    fn from(e: zkauth::Error) -> Self {
        Failure::Rejected { code: e.code(), message: e.to_string() }
    }
}

impl From<zkauth_verify::Error> for Failure {
    fn from(e: zkauth_verify::Error) -> Self {
        Failure::Rejected { code: e.code(), message: e.to_string() }
    }
}

fn main() -> ExitCode {
    let mut argv = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(s) => argv.push(s),
            Err(_) => return report(Failure::Usage { reason: "arguments must be UTF-8".into(), synopsis: OVERVIEW }),
        }
    }
    match commands::run(&argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => report(f),
    }
}

fn report(failure: Failure) -> ExitCode {
    match failure {
        Failure::Help(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Failure::Usage { reason, synopsis } => {
            eprintln!("zkauth: {reason}");
            eprintln!("usage: {synopsis}");
            ExitCode::from(2)
        }
        Failure::Rejected { code, message } => {
            eprintln!("error: {code}: {message}");
            ExitCode::from(1)
        }
    }
}
