// The whole zkauth flow in Chromium against the real server (issue 10): the login page on the
// issuer origin, the demo app on its own origin, every refusal a user can meet, no CSP or
// Trusted Types violation, and no secret in the server's files or logs afterwards.
//
// The tests run in order and share one account: each builds on the previous one's state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as zk from 'zkauth';
import { CLIENT_ID, CLIENT_NAME, NodeClient, Watcher, clearOutputs, dataFiles, launch, recordCallbacks, scan, shot, startServer } from './harness.mjs';

const tag = randomBytes(4).toString('hex');
const EMAIL = `ada-${tag}@example.com`;
const PW1 = `correct horse battery staple ${tag}`;
const PW2 = `second password after a change ${tag}`;
const PW3 = `third password after recovery ${tag}`;
const WRONG = `not my password ${tag}`;
const NOTE = { title: `Launch codes ${tag}`, body: `the owl flies at midnight ${randomBytes(6).toString('hex')}` };

const WRONG_LOGIN = 'The e-mail address or password is not right.';
const KEY_REFUSED = 'The key sent to this app did not pass its checks, so it was thrown away. Please sign in again.';
const APP_SESSION_ENDED = 'Your session with this app has ended. Please sign in again.';
const ZK_SWAPPED = 'This sign-in link carries another key than the one the app sent to the login service, so nothing can be sent. Go back to the app and sign in again.';

let srv;
let browser;
const watcher = new Watcher();
const callbacks = []; // every callback URL an app page loaded (with its fragment JWE)
const keyBytes = []; // what NodeClient.keyBytes learned after each password
let recoveryKey = null;
let recoveredApp = null; // an app page signed in after the recovery (test 4 uses its token)

before(async () => {
  clearOutputs();
  srv = await startServer('flow');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

// ---- helpers -------------------------------------------------------------------------------

async function newContext(server = srv) {
  const ctx = await browser.newContext();
  await watcher.attach(ctx);
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.issuer });
  return ctx;
}

async function newPage(ctx) {
  const page = await ctx.newPage();
  callbacks.push(recordCallbacks(page));
  return page;
}

const onOrigin = (page, origin) => page.waitForURL((u) => u.origin === origin);

/** Waits until the page (on `origin`) shows one of `views`, or an error; returns the view. */
async function waitView(page, origin, ...views) {
  await onOrigin(page, origin);
  const sel = views.map((v) => `body[data-view="${v}"]`).join(', ');
  await page.waitForSelector(sel);
  return page.evaluate(() => document.body.dataset.view);
}

async function errorText(page) {
  const el = page.locator('#error');
  return (await el.isVisible()) ? (await el.textContent()).trim() : null;
}

/** From the app's front page to the issuer's login page. */
async function appSignIn(page) {
  await page.goto(`${srv.appOrigin}/`);
  await waitView(page, srv.appOrigin, 'signedout');
  await page.click('#signin');
  return waitView(page, srv.issuer, 'login', 'reauth');
}

async function login(page, email, password) {
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

/** On the consent page: approve and wait for the app's notes. */
async function approve(page) {
  await waitView(page, srv.issuer, 'consent');
  await page.click('#consent-approve');
  const v = await waitView(page, srv.appOrigin, 'notes', 'signedout');
  assert.equal(v, 'notes', `the app refused: ${await errorText(page)}`);
}

async function noteTexts(page) {
  await page.waitForSelector('#notes li, #notes-empty:not([hidden])');
  return page.$$eval('#notes li', (lis) => lis.map((li) => li.textContent));
}

/** What the page's origin keeps in storage: nothing key-related may be there. */
async function storage(page) {
  return page.evaluate(async () => {
    const dbs = (await indexedDB.databases()).map((d) => d.name);
    let pending = 0;
    if (dbs.includes('zkauth')) {
      pending = await new Promise((resolve, reject) => {
        const req = indexedDB.open('zkauth');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('delivery-session')) return resolve(0);
          const c = db.transaction('delivery-session').objectStore('delivery-session').count();
          c.onsuccess = () => {
            db.close();
            resolve(c.result);
          };
        };
      });
    }
    return { local: localStorage.length, session: Object.keys(sessionStorage), pending, cookies: document.cookie.split(';').map((c) => c.trim().split('=')[0]).filter(Boolean) };
  });
}

