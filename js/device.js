// TrustedDevice (login entry, browsers): this browser as a trusted device of one user (wire
// profile §3.10), and the new device's side of device approval.
//
// Custody: the device's keys are NON-EXTRACTABLE WebCrypto keys in IndexedDB, so script can use
// them but never read them. An ECDH P-256 key's `deriveBits` with the device's stored peer
// public key gives `Z`, from which wasm derives the `trusted_device` envelope's wrap key: the
// root key never leaves wasm, and `Z` is zeroed at once. An ECDSA P-256 key signs the server's
// approval AAD (raw r‖s, what WebCrypto's ECDSA gives). A new device uses a wasm
// `DeliveryKeyPair`; the approval JWE opens to a `RootKey` handle.
//
// The approver must type the code the new device shows: `approve` compares its hash with the
// request's `verification_code_hash` (code "approval_code_mismatch" otherwise), so a request
// nobody asked for on a device in front of the user is never approved by a click.
//
// Every failure is a ZkAuthError: IndexedDB errors are "storage_failed", WebCrypto errors
// "webcrypto_failed", no browser APIs "unsupported_environment".
import { ZkAuthError, b64uDecode, b64uEncode, checkString, requireReady } from './common.js';
import { DeliveryKeyPair, hashB64u, openTrustedDeviceEnvelope, sealDeviceApproval, sealTrustedDeviceEnvelope, trustedDeviceEnvelopeAad } from './api.js';

const DB_NAME = 'zkauth-devices';
const STORE = 'trusted-device';
/** `wrapping_alg` of a trusted-device envelope (wire profile §3.5). */
const DEVICE_ALG = 'DarkAuth-DeviceLocal-AESGCM/v2';

const storageFailed = (what, cause) => new ZkAuthError('storage_failed', `IndexedDB: ${what} failed`, { cause });

async function webcrypto(what, fn) {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof ZkAuthError ? e : new ZkAuthError('webcrypto_failed', `WebCrypto: ${what} failed`, { cause: e });
  }
}

function requireBrowser() {
  requireReady();
  if (typeof indexedDB === 'undefined' || typeof crypto === 'undefined' || !crypto.subtle) {
    throw new ZkAuthError('unsupported_environment', 'TrustedDevice needs IndexedDB and WebCrypto (a browser)');
  }
}

/** Runs `fn(store)` in one transaction; resolves with the request's result once it commits. */
function withStore(mode, fn) {
  return new Promise((resolve, reject) => {
    let open;
    try {
      open = indexedDB.open(DB_NAME, 1);
    } catch (e) {
      reject(storageFailed('open', e));
      return;
    }
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(storageFailed('open', open.error));
    open.onsuccess = () => {
      const db = open.result;
      try {
        const t = db.transaction(STORE, mode);
        const r = fn(t.objectStore(STORE));
        t.oncomplete = () => {
          db.close();
          resolve(r?.result);
        };
        t.onerror = () => {
          db.close();
          reject(storageFailed('transaction', t.error));
        };
        t.onabort = () => {
          db.close();
          reject(storageFailed('transaction (aborted)', t.error));
        };
      } catch (e) {
        db.close();
        reject(storageFailed('transaction', e));
      }
    };
  });
}

const b64u = (buffer) => b64uEncode(new Uint8Array(buffer));

function fromB64u(s, what) {
  const out = b64uDecode(s);
  if (out === null) throw new ZkAuthError('invalid_base64url', `${what} is not base64url`);
  return out;
}

/** A bag's member, read once (a throwing getter or proxy is "invalid_input", not its error). */
function member(obj, name, what) {
  if (typeof obj !== 'object' || obj === null) throw new ZkAuthError('invalid_input', `${what} must be an object`);
  try {
    return obj[name];
  } catch (e) {
    throw new ZkAuthError('invalid_input', `${what}.${name} could not be read`, { cause: e });
  }
}

function field(obj, name, what) {
  const v = member(obj, name, what);
  if (typeof v !== 'string' || v === '') throw new ZkAuthError(v === undefined ? 'missing_field' : 'invalid_input', `${what}.${name} must be a non-empty string`);
  return v;
}

