//! The commands of `zkauth`: dispatch on the command words, then one function per command.
//!
//! Every check is the library's (`zkauth`, `zkauth-verify`); this module only moves bytes
//! between the command line, files, standard input and standard output.

use std::time::{SystemTime, UNIX_EPOCH};

use zeroize::Zeroizing;
use zkauth::delivery::{DeliveryKeyPair, ExpectV1, ExpectV2};
use zkauth::keys::EnvelopeMeta;
use zkauth::opaque::server::ServerSetup;
use zkauth::opaque::vectors::{run_vectors, Outcome};
use zkauth::{ExportKey, RootKey};
use zkauth_verify::{b64u, hash_b64u, protected_header_json, validate_zk_pub, KEY_KIND_CLIENT_APP_KEY, ZK_KEY_VERSION_V2};

use crate::args::{self, Parsed, Spec};
use crate::input::{io_failure, print_key_hex, print_line, stdin_key32, stdin_line};
use crate::{Failure, OVERVIEW};

static HASH: Spec = Spec { synopsis: "zkauth hash <string>", valued: &[], switches: &[], operands: &["string"] };

static ZKPUB_CHECK: Spec = Spec { synopsis: "zkauth zkpub check <zk_pub>", valued: &[], switches: &[], operands: &["zk_pub"] };

static JWE_INSPECT: Spec = Spec { synopsis: "zkauth jwe inspect <jwe>", valued: &[], switches: &[], operands: &["jwe"] };

static JWE_OPEN: Spec = Spec {
    synopsis: "zkauth jwe open --key <private-jwk-file> [--v1] [--expect-hash H] [--client-id C] [--redirect-uri U] \
               [--state S] [--sub S] [--request-id R] [--org-id O] [--now UNIX]  (JWE on stdin; v2 needs --expect-hash, \
               --client-id, --redirect-uri)",
    valued: &["key", "expect-hash", "client-id", "redirect-uri", "state", "sub", "request-id", "org-id", "now"],
    switches: &["v1"],
    operands: &[],
};

/// The options a v1 open understands; the others are refused rather than silently ignored.
const V1_OPTIONS: &[&str] = &["key", "expect-hash", "sub", "client-id"];

static KEYS_UNWRAP_DRK: Spec = Spec {
    synopsis: "zkauth keys unwrap-drk --sub S <wrapped_drk>  (export_key hex on stdin)",
    valued: &["sub"],
    switches: &[],
    operands: &["wrapped_drk"],
};

static KEYS_OPEN_ENVELOPE: Spec = Spec {
    synopsis: "zkauth keys open-envelope --sub S --key-id K --envelope-id E <wrapped_key>  (export_key hex on stdin)",
    valued: &["sub", "key-id", "envelope-id"],
    switches: &[],
    operands: &["wrapped_key"],
};

static KEYS_DERIVE_CAK: Spec = Spec {
    synopsis: "zkauth keys derive-cak --sub S --key-id K --client-id C [--org-id O]  (root key hex on stdin)",
    valued: &["sub", "key-id", "client-id", "org-id"],
    switches: &[],
    operands: &[],
};

static OPAQUE_VECTORS: Spec = Spec { synopsis: "zkauth opaque vectors <file.json>", valued: &[], switches: &[], operands: &["file.json"] };

static SERVER_SETUP_NEW: Spec = Spec { synopsis: "zkauth server-setup new", valued: &[], switches: &[], operands: &[] };

fn top_usage(reason: String) -> Failure {
    Failure::Usage { reason, synopsis: OVERVIEW }
}

