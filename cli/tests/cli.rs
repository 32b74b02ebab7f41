//! End-to-end tests of the `zkauth` binary: real values on stdout, exit codes, and the
//! `error: <code>:` line on stderr for every refusal.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use rand_core::OsRng;
use serde_json::Value;
use zkauth::delivery::{seal_delivery_v1, seal_delivery_v2, DeliveryKeyPair, SealV2};
use zkauth::keys::EnvelopeMeta;
use zkauth::opaque::server::ServerSetup;
use zkauth::verify::{b64u, hash_b64u, public_jwk_json};
use zkauth::{AppKey, ExportKey, RootKey};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn zkauth(args: &[&str], stdin: &str) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkauth"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut pipe = child.stdin.take().unwrap();
        // The CLI may exit before reading (usage errors): a broken pipe is fine.
        let _ = pipe.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Asserts exit 1 with `error: <code>:` and nothing on stdout.
#[track_caller]
fn assert_rejected(out: &Out, code: &str) {
    assert_eq!(out.code, 1, "stdout: {} stderr: {}", out.stdout, out.stderr);
    assert!(out.stderr.starts_with(&format!("error: {code}: ")), "want {code}, got stderr: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[track_caller]
fn assert_usage(out: &Out) {
    assert_eq!(out.code, 2, "stdout: {} stderr: {}", out.stdout, out.stderr);
    assert!(out.stderr.contains("usage: zkauth"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

/// The code of a refusal (for comparing codes with each other).
fn error_code(out: &Out) -> String {
    assert_eq!(out.code, 1, "{}", out.stderr);
    out.stderr.trim_start_matches("error: ").split(':').next().unwrap().to_string()
}

fn tmp_file(name: &str, contents: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("zkauth-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

fn seq32(start: u8) -> [u8; 32] {
    core::array::from_fn(|i| start + i as u8)
}

// ---------------------------------------------------------------------------------------------
// hash, zkpub check
// ---------------------------------------------------------------------------------------------

#[test]
fn hash_prints_b64u_sha256() {
    let out = zkauth(&["hash", "abc"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0\n");
    assert!(out.stderr.is_empty());
    // SHA-256 of the empty string.
    assert_eq!(zkauth(&["hash", ""], "").stdout, "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\n");
    // Operands starting with "-" or (after "--") with "--" are hashed as they are.
    assert_eq!(zkauth(&["hash", "-x"], "").stdout, format!("{}\n", hash_b64u("-x")));
    assert_eq!(zkauth(&["hash", "--", "--help"], "").stdout, format!("{}\n", hash_b64u("--help")));
    assert_usage(&zkauth(&["hash"], ""));
    assert_usage(&zkauth(&["hash", "a", "b"], ""));
    assert_usage(&zkauth(&["hash", "--nope", "a"], ""));
}

/// A real P-256 public key (from the jose interop test) and its zk_pub / kid.
const KNOWN_ZK_PUB: &str = "eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6InJQOE5fa052ZWVHaUhIU2dqbmcxMEZ5YXRnUFdENEcxN3R5dHVER0k2NFEiLCJ5IjoiWC1ySmdtQVZRTjdLU0I3dkF6MkJWRDRpdTZxQVA0U0Y1UWt4WHBNbHBWNCJ9";
const KNOWN_KID: &str = "VzcaiJSPGBt9Pv2BNalQ1SjCR3of7QJ4-LNi25j5GvI";

#[test]
fn zkpub_check_prints_kid_or_refuses() {
    let out = zkauth(&["zkpub", "check", KNOWN_ZK_PUB], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{KNOWN_KID}\n"));

    // Not base64url, not JSON, a point off the curve, padding.
    let off_curve = b64u::encode(
        br#"{"kty":"EC","crv":"P-256","x":"rP8N_kNveeGiHHSgjng10FyatgPWD4G17tytuDGI64Q","y":"X-rJgmAVQN7KSB7vAz2BVD4iu6qAP4SF5QkxXpMlpV5"}"#,
    );
    for bad in ["not base64!", &b64u::encode(b"[1,2]"), &off_curve, &format!("{KNOWN_ZK_PUB}=")] {
        assert_rejected(&zkauth(&["zkpub", "check", bad], ""), "invalid_zk_pub");
    }
    assert_usage(&zkauth(&["zkpub", "check"], ""));
    assert_usage(&zkauth(&["zkpub"], ""));
    assert_usage(&zkauth(&["zkpub", "verify", KNOWN_ZK_PUB], ""));
}

// ---------------------------------------------------------------------------------------------
// opaque vectors
// ---------------------------------------------------------------------------------------------

fn vectors_path() -> String {
    format!("{}/../tests/vectors/rfc9807-vectors.json", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn opaque_vectors_pass() {
    let out = zkauth(&["opaque", "vectors", &vectors_path()], "");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"3 passed, 0 failed"));
    assert_eq!(lines.iter().filter(|l| l.starts_with("PASS ")).count(), 3);
    assert!(lines.iter().all(|l| l.starts_with("PASS ") || l.starts_with("SKIP ") || *l == "3 passed, 0 failed"), "{lines:?}");
    assert!(out.stderr.is_empty());
}

#[test]
fn opaque_vectors_report_an_altered_output() {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(vectors_path()).unwrap()).unwrap();
    let list = doc.as_array_mut().unwrap();
    let n = list.iter().position(|v| v["config"]["OPRF"] == "P256-SHA256" && v["config"]["Fake"] == "False").unwrap();
    let ke2 = list[n]["outputs"]["KE2"].as_str().unwrap().to_string();
    let last = if ke2.ends_with('0') { '1' } else { '0' };
    list[n]["outputs"]["KE2"] = Value::String(format!("{}{last}", &ke2[..ke2.len() - 1]));
    let path = tmp_file("altered-vectors.json", &serde_json::to_string(&doc).unwrap());

    let out = zkauth(&["opaque", "vectors", path.to_str().unwrap()], "");
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with(&format!("FAIL {n}: "))), "{lines:?}");
    assert_eq!(lines.last(), Some(&"2 passed, 1 failed"));
    assert!(out.stderr.starts_with("error: vectors_failed: "), "{}", out.stderr);

    assert_rejected(&zkauth(&["opaque", "vectors", tmp_file("not-json.json", "{").to_str().unwrap()], ""), "invalid_vectors");
    assert_rejected(&zkauth(&["opaque", "vectors", "/nonexistent/vectors.json"], ""), "io_error");
    assert_usage(&zkauth(&["opaque", "vectors"], ""));
}

// ---------------------------------------------------------------------------------------------
// keys
// ---------------------------------------------------------------------------------------------

// Custody known answers (tests/vectors/custody_kat.py): export key 00..1f, root key 20..3f.
const SUB: &str = "emthdXRoLXRlc3Qtc3ViIQ";
const KEY_ID: &str = "ark_a2V5LWlkLWZvci16a2F1dGgtdGVzdHMh";
const ENVELOPE_ID: &str = "env_0b6c6a8e-3f7d-4c1e-9a52-1d2e3f405162";
const CLIENT_ID: &str = "demo-app";
const ORG_ID: &str = "8c1f6f0e-2b1a-4d8e-9a0b-1c2d3e4f5a6b";

/// A known answer (or fixed input) from tests/vectors/custody_kat.json, which
/// tests/vectors/custody_kat.py writes; a missing file fails the build.
fn kat(name: &str) -> &'static str {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| serde_json::from_str(include_str!("../../tests/vectors/custody_kat.json")).unwrap());
    doc["outputs"][name].as_str().or(doc["inputs"][name].as_str()).unwrap_or_else(|| panic!("{name} is not in custody_kat.json"))
}

#[test]
fn fixed_inputs_are_the_kat_files() {
    for (name, value) in [("sub", SUB), ("key_id", KEY_ID), ("envelope_id", ENVELOPE_ID), ("client_id", CLIENT_ID), ("org_id", ORG_ID)] {
        assert_eq!(kat(name), value, "{name}");
    }
}

#[test]
fn keys_unwrap_drk() {
    let stdin = format!("{}\n", kat("export_key"));
    let out = zkauth(&["keys", "unwrap-drk", "--sub", SUB, kat("wrapped_drk")], &stdin);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{}\n", kat("root")));

    // A fresh wrap made by the library in this test, of a random root key under a known export key.
    let export = ExportKey::from_bytes([0x11; 32]);
    let root = RootKey::from_bytes([0x5a; 32]);
    let wrapped = export.wrap_root_key(&mut OsRng, &root, "c3ViLTE").unwrap();
    let ek_hex = format!("{}\n", "11".repeat(32));
    let out = zkauth(&["keys", "unwrap-drk", "--sub=c3ViLTE", &wrapped], &ek_hex);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{}\n", "5a".repeat(32)));
    // No trailing newline, a CRLF line end and upper-case hex are one line of hex too.
    assert_eq!(zkauth(&["keys", "unwrap-drk", "--sub", "c3ViLTE", &wrapped], &"11".repeat(32)).stdout, out.stdout);
    let upper = zkauth(&["keys", "unwrap-drk", "--sub", SUB, kat("wrapped_drk")], &format!("{}\r\n", kat("export_key").to_uppercase()));
    assert_eq!(upper.stdout, format!("{}\n", kat("root")));

    // Wrong sub, wrong export key, tampered bytes.
    assert_rejected(&zkauth(&["keys", "unwrap-drk", "--sub", "c3ViLTI", &wrapped], &ek_hex), "unwrap_failed");
    assert_rejected(&zkauth(&["keys", "unwrap-drk", "--sub", SUB, kat("wrapped_drk")], &format!("{}\n", "00".repeat(32))), "unwrap_failed");
    let mut bytes = b64u::decode(kat("wrapped_drk"), "w").unwrap();
    bytes[40] ^= 1;
    assert_rejected(&zkauth(&["keys", "unwrap-drk", "--sub", SUB, &b64u::encode(&bytes)], &stdin), "unwrap_failed");
    assert_rejected(&zkauth(&["keys", "unwrap-drk", "--sub", SUB, "!!"], &stdin), "invalid_base64url");
    assert_rejected(&zkauth(&["keys", "unwrap-drk", "--sub", SUB, &b64u::encode(&[1; 20])], &stdin), "ciphertext_truncated");

    // The secret on stdin must be exactly one line of 64 hex digits.
    let bad_stdin = [
        String::new(),
        "\n".into(),
        kat("export_key")[..62].to_string(),
        format!("{}00", kat("export_key")),
        format!("{}\n\n", kat("export_key")),
        format!("{}\n{}\n", kat("export_key"), kat("export_key")),
        format!(" {}", kat("export_key")),
        format!("{} \n", kat("export_key")),
        format!("{}zz\n", &kat("export_key")[..62]),
        "00".repeat(200),
    ];
    for s in &bad_stdin {
        let out = zkauth(&["keys", "unwrap-drk", "--sub", SUB, kat("wrapped_drk")], s);
        assert_rejected(&out, "invalid_hex");
        assert!(!out.stderr.contains(&kat("export_key")[..16]), "the secret must not be echoed");
    }

    // Usage: the sub and the operand are required; the secret is never an argument.
    assert_usage(&zkauth(&["keys", "unwrap-drk", kat("wrapped_drk")], &stdin));
    assert_usage(&zkauth(&["keys", "unwrap-drk", "--sub", SUB], &stdin));
    assert_usage(&zkauth(&["keys", "unwrap-drk", "--sub"], &stdin));
    assert_usage(&zkauth(&["keys", "unwrap-drk", "--sub", SUB, "--sub", SUB, kat("wrapped_drk")], &stdin));
    assert_usage(&zkauth(&["keys", "unwrap-drk", "--sub", SUB, "--export-key", kat("export_key"), kat("wrapped_drk")], ""));
}

#[test]
fn keys_open_envelope() {
    let stdin = format!("{}\n", kat("export_key"));
    let args = |sub: &'static str, key_id: &'static str, env: &'static str, w: &'static str| {
        vec!["keys", "open-envelope", "--sub", sub, "--key-id", key_id, "--envelope-id", env, w]
    };
    let out = zkauth(&args(SUB, KEY_ID, ENVELOPE_ID, kat("password_envelope")), &stdin);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{}\n", kat("root")));

    // A fresh envelope sealed by the library.
    let export = ExportKey::from_bytes([0x33; 32]);
    let root = RootKey::from_bytes(seq32(0x80));
    let meta = EnvelopeMeta { envelope_id: "env_x", key_id: "ark_y", sub: "c3Vi" };
    let wrapped = export.seal_password_envelope(&mut OsRng, &root, &meta).unwrap();
    let ek_hex = format!("{}\n", "33".repeat(32));
    let out = zkauth(&["keys", "open-envelope", "--envelope-id", "env_x", "--key-id", "ark_y", "--sub", "c3Vi", &wrapped], &ek_hex);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{}\n", hex_of(&seq32(0x80))));

    // Every binding matters.
    assert_rejected(&zkauth(&args("c3ViLTI", KEY_ID, ENVELOPE_ID, kat("password_envelope")), &stdin), "unwrap_failed");
    assert_rejected(&zkauth(&args(SUB, "ark_other", ENVELOPE_ID, kat("password_envelope")), &stdin), "unwrap_failed");
    assert_rejected(&zkauth(&args(SUB, KEY_ID, "env_other", kat("password_envelope")), &stdin), "unwrap_failed");
    // A legacy wrapped_drk is not a v2 envelope.
    assert_rejected(&zkauth(&args(SUB, KEY_ID, ENVELOPE_ID, kat("wrapped_drk")), &stdin), "unwrap_failed");

    assert_usage(&zkauth(&["keys", "open-envelope", "--sub", SUB, "--key-id", KEY_ID, kat("password_envelope")], &stdin));
    assert_usage(&zkauth(&["keys", "open-envelope", "--sub", SUB, "--envelope-id", ENVELOPE_ID, kat("password_envelope")], &stdin));
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn keys_derive_cak() {
    let stdin = format!("{}\n", kat("root"));
    let base = ["keys", "derive-cak", "--sub", SUB, "--key-id", KEY_ID, "--client-id", CLIENT_ID];
    let out = zkauth(&base, &stdin);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{}\n", kat("cak_no_org")));
    let with_org: Vec<&str> = base.iter().copied().chain(["--org-id", ORG_ID]).collect();
    assert_eq!(zkauth(&with_org, &stdin).stdout, format!("{}\n", kat("cak_org")));

    // Agrees with the library on other inputs.
    let root = RootKey::from_bytes([0x44; 32]);
    let want = hex_of(root.derive_client_app_key("u1", "k1", "app", Some("org")).unwrap().expose_secret());
    let out = zkauth(
        &["keys", "derive-cak", "--client-id", "app", "--org-id", "org", "--key-id", "k1", "--sub", "u1"],
        &format!("{}\n", "44".repeat(32)),
    );
    assert_eq!(out.stdout, format!("{want}\n"));
    // A different client gets a different key.
    let other = zkauth(&["keys", "derive-cak", "--sub", SUB, "--key-id", KEY_ID, "--client-id", "other-app"], &stdin);
    assert_eq!(other.code, 0);
    assert_ne!(other.stdout, format!("{}\n", kat("cak_no_org")));

    assert_rejected(&zkauth(&base, "20212223\n"), "invalid_hex");
    assert_usage(&zkauth(&["keys", "derive-cak", "--sub", SUB, "--key-id", KEY_ID], &stdin));
    assert_usage(&zkauth(&["keys", "derive-cak", "--sub", SUB, "--key-id", KEY_ID, "--client-id", CLIENT_ID, "extra"], &stdin));
    assert_usage(&zkauth(&["keys", "derive-cak", "--sub", SUB, "--key-id", KEY_ID, "--client-id"], &stdin));
}

// ---------------------------------------------------------------------------------------------
// jwe inspect / open
// ---------------------------------------------------------------------------------------------

const NOW: i64 = 1_700_000_000;
const RP_CLIENT: &str = "app-client";
const REDIRECT: &str = "https://app.example/callback";
const STATE: &str = "7f0c2a9e-6c1b-4c55-9d3e-2f7b1a0c9e11";
const RP_SUB: &str = "AAECAwQFBgcICQoLDA0ODw";
const REQ: &str = "req-abcdef";
const ORG: &str = "2f1d3c4b-0000-4000-8000-000000000001";
const RP_KEY_ID: &str = "ark_key1";

/// A fresh P-256 recipient: its private JWK (kty, crv, x, y, d) in a temp file, and its zk_pub.
fn recipient(name: &str) -> (PathBuf, String) {
    let secret = p256::SecretKey::random(&mut OsRng);
    let mut jwk: Value = serde_json::from_str(&public_jwk_json(&secret.public_key()).unwrap()).unwrap();
    jwk["d"] = Value::String(b64u::encode(&secret.to_bytes()));
    let json = serde_json::to_string(&jwk).unwrap();
    let zk_pub = DeliveryKeyPair::from_private_jwk(&json).unwrap().zk_pub().unwrap();
    (tmp_file(name, &json), zk_pub)
}

fn seal_params(iat: i64) -> SealV2<'static> {
    SealV2 {
        sub: RP_SUB,
        client_id: RP_CLIENT,
        org_id: Some(ORG),
        request_id: REQ,
        state: Some(STATE),
        redirect_uri: REDIRECT,
        key_id: RP_KEY_ID,
        iat,
    }
}

/// `jwe open` arguments for a v2 delivery with the given hash.
fn open_args<'a>(key: &'a str, hash: &'a str, now: &'a str) -> Vec<&'a str> {
    vec![
        "jwe", "open", "--key", key, "--expect-hash", hash, "--client-id", RP_CLIENT, "--redirect-uri", REDIRECT, "--state", STATE, "--sub",
        RP_SUB, "--request-id", REQ, "--org-id", ORG, "--now", now,
    ]
}

/// Replaces `--name`'s value in an argument list.
fn with<'a>(args: &[&'a str], name: &str, value: &'a str) -> Vec<&'a str> {
    let mut out = args.to_vec();
    let i = out.iter().position(|a| *a == name).unwrap();
    out[i + 1] = value;
    out
}

fn replace_segment(jwe: &str, i: usize, seg: &str) -> String {
    let mut parts: Vec<&str> = jwe.split('.').collect();
    parts[i] = seg;
    parts.join(".")
}

#[test]
fn jwe_open_v2_prints_the_payload() {
    let (key_file, zk_pub) = recipient("v2.jwk");
    let key = key_file.to_str().unwrap();
    let cak = seq32(0x40);
    let sealed = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes(cak), &zk_pub, &seal_params(NOW)).unwrap();
    let now = (NOW + 5).to_string();

    let out = zkauth(&open_args(key, &sealed.hash, &now), &format!("{}\n", sealed.jwe));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.is_empty());
    assert_eq!(out.stdout.lines().count(), 1);
    let payload: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(payload["cak"], b64u::encode(&cak));
    assert_eq!(payload["sub"], RP_SUB);
    assert_eq!(payload["client_id"], RP_CLIENT);
    assert_eq!(payload["aud"], RP_CLIENT);
    assert_eq!(payload["org_id"], ORG);
    assert_eq!(payload["request_id"], REQ);
    assert_eq!(payload["key_id"], RP_KEY_ID);
    assert_eq!(payload["key_kind"], "client_app_key");
    assert_eq!(payload["version"], "v2");
    assert_eq!(payload["state_hash"], hash_b64u(STATE));
    assert_eq!(payload["redirect_uri_hash"], hash_b64u(REDIRECT));
    assert_eq!(payload["iat"], NOW);
    assert_eq!(payload["exp"], NOW + 120);

    // Only the required expectations: still opens. Without --now the clock is used: the
    // delivery made at NOW is long expired, a fresh one opens.
    let minimal = ["jwe", "open", "--key", key, "--expect-hash", &sealed.hash, "--client-id", RP_CLIENT, "--redirect-uri", REDIRECT];
    let out = zkauth(&[&minimal[..], &["--state", STATE]].concat(), &sealed.jwe);
    assert_rejected(&out, "delivery_expired");
    let now_secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let fresh = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes(cak), &zk_pub, &seal_params(now_secs)).unwrap();
    let fresh_min = with(&minimal, "--expect-hash", &fresh.hash);
    let out = zkauth(&[&fresh_min[..], &["--state", STATE]].concat(), &fresh.jwe);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(serde_json::from_str::<Value>(&out.stdout).unwrap()["cak"], b64u::encode(&cak));
    // The state is bound: leaving it out means "no state", which does not match.
    assert_rejected(&zkauth(&fresh_min, &fresh.jwe), "state_mismatch");
}