// ---- 1. register → recovery key → authorize → note → log out → log in → note --------------

test('register, see the recovery key once, authorize the app, write a note; log out, log in again, and the note decrypts', async () => {
  const ctx = await newContext();
  const page = await newPage(ctx);
  await page.goto(`${srv.appOrigin}/`);
  await waitView(page, srv.appOrigin, 'signedout');
  await shot(page, 'app-signed-out');

  await page.click('#signin');
  assert.equal(await waitView(page, srv.issuer, 'login'), 'login');
  assert.match(await page.textContent('#context'), new RegExp(`continue to ${CLIENT_NAME}`));
  await shot(page, 'login-for-app');

  await page.click('#to-register');
  await page.fill('#register-name', 'Ada Lovelace');
  await page.fill('#register-email', EMAIL);
  await page.fill('#register-password', PW1);
  await page.fill('#register-password2', PW1);
  await shot(page, 'register');
  await page.click('#register-submit');
  await waitView(page, srv.issuer, 'recovery');
  recoveryKey = (await page.textContent('#recovery-key')).trim();
  assert.match(recoveryKey, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(await page.isDisabled('#recovery-continue'), 'cannot continue before confirming');
  await page.click('#recovery-copy');
  await page.waitForSelector('#recovery-copied:not([hidden])');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), recoveryKey, 'Copy puts the key on the clipboard');
  await shot(page, 'recovery-key');
  await page.check('#recovery-saved');
  await page.click('#recovery-continue');
  assert.equal(await page.textContent('#recovery-key'), '', 'shown once: gone from the page after confirming');

  await waitView(page, srv.issuer, 'consent');
  assert.equal(await page.textContent('#consent-client'), CLIENT_NAME);
  assert.equal(await page.textContent('#consent-origin'), srv.appOrigin);
  assert.ok(await page.isVisible('#consent-key'));
  assert.deepEqual(await storage(page), { local: 0, session: [], pending: 0, cookies: ['__Host-zkauth-csrf'] }, 'login page: nothing key-related in storage');
  await shot(page, 'consent');
  await approve(page);
  const url = new URL(page.url());
  assert.equal(url.hash, '', 'fragment removed from the URL');
  assert.equal(url.pathname + url.search, '/', 'code and state removed too');
  const cbs = callbacks.flat();
  assert.ok(cbs.some((u) => u.includes('#darkauth_key_jwe=')), `a v2 fragment JWE reached the callback: ${cbs}`);
  assert.deepEqual((await storage(page)).session, [], 'app: pending sign-in state removed');
  assert.equal((await storage(page)).pending, 0, 'app: the ephemeral key is gone');
  assert.equal((await storage(page)).local, 0);
  await shot(page, 'app-signed-in');

  await page.fill('#note-title', NOTE.title);
  await page.fill('#note-body', NOTE.body);
  await page.click('#note-save');
  await page.waitForSelector('#notes li');
  const texts = await noteTexts(page);
  assert.equal(texts.length, 1);
  assert.ok(texts[0].includes(NOTE.title) && texts[0].includes(NOTE.body));
  await shot(page, 'note-written');

  // The server holds only ciphertext; the CAK the login page derived opens it (checked in Node).
  keyBytes.push(await new NodeClient(srv.issuer).keyBytes(EMAIL, PW1));

  // Log out of the app (the key is dropped) and of the login service.
  await page.click('#signout');
  await waitView(page, srv.appOrigin, 'signedout');
  await page.goto(`${srv.issuer}/`);
  await waitView(page, srv.issuer, 'account');
  await page.click('#logout');
  await waitView(page, srv.issuer, 'login');
  await shot(page, 'logged-out');

  // Log in again through the app; a reload on the consent page loses the root key, so the page
  // asks for the password again instead of failing.
  assert.equal(await appSignIn(page), 'login');
  await login(page, EMAIL, PW1);
  await waitView(page, srv.issuer, 'consent');
  await page.reload();
  assert.equal(await waitView(page, srv.issuer, 'reauth'), 'reauth');
  await shot(page, 'reauth-after-reload');
  await page.fill('#reauth-password', PW1);
  await page.click('#reauth-submit');
  await approve(page);
  const again = await noteTexts(page);
  assert.ok(again.some((t) => t.includes(NOTE.body)), 'the same note decrypts after logging in again');
  await shot(page, 'note-after-login-again');

  // A reload of the app loses the key and offers to sign in again.
  await page.reload();
  assert.equal(await waitView(page, srv.appOrigin, 'signedout'), 'signedout');
  await ctx.close();
});