export class TrustedDevice {
  #record;

  /** Not for callers: `load` and `create` make devices. */
  constructor(record) {
    this.#record = record;
  }

  /** The record, or ZkAuthError "key_released" after `free()` ("invalid_input" on another object). */
  static #of(obj) {
    if (typeof obj !== 'object' || obj === null || !(#record in obj)) throw new ZkAuthError('invalid_input', 'not a TrustedDevice');
    if (obj.#record === null) throw new ZkAuthError('key_released', 'this TrustedDevice was freed');
    return obj.#record;
  }

  /** Drops this object's references to the device keys (the stored device stays). */
  free() {
    TrustedDevice.#of(this);
    this.#record = null;
  }

  /** `dk_<uuid>`: the envelope's `metadata.key_handle`. */
  get handle() {
    return TrustedDevice.#of(this).handle;
  }

  get sub() {
    return TrustedDevice.#of(this).sub;
  }

  /** The server's id for this device (`POST /crypto/devices`), once saved. */
  get deviceId() {
    return TrustedDevice.#of(this).deviceId ?? null;
  }

  get envelopeId() {
    return TrustedDevice.#of(this).envelopeId;
  }

  /** `Z` of this device's ECDH key with its peer key, handed to `use` and zeroed after. */
  async #withZ(use) {
    const r = TrustedDevice.#of(this);
    const z = new Uint8Array(await webcrypto('deriveBits', () => crypto.subtle.deriveBits({ name: 'ECDH', public: r.peer }, r.ecdh, 256)));
    try {
      return use(z);
    } finally {
      z.fill(0);
    }
  }

  /** The device of `sub` kept in this browser, or null. */
  static async load(sub) {
    requireBrowser();
    checkString('sub', sub);
    const record = await withStore('readonly', (s) => s.get(sub));
    return record ? new TrustedDevice(record) : null;
  }

  /** Drops the device of `sub` from this browser (after the server revoked it). */
  static async forget(sub) {
    requireBrowser();
    checkString('sub', sub);
    await withStore('readwrite', (s) => s.delete(sub));
  }

  /** Makes this browser's device keys and seals `root` under them for the account key of
   *  `meta` (`{envelopeId, keyId, sub}`; choose `envelopeId` yourself). Returns the device
   *  (kept once `save` has the server's device id) with the bodies of
   *  `POST /crypto/keybag/envelopes` (`envelope`) and `POST /crypto/devices` (`registration`,
   *  without its `label`). */
  static async create(root, meta) {
    requireBrowser();
    // Read once into a plain object: what is sealed is what is returned.
    meta = { envelopeId: field(meta, 'envelopeId', 'meta'), keyId: field(meta, 'keyId', 'meta'), sub: field(meta, 'sub', 'meta') };
    const sub = meta.sub;
    const handle = `dk_${crypto.randomUUID()}`;
    const [ecdh, peer, sign] = await webcrypto('generateKey', () => Promise.all([
      crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']),
      // Only the peer's public key is kept: its private half is dropped here.
      crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']),
      crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
    ]));
    const { kty, crv, x, y } = await webcrypto('exportKey', () => crypto.subtle.exportKey('jwk', sign.publicKey));
    const device = new TrustedDevice({ handle, sub, ecdh: ecdh.privateKey, peer: peer.publicKey, sign: sign.privateKey, envelopeId: meta.envelopeId, createdAt: Date.now() });
    const wrapped = await device.#withZ((z) => sealTrustedDeviceEnvelope(z, handle, root, meta));
    return {
      device,
      envelope: {
        envelope_id: meta.envelopeId, key_id: meta.keyId, type: 'trusted_device', wrapping_alg: DEVICE_ALG,
        wrapped_key: wrapped, aad: trustedDeviceEnvelopeAad(meta), metadata: { version: 'v2', key_handle: handle },
      },
      registration: { public_jwk: { kty, crv, x, y }, key_handle: handle, envelope_id: meta.envelopeId },
    };
  }

  /** Keeps this device in this browser with the server's `device_id` (replacing an older
   *  device of the same user). */
  async save(deviceId) {
    const record = TrustedDevice.#of(this);
    requireBrowser();
    checkString('deviceId', deviceId);
    this.#record = { ...record, deviceId };
    await withStore('readwrite', (s) => s.put(this.#record, record.sub));
  }

  /** Opens this device's envelope (as `GET /crypto/keybag` lists it: `envelope_id`, `key_id`,
   *  `wrapped_key`) to the root key. Throws the codes of `openTrustedDeviceEnvelope`. */
  async openRootKey(envelope) {
    TrustedDevice.#of(this);
    requireBrowser();
    const meta = { envelopeId: field(envelope, 'envelope_id', 'envelope'), keyId: field(envelope, 'key_id', 'envelope'), sub: this.sub };
    const wrapped = field(envelope, 'wrapped_key', 'envelope');
    return this.#withZ((z) => openTrustedDeviceEnvelope(z, this.handle, wrapped, meta));
  }

  /** Approves one pending request (as `GET /crypto/device-approvals` lists it) with the code
   *  the user typed: the code's hash must be the request's `verification_code_hash`
   *  ("approval_code_mismatch"). Seals `root` to the new device's key and signs the approval
   *  AAD; returns the body of `POST /crypto/device-approvals/{request_id}/approve`. */
  async approve(root, approval, typedCode) {
    const record = TrustedDevice.#of(this);
    requireBrowser();
    const requestId = field(approval, 'request_id', 'approval');
    const aad = field(approval, 'approval_aad', 'approval');
    const codeHash = field(approval, 'verification_code_hash', 'approval');
    checkString('typedCode', typedCode);
    if (!/^[0-9]{6}$/.test(typedCode) || hashB64u(typedCode) !== codeHash) {
      throw new ZkAuthError('approval_code_mismatch', 'the typed code is not the one the new device shows');
    }
    if (!this.deviceId) throw new ZkAuthError('invalid_input', 'save() the device before it approves');
    const jwk = member(approval, 'new_device_public_jwk', 'approval');
    const jwe = sealDeviceApproval(root, typeof jwk === 'string' ? jwk : JSON.stringify(jwk), { sub: this.sub, requestId });
    const proof = await webcrypto('sign', () => crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, record.sign, fromB64u(aad, 'approval_aad')));
    return { encrypted_approval: b64u(new TextEncoder().encode(jwe)), approval_aad: aad, approval_proof: b64u(proof), approved_device_id: this.deviceId };
  }
}

/** The new device's side of an approval: a fresh ECDH key pair (wasm), the 6-digit code to show
 *  (`u32 mod 10^6`, zero-padded), the body of `POST /crypto/device-approvals` (with
 *  `authorization_request_id` when given), the consume proof, and `open`, which turns the
 *  consume answer's `encrypted_approval` into the root key (after the payload's checks). Free
 *  `keyPair` when done. */
export function deviceApprovalRequest(authorizationRequestId) {
  requireReady();
  if (authorizationRequestId !== undefined) checkString('authorizationRequestId', authorizationRequestId);
  const keyPair = DeliveryKeyPair.generate();
  const jwkText = keyPair.publicJwk;
  const random = new Uint32Array(1);
  crypto.getRandomValues(random);
  const code = String(random[0] % 1_000_000).padStart(6, '0');
  random[0] = 0;
  const body = { new_device_public_jwk: JSON.parse(jwkText), verification_code_hash: hashB64u(code) };
  if (authorizationRequestId !== undefined) body.authorization_request_id = authorizationRequestId;
  return {
    keyPair,
    code,
    body,
    proof: hashB64u(jwkText),
    open(encryptedApproval, expect) {
      const jwe = new TextDecoder('utf-8', { fatal: false }).decode(fromB64u(encryptedApproval, 'encrypted_approval'));
      return keyPair.openDeviceApproval(jwe, expect);
    },
  };
}
