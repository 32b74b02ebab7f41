// The JS stack a DarkAuth login page runs, as the peer of our DarkAuth-profile login finish:
// @cloudflare/opaque-ts's client with its ScryptMemHardFn (@noble/hashes scrypt N=32768, r=8,
// p=1, as opaque-ts pins it). bench/run.mjs bundles this file with esbuild for the bench page
// (opaque-ts reaches noble through a CommonJS path a browser cannot import as is).
import { OpaqueClient, OpaqueID, OpaqueServer, ScryptMemHardFn, getOpaqueConfig } from '@cloudflare/opaque-ts';

const must = (v) => {
  if (v instanceof Error) throw v;
  return v;
};

/** Client login-finish times (ms), KE2 in to KE3 out, KSF included, over `n` logins. */
export async function opaqueTsClientFinishMs(n) {
  const cfg = getOpaqueConfig(OpaqueID.OPAQUE_P256);
  const server = new OpaqueServer(cfg, cfg.prng.random(cfg.hash.Nh), await cfg.ake.generateAuthKeyPair(), 'server');
  const reg = new OpaqueClient(cfg, ScryptMemHardFn);
  const response = must(await server.registerInit(must(await reg.registerInit('benchmark password')), 'user'));
  const { record } = must(await reg.registerFinish(response, 'server', 'user'));
  const times = [];
  for (let i = 0; i < n; i++) {
    const client = new OpaqueClient(cfg, ScryptMemHardFn);
    const ke1 = must(await client.authInit('benchmark password'));
    const { ke2, expected } = must(await server.authInit(ke1, record, 'user', 'user'));
    const t = performance.now();
    const fin = must(await client.authFinish(ke2, 'server', 'user'));
    times.push(performance.now() - t);
    must(server.authFinish(fin.ke3, expected));
  }
  return times;
}
