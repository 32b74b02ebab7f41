// The release gate itself (tests/invariants.mjs): it fails when an invariant lists no test,
// names a test that did not run or did not pass, or when the document lists nothing; it passes
// on cargo's and node's real output formats. And the real docs/invariants.md names at least
// one test per invariant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { check, parseInvariants } from '../invariants.mjs';

const DOC = `# x
## I1. One
- cargo \`flow::a\`
- node \`the page works\`
## I2. Two
- cargo \`b\`
## Not tied to a test
- cargo \`ignored\`
`;
const CARGO = 'running 2 tests\ntest flow::a ... ok\ntest b ... ok\ntest c ... FAILED\n';
const NODE = '▶ suite\n  ✔ the page works (12.5ms)\n  ✖ the other page (3ms)\n';

test('the gate passes when every listed test ran and passed', () => {
  const { invariants, problems } = check(DOC, [CARGO, NODE]);
  assert.deepEqual(problems, []);
  assert.deepEqual(invariants.map((i) => [i.id, i.tests.length]), [['I1', 2], ['I2', 1]]);
});

test('the gate fails on an invariant without a test, a missing, failed or skipped test, or an empty document', () => {
  assert.deepEqual(check(`${DOC}## I3. Three\nno tests here\n`, [CARGO, NODE]).problems, ['I3 (Three) lists no test']);
  assert.match(check(DOC.replace('flow::a', 'flow::gone'), [CARGO, NODE]).problems.join(), /I1: cargo test `flow::gone` did not run/);
  assert.match(check(DOC.replace('`b`', '`c`'), [CARGO, NODE]).problems.join(), /I2: cargo test `c`/, 'a failed test does not count');
  assert.match(check(DOC.replace('the page works', 'the other page'), [CARGO, NODE]).problems.join(), /I1: node test/);
  assert.match(check(DOC, [CARGO]).problems.join(), /I1: node test `the page works`/, 'a runner whose output is missing');
  assert.deepEqual(check('# nothing\n', [CARGO]).problems, ['the document lists no invariant']);
  assert.match(check(`${DOC}## I1. Again\n- cargo \`b\`\n`, [CARGO, NODE]).problems.join(), /I1 appears twice/);
});

test('docs/invariants.md lists at least one test for every invariant', () => {
  const invariants = parseInvariants(readFileSync(new URL('../../docs/invariants.md', import.meta.url), 'utf8'));
  assert.ok(invariants.length >= 10, `${invariants.length} invariants`);
  for (const inv of invariants) assert.ok(inv.tests.length >= 1, `${inv.id} lists no test`);
});