#[test]
fn jwe_open_v2_refuses_forgeries_with_distinct_codes() {
    let (key_file, zk_pub) = recipient("forge.jwk");
    let key = key_file.to_str().unwrap();
    let sealed = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes([9; 32]), &zk_pub, &seal_params(NOW)).unwrap();
    let now = (NOW + 5).to_string();
    let honest = open_args(key, &sealed.hash, &now);
    assert_eq!(zkauth(&honest, &sealed.jwe).code, 0);

    // Wrong expected hash.
    let other_hash = hash_b64u("something else");
    let wrong_hash = zkauth(&with(&honest, "--expect-hash", &other_hash), &sealed.jwe);
    assert_rejected(&wrong_hash, "hash_mismatch");
    // Wrong client id.
    let wrong_client = zkauth(&with(&honest, "--client-id", "evil-app"), &sealed.jwe);
    assert_rejected(&wrong_client, "client_id_mismatch");
    // Tampered ciphertext (the hash follows the tampered JWE, so only the AEAD can catch it).
    let mut ct = b64u::decode(sealed.jwe.split('.').nth(3).unwrap(), "ct").unwrap();
    ct[3] ^= 0x01;
    let tampered = replace_segment(&sealed.jwe, 3, &b64u::encode(&ct));
    let tampered_hash = hash_b64u(&tampered);
    let tampered_out = zkauth(&with(&honest, "--expect-hash", &tampered_hash), &tampered);
    assert_rejected(&tampered_out, "jwe_decrypt_failed");
    // An extra protected header member.
    let header_seg = sealed.jwe.split('.').next().unwrap();
    let mut header: Value = serde_json::from_slice(&b64u::decode(header_seg, "h").unwrap()).unwrap();
    header["kid"] = Value::String("k1".into());
    let extra = replace_segment(&sealed.jwe, 0, &b64u::encode(serde_json::to_string(&header).unwrap().as_bytes()));
    let extra_hash = hash_b64u(&extra);
    let extra_out = zkauth(&with(&honest, "--expect-hash", &extra_hash), &extra);
    assert_rejected(&extra_out, "jwe_header_rejected");

    let codes = [&wrong_hash, &wrong_client, &tampered_out, &extra_out].map(error_code);
    let mut unique = codes.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "{codes:?}");

    // The other expectations.
    let cases: [(&str, &str, &str); 7] = [
        ("--redirect-uri", "https://app.example/callback/", "redirect_uri_mismatch"),
        ("--state", "other-state", "state_mismatch"),
        ("--sub", "someone-else", "sub_mismatch"),
        ("--request-id", "req-other", "request_id_mismatch"),
        ("--org-id", "org-other", "org_id_mismatch"),
        ("--now", "1700000120", "delivery_expired"),
        ("--now", "1699999939", "delivery_not_yet_valid"),
    ];
    for (flag, value, code) in cases {
        assert_rejected(&zkauth(&with(&honest, flag, value), &sealed.jwe), code);
    }
    // Another recipient's key.
    let (other_key, _) = recipient("other.jwk");
    assert_rejected(&zkauth(&with(&honest, "--key", other_key.to_str().unwrap()), &sealed.jwe), "jwe_decrypt_failed");
    // The JWE must be exactly the one line on stdin.
    assert_rejected(&zkauth(&honest, &format!(" {}", sealed.jwe)), "hash_mismatch");
    assert_rejected(&zkauth(&honest, &format!("{}\n{}\n", sealed.jwe, sealed.jwe)), "invalid_input");
}

