// The main story in every engine (issue 22): Chromium, Firefox ESR and WebKitGTK, each
// through its own driver behind tests/js/engines.mjs, each against its own server as
// `make demo` runs it (--dev on http://localhost: the dev cookie profile). Then the production
// cookies over https (a throwaway certificate) in every engine. Screenshots in
// target/e2e/<engine>/. E2E_ENGINES=firefox,webkit picks engines.
//
// Per engine: register → recovery key → consent → note (the fragment is stripped from the
// address) → log out → log in → the note decrypts; password change; recovery with the
// recovery key; a tampered fragment is refused and leaves no key; no CSP/Trusted Types report
// reached the server, while a deliberate violation does (the control); no secret in the
// server's files or log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { launchEngine, selectedEngines } from '../engines.mjs';
import { CLIENT_NAME, clearOutputs, dataFiles, scan, shot, startServer } from './harness.mjs';

const WRONG_LOGIN = 'The e-mail address or password is not right.';
const KEY_REFUSED = 'The key sent to this app did not pass its checks, so it was thrown away. Please sign in again.';

/** The page's view once it shows one of `views` on `origin`. */
async function waitView(page, origin, ...views) {
  await page.waitForUrl((u) => u.origin === origin, `a page on ${origin}`);
  return page.waitUntil((vs) => (vs.includes(document.body?.dataset.view) ? document.body.dataset.view : null), views, `view ${views.join('|')} on ${origin}`);
}

const errorText = (page) => page.evaluate(() => {
  const el = document.querySelector('#error');
  return el && !el.hidden ? el.textContent.trim() : null;
});

async function noteTexts(page) {
  await page.waitFor('#notes li, #notes-empty:not([hidden])', { state: 'attached' });
  return page.evaluate(() => [...document.querySelectorAll('#notes li')].map((li) => li.textContent));
}