// ---- 2. password change ---------------------------------------------------------------------

test('change the password; the note still decrypts, and the old password no longer works', async () => {
  const ctx = await newContext();
  const page = await newPage(ctx);
  await page.goto(`${srv.issuer}/`);
  await waitView(page, srv.issuer, 'login');
  await login(page, EMAIL, PW1);
  await waitView(page, srv.issuer, 'account');

  // A wrong current password is refused before anything changes.
  await page.fill('#change-current', WRONG);
  await page.fill('#change-new', PW2);
  await page.fill('#change-new2', PW2);
  await page.click('#change-submit');
  await page.waitForSelector('#error:not([hidden])');
  assert.equal(await errorText(page), 'The current password is not right.');

  await page.fill('#change-current', PW1);
  await page.fill('#change-new', PW2);
  await page.fill('#change-new2', PW2);
  await page.click('#change-submit');
  await page.waitForSelector('#notice:not([hidden])');
  assert.match(await page.textContent('#notice'), /password was changed/);
  await shot(page, 'password-changed');

  // The app signs in with the new password (the page has a session but no keys: it asks).
  assert.equal(await appSignIn(page), 'reauth');
  await page.fill('#reauth-password', PW2);
  await page.click('#reauth-submit');
  await approve(page);
  assert.ok((await noteTexts(page)).some((t) => t.includes(NOTE.body)), 'the note decrypts after the password change');
  await shot(page, 'note-after-password-change');

  const k = await new NodeClient(srv.issuer).keyBytes(EMAIL, PW2);
  assert.ok(!k.exportKey.equals(keyBytes[0].exportKey), 'a new export key');
  assert.ok(k.root.equals(keyBytes[0].root) && k.cak.equals(keyBytes[0].cak), 'the same root key and app key');
  keyBytes.push(k);

  const other = await newContext();
  const p2 = await newPage(other);
  await p2.goto(`${srv.issuer}/`);
  await waitView(p2, srv.issuer, 'login');
  await login(p2, EMAIL, PW1);
  await p2.waitForSelector('#error:not([hidden])');
  assert.equal(await errorText(p2), WRONG_LOGIN, 'the old password is refused');
  await other.close();
  await ctx.close();
});

// ---- 3. forgotten password ------------------------------------------------------------------

