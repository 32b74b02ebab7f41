// The built web package in every engine (Chromium, Firefox ESR, WebKitGTK: tests/js/engines.mjs;
// E2E_ENGINES picks): browser/suite.html (jose interop, Wycheproof JWE, DeliverySession,
// OAuth helpers) reported as Node subtests; a DeliverySession that survives a navigation; the
// hostile-input sweep over every export, whose honest flow talks to the native OPAQUE peer
// over fetch; and the SIMD fallback, forced by an engine that validates no SIMD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchEngine, selectedEngines } from './engines.mjs';
import { serve } from './harness.mjs';
import { startPeer, sweepInputs } from './sweep_support.mjs';

/** Runs `fn(page, origin)` on a fresh page of `engine` against the static server. */
async function withPage(engineName, routes, fn) {
  const { server, origin } = await serve(routes);
  const engine = await launchEngine(engineName);
  try {
    const ctx = await engine.newContext();
    const page = await ctx.newPage();
    return await fn(page, origin, engine);
  } finally {
    await engine.close();
    server.close();
  }
}

for (const engineName of selectedEngines()) {
  test(`browser suite in ${engineName}`, { timeout: 240_000 }, async (t) => {
    await withPage(engineName, {}, async (page, origin, engine) => {
      await page.goto(`${origin}/tests/js/browser/suite.html`);
      await page.waitUntil(() => window.__done === true || !!window.__failedToLoad, undefined, 'the in-page suite', 180_000);
      const results = await page.evaluate(() => window.__results ?? null);
      assert.ok(results, 'suite did not finish');
      console.log(`${engineName} ${engine.version}: ${results.length} in-page tests`);
      for (const r of results) await t.test(r.name, () => assert.ok(r.ok, r.error));
    });
  });

  test(`DeliverySession survives a navigation (${engineName})`, { timeout: 120_000 }, async () => {
    await withPage(engineName, {}, async (page, origin) => {
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
    });
  });

  test(`hostile-input sweep over every export (${engineName})`, { timeout: 240_000 }, async () => {
    const peer = startPeer();
    try {
      await withPage(engineName, { '/peer': (body) => peer.send(JSON.parse(body)) }, async (page, origin) => {
        await page.goto(`${origin}/tests/js/browser/blank.html`);
        const report = await page.evaluate(async (inputs) => {
          const zk = await import('/pkg/index.js');
          await zk.init();
          const { sweep } = await import('/tests/js/sweep.js');
          const peer = async (message) => {
            const r = await fetch('/peer', { method: 'POST', body: JSON.stringify(message) });
            const answer = await r.json();
            if (!r.ok) throw new Error(answer.error);
            return answer;
          };
          const out = await sweep(zk, { ...inputs, peer });
          return JSON.parse(JSON.stringify(out));
        }, sweepInputs());
        console.log(`sweep (${engineName}): ${report.exports} exports, ${report.calls} calls (${report.mustThrow} that must throw): ${report.threw} threw, ${report.returned} returned; slowest ${report.slowest.ms.toFixed(1)} ms (${report.slowest.what}); codes ${JSON.stringify(report.byCode)}`);
        assert.deepEqual(report.failures, []);
        assert.equal(report.honestFlow, 'ok');
      });
    } finally {
      peer.stop();
    }
  });

  test(`without wasm SIMD, init() loads each entry's SIMD-free module, which works (${engineName})`, { timeout: 120_000 }, async () => {
    await withPage(engineName, {}, async (page, origin) => {
      const seen = {};
      for (const entry of ['', 'app/']) {
        for (const force of [true, false]) {
          // A fresh document each time: one module map, one wasm instance per document.
          await page.goto(`${origin}/tests/js/browser/blank.html?${entry}${force}`);
          seen[`${entry || 'zkauth/'}${force ? ' without SIMD' : ''}`] = await page.evaluate(async ([noSimd, dir]) => {
            // An engine without SIMD validates no module that uses it (the probe included).
            if (noSimd) WebAssembly.validate = () => false;
            const zk = await import(`/pkg/${dir}index.js`);
            await zk.init();
            const loaded = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm'));
            // Real work in the module: SHA-256 (FIPS 180-2 "abc"), and a delivery sealed and
            // opened (login entry) or an app data key round trip (app entry).
            let roundTrip;
            if (zk.sealDeliveryV2) {
              const kp = zk.DeliveryKeyPair.generate();
              const app = zk.RootKey.generate().deriveClientAppKey({ sub: 'u', keyId: 'k', clientId: 'c' });
              const s = zk.sealDeliveryV2(app, kp.zkPub, { sub: 'u', clientId: 'c', requestId: 'r', redirectUri: 'https://a/cb', keyId: 'k' });
              roundTrip = kp.openV2(s.jwe, { zkKeyHash: s.zkKeyHash, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: 'c', redirectUri: 'https://a/cb' }).kind;
            } else {
              const { zkPub, zkPubKid } = await zk.DeliverySession.begin();
              await zk.DeliverySession.cancel(zkPubKid);
              roundTrip = typeof zkPub;
            }
            return { loaded, hash: zk.hashB64u('abc'), roundTrip };
          }, [force, entry]);
        }
      }
      const abc = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';
      assert.deepEqual(seen, {
        'zkauth/ without SIMD': { loaded: ['/pkg/zkauth_nosimd_bg.wasm'], hash: abc, roundTrip: 'client_app_key' },
        'zkauth/': { loaded: ['/pkg/zkauth_bg.wasm'], hash: abc, roundTrip: 'client_app_key' },
        'app/ without SIMD': { loaded: ['/pkg/app/zkauth_nosimd_bg.wasm'], hash: abc, roundTrip: 'string' },
        'app/': { loaded: ['/pkg/app/zkauth_bg.wasm'], hash: abc, roundTrip: 'string' },
      });
    });
  });
}
