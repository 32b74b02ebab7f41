#!/usr/bin/env python3
"""Known-answer values for zkauth's key custody and KSFs, written to custody_kat.json.

Independent of the Rust code: only Python's hashlib/base64/json and the
`cryptography` package (HKDF-SHA-256, AES-256-GCM, Argon2id). Implements wire
profile §3.2-§3.12 from the spec text (§3.10's device-approval hashes, AAD, proof and JWE and the trusted-device envelope too, and the app sharing key pair and share of issue 24), checks the RFC 7914 §12 (scrypt) and
RFC 9106 §5.3 (Argon2id) vectors against their published values, and writes
every value the Rust tests assert (src/keys/tests.rs, src/opaque/tests.rs,
ksf/src/tests.rs, tests/wasm_keys.rs, cli/tests/cli.rs) to one JSON file.

    pip install cryptography        # 44 or later (Argon2id)
    python3 tests/vectors/custody_kat.py
"""
import base64
import hashlib
import json
import pathlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def H(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def format_a(key: bytes, iv: bytes, pt: bytes, aad: bytes) -> bytes:
    ct_tag = AESGCM(key).encrypt(iv, pt, aad)  # ct || tag
    ct, tag = ct_tag[:-16], ct_tag[-16:]
    return iv + tag + ct


def format_b(key: bytes, iv: bytes, pt: bytes, aad: bytes) -> bytes:
    return iv + AESGCM(key).encrypt(iv, pt, aad)  # iv || ct || tag


def js_stringify(obj) -> str:
    # JSON.stringify: compact, no ASCII escaping, same escapes for '"', '\\' and control chars.
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def envelope_aad(envelope_id, key_id, sub, typ, wrapping_alg) -> bytes:
    # Member order is fixed (§3.5); Python dicts keep insertion order.
    return js_stringify({"envelope_id": envelope_id, "key_id": key_id, "sub": sub,
                         "type": typ, "wrapping_alg": wrapping_alg}).encode()


# ---- fixed inputs (mirrored in the Rust tests) ----
EXPORT_KEY = bytes(range(0x00, 0x20))
ROOT = bytes(range(0x20, 0x40))
RECOVERY_SECRET = bytes(range(0x40, 0x60))   # the test RNG's pattern for RecoverySecret::generate
PRF_OUTPUT = bytes(range(0x60, 0x80))
IV = bytes(range(0xA0, 0xAC))                 # the test RNG's pattern for every IV
SUB = "emthdXRoLXRlc3Qtc3ViIQ"                # b64u("zkauth-test-sub!")
KEY_ID = "ark_a2V5LWlkLWZvci16a2F1dGgtdGVzdHMh"
ENVELOPE_ID = "env_0b6c6a8e-3f7d-4c1e-9a52-1d2e3f405162"
CLIENT_ID = "demo-app"
ORG_ID = "8c1f6f0e-2b1a-4d8e-9a0b-1c2d3e4f5a6b"
CREDENTIAL_ID = "Y3JlZGVudGlhbC1pZC0wMDE"
PRIVATE_JWK = ('{"crv":"P-256","d":"ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ","ext":true,'
               '"key_ops":["deriveKey","deriveBits"],"kty":"EC",'
               '"x":"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg","y":"eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXl5eXk"}')
NOTE_ID = "note-1"
NOTE_ID_ODD = 'n"\\\n\u0001é'            # needs JSON escaping
NOTE_PT = b"hello, notes"

WA_PASSWORD = "OPAQUE-HKDF-SHA256+A256GCM/v2"
WA_RECOVERY = "DarkAuth-Recovery-HKDF-SHA256+A256GCM/v2"
WA_PRF = "WebAuthn-PRF-HKDF-SHA256+A256GCM/v2"

out = {}

# §3.2 v1 schedule
mk = hkdf(EXPORT_KEY, H(("DarkAuth|v1|tenant=default|user=" + SUB).encode()), b"mk")
kw = hkdf(mk, b"DarkAuth|v1", b"wrap-key")
out["mk"] = mk.hex()
out["kw"] = kw.hex()
# §3.3 v2 read schedule
mk2 = hkdf(EXPORT_KEY, H(("DarkAuth|v2|password|sub=" + SUB).encode()), b"mk")
kw2 = hkdf(mk2, b"DarkAuth|v2", b"account-root-wrap")
out["mk2"] = mk2.hex()
out["kw2"] = kw2.hex()

# §3.5 legacy wrapped_drk (= migrated v1 password envelope)
out["wrapped_drk"] = b64u(format_a(kw, IV, ROOT, SUB.encode()))

# password envelope (writer: KW, raw plaintext, canonical AAD)
aad_pw = envelope_aad(ENVELOPE_ID, KEY_ID, SUB, "password", WA_PASSWORD)
out["password_aad"] = aad_pw.decode()
out["password_envelope"] = b64u(format_a(kw, IV, ROOT, aad_pw))
# read-path-only forms: KW2 raw, KW JSON, KW2 JSON
ark_json = js_stringify({"typ": "DarkAuth-Account-Root-Key", "version": "v2", "sub": SUB,
                         "key_id": KEY_ID, "ark": b64u(ROOT)}).encode()
out["password_envelope_kw2_raw"] = b64u(format_a(kw2, IV, ROOT, aad_pw))
out["password_envelope_kw_json"] = b64u(format_a(kw, IV, ark_json, aad_pw))
out["password_envelope_kw2_json"] = b64u(format_a(kw2, IV, ark_json, aad_pw))
# JSON plaintext whose sub/key_id disagree with the envelope (AAD still right)
bad_sub_json = js_stringify({"typ": "DarkAuth-Account-Root-Key", "version": "v2", "sub": "someone-else",
                             "key_id": KEY_ID, "ark": b64u(ROOT)}).encode()
bad_kid_json = js_stringify({"typ": "DarkAuth-Account-Root-Key", "version": "v2", "sub": SUB,
                             "key_id": "ark_other", "ark": b64u(ROOT)}).encode()
short_ark_json = js_stringify({"typ": "DarkAuth-Account-Root-Key", "version": "v2", "sub": SUB,
                               "key_id": KEY_ID, "ark": b64u(ROOT[:31])}).encode()
out["password_envelope_json_bad_sub"] = b64u(format_a(kw2, IV, bad_sub_json, aad_pw))
out["password_envelope_json_bad_key_id"] = b64u(format_a(kw, IV, bad_kid_json, aad_pw))
out["password_envelope_json_short_ark"] = b64u(format_a(kw, IV, short_ark_json, aad_pw))

# §3.7 CAK
cak_salt = H(("DarkAuth|v2|client-key|sub=" + SUB + "|key_id=" + KEY_ID).encode())
out["cak_no_org"] = hkdf(ROOT, cak_salt, ("client_id=" + CLIENT_ID + "|org_id=|aud=" + CLIENT_ID).encode()).hex()
out["cak_org"] = hkdf(ROOT, cak_salt, ("client_id=" + CLIENT_ID + "|org_id=" + ORG_ID + "|aud=" + CLIENT_ID).encode()).hex()

# §3.8 recovery
out["recovery_display"] = b64u(RECOVERY_SECRET)
out["recovery_verifier"] = b64u(H(RECOVERY_SECRET))
rk = hkdf(RECOVERY_SECRET, H(("DarkAuth|v2|recovery|sub=" + SUB).encode()), b"wrap-key")
out["recovery_wrap_key"] = rk.hex()
out["recovery_envelope"] = b64u(format_a(rk, IV, ROOT, envelope_aad(ENVELOPE_ID, KEY_ID, SUB, "recovery", WA_RECOVERY)))

# §3.9 passkey PRF
pk = hkdf(PRF_OUTPUT, H(("DarkAuth|v2|passkey-prf|sub=" + SUB + "|credential_id=" + CREDENTIAL_ID).encode()), b"wrap-key")
out["prf_wrap_key"] = pk.hex()
out["prf_envelope"] = b64u(format_a(pk, IV, ROOT, envelope_aad(ENVELOPE_ID, KEY_ID, SUB, "passkey_prf", WA_PRF)))

# §3.11 wrapped_enc_priv
wk = hkdf(ROOT, b"DarkAuth|user-keys", b"private-key-wrap")
out["private_key_wrap_key"] = wk.hex()
out["wrapped_enc_priv"] = b64u(format_b(wk, IV, PRIVATE_JWK.encode(), b"user-private-key"))

# §3.12 note DEK and ciphertext (padded standard base64)
dek = hkdf(ROOT, b"DarkAuth|demo-notes", ("note:" + NOTE_ID).encode())
out["note_dek"] = dek.hex()
out["note_aad"] = js_stringify({"note_id": NOTE_ID})
out["note_ciphertext"] = base64.b64encode(format_b(dek, IV, NOTE_PT, js_stringify({"note_id": NOTE_ID}).encode())).decode()
dek_odd = hkdf(ROOT, b"DarkAuth|demo-notes", ("note:" + NOTE_ID_ODD).encode())
out["note_odd_aad"] = js_stringify({"note_id": NOTE_ID_ODD})
out["note_odd_ciphertext"] = base64.b64encode(
    format_b(dek_odd, IV, NOTE_PT, js_stringify({"note_id": NOTE_ID_ODD}).encode())).decode()
# DEK from a CAK (apps that only hold an AppKey)
cak_org = bytes.fromhex(out["cak_org"])
out["note_dek_from_cak"] = hkdf(cak_org, b"DarkAuth|demo-notes", ("note:" + NOTE_ID).encode()).hex()

# ---- device approval (§3.10) -------------------------------------------------
# The server's hashes and AAD, the trusted device's ECDSA proof (RFC 6979 deterministic, so the
# value is fixed), and an approval JWE: ECDH-ES (Concat KDF, RFC 7518 §4.6.2) + A256GCM with a
# fixed ephemeral key and IV, addressed to the new device's key.
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash


def p256(scalar: bytes):
    return ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())