test('forgotten password: the recovery key opens the data, a new password is set, the note decrypts', async () => {
  assert.ok(recoveryKey, 'test 1 showed the recovery key');
  const ctx = await newContext();
  const page = await newPage(ctx);
  assert.equal(await appSignIn(page), 'login');
  await page.click('#to-forgot');
  await waitView(page, srv.issuer, 'forgot');

  // A wrong recovery key is refused like an unknown e-mail.
  await page.fill('#forgot-email', EMAIL);
  await page.fill('#forgot-key', 'A'.repeat(43));
  await page.fill('#forgot-new', PW3);
  await page.fill('#forgot-new2', PW3);
  await page.click('#forgot-submit');
  await page.waitForSelector('#error:not([hidden])');
  assert.equal(await errorText(page), 'The e-mail address or recovery key is not right.');

  await page.fill('#forgot-key', recoveryKey);
  await page.fill('#forgot-new', PW3);
  await page.fill('#forgot-new2', PW3);
  await shot(page, 'forgot-password');
  await page.click('#forgot-submit');
  await waitView(page, srv.issuer, 'consent');
  assert.match(await page.textContent('#notice'), /password was reset/);
  await shot(page, 'recovered-consent');
  await approve(page);
  assert.ok((await noteTexts(page)).some((t) => t.includes(NOTE.body)), 'the note decrypts after the recovery');
  await shot(page, 'note-after-recovery');
  recoveredApp = page;

  const k = await new NodeClient(srv.issuer).keyBytes(EMAIL, PW3);
  assert.ok(k.root.equals(keyBytes[0].root) && k.cak.equals(keyBytes[0].cak), 'the same root key and app key');
  keyBytes.push(k);
});

// ---- 4. sessions ----------------------------------------------------------------------------

test('two browsers: revoke one from the other; "log out everywhere" ends the other and the app tokens', async () => {
  const [c1, c2] = [await newContext(), await newContext()];
  const [p1, p2] = [await newPage(c1), await newPage(c2)];
  for (const p of [p1, p2]) {
    await p.goto(`${srv.issuer}/`);
    await waitView(p, srv.issuer, 'login');
    await login(p, EMAIL, PW3);
    await waitView(p, srv.issuer, 'account');
  }
  await p1.reload();
  await waitView(p1, srv.issuer, 'account');
  await p1.waitForSelector('#sessions li');
  const items = await p1.$$('#sessions li');
  assert.ok(items.length >= 2, 'both sessions are listed');
  assert.equal(await p1.locator('#sessions li .current').count(), 1);
  await shot(p1, 'sessions');

  // p1 revokes p2's session (p2's page marks its own): p2's next load finds no session.
  const p2Handle = await p2.getAttribute('#sessions li:has(.current)', 'data-handle');
  assert.ok(p2Handle);
  await p1.click(`#sessions li[data-handle="${p2Handle}"] button`);
  await p1.waitForSelector('#notice:not([hidden])');
  await p2.reload();
  assert.equal(await waitView(p2, srv.issuer, 'login'), 'login', 'the revoked session is gone');

  await login(p2, EMAIL, PW3);
  await waitView(p2, srv.issuer, 'account');
  await p2.click('#logout-all');
  await p2.waitForSelector('#notice:not([hidden])');
  assert.match(await p2.textContent('#notice'), /signed out everywhere/);
  await shot(p2, 'logged-out-everywhere');

  await p1.reload();
  assert.equal(await waitView(p1, srv.issuer, 'login'), 'login', 'the other browser is signed out');
  await shot(p1, 'other-browser-signed-out');

  // The app's access token (from test 3) was revoked too.
  assert.ok(recoveredApp, 'test 3 left an app page signed in');
  await recoveredApp.click('#notes-refresh');
  assert.equal(await waitView(recoveredApp, srv.appOrigin, 'signedout'), 'signedout');
  assert.equal(await errorText(recoveredApp), APP_SESSION_ENDED);
  await shot(recoveredApp, 'app-token-revoked');
  await c1.close();
  await c2.close();
});

// ---- 5. refusals a user meets ---------------------------------------------------------------

