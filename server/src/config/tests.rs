//! Config parsing: the issue's example file works; errors name the key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::*;

const EXAMPLE: &str = r#"
issuer = "http://localhost:8080"
listen = "127.0.0.1:8080"
data_dir = "target/zkauth-data"
database = "sqlite"
opaque_profile = "darkauth"
[[clients]]
client_id = "demo-app"
client_type = "public"
redirect_uris = ["http://localhost:8081/callback"]
allowed_origins = ["http://localhost:8081"]
zk_delivery = "fragment-jwe"
zk_required = true
key_delivery_version = "v2"
"#;

#[test]
fn example_file_parses() {
    let c = Config::parse(EXAMPLE, "demo.toml", Overrides::default()).unwrap();
    assert_eq!(c.issuer, "http://localhost:8080");
    assert_eq!(c.issuer_origin, "http://localhost:8080");
    assert_eq!(c.clients.len(), 1);
    assert_eq!(c.clients[0].delivery, KeyDelivery::V2);
    assert!(c.clients[0].zk_required);
    assert_eq!(c.profile, Profile::darkauth());
    assert_eq!(c.session.idle_timeout_secs, 1800);
}

#[test]
fn overrides_win() {
    let o = Overrides { listen: Some("127.0.0.1:9999".into()), ..Overrides::default() };
    let c = Config::parse(EXAMPLE, "demo.toml", o).unwrap();
    assert_eq!(c.listen, "127.0.0.1:9999");
}

#[test]
fn errors_name_the_key_and_file() {
    let e = Config::parse(&EXAMPLE.replace("listen = \"127.0.0.1:8080\"", "listen = \"nowhere\""), "demo.toml", Overrides::default()).unwrap_err();
    assert_eq!((e.file.as_str(), e.key.as_str()), ("demo.toml", "listen"));
    let e = Config::parse(&EXAMPLE.replace("database = \"sqlite\"", "databse = \"sqlite\""), "x.toml", Overrides::default()).unwrap_err();
    assert!(e.to_string().starts_with("x.toml: "), "{e}");
    assert!(e.why.contains("databse"), "{e}");
    let e = Config::parse(&EXAMPLE.replace("\"v2\"", "\"v3\""), "d.toml", Overrides::default()).unwrap_err();
    assert_eq!(e.key, "clients[0].key_delivery_version");
    let e = Config::parse(&EXAMPLE.replace("http://localhost:8080\"\nlisten", "http://example.com\"\nlisten"), "d.toml", Overrides::default()).unwrap_err();
    assert_eq!(e.key, "issuer");
    let e = Config::parse(&EXAMPLE.replace("[\"http://localhost:8081\"]", "[\"http://localhost:8081/\"]"), "d.toml", Overrides::default()).unwrap_err();
    assert_eq!(e.key, "clients[0].allowed_origins");
}

#[test]
fn origins() {
    assert_eq!(origin_of("HTTP://LocalHost:8080/a?b#c").as_deref(), Some("http://localhost:8080"));
    assert_eq!(origin_of("javascript:alert(1)"), None);
    assert_eq!(origin_of("https://user@host/"), None);
    assert!(is_loopback_origin("http://127.0.0.1:1"));
    assert!(!is_loopback_origin("http://localhost.evil.com"));
}