def public_jwk_text(key) -> str:
    n = key.public_key().public_numbers()
    return js_stringify({"kty": "EC", "crv": "P-256", "x": b64u(n.x.to_bytes(32, "big")), "y": b64u(n.y.to_bytes(32, "big"))})


NEW_DEVICE_SCALAR = bytes(range(0xC0, 0xE0))
TRUSTED_DEVICE_SCALAR = bytes(range(0xE0, 0x100))
EPHEMERAL_SCALAR = bytes(range(0x01, 0x21))
APPROVAL = {"sub": SUB, "request_id": "7d5f0c1e-9a2b-4c3d-8e4f-5a6b7c8d9e0f", "requester_session_id": "c2Vzc2lvbi1oYW5kbGU",
            "client_id": "", "verification_code": "042917", "iat": 1700000000}
new_device = p256(NEW_DEVICE_SCALAR)
jwk_text = public_jwk_text(new_device)
jwk_hash = b64u(H(jwk_text.encode()))
binding = js_stringify({"sub": APPROVAL["sub"], "request_id": APPROVAL["request_id"],
                        "requester_session_id": APPROVAL["requester_session_id"], "client_id": APPROVAL["client_id"],
                        "state_hash": b64u(H(b"")), "verification_code_hash": b64u(H(APPROVAL["verification_code"].encode())),
                        "new_device_public_jwk_hash": jwk_hash})
