// Runs browser/suite.html in headless Chromium (Debian's, via playwright-core) against the
// built web package, and reports each in-page test as a Node subtest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, serve } from './harness.mjs';
import { startPeer, sweepInputs } from './sweep_support.mjs';

test('browser suite in headless Chromium', async (t) => {
  const { server, origin } = await serve();
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${origin}/tests/js/browser/suite.html`);
    await page.waitForFunction(() => window.__done === true || window.__failedToLoad, null, { timeout: 120_000 }).catch(() => {});
    const results = await page.evaluate(() => window.__results ?? null);
    assert.ok(results, `suite did not finish: ${errors.join('; ')}`);
    console.log(`chromium ${browser.version()}: ${results.length} in-page tests`);
    for (const r of results) await t.test(r.name, () => assert.ok(r.ok, r.error));
  } finally {
    await browser.close();
    server.close();
  }
});

test('DeliverySession survives a navigation (begin on one page load, complete on the next)', async () => {
  const { server, origin } = await serve();
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/tests/js/browser/blank.html`);
    const zkPub = await page.evaluate(async () => {
      const zk = await import('/pkg/index.js');
      await zk.init();
      const { zkPub } = await zk.DeliverySession.begin();
      // The login page seals to zk_pub (here in the same origin for the test).
      const root = zk.RootKey.generate();
      const app = root.deriveClientAppKey({ sub: 'u', keyId: 'k', clientId: 'c' });
      const s = zk.sealDeliveryV2(app, zkPub, { sub: 'u', clientId: 'c', requestId: 'r', redirectUri: 'https://a/cb', keyId: 'k' });
      sessionStorage.setItem('jwe', s.jwe);
      return zkPub;
    });
    assert.equal(typeof zkPub, 'string');
    await page.goto(`${origin}/tests/js/browser/blank.html?callback`);
    const out = await page.evaluate(async () => {
      const zk = await import('/pkg/index.js');
      await zk.init();
      const jwe = sessionStorage.getItem('jwe');
      const key = await zk.DeliverySession.complete(jwe, { zkKeyHash: zk.hashB64u(jwe), zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: 'c', redirectUri: 'https://a/cb' });
      return { kind: key.kind, len: key.exportRawKey().length };
    });
    assert.deepEqual(out, { kind: 'client_app_key', len: 32 });
  } finally {
    await browser.close();
    server.close();
  }
});

test('hostile-input sweep over every export (headless Chromium)', async () => {
  const { server, origin } = await serve();
  const browser = await launch();
  const peer = startPeer();
  try {
    const page = await browser.newPage();
    await page.exposeFunction('opaquePeer', (message) => peer.send(message));
    await page.goto(`${origin}/tests/js/browser/blank.html`);
    const report = await page.evaluate(async (inputs) => {
      const zk = await import('/pkg/index.js');
      await zk.init();
      const { sweep } = await import('/tests/js/sweep.js');
      return sweep(zk, { ...inputs, peer: (message) => window.opaquePeer(message) });
    }, sweepInputs());
    console.log(`sweep (chromium): ${report.exports} exports, ${report.calls} calls (${report.mustThrow} that must throw): ${report.threw} threw, ${report.returned} returned; slowest ${report.slowest.ms.toFixed(1)} ms (${report.slowest.what}); codes ${JSON.stringify(report.byCode)}`);
    assert.deepEqual(report.failures, []);
    assert.equal(report.honestFlow, 'ok');
  } finally {
    peer.stop();
    await browser.close();
    server.close();
  }
});
