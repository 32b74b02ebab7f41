// The release gate of docs/invariants.md: every invariant (`## I<n>. …`) lists at least one
// test (`- cargo \`name\`` or `- node \`name\``), and every test it lists ran and passed in
// this `make test`, as the runners' own output says (target/test-logs/*.log): cargo test and
// wasm-bindgen-test-runner print `test <name> ... ok`, node's spec reporter `✔ <name> (…)`.
// Usage: node tests/invariants.mjs DOC LOG_DIR. Exit 0 when every invariant holds, 1 with the
// reasons otherwise, 2 on a usage error.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The invariants of the document: [{id, title, tests: [{runner, name}]}]. */
export function parseInvariants(text) {
  const out = [];
  let current = null;
  for (const line of text.split('\n')) {
    const heading = /^## (I\d+)\. (.+)$/.exec(line);
    if (heading) {
      current = { id: heading[1], title: heading[2], tests: [] };
      out.push(current);
      continue;
    }
    if (/^## /.test(line)) current = null;
    const item = /^- (cargo|node) `(.+)`\s*$/.exec(line);
    if (item && current) current.tests.push({ runner: item[1], name: item[2] });
  }
  return out;
}

/** The tests that passed, by runner, from the runners' output. */
export function passedTests(logs) {
  const passed = { cargo: new Set(), node: new Set() };
  for (const log of logs) {
    for (const m of log.matchAll(/^test (\S+) \.\.\. ok$/gm)) passed.cargo.add(m[1]);
    for (const m of log.matchAll(/^\s*✔ (.+?) \(\d+(?:\.\d+)?m?s\)\s*$/gm)) passed.node.add(m[1]);
  }
  return passed;
}

/** The reasons the gate fails (empty when every invariant holds). */
export function check(text, logs) {
  const invariants = parseInvariants(text);
  const passed = passedTests(logs);
  const problems = [];
  if (invariants.length === 0) problems.push('the document lists no invariant');
  const ids = new Set();
  for (const inv of invariants) {
    if (ids.has(inv.id)) problems.push(`${inv.id} appears twice`);
    ids.add(inv.id);
    if (inv.tests.length === 0) problems.push(`${inv.id} (${inv.title}) lists no test`);
    for (const t of inv.tests) {
      if (!passed[t.runner].has(t.name)) problems.push(`${inv.id}: ${t.runner} test \`${t.name}\` did not run or did not pass in this make test`);
    }
  }
  return { invariants, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [doc, logDir] = process.argv.slice(2);
  if (!doc || !logDir) {
    console.error('usage: node tests/invariants.mjs DOC LOG_DIR');
    process.exit(2);
  }
  const logs = readdirSync(logDir).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(logDir, f), 'utf8'));
  const { invariants, problems } = check(readFileSync(doc, 'utf8'), logs);
  if (problems.length) {
    console.error(`release gate (${doc}): ${problems.length} problem(s)`);
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  const count = invariants.reduce((n, i) => n + i.tests.length, 0);
  console.log(`release gate: ${invariants.length} invariants hold, by ${count} test results of this run (${doc})`);
}
