//! The `zkauth-server` binary: usage, configuration and secrets errors exit 2 before the port
//! is bound, naming the key and the file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::process::Command;

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkauth-server"));
    cmd.args(args).env_remove("ZKAUTH_KEK_PASSPHRASE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn config_and_secret_errors_exit_2_naming_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let file_s = file.to_str().unwrap();
    std::fs::write(&file, "issuer = \"http://localhost:1\"\ndata_dir = \"d\"\nlisten = \"not an address\"\n").unwrap();
    let (code, err) = run(&["--config", file_s], &[]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{file_s}: listen:")), "{err}");

    std::fs::write(&file, "issuer = \"http://localhost:1\"\ndata_dir = \"d\"\nclientz = []\n").unwrap();
    let (code, err) = run(&["--config", file_s], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("clientz"), "{err}");

    // A valid file, but no KEK and no --dev: refuses to start.
    let data = dir.path().join("data");
    std::fs::write(&file, format!("issuer = \"http://localhost:1\"\ndata_dir = \"{}\"\nlisten = \"127.0.0.1:0\"\n", data.display())).unwrap();
    let (code, err) = run(&["--config", file_s], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("ZKAUTH_KEK_PASSPHRASE"), "{err}");
    let (code, err) = run(&["--config", file_s], &[("ZKAUTH_KEK_PASSPHRASE", "short")]);
    assert_eq!(code, 2, "{err}");
    // Flags and environment override the file.
    let (code, err) = run(&["--config", file_s, "--listen", "nonsense"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("listen"), "{err}");
    let (code, _) = run(&["--config", file_s], &[("ZKAUTH_DATABASE", "mysql://x")]);
    assert_eq!(code, 2);
    let (code, err) = run(&["--nope"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("usage"), "{err}");
}
