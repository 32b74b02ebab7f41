//! Server secrets at rest: the OPAQUE server setup, the ID-token signing keys and the HMAC
//! master key are never written in plaintext. Each is sealed with AES-256-GCM under a KEK:
//! Argon2id of `ZKAUTH_KEK_PASSPHRASE` (salt and cost stored beside the secrets), or, with
//! `--dev` only, a random KEK kept in a 0600 file in the data dir. A wrong passphrase is a
//! clear error and nothing is overwritten.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};
use zkauth::opaque::server::ServerSetup;
use zkauth_verify::b64u;

use crate::idtoken::Alg;
use crate::store::Store;

/// Why the server cannot open its secrets. `main` prints it and exits 2.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("no KEK: set ZKAUTH_KEK_PASSPHRASE or ZKAUTH_KEK_PASSPHRASE_FILE (at least 12 characters), or start with --dev for a local demo")]
    NoKek,
    #[error("ZKAUTH_KEK_PASSPHRASE is shorter than 12 characters")]
    WeakPassphrase,
    #[error("ZKAUTH_KEK_PASSPHRASE_FILE {0}")]
    KekFile(String),
    #[error("these secrets were sealed under a {stored} KEK, but this start uses a {given} KEK")]
    KekKindMismatch { stored: String, given: &'static str },
    #[error("the KEK does not open the sealed secret `{0}`: wrong ZKAUTH_KEK_PASSPHRASE or dev key file (nothing was changed)")]
    WrongKek(&'static str),
    #[error("sealed secret `{0}` is corrupt")]
    Corrupt(&'static str),
    #[error("dev KEK file {path}: {why}")]
    DevKeyFile { path: String, why: String },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("ID-token signing keys: {0}")]
    SigningKeys(#[from] crate::signing_keys::KeysError),
}

/// Where the KEK comes from.
pub enum KekSource {
    Passphrase(Zeroizing<String>),
    /// `--dev`: a random key in `<data_dir>/dev-kek.key`, created with mode 0600.
    DevFile,
}

impl core::fmt::Debug for KekSource {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            KekSource::Passphrase(_) => f.write_str("KekSource::Passphrase([redacted])"),
            KekSource::DevFile => f.write_str("KekSource::DevFile"),
        }
    }
}

impl KekSource {
    /// `ZKAUTH_KEK_PASSPHRASE`, or the file `ZKAUTH_KEK_PASSPHRASE_FILE` names (systemd
    /// credentials: `LoadCredential=kek:/etc/zkauth/kek` and `…_FILE=%d/kek`; one trailing
    /// newline is dropped), else the dev file if `dev`, else an error. The variable is removed
    /// from the environment once read, so no child process or later reader gets it (Linux
    /// keeps the exec-time copy in /proc/PID/environ, readable by the same user: prefer the
    /// file). Call it before other threads read the environment.
    pub fn from_env(dev: bool) -> Result<KekSource, SecretsError> {
        let from_var = std::env::var("ZKAUTH_KEK_PASSPHRASE").ok().filter(|p| !p.is_empty()).map(Zeroizing::new);
        std::env::remove_var("ZKAUTH_KEK_PASSPHRASE");
        let from_file = match std::env::var_os("ZKAUTH_KEK_PASSPHRASE_FILE") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| SecretsError::KekFile(format!("{}: {e}", std::path::Path::new(&path).display())))?;
                let text = Zeroizing::new(text);
                Some(Zeroizing::new(text.strip_suffix('\n').unwrap_or(&text).to_string()))
            }
            None => None,
        };
        let passphrase = match (from_var, from_file) {
            (Some(_), Some(_)) => return Err(SecretsError::KekFile("set ZKAUTH_KEK_PASSPHRASE or ZKAUTH_KEK_PASSPHRASE_FILE, not both".into())),
            (Some(p), None) | (None, Some(p)) => p,
            (None, None) if dev => return Ok(KekSource::DevFile),
            (None, None) => return Err(SecretsError::NoKek),
        };
        if passphrase.chars().count() < 12 {
            return Err(SecretsError::WeakPassphrase);
        }
        Ok(KekSource::Passphrase(passphrase))
    }

    fn kind(&self) -> &'static str {
        match self {
            KekSource::Passphrase(_) => "passphrase",
            KekSource::DevFile => "dev",
        }
    }
}

/// A 32-byte key, wiped on drop, never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Key32([u8; 32]);

impl core::fmt::Debug for Key32 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Key32([redacted])")
    }
}

impl Key32 {
    fn random() -> Key32 {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        Key32(k)
    }

    fn from_slice(s: &[u8]) -> Option<Key32> {
        <[u8; 32]>::try_from(s).ok().map(Key32)
    }

    /// AES-256-GCM seal with a random nonce: `b64u(nonce ‖ ciphertext ‖ tag)`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Option<String> {
        let cipher = Aes256Gcm::new_from_slice(&self.0).ok()?;
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let ct = cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad }).ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Some(b64u::encode(&out))
    }

    /// Opens [`Key32::seal`] output; `None` for anything that does not authenticate.
    pub fn open(&self, sealed: &str, aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let bytes = b64u::decode(sealed, "sealed").ok()?;
        let (nonce, ct) = bytes.split_first_chunk::<12>()?;
        let cipher = Aes256Gcm::new_from_slice(&self.0).ok()?;
        cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad }).ok().map(Zeroizing::new)
    }

    /// HMAC-SHA256 under this key.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        // HMAC accepts keys of any length: new_from_slice cannot fail here.
        let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(&self.0) else { return [0u8; 32] };
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }

    /// A subkey for one purpose: `HMAC(master, label)`.
    pub fn subkey(&self, label: &str) -> Key32 {
        Key32(self.mac(&[b"zkauth-server/v1/subkey", label.as_bytes()]))
    }
}

