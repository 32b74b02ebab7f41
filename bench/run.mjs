// Benchmarks, printed as ratios against peers measured in the same run (run from tests/js by
// `make bench`): OPAQUE client finish (darkauth) in headless Chromium vs native, and openV2
// vs jose compactDecrypt in the same Chromium page.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launch, serve } from '../tests/js/harness.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const p50 = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const native = execFileSync('cargo', ['bench', '--bench', 'opaque', '--features', 'bench', '--', '15'], { cwd: ROOT, encoding: 'utf8' });
const nativeP50 = Number(/native_client_finish_ms p50=([\d.]+)/.exec(native)[1]);
const nativeArgonP50 = Number(/native_argon2id_finish_ms p50=([\d.]+)/.exec(native)[1]);

const { server, origin } = await serve();
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(`${origin}/tests/js/browser/blank.html`);
  const browserTimes = await page.evaluate(async () => {
    const b = await import('/target/bench-pkg/zkauth.js');
    await b.default({ module_or_path: '/target/bench-pkg/zkauth_bg.wasm' });
    return { darkauth: Array.from(b.benchDarkauthClientFinish(15)), argon2id: Array.from(b.benchArgon2idClientFinish(7)) };
  });
  const wasmP50 = p50(browserTimes.darkauth);
  console.log(`opaque client finish (darkauth, scrypt N=32768): chromium p50 ${wasmP50.toFixed(1)} ms, native p50 ${nativeP50.toFixed(1)} ms, ratio ${(wasmP50 / nativeP50).toFixed(2)}x (goal <= 1.3x)`);
  const argonP50 = p50(browserTimes.argon2id);
  console.log(`opaque client finish (argon2id 64 MiB t=3 p=4): chromium p50 ${argonP50.toFixed(1)} ms, native p50 ${nativeArgonP50.toFixed(1)} ms, ratio ${(argonP50 / nativeArgonP50).toFixed(2)}x`);

  const d = await page.evaluate(async () => {
    const zk = await import('/pkg/index.js');
    const jose = await import('/tests/js/node_modules/jose/dist/webapi/index.js');
    await zk.init();
    // One recipient key: a WebCrypto CryptoKey for jose (its fastest path), the same key as a JWK for zkauth.
    const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
    const kp2 = zk.DeliveryKeyPair.fromPrivateJwk(JSON.stringify(await crypto.subtle.exportKey('jwk', pair.privateKey)));
    const root = zk.RootKey.generate();
    const app = root.deriveClientAppKey({ sub: 'u', keyId: 'k', clientId: 'c' });
    const s2 = zk.sealDeliveryV2(app, kp2.zkPub, { sub: 'u', clientId: 'c', requestId: 'r', state: 's', redirectUri: 'https://a/cb', keyId: 'k' });
    const e2 = { zkKeyHash: s2.zkKeyHash, zkKeyKind: 'client_app_key', zkKeyVersion: 'v2', clientId: 'c', redirectUri: 'https://a/cb', state: 's' };
    const kpJwk = pair;
    // Chromium clamps performance.now() to 100 µs without cross-origin isolation: time batches.
    const BATCH = 25;
    const zkT = [], joseT = [];
    for (let i = 0; i < 40; i++) {
      let t = performance.now();
      for (let j = 0; j < BATCH; j++) kp2.openV2(s2.jwe, e2).free();
      zkT.push((performance.now() - t) / BATCH);
      t = performance.now();
      for (let j = 0; j < BATCH; j++) await jose.compactDecrypt(s2.jwe, kpJwk.privateKey);
      joseT.push((performance.now() - t) / BATCH);
    }
    return { zkT, joseT };
  });
  const zk50 = p50(d.zkT), jose50 = p50(d.joseT);
  console.log(`openV2 (chromium): zkauth p50 ${zk50.toFixed(3)} ms, jose compactDecrypt p50 ${jose50.toFixed(3)} ms, ratio ${(zk50 / jose50).toFixed(2)}x (goals: p50 <= 1 ms, <= 2x jose)`);
} finally {
  await browser.close();
  server.close();
}
