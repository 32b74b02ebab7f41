// Browser / bundler entry: `await init()` fetches and instantiates zkauth_bg.wasm once. Any
// call before it throws ZkAuthError "not_initialized".
import initWasm, { __argumentLimits } from './zkauth.js';
import { markReady, ZkAuthError } from './common.js';

export * from './api.js';
export { DeliverySession } from './session.js';
export { createPkce, createState, parseCallback } from './oauth.js';
export { passkeyCreationOptions, passkeyRequestOptions, passkeyResponse } from './passkey.js';

let ready;

// A module whose one function uses wasm SIMD (i32.const, i8x16.splat, i8x16.popcnt): an
// engine without SIMD does not validate it (the probe of the wasm-feature-detect project).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** The module for this engine: `zkauth_bg.wasm` (SIMD), else `zkauth_nosimd_bg.wasm`. Two
 *  literal `new URL(…, import.meta.url)`s, so bundlers emit both files. */
function moduleUrl() {
  return WebAssembly.validate(SIMD_PROBE) ? new URL('./zkauth_bg.wasm', import.meta.url) : new URL('./zkauth_nosimd_bg.wasm', import.meta.url);
}

/** What the entry does once it loaded its module from next to this file: nothing here; the
 *  login entry's build (js/build.mjs) puts Argon2id's module loader in its place. */
const afterInit = () => {};

/** Idempotent. With no argument, loads `zkauth_bg.wasm` next to this file, or
 *  `zkauth_nosimd_bg.wasm` where the engine has no wasm SIMD. A failure (a fetch error, HTML
 *  instead of wasm, a CSP or runtime that refuses compilation) is ZkAuthError
 *  "wasm_load_failed" with the cause kept; `init()` may then be called again. */
export function init(input) {
  ready ??= initWasm({ module_or_path: input ?? moduleUrl() }).then(
    () => {
      markReady(__argumentLimits());
      if (input === undefined) afterInit();
    },
    (e) => {
      ready = undefined;
      throw new ZkAuthError('wasm_load_failed', `zkauth_bg.wasm could not be loaded: ${e instanceof Error ? e.name : typeof e}`, { cause: e });
    },
  );
  return ready;
}
