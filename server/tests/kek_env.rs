//! The KEK passphrase leaves the process environment once read, and can come from a file
//! (systemd credentials). Its own test binary: it changes the environment, which no other test
//! may see mid-change.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use zkauth_server::KekSource;

#[test]
fn the_passphrase_is_read_once_and_removed_and_a_file_works() {
    std::env::remove_var("ZKAUTH_KEK_PASSPHRASE_FILE");
    std::env::set_var("ZKAUTH_KEK_PASSPHRASE", "correct horse battery");
    assert!(matches!(KekSource::from_env(false).unwrap(), KekSource::Passphrase(p) if p.as_str() == "correct horse battery"));
    assert!(std::env::var_os("ZKAUTH_KEK_PASSPHRASE").is_none(), "removed from the environment");
    // Read once: a second look finds nothing.
    assert!(KekSource::from_env(false).is_err());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kek");
    std::fs::write(&file, "a passphrase from a file\n").unwrap();
    std::env::set_var("ZKAUTH_KEK_PASSPHRASE_FILE", &file);
    assert!(matches!(KekSource::from_env(false).unwrap(), KekSource::Passphrase(p) if p.as_str() == "a passphrase from a file"));
    std::env::set_var("ZKAUTH_KEK_PASSPHRASE", "correct horse battery");
    assert!(KekSource::from_env(false).unwrap_err().to_string().contains("not both"));
    std::fs::write(&file, "short\n").unwrap();
    assert!(KekSource::from_env(false).unwrap_err().to_string().contains("shorter than 12"));
    std::env::set_var("ZKAUTH_KEK_PASSPHRASE_FILE", dir.path().join("missing"));
    assert!(KekSource::from_env(true).unwrap_err().to_string().contains("missing"), "a named file that is absent is an error, even with --dev");
    std::env::remove_var("ZKAUTH_KEK_PASSPHRASE_FILE");
    assert!(matches!(KekSource::from_env(true).unwrap(), KekSource::DevFile));
}
