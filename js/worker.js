// workerd entry (Cloudflare Workers, the `workerd` export condition): runtimes that forbid
// compiling wasm from bytes import the .wasm as a compiled WebAssembly.Module; it is
// instantiated synchronously at import, and init() resolves at once.
import module from './zkauth_bg.wasm';
import { initSync, __argumentLimits } from './zkauth.js';
import { markReady } from './common.js';

initSync({ module });
markReady(__argumentLimits());

export * from './api.js';
export { DeliverySession } from './session.js';
export { createPkce, createState, parseCallback } from './oauth.js';
export { passkeyCreationOptions, passkeyRequestOptions, passkeyResponse } from './passkey.js';

/** Ready at import; kept for API symmetry with the browser build. */
export function init() {
  return Promise.resolve();
}