binding_hash = b64u(H(binding.encode()))
aad_text = "DarkAuth|device-approval|" + APPROVAL["sub"] + "|" + APPROVAL["request_id"] + "|" + jwk_hash + "|" + binding_hash
trusted = p256(TRUSTED_DEVICE_SCALAR)
der = trusted.sign(aad_text.encode(), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
r, s_ = decode_dss_signature(der)
proof = b64u(r.to_bytes(32, "big") + s_.to_bytes(32, "big"))
eph = p256(EPHEMERAL_SCALAR)
z = eph.exchange(ec.ECDH(), new_device.public_key())
otherinfo = len(b"A256GCM").to_bytes(4, "big") + b"A256GCM" + bytes(4) + bytes(4) + (256).to_bytes(4, "big")
cek = ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=otherinfo).derive(z)
epk = json.loads(public_jwk_text(eph))
header = b64u(js_stringify({"alg": "ECDH-ES", "enc": "A256GCM", "epk": epk}).encode())
payload = js_stringify({"typ": "DarkAuth-Device-Approval", "version": "v2", "sub": APPROVAL["sub"],
                        "request_id": APPROVAL["request_id"], "ark": b64u(ROOT), "iat": APPROVAL["iat"], "exp": APPROVAL["iat"] + 120})
ct_tag = AESGCM(cek).encrypt(IV, payload.encode(), header.encode())
approval_jwe = ".".join([header, "", b64u(IV), b64u(ct_tag[:-16]), b64u(ct_tag[-16:])])
device_approval = {
    "inputs": {**APPROVAL, "new_device_scalar": NEW_DEVICE_SCALAR.hex(), "trusted_device_scalar": TRUSTED_DEVICE_SCALAR.hex(),
               "ephemeral_scalar": EPHEMERAL_SCALAR.hex()},
    "new_device_public_jwk": jwk_text,
    "new_device_private_jwk": js_stringify({**json.loads(jwk_text), "d": b64u(NEW_DEVICE_SCALAR)}),
    "trusted_device_public_jwk": public_jwk_text(trusted),
    "new_device_public_jwk_hash": jwk_hash,
    "request_binding": binding,
    "request_binding_hash": binding_hash,
    "approval_aad": b64u(aad_text.encode()),
    "approval_proof": proof,
    "approval_payload": payload,
    "approval_jwe": approval_jwe,
}