#[test]
fn a_syntax_error_never_prints_a_database_password() {
    let text = "issuer = \"http://localhost:8080\"\ndata_dir = \"d\"\ndatabase = [\"postgres://zk:hunter2@db.internal:5432/zk\"]\n";
    let e = Config::parse(text, "z.toml", Overrides::default()).unwrap_err().to_string();
    assert!(!e.contains("hunter2"), "{e}");
    assert!(e.starts_with("z.toml: ") && e.contains("postgres://***@db.internal"), "the line is named, without its password: {e}");
    assert_eq!(redact_userinfo(r#"database = "postgres://zk:hunter2@db:5432/zk" x"#), r#"database = "postgres://***@db:5432/zk" x"#);
    assert_eq!(redact_userinfo("a http://host/p@x and postgres://u@h"), "a http://host/p@x and postgres://***@h");
}

/// The shipped `server/demo.toml` (what `make demo` runs) parses, and its demo client signs
/// ID tokens the way every browser's WebCrypto can check.
#[test]
fn the_shipped_demo_config_parses() {
    let c = Config::parse(include_str!("../../demo.toml"), "server/demo.toml", Overrides::default()).unwrap();
    assert_eq!(c.issuer, "http://localhost:8080");
    assert_eq!(c.client("demo-app").unwrap().id_token_alg, crate::idtoken::Alg::ES256);
    assert_eq!((c.http.header_read_timeout_secs, c.http.request_timeout_secs, c.http.max_connections), (10, 30, 1024));
    assert!(c.trusted_proxies.is_empty(), "no proxy is trusted unless configured");
}

/// docs/config.md lists every key the server accepts, and only those: each table's accepted
/// keys are read from the server's own refusal of an unknown key (serde lists the fields it
/// expected), and compared with the document's `| `key` |` rows.
#[test]
fn the_config_document_lists_every_key_and_only_those() {
    let doc = include_str!("../../../docs/config.md");
    let documented: std::collections::BTreeSet<String> =
        doc.lines().filter_map(|l| l.strip_prefix("| `")).filter_map(|l| l.split_once('`')).map(|(k, _)| k.to_string()).collect();
    let mut accepted = std::collections::BTreeSet::new();
    for (prefix, toml) in [
        ("", "zz_unknown = 1"),
        ("argon2id.", "[argon2id]\nzz_unknown = 1"),
        ("session.", "[session]\nzz_unknown = 1"),
        ("rate_limits.", "[rate_limits]\nzz_unknown = 1"),
        ("limit.", "[rate_limits]\nlogin = { zz_unknown = 1 }"),
        ("http.", "[http]\nzz_unknown = 1"),
        ("quotas.", "[quotas]\nzz_unknown = 1"),
        ("signing.", "[signing]\nzz_unknown = 1"),
        ("user_keys.", "[user_keys]\nzz_unknown = 1"),
        ("webauthn.", "[webauthn]\nzz_unknown = 1"),
        ("demo_app.", "[demo_app]\nzz_unknown = 1"),
        ("clients.", "[[clients]]\nzz_unknown = 1"),
    ] {
        let e = Config::parse(toml, "t.toml", Overrides::default()).unwrap_err().to_string();
        let (_, expected) = e.split_once("zz_unknown`").unwrap_or_else(|| panic!("{prefix}: {e}"));
        let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        assert!(!names.is_empty(), "{prefix}: {e}");
        accepted.extend(names.iter().map(|n| format!("{prefix}{n}")));
    }
    let missing: Vec<_> = accepted.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&accepted).collect();
    assert!(missing.is_empty() && extra.is_empty(), "not in docs/config.md: {missing:?}; documented but not accepted: {extra:?}");
}

#[test]
fn webauthn_defaults_from_the_issuer() {
    let c = Config::parse(EXAMPLE, "demo.toml", Overrides::default()).unwrap();
    assert_eq!(c.webauthn.rp_id, "localhost");
    assert_eq!(c.webauthn.rp_name, "zkauth");
    assert_eq!(c.webauthn.origins, ["http://localhost:8080"]);
    let https = "issuer = \"https://login.example.com\"\ndata_dir = \"x\"\n[webauthn]\nrp_id = \"example.com\"\nrp_name = \"Example\"\n";
    let c = Config::parse(https, "d.toml", Overrides::default()).unwrap();
    assert_eq!((c.webauthn.rp_id.as_str(), c.webauthn.origins[0].as_str()), ("example.com", "https://login.example.com"));
}

#[test]
fn webauthn_rp_id_must_cover_the_issuer() {
    let base = "issuer = \"https://login.example.com\"\ndata_dir = \"x\"\n[webauthn]\n";
    for (extra, key) in [
        ("rp_id = \"other.com\"", "webauthn.rp_id"),
        // A suffix that is not a label boundary is no registrable suffix.
        ("rp_id = \"ample.com\"", "webauthn.rp_id"),
        ("rp_id = \"sub.login.example.com\"", "webauthn.rp_id"),
        ("rp_id = \"https://example.com\"", "webauthn.rp_id"),
        ("rp_id = \"Example.com\"", "webauthn.rp_id"),
        ("rp_id = \"example.com:443\"", "webauthn.rp_id"),
        ("origins = [\"https://evil.com\"]", "webauthn.origins"),
        ("origins = [\"https://login.example.com/\"]", "webauthn.origins"),
        ("rp_name = \"\"", "webauthn.rp_name"),
        ("rp_ids = \"example.com\"", "rp_ids"),
    ] {
        let e = Config::parse(&format!("{base}{extra}\n"), "d.toml", Overrides::default()).unwrap_err();
        assert_eq!(e.key.split(' ').next().unwrap_or(""), key, "{extra}: {e}");
    }
    assert!(rp_id_covers("example.com", "login.example.com"));
    assert!(rp_id_covers("example.com", "example.com"));
    assert!(!rp_id_covers("example.com", "badexample.com"));
}
