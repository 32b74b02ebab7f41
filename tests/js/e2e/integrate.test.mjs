// docs/integrate.md, executed: every fenced block of the guide runs here, so the guide cannot
// drift from what the SDK, openid-client and zkauth-server do. TOML blocks are loaded by the
// server (a client registration each), the shell block runs the real binary (its secret and
// config line feed the backend), and each JavaScript block is saved under the file name after
// its language and run in doc_child.mjs against the server over https, while Chromium plays
// the user on the real login page. The only edit: `https://login.example` becomes the test
// server's issuer. A block of another kind, or without a file name, fails the test.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, SERVER_BIN, launch, shot, startServer } from './harness.mjs';

const DOC = join(ROOT, 'docs/integrate.md');
const RUN_DIR = join(ROOT, 'tests/js/.doc-run'); // under tests/js: bare imports resolve there
const SPA_ORIGIN = 'https://notes.example';
const BACKEND_ORIGIN = 'https://backend.example';

/** The guide's fenced blocks: { lang, name, code }. */
function blocks(text) {
  const out = [];
  const re = /^```([^\n]*)\n([\s\S]*?)^```\s*$/gm;
  for (const m of text.matchAll(re)) {
    const [lang, name = null, ...rest] = m[1].trim().split(/\s+/);
    assert.equal(rest.length, 0, `a block's info string is "lang [file]": ${m[1]}`);
    out.push({ lang, name, code: m[2] });
  }
  return out;
}

const doc = readFileSync(DOC, 'utf8');
const all = blocks(doc);
const tomls = all.filter((b) => b.lang === 'toml');
const shells = all.filter((b) => b.lang === 'sh');
const files = all.filter((b) => b.lang === 'js');

let srv;
let browser;
let child;
const tag = randomBytes(4).toString('hex');
const EMAIL = `grace-${tag}@example.com`;
const PASSWORD = `integrate guide password ${tag}`;

after(async () => {
  child?.kill();
  await browser?.close();
  await srv?.stop();
});

test('every block of docs/integrate.md is one this test runs', () => {
  for (const b of all) {
    assert.ok(['toml', 'sh', 'js'].includes(b.lang), `a ${b.lang} block cannot be run: give it one of toml, sh, js`);
    if (b.lang === 'js') assert.match(b.name ?? '', /^[a-z]+\/[a-z]+\.js$/, 'a js block names its file');
  }
  assert.equal(tomls.length, 2, 'the SPA and backend registrations');
  assert.equal(shells.length, 1, 'zkauth-server client-secret');
  assert.deepEqual(files.map((f) => f.name), ['spa/signin.js', 'spa/callback.js', 'backend/oidc.js', 'backend/routes.js']);
});

/** Runs the shell block with the built binary; returns { secret, line }. */
function clientSecret() {
  const [sh] = shells;
  const argv = sh.code.trim().split(/\s+/);
  assert.equal(argv[0], 'zkauth-server');
  const out = execFileSync(SERVER_BIN, argv.slice(1), { encoding: 'utf8' });
  const secret = /it is not stored\): (\S+)/.exec(out)?.[1];
  const line = /^client_secret_sha256 = "[A-Za-z0-9_-]{43}"$/m.exec(out)?.[0];
  assert.ok(secret && line, `client-secret printed a secret and a config line: ${out}`);
  return { secret, line };
}

/** The URL of the app page that `step(page)` (a navigation) ends on. A server's 302 to an app
 *  origin bypasses the route that answers for it, so the request is read as it leaves the
 *  browser (its host does not resolve, and the page ends on an error page, which is closed). */
async function redirectedTo(ctx, step) {
  const page = await ctx.newPage();
  const leaving = page.waitForRequest((r) => r.isNavigationRequest() && new URL(r.url()).origin === BACKEND_ORIGIN);
  await Promise.all([leaving, step(page).catch(() => {})]);
  const url = (await leaving).url();
  await page.close();
  return url;
}

/** One request to the doc child over IPC. */
let nextId = 0;
function ask(msg) {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const on = (m) => {
      if (m.id !== id) return;
      child.off('message', on);
      if (m.ok) resolve(m.result);
      else reject(Object.assign(new Error(m.error.message), m.error));
    };
    child.on('message', on);
    child.send({ ...msg, id });
  });
}

/** The user's part in Chromium: open the authorization URL, register (first time) or sign in,
 *  approve, and return the callback URL the login page sent the browser to (with fragment). */