#[test]
fn jwe_open_v1_prints_the_drk() {
    let (key_file, zk_pub) = recipient("v1.jwk");
    let key = key_file.to_str().unwrap();
    let root = seq32(0x60);
    let sealed = seal_delivery_v1(&mut OsRng, &RootKey::from_bytes(root), &zk_pub, RP_SUB, RP_CLIENT).unwrap();
    let args = ["jwe", "open", "--v1", "--key", key, "--expect-hash", &sealed.hash, "--sub", RP_SUB, "--client-id", RP_CLIENT];
    let out = zkauth(&args, &format!("{}\n", sealed.jwe));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{{\"drk\":\"{}\"}}\n", b64u::encode(&root)));
    // Every v1 expectation is optional.
    assert_eq!(zkauth(&["jwe", "open", "--key", key, "--v1"], &sealed.jwe).stdout, out.stdout);

    assert_rejected(&zkauth(&with(&args, "--sub", "other"), &sealed.jwe), "sub_mismatch");
    assert_rejected(&zkauth(&with(&args, "--client-id", "other"), &sealed.jwe), "client_id_mismatch");
    assert_rejected(&zkauth(&with(&args, "--expect-hash", &hash_b64u("x")), &sealed.jwe), "hash_mismatch");
    // A v1 delivery is not a v2 one, and the other way round.
    let now = (NOW + 5).to_string();
    assert_rejected(&zkauth(&open_args(key, &sealed.hash, &now), &sealed.jwe), "jwe_header_rejected");
    let v2 = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes([9; 32]), &zk_pub, &seal_params(NOW)).unwrap();
    assert_rejected(&zkauth(&["jwe", "open", "--key", key, "--v1"], &v2.jwe), "jwe_header_rejected");
    // v2-only options are refused with --v1 rather than ignored.
    assert_usage(&zkauth(&[&args[..], &["--state", "s"]].concat(), &sealed.jwe));
    assert_usage(&zkauth(&[&args[..], &["--now", "1"]].concat(), &sealed.jwe));
}