/// Runs the command named by `argv` (the arguments after the program name).
pub fn run(argv: &[String]) -> Result<(), Failure> {
    let Some((group, rest)) = argv.split_first() else {
        return Err(top_usage("no command given".into()));
    };
    let group = group.as_str();
    match group {
        "--help" | "-h" | "help" => return Err(Failure::Help(format!("usage: {OVERVIEW}"))),
        "hash" => return hash(&args::parse(&HASH, rest)?),
        "zkpub" | "jwe" | "keys" | "opaque" | "server-setup" => {}
        other => return Err(top_usage(format!("unknown command '{other}'"))),
    }
    let Some((sub, rest)) = rest.split_first() else {
        return Err(top_usage(format!("'{group}' needs a subcommand")));
    };
    match (group, sub.as_str()) {
        (_, "--help" | "-h") => Err(Failure::Help(format!("usage: {OVERVIEW}"))),
        ("zkpub", "check") => zkpub_check(&args::parse(&ZKPUB_CHECK, rest)?),
        ("jwe", "inspect") => jwe_inspect(&args::parse(&JWE_INSPECT, rest)?),
        ("jwe", "open") => jwe_open(&args::parse(&JWE_OPEN, rest)?),
        ("keys", "unwrap-drk") => keys_unwrap_drk(&args::parse(&KEYS_UNWRAP_DRK, rest)?),
        ("keys", "open-envelope") => keys_open_envelope(&args::parse(&KEYS_OPEN_ENVELOPE, rest)?),
        ("keys", "derive-cak") => keys_derive_cak(&args::parse(&KEYS_DERIVE_CAK, rest)?),
        ("opaque", "vectors") => opaque_vectors(&args::parse(&OPAQUE_VECTORS, rest)?),
        ("server-setup", "new") => server_setup_new(&args::parse(&SERVER_SETUP_NEW, rest)?),
        (_, other) => Err(top_usage(format!("unknown subcommand '{group} {other}'"))),
    }
}

/// `zkauth hash <string>`: `b64u(SHA-256(UTF-8(string)))`.
fn hash(p: &Parsed) -> Result<(), Failure> {
    print_line(hash_b64u(p.operand(0)?).as_bytes())
}

/// `zkauth zkpub check <zk_pub>`: strict validation, then the `zk_pub_kid`.
fn zkpub_check(p: &Parsed) -> Result<(), Failure> {
    let zk = validate_zk_pub(p.operand(0)?)?;
    print_line(zk.kid.as_bytes())
}

/// `zkauth jwe inspect <jwe>`: the protected header JSON, exactly as encoded, and nothing else.
fn jwe_inspect(p: &Parsed) -> Result<(), Failure> {
    print_line(protected_header_json(p.operand(0)?)?.as_bytes())
}

/// Current unix time in seconds.
fn unix_now() -> Result<i64, Failure> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .ok_or_else(|| Failure::rejected("invalid_input", "the system clock is before 1970".into()))
}

/// Loads the recipient key pair from a private JWK file (read into a wiped buffer).
fn load_key_pair(path: &str) -> Result<DeliveryKeyPair, Failure> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| io_failure(&format!("cannot read {path}"), &e))?);
    let json = std::str::from_utf8(&bytes).map_err(|_| zkauth::Error::InvalidPrivateJwk("the key file is not UTF-8"))?;
    Ok(DeliveryKeyPair::from_private_jwk(json)?)
}

/// `zkauth jwe open`: every check of `open_v2` / `open_v1`, then the delivered payload.
fn jwe_open(p: &Parsed) -> Result<(), Failure> {
    let key_path = p.required("key")?;
    if p.switch("v1") {
        if let Some(extra) = p.given().find(|n| !V1_OPTIONS.contains(n)) {
            return Err(p.usage(format!("option --{extra} does not apply to --v1")));
        }
        let expect = ExpectV1 { drk_hash: p.value("expect-hash"), sub: p.value("sub"), client_id: p.value("client-id") };
        let pair = load_key_pair(key_path)?;
        let jwe = stdin_line("the JWE")?;
        let key = pair.open_v1(&jwe, &expect)?;
        // EXPOSE: the operator asked for the delivered root key.
        let drk = Zeroizing::new(b64u::encode(key.expose_secret()));
        let mut line = Zeroizing::new(String::with_capacity(drk.len().saturating_add(16)));
        line.push_str("{\"drk\":\"");
        line.push_str(&drk);
        line.push_str("\"}");
        return print_line(line.as_bytes());
    }
    let zk_key_hash = p.required("expect-hash")?;
    let client_id = p.required("client-id")?;
    let redirect_uri = p.required("redirect-uri")?;
    let now = match p.value("now") {
        Some(s) => s.parse::<i64>().map_err(|_| p.usage("--now must be an integer (unix seconds)".into()))?,
        None => unix_now()?,
    };
    let expect = ExpectV2 {
        zk_key_hash,
        client_id,
        redirect_uri,
        state: p.value("state"),
        sub: p.value("sub"),
        request_id: p.value("request-id"),
        org_id: p.value("org-id"),
        now,
        // An operator who opens without --v1 states that the token response named a v2
        // delivery: its kind and version are the v2 ones (§4.7 step 5 then holds by choice).
        zk_key_kind: Some(KEY_KIND_CLIENT_APP_KEY),
        zk_key_version: Some(ZK_KEY_VERSION_V2),
    };
    let pair = load_key_pair(key_path)?;
    let jwe = stdin_line("the JWE")?;
    // The exact payload bytes, returned only after every check of open_v2 has passed.
    let payload = pair.open_v2_payload(&jwe, &expect)?;
    print_line(&payload)
}