# ---- trusted-device envelope (§3.10, zkauth's device-local key) ------------------------------
# Z = ECDH(device key, the device's peer public key), as WebCrypto deriveBits gives it;
# wrap_key = HKDF(Z, H("zkauth|v1|device-local-key|sub=" + sub + "|key_handle=" + handle), "wrap-key");
# the envelope is format A of the root key with the canonical AAD (type trusted_device).
DEVICE_SCALAR = bytes(range(0x90, 0xB0))
DEVICE_PEER_SCALAR = bytes(range(0xB0, 0xD0))
KEY_HANDLE = "dk_3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e"
WA_DEVICE = "DarkAuth-DeviceLocal-AESGCM/v2"
device_z = p256(DEVICE_SCALAR).exchange(ec.ECDH(), p256(DEVICE_PEER_SCALAR).public_key())
device_wk = hkdf(device_z, H(("zkauth|v1|device-local-key|sub=" + SUB + "|key_handle=" + KEY_HANDLE).encode()), b"wrap-key")
device_aad = envelope_aad(ENVELOPE_ID, KEY_ID, SUB, "trusted_device", WA_DEVICE)
trusted_device = {
    "inputs": {"device_scalar": DEVICE_SCALAR.hex(), "peer_scalar": DEVICE_PEER_SCALAR.hex(), "key_handle": KEY_HANDLE},
    "z": device_z.hex(),
    "wrap_key": device_wk.hex(),
    "aad": device_aad.decode(),
    "envelope": b64u(format_a(device_wk, IV, ROOT, device_aad)),
}

# ---- app sharing key pair and a share (issue 24; zkauth's own construction) --------------
# swk = HKDF(CAK, "zkauth|v1|app-sharing-key", "sharing-private-key-wrap"); the private scalar,
# format B under swk with AAD "zkauth-app-sharing-private-key"; a share is the data key (raw 32
# bytes) as an ECDH-ES + A256GCM compact JWE to the recipient's sharing key (fixed ephemeral key
# and IV), with a note the recipient decrypts with it.
SHARING_SCALAR = bytes(range(0x30, 0x50))
RECIPIENT_SCALAR = bytes(range(0x50, 0x70))
SHARE_EPHEMERAL_SCALAR = bytes(range(0x70, 0x90))
sharing_cak = bytes.fromhex(out["cak_no_org"])
swk = hkdf(sharing_cak, b"zkauth|v1|app-sharing-key", b"sharing-private-key-wrap")
recipient = p256(RECIPIENT_SCALAR)
share_dek = hkdf(sharing_cak, b"DarkAuth|demo-notes", ("note:" + NOTE_ID).encode())
share_eph = p256(SHARE_EPHEMERAL_SCALAR)
share_cek = ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=otherinfo).derive(
    share_eph.exchange(ec.ECDH(), recipient.public_key()))
share_header = b64u(js_stringify({"alg": "ECDH-ES", "enc": "A256GCM", "epk": json.loads(public_jwk_text(share_eph))}).encode())
share_ct = AESGCM(share_cek).encrypt(IV, share_dek, share_header.encode())
sharing = {
    "inputs": {"cak": sharing_cak.hex(), "sharing_scalar": SHARING_SCALAR.hex(), "recipient_scalar": RECIPIENT_SCALAR.hex(),
               "ephemeral_scalar": SHARE_EPHEMERAL_SCALAR.hex(), "iv": IV.hex(), "note_id": NOTE_ID, "note_plaintext": NOTE_PT.decode()},
    "sharing_wrap_key": swk.hex(),
    "public_jwk": public_jwk_text(p256(SHARING_SCALAR)),
    "wrapped_private_key": b64u(format_b(swk, IV, SHARING_SCALAR, b"zkauth-app-sharing-private-key")),
    "recipient_public_jwk": public_jwk_text(recipient),
    "recipient_private_jwk": js_stringify({**json.loads(public_jwk_text(recipient)), "d": b64u(RECIPIENT_SCALAR)}),
    "data_key": share_dek.hex(),
    "share_jwe": ".".join([share_header, "", b64u(IV), b64u(share_ct[:-16]), b64u(share_ct[-16:])]),
    "note_ciphertext": base64.b64encode(format_b(share_dek, IV, NOTE_PT, js_stringify({"note_id": NOTE_ID}).encode())).decode(),
}

