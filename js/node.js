// Node entry: instantiates zkauth_bg.wasm synchronously at import; init() resolves at once.
import { readFileSync } from 'node:fs';
import { initSync, __argumentLimits } from './zkauth.js';
import { markReady } from './common.js';

initSync({ module: readFileSync(new URL('./zkauth_bg.wasm', import.meta.url)) });
markReady(__argumentLimits());

export * from './api.js';
export { DeliverySession } from './session.js';
// parseCallback never touches history in Node (there is none): it only parses.
export { createPkce, createState, parseCallback } from './oauth.js';
export { passkeyCreationOptions, passkeyRequestOptions, passkeyResponse } from './passkey.js';

/** Node is ready at import; kept for API symmetry with the browser build. */
export function init() {
  return Promise.resolve();
}