/// The export key from standard input.
fn stdin_export_key() -> Result<ExportKey, Failure> {
    let bytes = stdin_key32()?;
    Ok(ExportKey::from_slice(bytes.as_slice())?)
}

/// `zkauth keys unwrap-drk`: opens a legacy `wrapped_drk`.
fn keys_unwrap_drk(p: &Parsed) -> Result<(), Failure> {
    let sub = p.required("sub")?;
    let wrapped = p.operand(0)?;
    let export_key = stdin_export_key()?;
    let root = export_key.unwrap_root_key(wrapped, sub)?;
    // EXPOSE: the operator asked for the root key.
    print_key_hex(root.expose_secret())
}

/// `zkauth keys open-envelope`: opens a v2 password envelope.
fn keys_open_envelope(p: &Parsed) -> Result<(), Failure> {
    let meta = EnvelopeMeta { envelope_id: p.required("envelope-id")?, key_id: p.required("key-id")?, sub: p.required("sub")? };
    let wrapped = p.operand(0)?;
    let export_key = stdin_export_key()?;
    let root = export_key.open_password_envelope(wrapped, &meta)?;
    // EXPOSE: the operator asked for the root key.
    print_key_hex(root.expose_secret())
}

/// `zkauth keys derive-cak`: the Client App Key of one relying party.
fn keys_derive_cak(p: &Parsed) -> Result<(), Failure> {
    let sub = p.required("sub")?;
    let key_id = p.required("key-id")?;
    let client_id = p.required("client-id")?;
    let org_id = p.value("org-id");
    let bytes = stdin_key32()?;
    let root = RootKey::from_slice(bytes.as_slice())?;
    drop(bytes);
    let cak = root.derive_client_app_key(sub, key_id, client_id, org_id)?;
    // EXPOSE: the operator asked for the Client App Key.
    print_key_hex(cak.expose_secret())
}

/// `zkauth opaque vectors <file.json>`: one line per vector, then the totals.
fn opaque_vectors(p: &Parsed) -> Result<(), Failure> {
    let path = p.operand(0)?;
    let json = std::fs::read_to_string(path).map_err(|e| io_failure(&format!("cannot read {path}"), &e))?;
    let outcomes = run_vectors(&json).map_err(|why| Failure::rejected("invalid_vectors", why))?;
    let mut report = String::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    for outcome in &outcomes {
        match outcome {
            Outcome::Pass(_) => passed = passed.saturating_add(1),
            Outcome::Fail(..) => failed = failed.saturating_add(1),
            Outcome::Skip(_) => {}
        }
        report.push_str(&outcome.to_string());
        report.push('\n');
    }
    report.push_str(&format!("{passed} passed, {failed} failed"));
    print_line(report.as_bytes())?;
    if failed > 0 {
        return Err(Failure::rejected("vectors_failed", format!("{failed} of {} vectors failed", passed.saturating_add(failed))));
    }
    Ok(())
}

/// `zkauth server-setup new`: a fresh OPAQUE server setup (it holds the server's private key).
fn server_setup_new(_p: &Parsed) -> Result<(), Failure> {
    let setup = ServerSetup::generate(&mut rand_core::OsRng);
    let encoded = setup.to_b64u();
    print_line(encoded.as_bytes())
}
