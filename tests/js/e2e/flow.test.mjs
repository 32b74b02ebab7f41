// The whole zkauth flow in Chromium against the real server (issue 10): the login page on the
// issuer origin, the demo app on its own origin, every refusal a user can meet, no CSP or
// Trusted Types violation, and no secret in the server's files or logs afterwards.
//
// The tests run in order and share one account: each builds on the previous one's state.
// The shared state and page steps are in story.mjs, the refusals (test 5) in refusals.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_NAME, NodeClient, Watcher, dataFiles, scan, shot, startServer } from './harness.mjs';
import { refusals } from './refusals.mjs';
import {
  APP_SESSION_ENDED, EMAIL, NOTE, PW1, PW2, PW3, WRONG, WRONG_LOGIN,
  appSignIn, approve, begin, browser, callbacks, end, errorText, login, newContext, newPage, noteTexts, srv, storage, waitView, watcher,
} from './story.mjs';

const keyBytes = []; // what NodeClient.keyBytes learned after each password
let recoveryKey = null;
let recoveredApp = null; // an app page signed in after the recovery (test 4 uses its token)

before(begin);
after(end);

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

  // Every request the app's page makes after the callback, with the page's address at the time:
  // the code, state and fragment must be gone from it before the first one.
  const appRequests = [];
  page.on('request', (r) => {
    if (r.frame() === page.mainFrame() && new URL(r.url()).origin !== 'null' && r.resourceType() !== 'document' && new URL(page.url()).origin === srv.appOrigin) {
      appRequests.push({ url: r.url(), pageUrl: page.url() });
    }
  });

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
  assert.equal(await page.isVisible('#consent-root-key'), false, 'a v2 app gets its own key, not the root key');
  assert.deepEqual(await storage(page), { local: 0, session: [], pending: 0, cookies: ['zkauth-dev-csrf'] }, 'login page: nothing key-related in storage (the dev cookie profile: --dev on http)');
  await shot(page, 'consent');
  await approve(page);
  const url = new URL(page.url());
  assert.equal(url.hash, '', 'fragment removed from the URL');
  assert.equal(url.pathname + url.search, '/', 'code and state removed too');
  const afterCallback = appRequests.filter((r) => new URL(r.url).pathname === '/config.json' || new URL(r.url).pathname === '/token');
  assert.ok(afterCallback.some((r) => r.url.endsWith('/token')), `the token request was seen: ${JSON.stringify(appRequests)}`);
  for (const r of afterCallback) assert.equal(r.pageUrl, `${srv.appOrigin}/`, `${r.url} was requested while the address still held ${r.pageUrl}`);
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
  // Registration made the user's encryption key pair (wire profile §3.11) in wasm: the server
  // holds the public JWK and the private one wrapped under the root key, which opens here.
  assert.equal(keyBytes[0].encPrivate?.length, 32, 'the wrapped private key opens under the root key and matches the public key');

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

test('step-up: past the re-authentication window, revoking asks for the password; a wrong one changes nothing, Cancel changes nothing, the right one goes through', async () => {
  // A server whose window is 3 s instead of 5 minutes, so the test can outwait it.
  const stepSrv = await startServer('stepup', { reauthWindow: 3 });
  const [c1, c2] = [await newContext(stepSrv), await newContext(stepSrv)];
  try {
    const [p1, p2] = [await newPage(c1), await newPage(c2)];
    await p1.goto(`${stepSrv.issuer}/`);
    await waitView(p1, stepSrv.issuer, 'login');
    await p1.click('#to-register');
    await p1.fill('#register-email', EMAIL);
    await p1.fill('#register-password', PW1);
    await p1.fill('#register-password2', PW1);
    await p1.click('#register-submit');
    await waitView(p1, stepSrv.issuer, 'recovery');
    await p1.check('#recovery-saved');
    await p1.click('#recovery-continue');
    await waitView(p1, stepSrv.issuer, 'account');
    await p2.goto(`${stepSrv.issuer}/`);
    await waitView(p2, stepSrv.issuer, 'login');
    await login(p2, EMAIL, PW1);
    await waitView(p2, stepSrv.issuer, 'account');
    const p2Handle = await p2.getAttribute('#sessions li:has(.current)', 'data-handle');
    await p1.reload(); // the account page lists p2's session now
    await waitView(p1, stepSrv.issuer, 'account');
    await p1.waitForSelector(`#sessions li[data-handle="${p2Handle}"] button`);
    // Sessions that know their device: p2 is another browser (its own device cookie), and its
    // sign-in was a new device for the account, told once on p1's next visit.
    assert.match(await p1.textContent(`#sessions li[data-handle="${p2Handle}"] .when`), /^Chrome on Linux · active just now · signed in .+ · network 127\.0\.0\.0\/24$/);
    assert.match(await p1.textContent('#sessions li:has(.current) .when'), /^Chrome on Linux · this device · active /);
    await p1.waitForSelector('#notice:not([hidden])');
    assert.match(await p1.textContent('#notice'), /^New sign-in from Chrome on Linux \(network 127\.0\.0\.0\/24\) on .+ If this was not you, revoke that session below and change your password\.$/);
    await shot(p1, 'new-device-notice');
    await new Promise((r) => setTimeout(r, 4000)); // p1's login is now older than the window

    // Cancel: nothing changes.
    await p1.click(`#sessions li[data-handle="${p2Handle}"] button`);
    await waitView(p1, stepSrv.issuer, 'confirm');
    assert.equal(await p1.textContent('#confirm-email'), EMAIL);
    await shot(p1, 'step-up');
    await p1.click('#confirm-cancel');
    await waitView(p1, stepSrv.issuer, 'account');
    assert.equal(await errorText(p1), 'Nothing was changed.');
    await p2.reload();
    assert.equal(await waitView(p2, stepSrv.issuer, 'account', 'login'), 'account', 'p2 is still signed in');

    // A wrong password: refused, still asking; the right one: revoked.
    await p1.click(`#sessions li[data-handle="${p2Handle}"] button`);
    await waitView(p1, stepSrv.issuer, 'confirm');
    await p1.fill('#confirm-password', WRONG);
    await p1.click('#confirm-submit');
    await p1.waitForSelector('#error:not([hidden])');
    assert.equal(await errorText(p1), 'The password is not right.');
    assert.equal(await p1.evaluate(() => document.body.dataset.view), 'confirm');
    await p1.fill('#confirm-password', PW1);
    await p1.click('#confirm-submit');
    await waitView(p1, stepSrv.issuer, 'account');
    await p1.waitForSelector('#notice:not([hidden])');
    assert.equal(await p1.textContent('#notice'), 'That session was signed out.');
    await p2.reload();
    assert.equal(await waitView(p2, stepSrv.issuer, 'account', 'login'), 'login', 'p2 was revoked');
  } finally {
    await c1.close();
    await c2.close();
    await stepSrv.stop();
  }
});

// ---- 5. refusals a user meets ---------------------------------------------------------------

test('refusals', refusals);

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
    'user encryption private key': keyBytes[0].encPrivate,
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
