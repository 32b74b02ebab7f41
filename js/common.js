// Shared by the browser and Node entries: the ZkAuthError class, and the wrapping that turns
// every other error a binding can throw into a ZkAuthError (api.md: every failure throws it).

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
  // entering wasm: a non-string where a string is expected, a handle of the wrong class.
  return new ZkAuthError('invalid_input', `invalid argument: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

export function wrapFn(f) {
  return function (...args) {
    try {
      return f.apply(this, args);
    } catch (e) {
      throw mapError(e);
    }
  };
}

// free() and [Symbol.dispose]() of a handle that is already freed or consumed
// (`__wbg_ptr === 0` in wasm-bindgen's glue) are no-ops, so a `free()` inside a `using`
// block, or a second `free()`, is harmless. Any other error is mapped.
function wrapFree(free) {
  return function () {
    if (this != null && this.__wbg_ptr === 0) return;
    try {
      return free.call(this);
    } catch (e) {
      throw mapError(e);
    }
  };
}

const SKIP = new Set(['constructor', 'prototype', 'length', 'name', 'free']);

/** Wraps every static and prototype method and accessor of a class in place. */
export function wrapClass(cls) {
  for (const target of [cls, cls.prototype]) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (SKIP.has(key) || key.startsWith('__')) continue;
      const d = Object.getOwnPropertyDescriptor(target, key);
      if (!d.configurable) continue;
      if (typeof d.value === 'function') d.value = wrapFn(d.value);
      if (d.get) d.get = wrapFn(d.get);
      if (d.set) d.set = wrapFn(d.set);
      Object.defineProperty(target, key, d);
    }
  }
  const proto = cls.prototype;
  if (typeof proto.free === 'function') {
    const free = wrapFree(proto.free);
    Object.defineProperty(proto, 'free', { value: free, writable: true, configurable: true, enumerable: false });
    // The glue sets [Symbol.dispose] to the unwrapped free; point it at the wrapped one.
    if (typeof Symbol.dispose === 'symbol') {
      Object.defineProperty(proto, Symbol.dispose, { value: free, writable: true, configurable: true, enumerable: false });
    }
  }
  return cls;
}