// axe-core 4, injected by the driver (never by the page): WCAG 2.1 A/AA and best practice.
const AXE = readFileSync(new URL('../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const AXE_RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** Runs axe on the page's current screen; adds "screen: rule (impact): targets" lines to
 *  `found`. */
async function a11y(page, screen, found) {
  await page.inject(AXE);
  const violations = await page.evaluate(async (runOnly) => {
    const out = await window.axe.run(document, { runOnly });
    return out.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, AXE_RULES);
  for (const v of violations) found.push(`${screen}: ${v}`);
}

/** CSP reports the server counted (the `csp_violation` security events in its log). */
const cspReports = (srv) => srv.log().toString().split('\n').filter((l) => l.includes('event="csp_violation"') || l.includes('event=csp_violation'));

for (const engineName of selectedEngines()) {
  test(`main story in ${engineName}`, { timeout: 300_000 }, async (t) => {
    clearOutputs(engineName);
    const tag = randomBytes(4).toString('hex');
    const email = `ada-${engineName}-${tag}@example.com`;
    const [pw1, pw2, pw3] = [`first ${tag} password`, `second ${tag} password`, `third ${tag} password`];
    const note = { title: `Plans ${tag}`, body: `meet at the ${engineName} ${randomBytes(6).toString('hex')}` };
    const srv = await startServer(`engines-${engineName}`, { tamperHook: true });
    const engine = await launchEngine(engineName);
    console.log(`${engineName} ${engine.version}`);
    const contexts = [];
    const fresh = async () => {
      const ctx = await engine.newContext();
      contexts.push(ctx);
      return { ctx, page: await ctx.newPage() };
    };
    const snap = (page, name) => shot(page, name, engineName);
    const appSignIn = async (page) => {
      await page.goto(`${srv.appOrigin}/`);
      await waitView(page, srv.appOrigin, 'signedout');
      await page.click('#signin');
      return waitView(page, srv.issuer, 'login', 'reauth');
    };
    const login = async (page, who, pw) => {
      await page.fill('#login-email', who);
      await page.fill('#login-password', pw);
      await page.click('#login-submit');
    };
    const approve = async (page) => {
      await waitView(page, srv.issuer, 'consent');
      await page.click('#consent-approve');
      const v = await waitView(page, srv.appOrigin, 'notes', 'signedout');
      assert.equal(v, 'notes', `the app refused: ${await errorText(page)}`);
    };
    let recoveryKey;
    const axeFound = []; // accessibility violations on every screen, asserted at the end
    try {
      const { page } = await fresh();
      await t.test('register, recovery key, consent, note; the fragment leaves the address bar', async () => {
        await page.goto(`${srv.appOrigin}/`);
        await waitView(page, srv.appOrigin, 'signedout');
        await a11y(page, 'app signed out', axeFound);
        await page.click('#signin');
        assert.equal(await waitView(page, srv.issuer, 'login'), 'login');
        assert.match(await page.text('#context'), new RegExp(`continue to ${CLIENT_NAME}`));
        await a11y(page, 'login', axeFound);
        await page.click('#to-register');
        await page.waitFor('#register-email');
        await page.fill('#register-name', 'Ada');
        await page.fill('#register-email', email);
        await page.fill('#register-password', pw1);
        await page.fill('#register-password2', pw1);
        await snap(page, 'register');
        await a11y(page, 'register', axeFound);
        await page.click('#register-submit');
        await waitView(page, srv.issuer, 'recovery');
        recoveryKey = (await page.text('#recovery-key')).trim();
        assert.match(recoveryKey, /^[A-Za-z0-9_-]{43}$/);
        await snap(page, 'recovery-key');
        await a11y(page, 'recovery key', axeFound);
        await page.check('#recovery-saved');
        await page.click('#recovery-continue');
        await waitView(page, srv.issuer, 'consent');
        assert.equal(await page.text('#consent-client'), CLIENT_NAME);
        await snap(page, 'consent');
        await a11y(page, 'consent', axeFound);
        await approve(page);
        const url = new URL(await page.url());
        assert.equal(url.hash, '', 'fragment removed from the URL');
        assert.equal(url.pathname + url.search, '/', 'code and state removed too');
        await page.fill('#note-title', note.title);
        await page.fill('#note-body', note.body);
        await page.click('#note-save');
        const texts = await page.waitUntil(() => {
          const lis = [...document.querySelectorAll('#notes li')].map((li) => li.textContent);
          return lis.length ? lis : null;
        }, undefined, 'the saved note');
        assert.equal(texts.length, 1);
        assert.ok(texts[0].includes(note.title) && texts[0].includes(note.body));
        await snap(page, 'note-written');
        await a11y(page, 'app notes', axeFound);
      });

      await t.test('log out of the app and the login service, log in again: the note decrypts', async () => {
        await page.click('#signout');
        await waitView(page, srv.appOrigin, 'signedout');
        await page.goto(`${srv.issuer}/`);
        await waitView(page, srv.issuer, 'account');
        await a11y(page, 'account', axeFound);
        await page.click('#logout');
        await waitView(page, srv.issuer, 'login');
        assert.equal(await appSignIn(page), 'login');
        await login(page, email, pw1);
        await approve(page);
        assert.ok((await noteTexts(page)).some((x) => x.includes(note.body)));
        await snap(page, 'note-after-login-again');
      });

      await t.test('password change: the note still decrypts, the old password is refused', async () => {
        await page.goto(`${srv.issuer}/`);
        await waitView(page, srv.issuer, 'account');
        await page.fill('#change-current', pw1);
        await page.fill('#change-new', pw2);
        await page.fill('#change-new2', pw2);
        await page.click('#change-submit');
        await page.waitFor('#notice');
        assert.match(await page.text('#notice'), /password was changed/);
        await snap(page, 'password-changed');
        assert.equal(await appSignIn(page), 'reauth');
        await a11y(page, 'reauth', axeFound);
        await page.fill('#reauth-password', pw2);
        await page.click('#reauth-submit');
        await approve(page);
        assert.ok((await noteTexts(page)).some((x) => x.includes(note.body)));
        const { page: other } = await fresh();
        await other.goto(`${srv.issuer}/`);
        await waitView(other, srv.issuer, 'login');
        await login(other, email, pw1);
        await other.waitFor('#error');
        assert.equal(await errorText(other), WRONG_LOGIN);
        assert.equal(await other.evaluate(() => document.querySelector('#error').getAttribute('role')), 'alert', 'the error is announced');
        await a11y(other, 'login with an error', axeFound);
      });

      await t.test('forgotten password: the recovery key sets a new one and the note decrypts', async () => {
        const { page: p } = await fresh();
        assert.equal(await appSignIn(p), 'login');
        await p.click('#to-forgot');
        await waitView(p, srv.issuer, 'forgot');
        await a11y(p, 'forgot password', axeFound);
        await p.fill('#forgot-email', email);
        await p.fill('#forgot-key', recoveryKey);
        await p.fill('#forgot-new', pw3);
        await p.fill('#forgot-new2', pw3);
        await p.click('#forgot-submit');
        await waitView(p, srv.issuer, 'consent');
        assert.match(await p.text('#notice'), /password was reset/);
        await approve(p);
        assert.ok((await noteTexts(p)).some((x) => x.includes(note.body)));
        await snap(p, 'note-after-recovery');
      });

      await t.test('a tampered fragment JWE is refused and the app keeps no key', async () => {
        const { page: p } = await fresh();
        await p.goto(`${srv.appOrigin}/`);
        await waitView(p, srv.appOrigin, 'signedout');
        await p.evaluate(() => sessionStorage.setItem('e2e-tamper', '1'));
        await p.click('#signin');
        await waitView(p, srv.issuer, 'login');
        await login(p, email, pw3);
        await waitView(p, srv.issuer, 'consent');
        await p.click('#consent-approve');
        assert.equal(await waitView(p, srv.appOrigin, 'signedout', 'notes'), 'signedout');
        assert.equal(await errorText(p), KEY_REFUSED);
        const left = await p.evaluate(async () => ({
          session: Object.keys(sessionStorage),
          local: localStorage.length,
          hash: location.hash,
          dbs: (await indexedDB.databases?.())?.map((d) => d.name) ?? null,
        }));
        assert.deepEqual(left.session, [], 'the tamper flag was used and the pending state removed');
        assert.equal(left.local, 0);
        assert.equal(left.hash, '');
        await snap(p, 'tampered-fragment');
        await a11y(p, 'app with an error', axeFound);
      });

      await t.test('axe-core: no WCAG 2.1 A/AA or best-practice violation on any screen', () => {
        assert.deepEqual(axeFound, []);
      });

      await t.test('no CSP or Trusted Types report reached the server; a deliberate violation does', async () => {
        assert.deepEqual(cspReports(srv), [], 'no violation on any page of the story');
        const { page: p } = await fresh();
        await p.goto(`${srv.issuer}/`);
        await waitView(p, srv.issuer, 'login');
        await p.evaluate(() => document.body.setAttribute('style', 'color: red'));
        const deadline = Date.now() + 10_000;
        while (cspReports(srv).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        assert.ok(cspReports(srv).length >= 1, `the control violation was reported (${engineName})`);
      });

      await t.test("the server's files and log hold no password, note or recovery key", async () => {
        for (const c of contexts.splice(0)) await c.close();
        await srv.stop();
        const secrets = { 'password 1': pw1, 'password 2': pw2, 'password 3': pw3, 'note title': note.title, 'note body': note.body, 'recovery key': recoveryKey };
        assert.deepEqual(scan({ ...dataFiles(srv.dataDir), 'server log': srv.log() }, secrets), []);
        assert.deepEqual(scan({ 'server log': srv.log() }, { email }), [], 'no login identity in the log');
      });
    } finally {
      for (const c of contexts) await c.close().catch(() => {});
      await engine.close();
      await srv.stop();
    }
  });

  test(`production cookies over https in ${engineName}`, { timeout: 120_000 }, async () => {
    const srv = await startServer(`engines-https-${engineName}`, { https: true });
    const engine = await launchEngine(engineName, { acceptInsecureCerts: true });
    try {
      const ctx = await engine.newContext();
      const page = await ctx.newPage();
      const tag = randomBytes(4).toString('hex');
      await page.goto(`${srv.issuer}/`);
      await waitView(page, srv.issuer, 'login');
      await page.click('#to-register');
      await page.waitFor('#register-email');
      await page.fill('#register-email', `tls-${tag}@example.com`);
      await page.fill('#register-password', `tls password ${tag}`);
      await page.fill('#register-password2', `tls password ${tag}`);
      await page.click('#register-submit');
      await waitView(page, srv.issuer, 'recovery');
      await page.check('#recovery-saved');
      await page.click('#recovery-continue');
      await waitView(page, srv.issuer, 'account');
      const cookies = Object.fromEntries((await ctx.cookies(srv.issuer)).map((c) => [c.name, c]));
      // The session, its CSRF token, and the device cookie (the registering browser is the
      // account's first known device: lockout and the session list tell it apart).
      assert.deepEqual(Object.keys(cookies).sort(), ['__Host-zkauth', '__Host-zkauth-csrf', '__Host-zkauth-device'], 'the __Host- names, nothing else');
      const attrs = (c) => ({ secure: c.secure, httpOnly: c.httpOnly, sameSite: c.sameSite, path: c.path });
      assert.deepEqual(attrs(cookies['__Host-zkauth']), { secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
      assert.deepEqual(attrs(cookies['__Host-zkauth-csrf']), { secure: true, httpOnly: false, sameSite: 'Lax', path: '/' });
      assert.deepEqual(attrs(cookies['__Host-zkauth-device']), { secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
      assert.equal(await page.evaluate(() => document.cookie.includes('__Host-zkauth=')), false, 'the session cookie is not readable by script');
      await page.reload();
      assert.equal(await waitView(page, srv.issuer, 'account', 'login'), 'account', 'the session survives a reload');
      await shot(page, 'https-account', engineName);
      await page.click('#logout');
      await waitView(page, srv.issuer, 'login');
      assert.deepEqual((await ctx.cookies(srv.issuer)).map((c) => c.name), ['__Host-zkauth-device'], 'logout expires both session cookies; the device cookie (no credential) stays');
      await ctx.close();
    } finally {
      await engine.close();
      await srv.stop();
    }
  });
}

// ---- keyboard only (one engine) ----------------------------------------------------------------

/** Presses Tab until `selector` has the focus (at most 40 times); checks that the focus is
 *  visible there (`:focus-visible` and an outline or a box shadow). */
async function tabTo(page, selector) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard('Tab');
    const at = await page.evaluate((sel) => {
      const el = document.activeElement;
      if (!el || !el.matches(sel)) return null;
      const style = getComputedStyle(el);
      return { visible: el.matches(':focus-visible') && ((style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none') };
    }, selector);
    if (at) {
      assert.ok(at.visible, `the focus on ${selector} is visible`);
      return;
    }
  }
  throw new Error(`Tab never reached ${selector}`);
}

test('keyboard only (chromium): register, recovery key, consent, a note; a wrong password is announced', { timeout: 120_000 }, async () => {
  clearOutputs('chromium-keyboard');
  const srv = await startServer('engines-keyboard');
  const engine = await launchEngine('chromium');
  try {
    const ctx = await engine.newContext();
    const page = await ctx.newPage();
    const tag = randomBytes(4).toString('hex');
    const pw = `keyboard ${tag} password`;
    await page.goto(`${srv.appOrigin}/`);
    await waitView(page, srv.appOrigin, 'signedout');
    await tabTo(page, '#signin');
    await page.keyboard('Enter');
    await waitView(page, srv.issuer, 'login');
    await tabTo(page, '#to-register');
    await page.keyboard('Enter');
    await waitView(page, srv.issuer, 'register');
    for (const [sel, text] of [['#register-name', 'Kim'], ['#register-email', `kim-${tag}@example.com`], ['#register-password', pw], ['#register-password2', pw]]) {
      await tabTo(page, sel);
      await page.type(text);
    }
    await page.keyboard('Enter');
    await waitView(page, srv.issuer, 'recovery');
    await tabTo(page, '#recovery-saved');
    await page.keyboard('Space');
    await tabTo(page, '#recovery-continue');
    await page.keyboard('Enter');
    await waitView(page, srv.issuer, 'consent');
    await tabTo(page, '#consent-approve');
    await page.keyboard('Enter');
    assert.equal(await waitView(page, srv.appOrigin, 'notes', 'signedout'), 'notes');
    await tabTo(page, '#note-title');
    await page.type(`typed ${tag}`);
    await tabTo(page, '#note-body');
    await page.type('written without a mouse');
    await tabTo(page, '#note-save');
    await page.keyboard('Enter');
    await page.waitUntil(() => document.querySelectorAll('#notes li').length === 1, undefined, 'the note');
    await shot(page, 'keyboard-note', 'chromium-keyboard');
    // Sign out and back in with a wrong password: the error is an alert, the field cleared.
    await tabTo(page, '#signout');
    await page.keyboard('Enter');
    await waitView(page, srv.appOrigin, 'signedout');
    await tabTo(page, '#signin');
    await page.keyboard('Enter');
    await waitView(page, srv.issuer, 'reauth');
    await tabTo(page, '#reauth-password');
    await page.type(`wrong ${tag}`);
    await page.keyboard('Enter');
    await page.waitFor('#error');
    assert.deepEqual(await page.evaluate(() => ({ role: document.querySelector('#error').getAttribute('role'), text: document.querySelector('#error').textContent.trim(), field: document.querySelector('#reauth-password').value })),
      { role: 'alert', text: WRONG_LOGIN, field: '' });
    await shot(page, 'keyboard-wrong-password', 'chromium-keyboard');
    await ctx.close();
  } finally {
    await engine.close();
    await srv.stop();
  }
});
