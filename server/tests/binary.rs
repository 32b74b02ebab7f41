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

/// With `tls_cert`/`tls_key` the server speaks HTTPS (rustls) and sends HSTS for an https
/// issuer. The certificate is made with the openssl CLI and the request sent with curl.
#[test]
fn serves_https_when_tls_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost", "-keyout", key.to_str().unwrap(), "-out", cert.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let file = dir.path().join("tls.toml");
    std::fs::write(
        &file,
        format!(
            "issuer = \"https://localhost:{port}\"\nlisten = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\ntls_cert = \"{}\"\ntls_key = \"{}\"\n",
            dir.path().join("data").display(),
            cert.display(),
            key.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkauth-server"))
        .args(["--config", file.to_str().unwrap(), "--dev"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("https://localhost:{port}/.well-known/openid-configuration");
    let resolve = format!("localhost:{port}:127.0.0.1");
    let mut answer = None;
    for _ in 0..100 {
        let out = Command::new("curl").args(["-s", "-i", "--cacert", cert.to_str().unwrap(), "--resolve", &resolve, &url]).output().unwrap();
        if out.status.success() {
            answer = Some(String::from_utf8_lossy(&out.stdout).to_string());
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let answer = answer.expect("the server answered over TLS");
    assert!(answer.contains(" 200"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("strict-transport-security: max-age=63072000"), "{answer}");
    assert!(answer.contains(&format!("\"issuer\":\"https://localhost:{port}\"")), "{answer}");
}
