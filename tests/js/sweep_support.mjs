// What the hostile-input sweep needs from Node, in Node and for the Chromium page alike: the
// export signatures (parsed from the package's .d.ts by js/signatures.js, as the build does), the
// documented codes (docs/errors.md), and the native OPAQUE server (examples/opaque_peer.rs,
// built by `make test-js`) for the honest flow.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseSignatures } from '../../js/signatures.js';

export function sweepInputs() {
  const dts = readFileSync(new URL('./node_modules/zkauth/zkauth.d.ts', import.meta.url), 'utf8');
  const catalogue = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8').split('\n## CLI only')[0];
  const documented = [...catalogue.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]);
  return { signatures: parseSignatures(dts), documented };
}

/** The OPAQUE peer as `send(message) -> Promise<answer>` (one JSON line each way). */
export function startPeer() {
  const path = process.env.OPAQUE_PEER ?? new URL('../../target/debug/examples/opaque_peer', import.meta.url).pathname;
  if (!existsSync(path)) throw new Error(`${path} is missing: cargo build --example opaque_peer --features server (make test-js does)`);
  const child = spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(JSON.parse(l)));
  const send = (message) =>
    new Promise((resolve, reject) => {
      waiting.push((answer) => (answer.error ? reject(new Error(`opaque peer: ${answer.error}`)) : resolve(answer)));
      child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  return { send, stop: () => child.kill() };
}
