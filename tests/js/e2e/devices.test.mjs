// Trusted devices and device approval in Chromium (issue 24, wire profile §3.10), with two
// browser contexts as two devices of one user. Device A signs up through the app, writes a
// note and is trusted from its account page (its keys non-extractable in IndexedDB, the root key
// sealed under them in wasm). Device B signs in to the login service, then goes through the
// app: on the unlock screen it asks a trusted device instead of typing the password, shows a
// code; device A refuses a wrong code, approves with the right one; device B receives the root
// key, continues to consent, and the app decrypts A's note. Afterwards no key is in the
// server's files or output and no page broke its CSP.
//
// The tests run in order and share the account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NodeClient, dataFiles, scan, shot as shotIn } from './harness.mjs';
import { appSignIn, approve, begin, end, errorText, login, newContext, newPage, noteTexts, registerThroughApp, srv, storage, waitView, watcher } from './story.mjs';

const tag = randomBytes(4).toString('hex');
const EMAIL = `devices-${tag}@example.com`;
const PASSWORD = `two devices, one account ${tag}`;
const NOTE = { title: `Written on device A ${tag}`, body: `read on device B ${randomBytes(6).toString('hex')}` };
let a = null; // device A: { ctx, page }
let b = null;
let code = null;

const shot = (page, name) => shotIn(page, name, 'devices');

before(() => begin('devices'));
after(end);

test('device A: sign up through the app, write a note, and trust this device on the account page', async () => {
  a = await registerThroughApp(EMAIL, PASSWORD);
  const { page } = a;
  await page.fill('#note-title', NOTE.title);
  await page.fill('#note-body', NOTE.body);
  await page.click('#note-save');
  await page.waitForSelector('#notes li');

  // The account page after navigating here has no keys in memory: trusting asks for the
  // password once, then seals the root key under the device key.
  await page.goto(`${srv.issuer}/`);
  await waitView(page, srv.issuer, 'account');
  await page.waitForSelector('#devices-empty:not([hidden])');
  await page.click('#device-trust');
  await waitView(page, srv.issuer, 'reauth');
  await page.fill('#reauth-password', PASSWORD);
  await page.click('#reauth-submit');
  await waitView(page, srv.issuer, 'account');
  await page.click('#device-trust');
  await page.waitForSelector('#devices li');
  assert.match(await page.textContent('#devices li'), /this device/);
  assert.match(await page.textContent('#notice'), /This device is trusted/);
  assert.equal(await page.isVisible('#device-trust'), false);
  assert.equal(await page.isVisible('#approvals-box'), true);
  // What this browser keeps: the device's keys, none extractable, and no root key.
  const kept = await page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('zkauth-devices');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const all = await new Promise((resolve) => {
      const r = db.transaction('trusted-device').objectStore('trusted-device').getAll();
      r.onsuccess = () => resolve(r.result);
    });
    db.close();
    return all.map((d) => ({ fields: Object.keys(d).sort(), ecdh: [d.ecdh.type, d.ecdh.extractable], sign: [d.sign.type, d.sign.extractable], peer: d.peer.type, handle: d.handle }));
  });
  assert.equal(kept.length, 1);
  assert.deepEqual(kept[0].fields, ['createdAt', 'deviceId', 'ecdh', 'envelopeId', 'handle', 'peer', 'sign', 'sub']);
  assert.deepEqual([kept[0].ecdh, kept[0].sign, kept[0].peer], [['private', false], ['private', false], 'public']);
  assert.match(kept[0].handle, /^dk_[0-9a-f-]{36}$/);
  await shot(page, 'a-trusted');
});

test('device B: signed in, it asks device A instead of typing the password; a wrong code is refused, the right one approves; the app decrypts the note', async () => {
  const ctx = await newContext();
  const page = await newPage(ctx);
  b = { ctx, page };
  // Signed in to the login service (say, yesterday), but this page has no keys.
  await page.goto(`${srv.issuer}/`);
  await waitView(page, srv.issuer, 'login');
  await login(page, EMAIL, PASSWORD);
  await waitView(page, srv.issuer, 'account');
  assert.equal(await appSignIn(page), 'reauth');
  await shot(page, 'b-unlock-screen');
  await page.click('#reauth-device');
  await waitView(page, srv.issuer, 'approval');
  code = (await page.textContent('#approval-code')).trim();
  assert.match(code, /^[0-9]{6}$/);
  await shot(page, 'b-shows-code');

  // Device A sees the request; the code is typed, never shown there.
  await a.page.click('#approvals-refresh');
  await a.page.waitForSelector('#approvals li');
  assert.doesNotMatch(await a.page.textContent('#approvals'), new RegExp(code), 'the trusted device does not show the code');
  const wrong = code === '000000' ? '000001' : '000000';
  await a.page.fill('#approvals li .approval-code', wrong);
  await a.page.click('#approvals li button.primary');
  await a.page.waitForSelector('#error:not([hidden])');
  assert.match(await errorText(a.page), /not the code the new device shows/);
  await shot(a.page, 'a-wrong-code');
  await a.page.fill('#approvals li .approval-code', code);
  await a.page.click('#approvals li button.primary');
  await a.page.waitForSelector('#approvals-empty:not([hidden])');
  assert.match(await a.page.textContent('#notice'), /Approved/);
  await shot(a.page, 'a-approved');

  // Device B: the approval arrives within a poll; consent; the app opens A's note.
  await waitView(page, srv.issuer, 'consent');
  await shot(page, 'b-consent');
  await approve(page);
  const texts = await noteTexts(page);
  assert.equal(texts.length, 1);
  assert.ok(texts[0].includes(NOTE.title) && texts[0].includes(NOTE.body), texts[0]);
  assert.deepEqual((await storage(page)).session, [], 'app: nothing kept');
  await shot(page, 'b-app-note-decrypts');
});

test('a denied request gives device B nothing', async () => {
  const page = b.page;
  assert.equal(await appSignIn(page), 'reauth');
  await page.click('#reauth-device');
  await waitView(page, srv.issuer, 'approval');
  await a.page.click('#approvals-refresh');
  await a.page.waitForSelector('#approvals li');
  await a.page.click('#approvals li button.secondary');
  await a.page.waitForSelector('#approvals-empty:not([hidden])');
  assert.match(await a.page.textContent('#notice'), /Denied/);
  await page.waitForSelector('#error:not([hidden])', { timeout: 15_000 });
  assert.match(await errorText(page), /denied or has ended/);
  await shot(page, 'b-denied');
});

test('nothing secret stayed: no root key, app key or note text in the server\'s files or output', async () => {
  const keys = await new NodeClient(srv.issuer).keyBytes(EMAIL, PASSWORD);
  assert.deepEqual(scan({ ...dataFiles(srv.dataDir), 'server output': srv.log() }, { root: keys.root, cak: keys.cak, 'note body': NOTE.body }), []);
  assert.deepEqual(watcher.violations, [], 'no CSP or Trusted Types violation');
  for (const d of [a, b]) await d.ctx.close();
});