#[test]
fn jwe_open_usage_and_key_file_errors() {
    let (key_file, zk_pub) = recipient("usage.jwk");
    let key = key_file.to_str().unwrap();
    let sealed = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes([9; 32]), &zk_pub, &seal_params(NOW)).unwrap();
    let h = sealed.hash.as_str();
    // v2 requires --key, --expect-hash, --client-id and --redirect-uri.
    assert_usage(&zkauth(&["jwe", "open", "--expect-hash", h, "--client-id", "c", "--redirect-uri", "u"], &sealed.jwe));
    assert_usage(&zkauth(&["jwe", "open", "--key", key, "--client-id", "c", "--redirect-uri", "u"], &sealed.jwe));
    assert_usage(&zkauth(&["jwe", "open", "--key", key, "--expect-hash", h, "--redirect-uri", "u"], &sealed.jwe));
    assert_usage(&zkauth(&["jwe", "open", "--key", key, "--expect-hash", h, "--client-id", "c"], &sealed.jwe));
    // Bad --now, unknown option, an operand (the JWE belongs on stdin), --v1 with a value.
    let now = (NOW + 5).to_string();
    let honest = open_args(key, h, &now);
    assert_usage(&zkauth(&with(&honest, "--now", "soon"), &sealed.jwe));
    assert_usage(&zkauth(&[&honest[..], &["--verbose"]].concat(), &sealed.jwe));
    assert_usage(&zkauth(&[&honest[..], &[sealed.jwe.as_str()]].concat(), ""));
    assert_usage(&zkauth(&["jwe", "open", "--key", key, "--v1=yes"], &sealed.jwe));
    // Key file problems are input refusals.
    assert_rejected(&zkauth(&with(&honest, "--key", "/nonexistent/key.jwk"), &sealed.jwe), "io_error");
    let public_only = tmp_file("public.jwk", &public_jwk_json(&p256::SecretKey::random(&mut OsRng).public_key()).unwrap());
    assert_rejected(&zkauth(&with(&honest, "--key", public_only.to_str().unwrap()), &sealed.jwe), "invalid_private_jwk");
    // Not a JWE at all.
    assert_rejected(&zkauth(&with(&honest, "--expect-hash", &hash_b64u("a.b")), "a.b"), "jwe_malformed");
}

