// Passkeys in Chromium (issue 19) with CDP virtual authenticators (WebAuthn.addVirtualAuthenticator:
// CTAP 2.1, resident keys, user verification, automatic presence, with and without PRF):
// register with a password → add a passkey → log out everywhere → "Sign in with a passkey"
// with no password typed → consent → the app gets its key and the earlier note decrypts. A
// second authenticator without PRF signs in but is asked for the password before consent. A
// removed passkey signs in no more. Afterwards no key, PRF output or root key is in the page's
// storage, the server's files or its log.
//
// The tests run in order and share one account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NodeClient, ROOT, dataFiles, scan, shot as shotIn } from './harness.mjs';
import { launchFirefoxWebDriver } from '../engines.mjs';
import { EMAIL, NOTE, PW1, appSignIn, approve, begin, end, errorText, login, newContext, newPage, noteTexts, srv, storage, waitView, watcher } from './story.mjs';

let keys = null; // the account's key bytes, learned by the test's own OPAQUE client
const prfSeen = []; // every PRF output the page received (test-only instrumentation)
const prfFrom = []; // and from which call: 'create' or 'get'
let first = null; // { ctx, page, device }: the tab whose virtual authenticator holds the PRF passkey

const shot = (page, name) => shotIn(page, name, 'passkeys');
const shotPath = (name) => join(ROOT, 'target/e2e/passkeys', `${name}.png`);

before(() => begin('passkeys'));
after(end);

/** A virtual platform authenticator on `page`'s tab (cleared with it). Records, for the scan,
 *  the PRF outputs the page gets; the page's own code never sees this hook's copy. */
async function authenticator(ctx, page, { prf }) {
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true, hasPrf: prf },
  });
  await page.exposeFunction('__zkauthTestPrf', (kind, b64) => {
    prfSeen.push(Buffer.from(b64, 'base64'));
    prfFrom.push(kind);
  });
  await page.addInitScript(() => {
    for (const kind of ['create', 'get']) {
      const original = navigator.credentials[kind].bind(navigator.credentials);
      navigator.credentials[kind] = async (options) => {
        const c = await original(options);
        const first = c?.getClientExtensionResults?.().prf?.results?.first;
        if (first) window.__zkauthTestPrf(kind, btoa(String.fromCharCode(...new Uint8Array(first))));
        return c;
      };
    }
  });
  return { cdp, authenticatorId };
}

async function credentialsOn(device) {
  return (await device.cdp.send('WebAuthn.getCredentials', { authenticatorId: device.authenticatorId })).credentials;
}

test('register with a password, write a note, add a passkey with PRF on the account page', async (t) => {
  const ctx = await newContext();
  const page = await newPage(ctx);
  const device = await authenticator(ctx, page, { prf: true });
  await appSignIn(page);
  await page.click('#to-register');
  await page.fill('#register-email', EMAIL);
  await page.fill('#register-password', PW1);
  await page.fill('#register-password2', PW1);
  await page.click('#register-submit');
  await waitView(page, srv.issuer, 'recovery');
  await page.check('#recovery-saved');
  await page.click('#recovery-continue');
  await approve(page);
  await page.fill('#note-title', NOTE.title);
  await page.fill('#note-body', NOTE.body);
  await page.click('#note-save');
  await page.waitForSelector('#notes li');

  // The account page after a reload: signed in, but no keys in this page's memory, so adding a
  // passkey (whose envelope wraps the root key) asks for the password first.
  await page.goto(`${srv.issuer}/`);
  await waitView(page, srv.issuer, 'account');
  await page.waitForSelector('#passkeys-empty:not([hidden])');
  await shot(page, 'account-before');
  await page.click('#passkey-add');
  await waitView(page, srv.issuer, 'reauth');
  assert.match(await page.textContent('#notice'), /so the new passkey can unlock your keys/);
  await page.fill('#reauth-password', PW1);
  await page.click('#reauth-submit');
  await waitView(page, srv.issuer, 'account');
  await page.click('#passkey-add');
  await page.waitForFunction(() => document.querySelector('#notice')?.textContent.includes('Passkey added'));
  assert.match(await page.textContent('#notice'), /unlocks your keys, without your password/);
  await page.waitForSelector('#passkeys li');
  assert.match(await page.textContent('#passkeys li'), /unlocks your keys/);
  const creds = await credentialsOn(device);
  assert.equal(creds.length, 1);
  assert.equal(creds[0].isResidentCredential, true, 'a discoverable credential');
  assert.equal(creds[0].rpId, 'localhost');
  assert.ok(prfSeen.length >= 1, 'the page got a PRF output to seal with');
  t.diagnostic(`Chromium's virtual authenticator gave the PRF output at: ${prfFrom.join(', ')}`);
  await shot(page, 'added');
  keys = await new NodeClient(srv.issuer).keyBytes(EMAIL, PW1);

  // Log out everywhere: the app's tokens and every session end.
  await page.click('#logout-all');
  await waitView(page, srv.issuer, 'login');
  await shot(page, 'logged-out-everywhere');
  first = { ctx, page, device };
});