/// The secrets the server runs with. `Debug` prints nothing of them.
pub struct ServerSecrets {
    pub opaque: ServerSetup,
    /// The ID-token signing keys (RS256, ES256, EdDSA; `signing_keys`).
    pub signing: crate::signing_keys::Keyring,
    /// Master of every MAC and subkey (CSRF tokens, login-state sealing, log names).
    pub hmac: Key32,
}

impl core::fmt::Debug for ServerSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ServerSecrets([redacted])")
    }
}

/// Argon2id cost for the passphrase KEK (64 MiB, t=3, p=1).
const KEK_ARGON2: (u32, u32, u32) = (64 * 1024, 3, 1);

fn aad(name: &str) -> Vec<u8> {
    format!("zkauth-server-secret/v1:{name}").into_bytes()
}

pub async fn kek(source: &KekSource, store: &Store, data_dir: &Path) -> Result<Key32, SecretsError> {
    let stored = store.meta_init("kek_kind", source.kind()).await?;
    if stored != source.kind() {
        return Err(SecretsError::KekKindMismatch { stored, given: source.kind() });
    }
    match source {
        KekSource::Passphrase(p) => {
            let mut salt = [0u8; 16];
            OsRng.fill_bytes(&mut salt);
            let salt = store.meta_init("kek_salt", &b64u::encode(&salt)).await?;
            let (m, t, par) = KEK_ARGON2;
            let params = store.meta_init("kek_argon2id", &format!("m={m},t={t},p={par}")).await?;
            let (m, t, par) = parse_params(&params).ok_or(SecretsError::Corrupt("kek_argon2id"))?;
            let salt = b64u::decode(&salt, "kek_salt").map_err(|_| SecretsError::Corrupt("kek_salt"))?;
            let passphrase = p.clone();
            let key = tokio::task::spawn_blocking(move || -> Option<Key32> {
                let params = argon2::Params::new(m, t, par, Some(32)).ok()?;
                let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
                let mut out = Key32([0u8; 32]);
                argon.hash_password_into(passphrase.as_bytes(), &salt, &mut out.0).ok()?;
                Some(out)
            })
            .await
            .ok()
            .flatten();
            key.ok_or(SecretsError::Corrupt("kek_argon2id"))
        }
        KekSource::DevFile => dev_key(&data_dir.join("dev-kek.key")),
    }
}

fn parse_params(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split(',').map(|kv| kv.split_once('=').and_then(|(_, v)| v.parse::<u32>().ok()));
    Some((it.next()??, it.next()??, it.next()??))
}

fn dev_key(path: &Path) -> Result<Key32, SecretsError> {
    let fail = |why: String| SecretsError::DevKeyFile { path: path.display().to_string(), why };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = Zeroizing::new(b64u::decode(text.trim(), "dev key").map_err(|_| fail("not a b64u key".into()))?);
            Key32::from_slice(&bytes).ok_or_else(|| fail("not 32 bytes".into()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = Key32::random();
            let text = Zeroizing::new(b64u::encode(&key.0));
            write_private(path, text.as_bytes()).map_err(|e| fail(e.to_string()))?;
            Ok(key)
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Creates `path` with mode 0600 (never overwrites).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Opens the named secret, creating and sealing it with `make` on first start.
async fn secret(store: &Store, kek: &Key32, name: &'static str, make: impl FnOnce() -> Zeroizing<Vec<u8>>) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
    let sealed = match store.sealed_secret(name).await? {
        Some(s) => s,
        None => {
            let fresh = make();
            let sealed = kek.seal(&fresh, &aad(name)).ok_or(SecretsError::Corrupt(name))?;
            store.sealed_secret_init(name, &sealed).await?
        }
    };
    kek.open(&sealed, &aad(name)).ok_or(SecretsError::WrongKek(name))
}

/// Loads (or on first start creates) every server secret.
pub async fn load(source: &KekSource, store: &Store, data_dir: &Path, now: i64) -> Result<ServerSecrets, SecretsError> {
    let kek = kek(source, store, data_dir).await?;
    let random32 = || {
        let mut v = Zeroizing::new(vec![0u8; 32]);
        OsRng.fill_bytes(&mut v);
        v
    };
    let opaque = secret(store, &kek, "opaque_server_setup", || {
        let setup = ServerSetup::generate(&mut OsRng);
        let text = setup.to_b64u();
        Zeroizing::new(text.as_bytes().to_vec())
    })
    .await?;
    let opaque = std::str::from_utf8(&opaque)
        .ok()
        .and_then(|s| ServerSetup::from_b64u(s).ok())
        .ok_or(SecretsError::Corrupt("opaque_server_setup"))?;
    let hmac = secret(store, &kek, "hmac_master_key", random32).await?;
    let hmac = Key32::from_slice(&hmac).ok_or(SecretsError::Corrupt("hmac_master_key"))?;
    // The ID-token keys sealed here before they had their own table are adopted by it.
    let mut legacy = vec![];
    for (alg, name) in [(Alg::EdDSA, "id_token_signing_key"), (Alg::ES256, "id_token_es256_key")] {
        if let Some(sealed) = store.sealed_secret(name).await? {
            legacy.push((alg, kek.open(&sealed, &aad(name)).ok_or(SecretsError::WrongKek(name))?));
        }
    }
    crate::signing_keys::ensure(store, &kek, &legacy, now).await?;
    let signing = crate::signing_keys::Keyring::load(store, kek, now).await?;
    Ok(ServerSecrets { opaque, signing, hmac })
}