#[test]
fn jwe_inspect_prints_only_the_header() {
    let (_, zk_pub) = recipient("inspect.jwk");
    let sealed = seal_delivery_v2(&mut OsRng, &AppKey::from_bytes([9; 32]), &zk_pub, &seal_params(NOW)).unwrap();
    let out = zkauth(&["jwe", "inspect", &sealed.jwe], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let header_seg = sealed.jwe.split('.').next().unwrap();
    let header_text = String::from_utf8(b64u::decode(header_seg, "h").unwrap()).unwrap();
    assert_eq!(out.stdout, format!("{header_text}\n"));
    let header: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(header["alg"], "ECDH-ES");
    assert_eq!(header["enc"], "A256GCM");
    assert_eq!(header["epk"]["crv"], "P-256");
    for seg in sealed.jwe.split('.').skip(2) {
        assert!(!out.stdout.contains(seg));
    }

    // v1 headers carry sub and client_id.
    let v1 = seal_delivery_v1(&mut OsRng, &RootKey::from_bytes([1; 32]), &zk_pub, RP_SUB, RP_CLIENT).unwrap();
    let header: Value = serde_json::from_str(&zkauth(&["jwe", "inspect", &v1.jwe], "").stdout).unwrap();
    assert_eq!(header["sub"], RP_SUB);
    assert_eq!(header["client_id"], RP_CLIENT);

    let rest = sealed.jwe.split_once('.').unwrap().1;
    assert_rejected(&zkauth(&["jwe", "inspect", &format!("{}.{rest}", b64u::encode(b"not json"))], ""), "jwe_header_rejected");
    assert_rejected(&zkauth(&["jwe", "inspect", &format!("{}.{rest}", b64u::encode(b"[1]"))], ""), "jwe_header_rejected");
    assert_rejected(&zkauth(&["jwe", "inspect", &format!("{}.{rest}", b64u::encode(&[0xff, 0xfe]))], ""), "jwe_header_rejected");
    assert_rejected(&zkauth(&["jwe", "inspect", &format!("e30=.{rest}")], ""), "invalid_base64url");
    assert_rejected(&zkauth(&["jwe", "inspect", "e30.a.b"], ""), "jwe_malformed");
    assert_usage(&zkauth(&["jwe", "inspect"], ""));
    assert_usage(&zkauth(&["jwe", "inspect", &sealed.jwe, "x"], ""));
}

// ---------------------------------------------------------------------------------------------
// server-setup, usage
// ---------------------------------------------------------------------------------------------

#[test]
fn server_setup_new_is_fresh_and_loadable() {
    let a = zkauth(&["server-setup", "new"], "");
    let b = zkauth(&["server-setup", "new"], "");
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_ne!(a.stdout, b.stdout);
    let setup = ServerSetup::from_b64u(a.stdout.trim_end_matches('\n')).unwrap();
    assert_eq!(setup.to_b64u().as_str(), a.stdout.trim_end_matches('\n'));
    assert_usage(&zkauth(&["server-setup", "new", "extra"], ""));
    assert_usage(&zkauth(&["server-setup"], ""));
    assert_usage(&zkauth(&["server-setup", "old"], ""));
}

#[test]
fn usage_and_help() {
    let none = zkauth(&[], "");
    assert_usage(&none);
    assert!(none.stderr.contains("zkauth jwe open"));
    let help = zkauth(&["--help"], "");
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("zkauth keys derive-cak"), "{}", help.stdout);
    assert!(help.stderr.is_empty());
    let sub_help = zkauth(&["keys", "unwrap-drk", "--help"], "");
    assert_eq!(sub_help.code, 0);
    assert!(sub_help.stdout.starts_with("usage: zkauth keys unwrap-drk"), "{}", sub_help.stdout);
    assert_usage(&zkauth(&["frobnicate"], ""));
    assert_usage(&zkauth(&["keys"], ""));
    assert_usage(&zkauth(&["keys", "unwrap"], ""));
    assert_usage(&zkauth(&["jwe", "seal"], ""));
    assert_usage(&zkauth(&["opaque", "run"], ""));
}