test('"Sign in with a passkey" with no password typed: consent, the app gets its key, the note decrypts', async () => {
  // The same tab (its virtual authenticator holds the passkey), signed out everywhere.
  const { ctx, page } = first;
  await appSignIn(page);
  await waitView(page, srv.issuer, 'login');
  assert.ok(await page.isVisible('#login-passkey'));
  await shot(page, 'login-screen');
  const before = prfSeen.length;
  await page.click('#login-passkey');
  await waitView(page, srv.issuer, 'consent');
  assert.equal(await page.inputValue('#login-password'), '', 'no password was typed');
  assert.ok(prfSeen.length > before, 'the sign-in gave a PRF output');
  await shot(page, 'consent');
  await approve(page);
  const texts = await noteTexts(page);
  assert.ok(texts.length === 1 && texts[0].includes(NOTE.title) && texts[0].includes(NOTE.body), `the earlier note decrypts: ${texts}`);
  await shot(page, 'note-decrypts');
  const s = await storage(page);
  assert.equal(s.local, 0);
  await page.close();
  await ctx.close();
});

test('a passkey without PRF signs in but asks for the password before consent; a removed passkey signs in no more', async () => {
  const ctx = await newContext();
  const page = await newPage(ctx);
  const device = await authenticator(ctx, page, { prf: false });
  await page.goto(`${srv.issuer}/`);
  await waitView(page, srv.issuer, 'login');
  await login(page, EMAIL, PW1);
  await waitView(page, srv.issuer, 'account');
  await page.click('#passkey-add');
  await page.waitForFunction(() => document.querySelector('#notice')?.textContent.includes('Passkey added'));
  assert.match(await page.textContent('#notice'), /cannot unlock your keys/);
  await page.waitForFunction(() => document.querySelectorAll('#passkeys li').length === 2);
  await shot(page, 'without-prf-added');
  await page.click('#logout');
  await waitView(page, srv.issuer, 'login');

  await appSignIn(page);
  await waitView(page, srv.issuer, 'login');
  await page.click('#login-passkey');
  await waitView(page, srv.issuer, 'reauth');
  assert.match(await page.textContent('#notice'), /passkey signed you in/);
  await shot(page, 'without-prf-asks-password');
  await page.fill('#reauth-password', PW1);
  await page.click('#reauth-submit');
  await approve(page);
  assert.ok((await noteTexts(page)).some((t) => t.includes(NOTE.body)), 'the note decrypts after the password');

  // Remove this passkey on the account page; it no longer signs in.
  await page.goto(`${srv.issuer}/`);
  await waitView(page, srv.issuer, 'reauth', 'account');
  if ((await page.getAttribute('body', 'data-view')) === 'reauth') {
    await page.fill('#reauth-password', PW1);
    await page.click('#reauth-submit');
    await waitView(page, srv.issuer, 'account');
  }
  await page.waitForFunction(() => document.querySelectorAll('#passkeys li').length === 2);
  const mine = Buffer.from((await credentialsOn(device))[0].credentialId, 'base64').toString('base64url');
  await page.click(`#passkeys li[data-credential="${mine}"] button:text("Remove")`);
  await page.waitForFunction(() => document.querySelector('#notice')?.textContent.includes('removed'));
  assert.equal(await page.locator('#passkeys li').count(), 1);
  await shot(page, 'removed');
  await page.click('#logout');
  await waitView(page, srv.issuer, 'login');
  await page.click('#login-passkey');
  await page.waitForFunction(() => !document.querySelector('#error')?.hidden);
  assert.match(await errorText(page), /not accepted/);
  await shot(page, 'removed-refused');

  // Nothing secret stayed anywhere.
  const s = await storage(page);
  assert.equal(s.local, 0);
  assert.deepEqual(s.session, []);
  await page.close();
  await ctx.close();
});

