// Browser / bundler entry: `await init()` fetches and instantiates zkauth_bg.wasm once. Any
// call before it throws ZkAuthError "not_initialized".
import initWasm, { __argumentLimits } from './zkauth.js';
import { markReady, ZkAuthError } from './common.js';

export * from './api.js';
export { DeliverySession } from './session.js';
export { createPkce, createState, parseCallback } from './oauth.js';

let ready;

/** Idempotent. With no argument, loads `zkauth_bg.wasm` next to this file. A failure (a
 *  fetch error, HTML instead of wasm, a CSP or runtime that refuses compilation) is ZkAuthError
 *  "wasm_load_failed" with the cause kept; `init()` may then be called again. */
export function init(input) {
  ready ??= initWasm({ module_or_path: input ?? new URL('./zkauth_bg.wasm', import.meta.url) }).then(
    () => markReady(__argumentLimits()),
    (e) => {
      ready = undefined;
      throw new ZkAuthError('wasm_load_failed', `zkauth_bg.wasm could not be loaded: ${e instanceof Error ? e.name : typeof e}`, { cause: e });
    },
  );
  return ready;
}
