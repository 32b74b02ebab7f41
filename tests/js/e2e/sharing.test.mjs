// Sharing between two users of the demo app in Chromium (issue 24): Ada and Bob each sign in to
// the app in their own browser context; the app makes each one's sharing key pair (wrapped under
// their app key) on first use. Ada shares a note with Bob by e-mail address, Bob reads it; Bob
// signs in again and still reads it (his pair reopens from what the server keeps); Ada revokes
// and Bob can no longer open it. Afterwards no key, data key or note text is in the server's
// files or output, no e-mail address in its output, and no page broke its CSP.
//
// The tests run in order and share the two accounts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import { NodeClient, dataFiles, scan, shot as shotIn } from './harness.mjs';
import { appSignIn, approve, begin, end, errorText, noteTexts, registerThroughApp, srv, waitView, watcher } from './story.mjs';

const tag = randomBytes(4).toString('hex');
const ADA = { email: `ada-${tag}@example.com`, password: `ada's long passphrase ${tag}` };
const BOB = { email: `bob-${tag}@example.com`, password: `bob's long passphrase ${tag}` };
const NOTE = { title: `Quarterly plan ${tag}`, body: `ship the sharing feature ${randomBytes(6).toString('hex')}` };
let ada = null; // { ctx, page }
let bob = null;
let noteId = null;
const page = (u) => u.page;

const shot = (page, name) => shotIn(page, name, 'sharing');

before(() => begin('sharing'));
after(end);

/** The notes shared with the page's user, as their texts (after a refresh). */
async function sharedTexts(page) {
  await page.click('#notes-refresh');
  await page.waitForSelector('#notes-refresh:not(.busy)');
  await page.waitForSelector('#shared li, #shared-empty:not([hidden])');
  return page.$$eval('#shared > li', (lis) => lis.map((li) => li.textContent));
}

test('Ada and Bob sign in to the app; Ada writes a note; nothing is shared with either yet', async () => {
  ada = await registerThroughApp(ADA.email, ADA.password);
  await page(ada).fill('#note-title', NOTE.title);
  await page(ada).fill('#note-body', NOTE.body);
  await page(ada).click('#note-save');
  await page(ada).waitForSelector('#notes li');
  noteId = await page(ada).getAttribute('#notes li', 'data-note-id');
  assert.match(noteId, /^note_[0-9a-f-]{36}$/);
  await page(ada).waitForSelector('#shared-empty:not([hidden])');
  assert.equal(await page(ada).textContent('#shared-empty'), 'Nothing is shared with you.');
  await shot(page(ada), 'ada-note-written');

  bob = await registerThroughApp(BOB.email, BOB.password);
  await page(bob).waitForSelector('#shared-empty:not([hidden])');
  assert.deepEqual(await sharedTexts(page(bob)), []);
  await shot(page(bob), 'bob-nothing-shared');
});

test('Ada shares the note with Bob by e-mail address; an unknown address is refused', async () => {
  const p = page(ada);
  await p.click(`#notes li[data-note-id="${noteId}"] .share-toggle`);
  await p.waitForSelector('.share-form');
  await p.fill('.share-email', `nobody-${tag}@example.com`);
  await p.click('.share-submit');
  await p.waitForSelector('#error:not([hidden])');
  assert.match(await errorText(p), /no user of this app with that e-mail address/);
  await shot(p, 'ada-unknown-recipient');

  await p.fill('.share-email', BOB.email);
  await p.click('.share-submit');
  await p.waitForSelector(`.recipients li[data-recipient="${BOB.email}"]`);
  assert.equal(await errorText(p), null);
  assert.match(await p.textContent('#notice'), new RegExp(`Shared with ${BOB.email.replace(/[.]/g, '\\.')}`));
  await shot(p, 'ada-shared-with-bob');
});

test('Bob sees the note marked as shared by Ada and it decrypts; after a new sign-in too', async () => {
  const texts = await sharedTexts(page(bob));
  assert.equal(texts.length, 1);
  assert.ok(texts[0].includes(NOTE.title) && texts[0].includes(NOTE.body), texts[0]);
  assert.ok(texts[0].includes(`shared by ${ADA.email}`), texts[0]);
  assert.deepEqual(await noteTexts(page(bob)), [], "Ada's note is not among Bob's own notes");
  await shot(page(bob), 'bob-reads-shared-note');

  // Sign out of the app (the keys are dropped) and in again: his pair reopens from the server.
  await page(bob).click('#signout');
  await waitView(page(bob), srv.appOrigin, 'signedout');
  // Still signed in to the login service, whose page lost the keys with the app's tab: it asks
  // for the password once (reauth), then consent.
  assert.equal(await appSignIn(page(bob)), 'reauth');
  await page(bob).fill('#reauth-password', BOB.password);
  await page(bob).click('#reauth-submit');
  await approve(page(bob));
  const again = await sharedTexts(page(bob));
  assert.equal(again.length, 1);
  assert.ok(again[0].includes(NOTE.body), again[0]);
  await shot(page(bob), 'bob-reads-after-new-sign-in');
});

test('a share the server altered does not open, and the page says so', async () => {
  // The server hands Bob a JWE with one tag character changed.
  await page(bob).route('**/shared-notes', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    for (const n of body.notes) {
      const parts = n.jwe.split('.');
      parts[4] = (parts[4][0] === 'A' ? 'B' : 'A') + parts[4].slice(1);
      n.jwe = parts.join('.');
    }
    await route.fulfill({ response: res, json: body });
  });
  const texts = await sharedTexts(page(bob));
  assert.equal(texts.length, 1);
  assert.match(texts[0], /This shared note cannot be opened with your key/);
  assert.doesNotMatch(texts[0], new RegExp(NOTE.body));
  assert.equal(await errorText(page(bob)), null);
  await shot(page(bob), 'bob-altered-share-refused');
  await page(bob).unroute('**/shared-notes');
});

test('Ada revokes the share; Bob can no longer open the note', async () => {
  const p = page(ada);
  await p.click(`.recipients li[data-recipient="${BOB.email}"] .revoke`);
  await p.waitForSelector(`.recipients li[data-recipient="${BOB.email}"]`, { state: 'detached' });
  assert.match(await p.textContent('#notice'), /can no longer open this note/);
  assert.match(await p.textContent('.share .muted'), /already opened the note has seen it/);
  await shot(p, 'ada-revoked');

  assert.deepEqual(await sharedTexts(page(bob)), []);
  await shot(page(bob), 'bob-after-revoke');
});

test('nothing secret stayed: no key, data key or note text in the server\'s files or output', async () => {
  const keys = {};
  for (const [name, u] of [['ada', ADA], ['bob', BOB]]) {
    const k = await new NodeClient(srv.issuer).keyBytes(u.email, u.password);
    keys[`${name} root key`] = k.root;
    keys[`${name} app key`] = k.cak;
    if (name === 'ada') keys['the note data key'] = Buffer.from(hkdfSync('sha256', k.cak, 'DarkAuth|demo-notes', `note:${noteId}`, 32));
  }
  const files = dataFiles(srv.dataDir);
  assert.deepEqual(scan({ ...files, 'server output': srv.log() }, { ...keys, 'note title': NOTE.title, 'note body': NOTE.body }), []);
  assert.deepEqual(scan({ 'server output': srv.log() }, { 'ada e-mail': ADA.email, 'bob e-mail': BOB.email }), []);
  assert.deepEqual(watcher.violations, [], 'no CSP or Trusted Types violation');
  for (const u of [ada, bob]) await u.ctx.close();
});