# ---- KSFs -------------------------------------------------------------------
MIB = 1024 * 1024

# RFC 7914 §12, the published values (the fourth vector, N = 2^20, needs 1 GiB and is left out).
RFC7914 = [
    ("", "", 4, 1, 1, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
                      "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"),
    ("password", "NaCl", 10, 8, 16, "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                                    "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
    ("pleaseletmein", "SodiumChloride", 14, 8, 1, "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
                                                  "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"),
]
scrypt_rfc = []
for password, salt, log_n, r, p, dk in RFC7914:
    got = hashlib.scrypt(password.encode(), salt=salt.encode(), n=1 << log_n, r=r, p=p, dklen=64, maxmem=64 * MIB)
    assert got.hex() == dk, f"RFC 7914 vector {password!r}"
    scrypt_rfc.append({"password": password, "salt": salt, "log_n": log_n, "r": r, "p": p, "dk": dk})

# RFC 9106 §5.3 (Argon2id v1.3), the published tag.
A = {"password": "01" * 32, "salt": "02" * 16, "secret": "03" * 8, "ad": "04" * 12,
     "memory_kib": 32, "iterations": 3, "parallelism": 4,
     "tag": "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"}
tag = Argon2id(salt=bytes.fromhex(A["salt"]), length=32, iterations=A["iterations"], lanes=A["parallelism"],
               memory_cost=A["memory_kib"], ad=bytes.fromhex(A["ad"]), secret=bytes.fromhex(A["secret"]))
assert tag.derive(bytes.fromhex(A["password"])).hex() == A["tag"], "RFC 9106 §5.3"

# The KSFs exactly as a profile runs them (wire profile §2.2): the OPRF output (Nh = 32 bytes)
# in, 32 bytes out. DarkAuth: scrypt N = 32768, r = 8, p = 1, empty salt. Argon2id: opaque-ke's
# 16-byte zero salt, no secret, no associated data.
KSF_INPUT = bytes(range(0x80, 0xA0))
darkauth_ksf = hashlib.scrypt(KSF_INPUT, salt=b"", n=32768, r=8, p=1, dklen=32, maxmem=64 * MIB)
ARGON = {"memory_kib": 1024, "iterations": 2, "parallelism": 1}
argon2id_ksf = Argon2id(salt=bytes(16), length=32, iterations=ARGON["iterations"], lanes=ARGON["parallelism"],
                        memory_cost=ARGON["memory_kib"]).derive(KSF_INPUT)

doc = {
    "about": "Written by tests/vectors/custody_kat.py (Python hashlib + cryptography), never by hand.",
    "inputs": {
        "export_key": EXPORT_KEY.hex(), "root": ROOT.hex(), "recovery_secret": RECOVERY_SECRET.hex(),
        "prf_output": PRF_OUTPUT.hex(), "iv": IV.hex(), "sub": SUB, "key_id": KEY_ID, "envelope_id": ENVELOPE_ID,
        "client_id": CLIENT_ID, "org_id": ORG_ID, "credential_id": CREDENTIAL_ID, "private_jwk": PRIVATE_JWK,
        "note_id": NOTE_ID, "note_id_odd": NOTE_ID_ODD, "note_plaintext": NOTE_PT.decode(),
    },
    "outputs": out,
    "device_approval": device_approval,
    "sharing": sharing,
    "trusted_device": trusted_device,
    "ksf": {
        "scrypt_rfc7914": scrypt_rfc,
        "argon2id_rfc9106": A,
        "input": KSF_INPUT.hex(),
        "darkauth_scrypt": {"log_n": 15, "r": 8, "p": 1, "output": darkauth_ksf.hex()},
        "argon2id": {**ARGON, "output": argon2id_ksf.hex()},
    },
}
path = pathlib.Path(__file__).with_name("custody_kat.json")
path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print(f"wrote {path} ({len(out)} custody values, {len(scrypt_rfc)} scrypt + 1 Argon2id RFC vectors, 2 KSF values)")
