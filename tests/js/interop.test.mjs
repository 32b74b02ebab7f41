// jose interop and Wycheproof JWE in Node, against the built package imported by name.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import * as zk from 'zkauth';
import { v1Rounds, v2Rounds, wycheproofJwe } from './interop.js';

test('v2: jose seals → zkauth opens, zkauth seals → jose opens (32 rounds)', () => v2Rounds(zk, jose, 32));
test('v1: both directions (32 rounds)', () => v1Rounds(zk, jose, 32));
test('Wycheproof JWE: only tcId 78 decrypts; every other case refused', () => {
  const doc = JSON.parse(readFileSync(new URL('../vectors/wycheproof/json_web_encryption_test.json', import.meta.url)));
  assert.equal(wycheproofJwe(zk, doc), 139);
});
