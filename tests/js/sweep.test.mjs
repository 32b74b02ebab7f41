// The hostile-input sweep (sweep.js) in Node, against the built package imported by its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as zk from 'zkauth';
import { sweepInputs, startPeer } from './sweep_support.mjs';
import { sweep } from './sweep.js';

test('hostile-input sweep over every export (Node)', async () => {
  const peer = startPeer();
  try {
    const report = await sweep(zk, { ...sweepInputs(), peer: peer.send });
    console.log(`sweep (node): ${report.exports} exports, ${report.calls} calls (${report.mustThrow} that must throw): ${report.threw} threw, ${report.returned} returned; slowest ${report.slowest.ms.toFixed(1)} ms (${report.slowest.what}); codes ${JSON.stringify(report.byCode)}`);
    assert.deepEqual(report.failures, []);
    assert.equal(report.honestFlow, 'ok');
    assert.ok(report.calls > 1000, `only ${report.calls} calls`);
  } finally {
    peer.stop();
  }
});
