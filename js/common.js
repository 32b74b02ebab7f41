// Shared by the browser and Node entries: the ZkAuthError class, and the wrapping of every
// export (api.md: every failure throws ZkAuthError). Before any binding runs, the wrapper
//  - refuses calls before init() ("not_initialized");
//  - checks each string parameter (the signature comes from the .d.ts, see build.mjs): a
//    non-string, a lone surrogate or a length over the Rust rule's cap is refused here, before
//    wasm-bindgen's glue copies it into wasm memory (a number there traps the instance; a huge
//    string exhausts its memory; a lone surrogate would silently become U+FFFD);
//  - marks every handle the call uses (`this` and handle arguments) as busy, so a free() made
//    from inside the call (a getter of an option bag) is deferred until the call returns,
//    instead of dropping the pointer while wasm still holds the key.

/** Every failure of the SDK. `code` is stable; `message` is for humans. */
export class ZkAuthError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'ZkAuthError';
    this.code = code;
  }
  // Errors thrown from inside wasm are plain Errors named ZkAuthError with a code.
  static [Symbol.hasInstance](e) {
    return e instanceof Error && e.name === 'ZkAuthError' && typeof e.code === 'string';
  }
}

// What wasm-bindgen throws when a freed (or consumed) handle is used again.
const RELEASED = /null pointer passed to rust|recursive use of an object detected|attempted to take ownership of Rust value/;