test('refusals', async (t) => {
  await t.test('wrong password and unknown user read the same', async () => {
    const ctx = await newContext();
    const page = await newPage(ctx);
    await page.goto(`${srv.issuer}/`);
    await waitView(page, srv.issuer, 'login');
    // The button shows a busy state while the KSF runs.
    await page.fill('#login-email', EMAIL);
    await page.fill('#login-password', WRONG);
    await page.evaluate(() => {
      // Records every state the button goes through (a poll could miss a short busy phase).
      const b = document.querySelector('#login-submit');
      window.__busySeen = false;
      new MutationObserver(() => {
        if (b.classList.contains('busy') && b.disabled && b.getAttribute('aria-busy') === 'true') window.__busySeen = true;
      }).observe(b, { attributes: true });
    });
    await page.click('#login-submit');
    await page.waitForSelector('#error:not([hidden])');
    await page.waitForFunction(() => !document.querySelector('#login-submit').disabled);
    assert.equal(await page.evaluate(() => window.__busySeen), true, 'busy state shown');
    assert.equal(await errorText(page), WRONG_LOGIN);
    assert.equal(await page.inputValue('#login-password'), '', 'the password field is cleared');
    await shot(page, 'wrong-password');
    await login(page, `nobody-${tag}@example.com`, WRONG);
    await page.waitForFunction(() => !document.querySelector('#login-submit').disabled);
    assert.equal(await errorText(page), WRONG_LOGIN, 'an unknown user looks the same');
    await ctx.close();
  });

  const ctx = await newContext();
  const page = await newPage(ctx);

  await t.test('deny returns access_denied to the app', async () => {
    assert.equal(await appSignIn(page), 'login');
    await login(page, EMAIL, PW3);
    await waitView(page, srv.issuer, 'consent');
    await page.click('#consent-deny');
    assert.equal(await waitView(page, srv.appOrigin, 'signedout'), 'signedout');
    assert.equal(await errorText(page), 'You declined to sign in to this app.');
    await shot(page, 'app-denied');
  });

  let signedIn = null; // the callback URL of a completed sign-in
  await t.test('a reused code is refused and revokes the tokens it gave', async () => {
    const before = callbacks.flat().length;
    assert.equal(await appSignIn(page), 'reauth');
    await page.fill('#reauth-password', PW3);
    await page.click('#reauth-submit');
    await approve(page);
    signedIn = callbacks.flat().slice(before).find((u) => u.includes('#darkauth_key_jwe='));
    assert.ok(signedIn);
    const code = new URL(signedIn).searchParams.get('code');
    const replay = await page.evaluate(async ({ issuer, code, clientId, redirect }) => {
      const r = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: clientId, redirect_uri: redirect, code_verifier: 'A'.repeat(43) }),
      });
      return { status: r.status, body: await r.json() };
    }, { issuer: srv.issuer, code, clientId: CLIENT_ID, redirect: `${srv.appOrigin}/callback` });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    await page.click('#notes-refresh');
    assert.equal(await waitView(page, srv.appOrigin, 'signedout'), 'signedout');
    assert.equal(await errorText(page), APP_SESSION_ENDED, 'the app sees its tokens revoked');
    await shot(page, 'code-reused');
  });

  await t.test('a replayed callback URL is refused and gives no key', async () => {
    assert.ok(signedIn);
    await page.goto(signedIn);
    assert.equal(await waitView(page, srv.appOrigin, 'signedout'), 'signedout');
    assert.equal(await errorText(page), 'This sign-in response was already used or has expired. Please sign in again.');
    assert.equal(new URL(page.url()).hash, '');
    await shot(page, 'callback-replayed');
  });

  await t.test('a tampered fragment JWE is refused; the app keeps no key', async () => {
    const evil = await newContext();
    // A man-in-the-middle on the redirect: flips one character of the JWE ciphertext before the
    // app's script runs.
    await evil.addInitScript(() => {
      const m = /^#darkauth_key_jwe=(.*)$/.exec(location.hash);
      if (location.pathname !== '/callback' || !m) return;
      const parts = decodeURIComponent(m[1]).split('.');
      parts[3] = (parts[3][0] === 'A' ? 'B' : 'A') + parts[3].slice(1);
      history.replaceState(null, '', `${location.pathname}${location.search}#darkauth_key_jwe=${encodeURIComponent(parts.join('.'))}`);
    });
    const p = await newPage(evil);
    assert.equal(await appSignIn(p), 'login');
    await login(p, EMAIL, PW3);
    await waitView(p, srv.issuer, 'consent');
    await p.click('#consent-approve');
    assert.equal(await waitView(p, srv.appOrigin, 'signedout', 'notes'), 'signedout');
    assert.equal(await errorText(p), KEY_REFUSED);
    const s = await storage(p);
    assert.equal(s.pending, 0, 'the ephemeral key is deleted');
    assert.deepEqual(s.session, []);
    assert.equal(await p.isVisible('#view-notes'), false);
    await shot(p, 'tampered-fragment');
    await evil.close();
  });

  await t.test('a form POST to /authorize/finalize from another origin is refused (403)', async () => {
    // A live authorization request of this user, waiting on the password.
    assert.equal(await appSignIn(page), 'reauth');
    const requestId = new URL(page.url()).searchParams.get('request_id');
    assert.ok(requestId);
    const attack = (origin) => `<!doctype html><title>win a prize</title><form method="post" action="${srv.issuer}/authorize/finalize">
      <input name="request_id" value="${requestId}"><input name="approve" value="true"><input name="zk_key_hash" value="${'A'.repeat(43)}"></form>
      <script>document.forms[0].submit()</script><p>${origin}</p>`;
    const attacker = await ctx.newPage();
    const appPort = new URL(srv.appOrigin).port;
    // Same site (another port of localhost: the app's origin) and cross-site (127.0.0.1).
    for (const origin of [srv.appOrigin, `http://127.0.0.1:${appPort}`]) {
      await attacker.route(`${origin}/attack.html`, (route) => route.fulfill({ contentType: 'text/html', body: attack(origin) }));
      const [res] = await Promise.all([
        attacker.waitForResponse((r) => r.url() === `${srv.issuer}/authorize/finalize`),
        attacker.goto(`${origin}/attack.html`),
      ]);
      assert.equal(res.status(), 403, `from ${origin}`);
      assert.equal((await res.json()).error, 'csrf_refused');
      await attacker.waitForURL(`${srv.issuer}/authorize/finalize`);
      await shot(attacker, origin.includes('127.0.0.1') ? 'csrf-cross-site-refused' : 'csrf-same-site-refused');
    }
    await attacker.close();
    // The request was not consumed: the user can still finish it.
    await page.fill('#reauth-password', PW3);
    await page.click('#reauth-submit');
    await approve(page);
  });

  await t.test('a forged Origin is refused even with the right CSRF token (403)', async () => {
    await page.goto(`${srv.issuer}/`);
    await waitView(page, srv.issuer, 'account');
    const csrf = (await ctx.cookies(srv.issuer)).find((c) => c.name === '__Host-zkauth-csrf')?.value;
    assert.ok(csrf);
    const send = (path, origin, data = '{}') =>
      ctx.request.post(`${srv.issuer}${path}`, { headers: { origin, 'x-csrf-token': csrf, 'content-type': 'application/json' }, data });
    // Control: the same call from the issuer's origin passes the CSRF layer (and fails on the body).
    const ok = await send('/crypto/keybag/envelopes', srv.issuer);
    assert.equal(ok.status(), 400, await ok.text());
    for (const origin of ['http://evil.example', srv.appOrigin, 'null']) {
      const r = await send('/logout/all', origin);
      assert.equal(r.status(), 403, `Origin ${origin}`);
      assert.equal((await r.json()).error, 'csrf_refused');
    }
    const r = await send('/opaque/login/start', 'http://evil.example', JSON.stringify({ email: EMAIL, request: 'AA' }));
    assert.equal(r.status(), 403, 'login CSRF refused too');
    await page.reload();
    assert.equal(await waitView(page, srv.issuer, 'account'), 'account', 'the session survived the forged logout/all');
  });

  await ctx.close();

  await t.test('repeated wrong passwords hit the rate limit, shown as a sentence (429)', async () => {
    // A second server, with a low login limit and the Argon2id OPAQUE profile (so the login
    // page's other profile path runs too: register, then log out).
    const limited = await startServer('ratelimit', { login: { burst: 3, per_minute: 1 }, profile: 'argon2id' });
    try {
      const c = await newContext(limited);
      const p = await c.newPage();
      await p.goto(`${limited.issuer}/`);
      await waitView(p, limited.issuer, 'login');
      assert.equal((await (await fetch(`${limited.issuer}/opaque/config`)).json()).profile, 'argon2id');
      await p.click('#to-register');
      await p.fill('#register-email', EMAIL);
      await p.fill('#register-password', PW1);
      await p.fill('#register-password2', PW1);
      await p.click('#register-submit');
      await waitView(p, limited.issuer, 'recovery');
      await p.check('#recovery-saved');
      await p.click('#recovery-continue');
      await waitView(p, limited.issuer, 'account');
      await p.click('#logout');
      await waitView(p, limited.issuer, 'login');
      const seen = [];
      for (let i = 0; i < 4; i++) {
        const [res] = await Promise.all([
          p.waitForResponse((r) => r.url().endsWith('/opaque/login/start')),
          login(p, EMAIL, `${WRONG} ${i}`),
        ]);
        await p.waitForFunction(() => !document.querySelector('#login-submit').disabled);
        seen.push([res.status(), await errorText(p)]);
      }
      assert.deepEqual(seen.slice(0, 3), [[200, WRONG_LOGIN], [200, WRONG_LOGIN], [200, WRONG_LOGIN]]);
      assert.equal(seen[3][0], 429);
      assert.match(seen[3][1], /^Too many attempts\. Wait \d+ seconds and try again\.$/);
      await shot(p, 'rate-limited');
      await c.close();
    } finally {
      await limited.stop();
    }
    assert.deepEqual(scan({ ...dataFiles(limited.dataDir), 'rate-limit server log': limited.log() }, { password: PW1, 'wrong password': WRONG }), []);
    assert.deepEqual(scan({ 'rate-limit server log': limited.log() }, { email: EMAIL }), []);
  });

  await t.test("a link with another zk_pub for a live request: consent shows the server's request, refuses to approve, never finalizes", async () => {
    const c = await newContext();
    const p = await newPage(c);
    const finalizes = [];
    p.on('request', (r) => {
      if (new URL(r.url()).pathname === '/authorize/finalize') finalizes.push(`${r.method()} ${r.url()}`);
    });
    assert.equal(await appSignIn(p), 'login');
    const genuine = p.url();
    // The attacker's link: the app's live request_id with the attacker's own zk_pub, and a
    // made-up app name, redirect URI and scopes.
    const forged = new URL(genuine);
    const attackerKey = zk.DeliveryKeyPair.generate();
    forged.searchParams.set('zk_pub', attackerKey.zkPub);
    attackerKey.free();
    forged.searchParams.set('client_name', 'Your bank');
    forged.searchParams.set('redirect_uri', 'https://evil.example/callback');
    forged.searchParams.set('scopes', 'openid email offline_access');
    await p.goto(forged.href);
    await waitView(p, srv.issuer, 'login');
    await login(p, EMAIL, PW3);
    await waitView(p, srv.issuer, 'consent');
    assert.equal(await errorText(p), ZK_SWAPPED);
    assert.ok(await p.isDisabled('#consent-approve'), 'Approve is disabled');
    assert.equal(await p.isVisible('#consent-key'), false, 'no key is promised');
    assert.equal(await p.textContent('#consent-client'), CLIENT_NAME, "the server's client, not the link's");
    assert.equal(await p.textContent('#consent-origin'), srv.appOrigin, "the server's redirect URI, not the link's");
    assert.deepEqual(await p.$$eval('#consent-scopes li', (lis) => lis.map((li) => li.textContent)), ['Know which account you use', 'See your name and e-mail address'], "the server's scopes");
    await shot(p, 'zk-pub-swapped');
    // The seal refuses by itself too: Approve forced on and pressed sends nothing.
    await p.evaluate(() => {
      const b = document.querySelector('#consent-approve');
      b.disabled = false;
      b.click();
    });
    await p.waitForFunction(() => !document.querySelector('#consent-approve').classList.contains('busy'));
    assert.equal(await errorText(p), ZK_SWAPPED);
    assert.equal(await waitView(p, srv.issuer, 'consent'), 'consent');
    assert.deepEqual(finalizes, [], 'no /authorize/finalize request was made');
    // Control: the app's own link for the same request still completes (it was not consumed).
    await p.goto(genuine);
    assert.equal(await waitView(p, srv.issuer, 'reauth'), 'reauth');
    await p.fill('#reauth-password', PW3);
    await p.click('#reauth-submit');
    await approve(p);
    assert.equal(finalizes.length, 1, `one finalize, from the genuine link: ${finalizes}`);
    await c.close();
  });
});

