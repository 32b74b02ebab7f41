// docs/errors.md and the package's TypeScript union ZkAuthErrorCode list exactly the same codes
// (tests/error_catalogue.rs checks the catalogue against the Rust enums and js/codes.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const catalogue = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8').split('\n## CLI only')[0];
const dts = readFileSync(new URL('./node_modules/zkauth/index.d.ts', import.meta.url), 'utf8');

test('docs/errors.md and the ZkAuthErrorCode union list the same codes', () => {
  const documented = [...catalogue.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]);
  const union = /export type ZkAuthErrorCode =([^;]*);/.exec(dts);
  assert.ok(union, 'index.d.ts has no ZkAuthErrorCode union');
  const typed = [...union[1].matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]);
  assert.match(dts, /readonly code: ZkAuthErrorCode;/);
  assert.equal(new Set(documented).size, documented.length, 'a code is documented twice');
  assert.deepEqual([...typed].sort(), [...documented].sort());
  console.log(`ZkAuthErrorCode: ${typed.length} codes, all documented`);
});