test('Firefox ESR (geckodriver virtual authenticator, PRF only at get()): the second ceremony makes the envelope; the passkey sign-in', async (t) => {
  const ff = await launchFirefoxWebDriver();
  t.diagnostic(`Firefox ${ff.version}`);
  const page = ff.page;
  try {
    await ff.addAuthenticator();
    // Record the PRF outputs this page receives, for the scan at the end.
    const hook = () => {
      window.__prfFrom = [];
      window.__prfSeen = [];
      for (const kind of ['create', 'get']) {
        const original = navigator.credentials[kind].bind(navigator.credentials);
        navigator.credentials[kind] = async (options) => {
          const c = await original(options);
          const first = c?.getClientExtensionResults?.().prf?.results?.first;
          if (first) {
            window.__prfFrom.push(kind);
            window.__prfSeen.push(btoa(String.fromCharCode(...new Uint8Array(first))));
          }
          return c;
        };
      }
    };
    const collect = async () => {
      const got = await page.evaluate(() => ({ from: window.__prfFrom ?? [], seen: window.__prfSeen ?? [] }));
      for (const b of got.seen) prfSeen.push(Buffer.from(b, 'base64'));
      return got.from;
    };
    const view = (v) => page.waitUntil((want) => document.body.dataset.view === want, v, `view ${v}`);
    await page.goto(`${srv.issuer}/`);
    await view('login');
    await page.fill('#login-email', EMAIL);
    await page.fill('#login-password', PW1);
    await page.click('#login-submit');
    await view('account');
    await page.evaluate(hook);
    await page.click('#passkey-add');
    await page.waitUntil(() => document.querySelector('#notice')?.textContent.includes('Passkey added'), undefined, 'the passkey added');
    assert.match(await page.text('#notice'), /unlocks your keys, without your password/);
    const from = await collect();
    t.diagnostic(`Firefox's soft token gave the PRF output at: ${from.join(', ')}`);
    assert.deepEqual(from, ['get'], 'no PRF output at create(): the second, local get() gave it');
    await page.screenshot(shotPath('firefox-added'));
    await page.click('#logout');
    await view('login');

    await page.goto(`${srv.appOrigin}/`);
    await page.waitUntil(() => document.body.dataset.view === 'signedout', undefined, 'the app signed out');
    await page.click('#signin');
    await view('login');
    await page.evaluate(hook);
    await page.click('#login-passkey');
    const landed = await page.waitUntil(() => (['consent', 'reauth'].includes(document.body.dataset.view) || !document.querySelector('#error').hidden) && [document.body.dataset.view, document.querySelector('#error').textContent], undefined, 'the passkey sign-in');
    assert.deepEqual(await collect(), ['get'], 'the sign-in asked for PRF and got it');
    if (landed[0] === 'consent') {
      await page.screenshot(shotPath('firefox-consent'));
      await page.click('#consent-approve');
      await page.waitUntil(() => document.body.dataset.view === 'notes', undefined, 'the app with its notes', 60_000);
      await page.waitFor('#notes li');
      assert.match(await page.text('#notes li'), new RegExp(NOTE.title));
      await page.screenshot(shotPath('firefox-note-decrypts'));
    } else {
      // Firefox ESR 153's soft token signs the authenticator data before it appends the
      // hmac-secret output (and leaves the ED flag clear), so an assertion that evaluated PRF
      // does not verify; the server refuses it like any bad signature. Real authenticators sign
      // the whole authenticator data. Checked: the refusal is that signature, nothing else.
      assert.equal(landed[0], 'login');
      assert.match(landed[1], /not accepted/);
      const why = srv.log().toString().split('\n').filter((l) => l.includes('a passkey sign-in did not verify'));
      assert.match(why.at(-1) ?? '', /Authentication has failed/, 'webauthn-rs: the signature does not verify');
      t.diagnostic('Firefox soft token: the PRF assertion does not verify (its signature leaves out the extension output); sign-in refused as it must be');
      await page.screenshot(shotPath('firefox-soft-token-refused'));
    }
  } finally {
    await ff.quit();
  }
});

test('nothing secret stayed: no root key, app key or PRF output in the server\'s files or output', () => {
  assert.ok(prfSeen.length >= 4, `PRF outputs recorded: ${prfSeen.length}`);
  const hits = scan({ ...dataFiles(srv.dataDir), 'server output': srv.log() }, {
    root: keys.root,
    cak: keys.cak,
    ...Object.fromEntries(prfSeen.map((p, i) => [`prf output ${i}`, p])),
  });
  assert.deepEqual(hits, []);
  assert.deepEqual(watcher.violations, [], 'no CSP or Trusted Types violation');
});