/** Maps what a binding threw to a ZkAuthError (the original is kept as `cause`). */
export function mapError(e) {
  if (e instanceof ZkAuthError) return e;
  if (e instanceof Error && RELEASED.test(e.message)) {
    return new ZkAuthError('key_released', 'this handle was released (free() was called or it was consumed)', { cause: e });
  }
  // A trap (a panic, out of memory) or a stack overflow inside wasm: Rust destructors did not
  // run, so the instance's state can no longer be trusted.
  if ((typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) || (e instanceof RangeError && /call stack/i.test(e.message))) {
    return new ZkAuthError('internal_error', 'the wasm instance trapped; reload the page (or restart the process) before using zkauth again', { cause: e });
  }
  // Anything else was thrown by wasm-bindgen's glue while converting an argument, before
  // entering wasm: a handle of the wrong class.
  return new ZkAuthError('invalid_input', `invalid argument: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

// ---- initialization ------------------------------------------------------------------------

// Length caps by parameter name, `[maxUtf16Units, code]`, from the wasm module itself
// (`__argumentLimits`), so they are the Rust rules' numbers; "*" for every other string.
let limits = null;

/** Called by the entry once the wasm instance is ready. */
export function markReady(argumentLimits) {
  limits = argumentLimits;
}

/** Throws "not_initialized" until the entry has marked the instance ready. */
export function requireReady() {
  if (limits === null) {
    throw new ZkAuthError('not_initialized', 'zkauth is not initialized: `await init()` before calling it');
  }
}

// ---- base64url (RFC 4648 §5, no padding), the one copy of the JS layer ---------------------

/** base64url of bytes, without padding. */
export function b64uEncode(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of unpadded base64url text, or null when it is not that (callers throw their
 *  own code). */
export function b64uDecode(value) {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]*$/.test(value) || value.length % 4 === 1) return null;
  const bin = atob(value.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (value.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// ---- argument checks -----------------------------------------------------------------------

// ES2024's String.prototype.isWellFormed, or the same test by regular expression.
const wellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (s) => s.isWellFormed()
  : (s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/** Throws the ZkAuthError a string argument deserves (wrong type, over its cap, lone surrogate). */
export function checkString(name, value) {
  if (typeof value !== 'string') {
    throw new ZkAuthError('invalid_input', `${name} must be a string`);
  }
  const [max, code] = limits[name] ?? limits['*'];
  if (value.length > max) throw new ZkAuthError(code, `${name} is longer than ${max} characters`);
  if (!wellFormed(value)) throw new ZkAuthError('invalid_input', `${name} holds a lone surrogate (not well-formed Unicode)`);
}

/** Checks `args` against `params` (`[name, kind]` pairs; kind "string" or "other"). */
function checkArgs(params, args) {
  for (let i = 0; i < params.length; i++) {
    const [name, kind] = params[i];
    if (kind === 'string') checkString(name, args[i]);
  }
}

// ---- handles and re-entrant free() -----------------------------------------------------------

const busy = new WeakMap(); // handle -> number of calls in progress that use it
const deferredFree = new WeakSet(); // handles whose free() waits for those calls to end
const RAW_FREE = Symbol('zkauth raw free');

const handlePrototypes = new Set(); // the prototypes of the wrapped classes

// Whether `v` is a handle, found without running any of its getters or Proxy `get` traps.
function isHandle(v) {
  if (v === null || typeof v !== 'object') return false;
  try {
    return handlePrototypes.has(Object.getPrototypeOf(v));
  } catch {
    return false; // a Proxy whose getPrototypeOf trap throws is no handle
  }
}

function enter(handles) {
  for (const h of handles) busy.set(h, (busy.get(h) ?? 0) + 1);
}

function leave(handles) {
  for (const h of handles) {
    const n = busy.get(h) - 1;
    if (n > 0) {
      busy.set(h, n);
      continue;
    }
    busy.delete(h);
    if (deferredFree.delete(h) && h.__wbg_ptr !== 0) h[RAW_FREE]();
  }
}

/** Wraps one export: `params` is its signature from the .d.ts (`[name, kind]` pairs). */
export function wrapFn(f, params = []) {
  return function (...args) {
    requireReady();
    checkArgs(params, args);
    const handles = [this, ...args].filter(isHandle);
    enter(handles);
    try {
      return f.apply(this, args);
    } catch (e) {
      throw mapError(e);
    } finally {
      leave(handles);
    }
  };
}

// free() and [Symbol.dispose]() of a handle that is already freed or consumed
// (`__wbg_ptr === 0` in wasm-bindgen's glue) are no-ops, so a `free()` inside a `using`
// block, or a second `free()`, is harmless. A free() of a handle that a call in progress uses
// runs when that call returns. Any other error is mapped.
function wrapFree(free) {
  return function () {
    if (this == null || this.__wbg_ptr === 0) return;
    if (busy.has(this)) {
      deferredFree.add(this);
      return;
    }
    try {
      return free.call(this);
    } catch (e) {
      throw mapError(e);
    }
  };
}

const SKIP = new Set(['constructor', 'prototype', 'length', 'name', 'free']);

/**
 * Wraps every static and prototype method and accessor of a class in place. `sigs` maps a
 * method name (`static name` for statics, `constructor` for the constructor) to its
 * parameters; the returned class is the one to export (a subclass when the constructor takes
 * arguments, so they are checked too).
 */
export function wrapClass(cls, sigs = {}) {
  for (const [target, prefix] of [[cls, 'static '], [cls.prototype, '']]) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (SKIP.has(key) || key.startsWith('__')) continue;
      const d = Object.getOwnPropertyDescriptor(target, key);
      if (!d.configurable) continue;
      if (typeof d.value === 'function') d.value = wrapFn(d.value, Object.hasOwn(sigs, prefix + key) ? sigs[prefix + key] : []);
      if (d.get) d.get = wrapFn(d.get);
      if (d.set) d.set = wrapFn(d.set);
      Object.defineProperty(target, key, d);
    }
  }
  const proto = cls.prototype;
  handlePrototypes.add(proto);
  if (typeof proto.free === 'function') {
    Object.defineProperty(proto, RAW_FREE, { value: proto.free, writable: false, configurable: false, enumerable: false });
    const free = wrapFree(proto.free);
    Object.defineProperty(proto, 'free', { value: free, writable: true, configurable: true, enumerable: false });
    // The glue sets [Symbol.dispose] to the unwrapped free; point it at the wrapped one.
    if (typeof Symbol.dispose === 'symbol') {
      Object.defineProperty(proto, Symbol.dispose, { value: free, writable: true, configurable: true, enumerable: false });
    }
  }
  if (!Object.hasOwn(sigs, 'constructor')) return cls;
  const ctor = sigs.constructor;
  // `new` cannot go through wrapFn: a subclass checks the arguments, then constructs.
  const Checked = class extends cls {
    constructor(...args) {
      requireReady();
      checkArgs(ctor, args);
      const handles = args.filter(isHandle);
      enter(handles);
      try {
        super(...args);
      } catch (e) {
        throw mapError(e);
      } finally {
        leave(handles);
      }
    }
  };
  Object.defineProperty(Checked, 'name', { value: cls.name });
  handlePrototypes.add(Checked.prototype);
  return Checked;
}
