// Browser / bundler entry: `await init()` fetches and instantiates zkauth_bg.wasm once. Any
// call before it throws ZkAuthError "not_initialized".
import initWasm, { __argumentLimits } from './zkauth.js';
import { markReady } from './common.js';

export * from './api.js';
export { DeliverySession } from './session.js';
export { createPkce, createState, parseCallback } from './oauth.js';

let ready;

/** Idempotent. With no argument, loads `zkauth_bg.wasm` next to this file. */
export function init(input) {
  ready ??= initWasm({ module_or_path: input ?? new URL('./zkauth_bg.wasm', import.meta.url) }).then(
    () => markReady(__argumentLimits()),
    (e) => {
      ready = undefined;
      throw e;
    },
  );
  return ready;
}
