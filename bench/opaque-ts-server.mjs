// The server-side peer for make bench: @cloudflare/opaque-ts (OPAQUE-3DH P-256, the field's
// TypeScript implementation, draft-07) doing a server's login work in Node: KE1 in, KE2 out
// (OPRF evaluation, 3DH), then KE3 verified. Messages are (de)serialised as a server would,
// the record is read from bytes each time, and the client's work is not timed. One Node thread,
// so the rate is per core.
import { IdentityMemHardFn, KE1, KE3, OpaqueClient, OpaqueID, OpaqueServer, RegistrationRecord, getOpaqueConfig } from '@cloudflare/opaque-ts';

/** Server logins per second over `n` logins (after a short warm-up). */
export async function opaqueTsServerLoginsPerSecond(n) {
  const cfg = getOpaqueConfig(OpaqueID.OPAQUE_P256);
  const server = new OpaqueServer(cfg, cfg.prng.random(cfg.hash.Nh), await cfg.ake.generateAuthKeyPair(), 'server');
  const must = (v) => {
    if (v instanceof Error) throw v;
    return v;
  };
  // The client's KSF is irrelevant to the server's cost: identity keeps the untimed part short.
  const reg = new OpaqueClient(cfg, IdentityMemHardFn);
  const response = must(await server.registerInit(must(await reg.registerInit('benchmark password')), 'user'));
  const record = must(await reg.registerFinish(response, 'server', 'user')).record.serialize();
  const WARMUP = 3;
  let total = 0;
  for (let i = 0; i < WARMUP + n; i++) {
    const client = new OpaqueClient(cfg, IdentityMemHardFn);
    const ke1 = must(await client.authInit('benchmark password')).serialize();
    let t = performance.now();
    const init = must(await server.authInit(KE1.deserialize(cfg, ke1), RegistrationRecord.deserialize(cfg, record), 'user', 'user'));
    const ke2 = init.ke2.serialize();
    let elapsed = performance.now() - t;
    const fin = must(await client.authFinish(init.ke2.constructor.deserialize(cfg, ke2), 'server', 'user'));
    t = performance.now();
    const done = must(server.authFinish(KE3.deserialize(cfg, fin.ke3.serialize()), init.expected));
    elapsed += performance.now() - t;
    if (done.session_key.join() !== fin.session_key.join()) throw new Error('opaque-ts: session keys differ');
    if (i >= WARMUP) total += elapsed;
  }
  return n / (total / 1000);
}