async function userApproves(page, url, appOrigin, step) {
  await page.goto(url);
  await page.waitForURL((u) => u.origin === srv.issuer);
  await page.waitForSelector('body[data-view="login"], body[data-view="consent"], body[data-view="reauth"]');
  const view = await page.evaluate(() => document.body.dataset.view);
  if (view === 'login' && step.register) {
    await page.click('#to-register');
    await page.fill('#register-email', EMAIL);
    await page.fill('#register-password', PASSWORD);
    await page.fill('#register-password2', PASSWORD);
    await page.click('#register-submit');
    await page.waitForSelector('body[data-view="recovery"]');
    await page.check('#recovery-saved');
    await page.click('#recovery-continue');
  } else if (view === 'reauth') {
    // Signed in at the login service, but its page holds no keys after a reload: the password
    // unlocks them.
    await page.fill('#reauth-password', PASSWORD);
    await page.click('#reauth-submit');
  } else if (view === 'login') {
    await page.fill('#login-email', EMAIL);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
  }
  await page.waitForSelector('body[data-view="consent"]');
  await shot(page, `${step.name}-consent`, 'integrate');
  await page.click('#consent-approve');
  await page.waitForURL((u) => u.origin === appOrigin);
  return page.url();
}

test('docs/integrate.md runs: a SPA with openid-client and zkauth/app, a confidential backend', { timeout: 180_000 }, async (t) => {
  const { secret, line } = clientSecret();
  const [spaToml, backendToml] = tomls;
  const backendConfig = backendToml.code.replace(/^client_secret_sha256 = .*$/m, line);
  assert.notEqual(backendConfig, backendToml.code, 'the backend block has the client_secret_sha256 line to paste over');
  // Not from the guide: a private_key_jwt client (RFC 7523) whose key the test makes, to run
  // the guide's backend routes with openid-client's PrivateKeyJwt instead of a secret.
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const pub = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const jwtKey = Buffer.from(await crypto.subtle.exportKey('pkcs8', pair.privateKey)).toString('base64');
  const jwtClient = `[[clients]]
client_id = "jwt-backend"
client_type = "confidential"
token_endpoint_auth_method = "private_key_jwt"
jwks = { keys = [ { kty = "EC", crv = "P-256", kid = "k1", x = "${pub.x}", y = "${pub.y}" } ] }
redirect_uris = ["https://backend.example/callback"]
zk_delivery = "none"
`;
  srv = await startServer('integrate', { https: true, extraConfig: `\n${spaToml.code}\n${backendConfig}\n${jwtClient}` });

  rmSync(RUN_DIR, { recursive: true, force: true });
  for (const f of files) {
    const path = join(RUN_DIR, f.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.code.replaceAll('https://login.example', srv.issuer));
  }
  // An independent check of ID tokens: jose against the served JWKS (in the child, which
  // trusts the test CA).
  writeFileSync(join(RUN_DIR, 'jose_check.js'), `import { createRemoteJWKSet, jwtVerify } from 'jose';
const jwks = createRemoteJWKSet(new URL('${srv.issuer}/.well-known/jwks.json'));
export async function verify(_session, idToken, audience) {
  const { payload, protectedHeader } = await jwtVerify(idToken, jwks, { issuer: '${srv.issuer}', audience });
  return { payload, alg: protectedHeader.alg };
}
`);
  // The backend's routes again, over a private_key_jwt client.
  mkdirSync(join(RUN_DIR, 'jwt'), { recursive: true });
  writeFileSync(join(RUN_DIR, 'jwt/routes.js'), files.find((f) => f.name === 'backend/routes.js').code);
  writeFileSync(join(RUN_DIR, 'jwt/oidc.js'), `import * as oidc from 'openid-client';
export const REDIRECT_URI = 'https://backend.example/callback';
const key = await crypto.subtle.importKey('pkcs8', Buffer.from(process.env.JWT_KEY_PKCS8, 'base64'), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
export const config = await oidc.discovery(new URL('${srv.issuer}'), 'jwt-backend', undefined, oidc.PrivateKeyJwt({ key, kid: 'k1' }));
`);
  child = fork(join(ROOT, 'tests/js/e2e/doc_child.mjs'), [], {
    cwd: join(ROOT, 'tests/js'),
    env: { ...process.env, NODE_EXTRA_CA_CERTS: srv.ca, NOTES_CLIENT_SECRET: secret, JWT_KEY_PKCS8: jwtKey },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => child.once('message', resolve));

  browser = await launch();
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  // The apps' origins do not exist: Chromium asks the test, which answers with an empty page.
  for (const origin of [SPA_ORIGIN, BACKEND_ORIGIN]) {
    await ctx.route(`${origin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>app</title>' }));
  }
  const page = await ctx.newPage();
  const spa = (name) => join(RUN_DIR, 'spa', name);

  let firstNote;
  await t.test('the SPA signs in, receives its key and writes a note', async () => {
    const start = await ask({ op: 'page', file: spa('signin.js'), href: `${SPA_ORIGIN}/` });
    const authz = new URL(start.assigned);
    assert.equal(authz.origin + authz.pathname, `${srv.issuer}/authorize`);
    assert.ok(authz.searchParams.get('zk_pub'), 'zk_pub travels with the request');
    const cb = await userApproves(page, authz.href, SPA_ORIGIN, { name: 'spa', register: true });
    assert.match(cb, /^https:\/\/notes\.example\/callback\?.*#darkauth_key_jwe=/, 'a code and a fragment JWE');
    assert.equal(new URL(cb).searchParams.get('iss'), srv.issuer, 'RFC 9207 iss');
    const done = await ask({ op: 'page', file: spa('callback.js'), href: cb });
    assert.equal(done.href, cb.slice(0, cb.indexOf('#')), 'parseCallback took the fragment off the address');
    assert.deepEqual(done.logs.filter((l) => l.startsWith('note:')), [], 'a new account has no notes');
    assert.ok(done.logs.includes(`signed in as ${EMAIL}`), done.logs.join('\n'));
    firstNote = done.logs.find((l) => l.startsWith('wrote note '))?.slice('wrote note '.length);
    assert.match(firstNote ?? '', /^[0-9a-f-]{36}$/, done.logs.join('\n'));
  });

  await t.test('a second sign-in receives the same key: the first note decrypts', async () => {
    const start = await ask({ op: 'page', file: spa('signin.js'), href: `${SPA_ORIGIN}/` });
    const cb = await userApproves(page, start.assigned, SPA_ORIGIN, { name: 'spa-again' });
    const done = await ask({ op: 'page', file: spa('callback.js'), href: cb });
    const notes = done.logs.filter((l) => l.startsWith('note: written at '));
    assert.equal(notes.length, 1, done.logs.join('\n'));

    // The same callback again. A reload: this tab has no sign-in in progress any more.
    const failed = (e, code) => {
      assert.ok(e.logs.includes(`sign-in failed: ${code}`), e.logs.join('\n'));
      return true;
    };
    await assert.rejects(ask({ op: 'page', file: spa('callback.js'), href: cb }), (e) => failed(e, 'no_signin_in_progress'));
    // A page that kept its state: the code is used, so the token endpoint says invalid_grant.
    await assert.rejects(ask({ op: 'page', file: spa('callback.js'), href: cb, storage: start.storage }), (e) => failed(e, 'invalid_grant'));
  });

  await t.test('the backend signs in with client_secret_basic, reads userinfo, introspects, signs out', async () => {
    const routes = join(RUN_DIR, 'backend/routes.js');
    const { value: url } = await ask({ op: 'call', file: routes, fn: 'signIn', session: 'b' });
    const authz = new URL(url);
    assert.equal(authz.searchParams.get('zk_pub'), null, 'no key for a backend');
    const cb = await userApproves(page, url, BACKEND_ORIGIN, { name: 'backend' });
    assert.ok(!cb.includes('#'), 'no fragment for a client without key delivery');
    const { value: claims, session } = await ask({ op: 'call', file: routes, fn: 'callback', session: 'b', args: [cb] });
    assert.equal(claims.email, EMAIL);
    assert.equal(claims.aud, 'notes-backend');
    const checked = await ask({ op: 'call', file: join(RUN_DIR, 'jose_check.js'), fn: 'verify', session: 'x', args: [session.idToken, 'notes-backend'] });
    assert.equal(checked.value.alg, 'RS256', 'the default algorithm');
    assert.equal(checked.value.payload.sub, claims.sub, 'jose verifies the ID token openid-client accepted');
    const { value: info } = await ask({ op: 'call', file: routes, fn: 'profile', session: 'b' });
    assert.equal(info.sub, claims.sub);
    assert.equal(info.email, EMAIL);
    assert.equal((await ask({ op: 'call', file: routes, fn: 'active', session: 'b' })).value, true);
    const out = await ask({ op: 'call', file: routes, fn: 'signOut', session: 'b' });
    assert.deepEqual(Object.keys(out.session), ['signOutState'], 'the session keeps only the state to check');
    const end = new URL(out.value);
    assert.equal(end.origin + end.pathname, `${srv.issuer}/end_session`);
    // RP-Initiated Logout with the ID token as hint: the login service signs out at once and
    // sends the browser back with the state.
    assert.equal(await redirectedTo(ctx, (p) => p.goto(end.href)), `${BACKEND_ORIGIN}/signed-out?state=${out.session.signOutState}`);
    await page.goto(`${srv.issuer}/`);
    await page.waitForSelector('body[data-view="login"]');
    await shot(page, 'backend-signed-out', 'integrate');
  });

  await t.test('without a hint the login page asks before signing out', async () => {
    const routes = join(RUN_DIR, 'backend/routes.js');
    const { value: url } = await ask({ op: 'call', file: routes, fn: 'signIn', session: 'q' });
    await userApproves(page, url, BACKEND_ORIGIN, { name: 'backend-relogin' });
    const bare = `${srv.issuer}/end_session?client_id=notes-backend&post_logout_redirect_uri=${encodeURIComponent(`${BACKEND_ORIGIN}/signed-out`)}&state=bare`;
    await page.goto(bare);
    await page.waitForSelector('body[data-view="end-session"]');
    await shot(page, 'end-session-confirm', 'integrate');
    await page.click('#end-session-cancel');
    await page.waitForSelector('body[data-view="account"]');
    // The account page lists the apps approved (remembered consent, what prompt=none needs).
    await page.waitForSelector('#consents li[data-client="notes-backend"]');
    assert.match(await page.textContent('#consents li[data-client="notes-backend"]'), /^Notes \(server\) · openid profile email · approved /);
    const confirmed = await redirectedTo(ctx, async (p) => {
      await p.goto(bare);
      await p.waitForSelector('body[data-view="end-session"]');
      await p.click('#end-session-confirm');
    });
    assert.equal(confirmed, `${BACKEND_ORIGIN}/signed-out?state=bare`);
    await page.goto(`${srv.issuer}/end_session`);
    await page.waitForSelector('body[data-view="login"]');
    assert.equal(await page.textContent('#notice'), 'You are signed out.');
  });

  await t.test('the same backend routes with private_key_jwt: openid-client signs a client assertion', async () => {
    const routes = join(RUN_DIR, 'jwt/routes.js');
    const { value: url } = await ask({ op: 'call', file: routes, fn: 'signIn', session: 'j' });
    const cb = await userApproves(page, url, BACKEND_ORIGIN, { name: 'jwt-backend' });
    const { value: claims } = await ask({ op: 'call', file: routes, fn: 'callback', session: 'j', args: [cb] });
    assert.equal(claims.aud, 'jwt-backend');
    assert.equal((await ask({ op: 'call', file: routes, fn: 'profile', session: 'j' })).value.email, EMAIL);
    assert.equal((await ask({ op: 'call', file: routes, fn: 'active', session: 'j' })).value, true, 'introspection with an assertion');
    await ask({ op: 'call', file: routes, fn: 'signOut', session: 'j' });
  });

  await t.test('after sign-out the family is revoked: introspection says inactive, userinfo and refresh refuse', async () => {
    const routes = join(RUN_DIR, 'backend/routes.js');
    const { value: url } = await ask({ op: 'call', file: routes, fn: 'signIn', session: 'c' });
    const cb = await userApproves(page, url, BACKEND_ORIGIN, { name: 'backend-again' });
    const { session } = await ask({ op: 'call', file: routes, fn: 'callback', session: 'c', args: [cb] });
    assert.equal((await ask({ op: 'call', file: routes, fn: 'active', session: 'c' })).value, true);
    await ask({ op: 'call', file: routes, fn: 'signOut', session: 'c' });
    // The signed-out session's tokens, kept by someone who copied them.
    const stolen = { sub: session.sub, accessToken: session.accessToken, refreshToken: session.refreshToken };
    assert.equal((await ask({ op: 'call', file: routes, fn: 'active', session: 'stolen', init: stolen })).value, false);
    await assert.rejects(ask({ op: 'call', file: routes, fn: 'profile', session: 'stolen', init: stolen }), (e) => {
      assert.equal(e.error, 'invalid_grant', 'userinfo refused the access token, then the refresh grant the revoked family');
      return true;
    });
  });
});
