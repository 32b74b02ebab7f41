// Shared by the browser and Node entries: the ZkAuthError class and the mapping of
// wasm-bindgen's use-after-free errors to ZkAuthError code "key_released".

/** Every failure of the SDK. `code` is stable; `message` is for humans. */
export class ZkAuthError extends Error {
  constructor(code, message) {
    super(message);
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

function mapError(e) {
  if (e instanceof Error && !(e instanceof ZkAuthError) && RELEASED.test(e.message)) {
    return new ZkAuthError('key_released', 'this handle was released (free() was called or it was consumed)');
  }
  return e;
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
  return cls;
}
