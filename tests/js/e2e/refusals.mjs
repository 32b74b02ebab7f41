// The refusals a user can meet in the flow (test 5 of flow.test.mjs, on the account the earlier
// tests made): wrong password, deny, a reused code, a replayed callback, a tampered fragment,
// cross-origin finalize, a forged Origin, the rate limit, and a login link with a swapped zk_pub.
import assert from 'node:assert/strict';
import * as zk from 'zkauth';
import { CLIENT_ID, CLIENT_NAME, dataFiles, scan, shot, startServer } from './harness.mjs';
import {
  APP_SESSION_ENDED, EMAIL, KEY_REFUSED, PW1, PW3, WRONG, WRONG_LOGIN, ZK_SWAPPED, tag,
  appSignIn, approve, callbacks, errorText, login, newContext, newPage, srv, storage, waitView,
} from './story.mjs';

export async function refusals(t) {
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
    const csrf = (await ctx.cookies(srv.issuer)).find((c) => c.name === 'zkauth-dev-csrf')?.value;
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
      // On a SIMD engine the browser entry gave Argon2id the build without SIMD (js/build.mjs),
      // fetched once when the password field got focus; the registration above ran its KSF.
      const nosimd = await p.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/zkauth_nosimd_bg.wasm')).map((e) => e.responseStatus));
      assert.deepEqual(nosimd, [200]);
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

  await t.test('a v1-drk client: consent says plainly that it receives the root key', async () => {
    const c = await newContext();
    const p = await newPage(c);
    const kp = zk.DeliveryKeyPair.generate();
    const { challenge } = await zk.createPkce();
    const q = new URLSearchParams({ client_id: 'legacy-app', redirect_uri: `${srv.appOrigin}/callback`, response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256', state: 'legacy', zk_pub: kp.zkPub });
    kp.free();
    await p.goto(`${srv.issuer}/authorize?${q}`);
    await waitView(p, srv.issuer, 'login');
    assert.equal(await p.textContent('#context'), 'Sign in to continue to Legacy app.');
    await login(p, EMAIL, PW3);
    await waitView(p, srv.issuer, 'consent');
    assert.ok(await p.isVisible('#consent-root-key'), 'the root-key warning is shown');
    assert.match(await p.textContent('#consent-root-key'), /root key/);
    assert.equal(await p.isVisible('#consent-key'), false, 'not the per-app key sentence');
    await shot(p, 'consent-v1-root-key');
    await p.click('#consent-deny');
    await p.waitForURL((u) => u.origin === srv.appOrigin);
    await c.close();
  });

  await t.test('a login link opened in another browser is refused at consent and is not used up', async () => {
    const [c1, c2] = [await newContext(), await newContext()];
    const [p1, p2] = [await newPage(c1), await newPage(c2)];
    assert.equal(await appSignIn(p1), 'login');
    const link = p1.url();
    await p2.goto(link); // the link, leaked to another browser that has no binding cookie
    await waitView(p2, srv.issuer, 'login');
    await login(p2, EMAIL, PW3);
    await p2.waitForSelector('#error:not([hidden])');
    assert.equal(await p2.evaluate(() => document.body.dataset.view), 'loading', 'no consent screen');
    assert.equal(await errorText(p2), 'This sign-in link was started in another browser. Go back to the app in this browser and sign in again.');
    await shot(p2, 'link-other-browser');
    // The browser that started it completes it.
    await login(p1, EMAIL, PW3);
    await approve(p1);
    await c1.close();
    await c2.close();
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
    assert.equal(await p.textContent('#context'), `Sign in to continue to ${CLIENT_NAME}.`, "the banner names the server's client, not the link's");
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
}