/// Wycheproof json_web_encryption_test.json through `zkauth jwe open`: nothing is printed as a
/// delivery. tcId 78, the one in-profile JWE, decrypts and is refused at the claim check
/// (its payload "foo" is no v2 claim object); every other case is refused before decryption.
#[test]
fn wycheproof_jwe_through_jwe_open() {
    let doc: Value = serde_json::from_str(include_str!("../../tests/vectors/wycheproof/json_web_encryption_test.json")).unwrap();
    let (fallback, _) = recipient("wycheproof-fallback.jwk");
    let mut by_code = std::collections::BTreeMap::<String, usize>::new();
    let mut total = 0usize;
    for (gi, g) in doc["testGroups"].as_array().unwrap().iter().enumerate() {
        let own = DeliveryKeyPair::from_private_jwk(&g["private"].to_string()).is_ok();
        let key = if own { tmp_file(&format!("wycheproof-{gi}.jwk"), &g["private"].to_string()) } else { fallback.clone() };
        let key = key.to_str().unwrap().to_string();
        for t in g["tests"].as_array().unwrap() {
            total += 1;
            let id = t["tcId"].as_u64().unwrap();
            let jwe = match &t["jwe"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let hash = hash_b64u(&jwe);
            let v2 = zkauth(&["jwe", "open", "--key", &key, "--expect-hash", &hash, "--client-id", "c", "--redirect-uri", "r", "--now", "0"], &jwe);
            let v1 = zkauth(&["jwe", "open", "--v1", "--key", &key, "--expect-hash", &hash], &jwe);
            for out in [&v2, &v1] {
                assert_eq!(out.code, 1, "tcId {id}: {} {}", out.stdout, out.stderr);
                assert!(out.stdout.is_empty(), "tcId {id} printed a payload");
            }
            let code = error_code(&v2);
            if id == 78 {
                assert_eq!(code, "payload_invalid", "tcId 78 decrypts, then its claims are refused");
            } else {
                assert!(["jwe_header_rejected", "jwe_malformed", "invalid_epk", "invalid_base64url", "jwe_decrypt_failed"].contains(&code.as_str()), "tcId {id}: {code}");
            }
            *by_code.entry(code).or_default() += 1;
        }
    }
    println!("wycheproof json_web_encryption_test.json through `zkauth jwe open`: {total} cases, all refused; v2 codes {by_code:?}");
    assert_eq!(total, 139);
}