// ---- 6. CSP and Trusted Types ---------------------------------------------------------------

test('no CSP or Trusted Types violation and no uncaught error on any page', async () => {
  assert.deepEqual(watcher.violations, []);
  assert.deepEqual(watcher.pageErrors, []);
  // Control: the watcher does see violations on these pages (a string into innerHTML, an
  // inline style attribute), so the empty list above means something.
  const control = new Watcher();
  const ctx = await browser.newContext();
  await control.attach(ctx);
  const page = await ctx.newPage();
  await page.goto(`${srv.issuer}/`);
  await waitView(page, srv.issuer, 'login');
  await page.evaluate(() => {
    try {
      document.body.innerHTML = '<b>x</b>';
    } catch {
      // Trusted Types throws; the violation is reported anyway
    }
    document.body.setAttribute('style', 'color: red');
  });
  await page.waitForTimeout(200);
  await ctx.close();
  assert.ok(control.violations.some((v) => /trusted/i.test(v)), `Trusted Types violation seen: ${control.violations}`);
  assert.ok(control.violations.some((v) => /style/i.test(v)), `inline style violation seen: ${control.violations}`);
});

// ---- 7. the server never saw a secret -------------------------------------------------------

test("the server's database and log hold no password, key, note plaintext or JWE", async () => {
  assert.equal(keyBytes.length, 3, 'key bytes learned after each password');
  await srv.stop(); // flushes the WAL and the log
  const jwes = [...new Set(callbacks.flat().map((u) => /#darkauth_key_jwe=(.*)$/.exec(u)?.[1]).filter(Boolean).map(decodeURIComponent))];
  assert.ok(jwes.length >= 5, `JWEs captured: ${jwes.length}`);
  const secrets = {
    'password 1': PW1,
    'password 2': PW2,
    'password 3': PW3,
    'wrong password': WRONG,
    'note title': NOTE.title,
    'note body': NOTE.body,
    'recovery key': recoveryKey,
    'root key': keyBytes[0].root,
    'client app key': keyBytes[0].cak,
  };
  keyBytes.forEach((k, i) => {
    secrets[`export key ${i + 1}`] = k.exportKey;
  });
  jwes.forEach((j, i) => {
    secrets[`JWE ${i + 1}`] = j;
  });
  const files = dataFiles(srv.dataDir);
  assert.ok(Object.keys(files).some((f) => f.endsWith('zkauth.db')), `the database file: ${Object.keys(files)}`);
  const log = srv.log();
  assert.ok(log.includes('/authorize/finalize'), 'the log was captured');
  // Control: the scan finds what is there (the e-mail address is in the users table).
  assert.notDeepEqual(scan(files, { email: EMAIL }), [], 'the scan reads the database');
  const hits = scan({ ...files, 'server log': log }, secrets);
  assert.deepEqual(hits, []);
  assert.deepEqual(scan({ 'server log': log }, { email: EMAIL }), [], 'no login identity in the log');
});
