// The shared run of the e2e flow: the one account the tests build on (its e-mail address and
// passwords), the server and browser of the run, the callback URLs the app pages loaded, and the
// steps on a page the tests repeat (wait for a view, sign in through the app, approve).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Watcher, clearOutputs, launch, recordCallbacks, startServer } from './harness.mjs';

export const tag = randomBytes(4).toString('hex');
export const EMAIL = `ada-${tag}@example.com`;
export const PW1 = `correct horse battery staple ${tag}`;
export const PW2 = `second password after a change ${tag}`;
export const PW3 = `third password after recovery ${tag}`;
export const WRONG = `not my password ${tag}`;
export const NOTE = { title: `Launch codes ${tag}`, body: `the owl flies at midnight ${randomBytes(6).toString('hex')}` };

export const WRONG_LOGIN = 'The e-mail address or password is not right.';
export const KEY_REFUSED = 'The key sent to this app did not pass its checks, so it was thrown away. Please sign in again.';
export const APP_SESSION_ENDED = 'Your session with this app has ended. Please sign in again.';
export const ZK_SWAPPED = 'This sign-in link carries another key than the one the app sent to the login service, so nothing can be sent. Go back to the app and sign in again.';

export let srv; // the run's server (live binding: set by begin)
export let browser;
export const watcher = new Watcher();
export const callbacks = []; // every callback URL an app page loaded (with its fragment JWE)

/** Starts the run's server and browser (outputs of an earlier run cleared). Another story
 *  (`name`) keeps its screenshots in target/e2e/<name>/. */
export async function begin(name) {
  // `before(begin)` passes node:test's context: anything but a name is the main story.
  const story = typeof name === 'string' ? name : 'flow';
  clearOutputs(story === 'flow' ? null : story);
  srv = await startServer(story);
  browser = await launch();
}

export async function end() {
  await browser?.close();
  await srv?.stop();
}

// ---- steps on a page ------------------------------------------------------------------------

export async function newContext(server = srv) {
  const ctx = await browser.newContext();
  await watcher.attach(ctx);
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.issuer });
  return ctx;
}

export async function newPage(ctx) {
  const page = await ctx.newPage();
  callbacks.push(recordCallbacks(page));
  return page;
}

const onOrigin = (page, origin) => page.waitForURL((u) => u.origin === origin);

/** Waits until the page (on `origin`) shows one of `views`, or an error; returns the view. */
export async function waitView(page, origin, ...views) {
  await onOrigin(page, origin);
  const sel = views.map((v) => `body[data-view="${v}"]`).join(', ');
  await page.waitForSelector(sel);
  return page.evaluate(() => document.body.dataset.view);
}

export async function errorText(page) {
  const el = page.locator('#error');
  return (await el.isVisible()) ? (await el.textContent()).trim() : null;
}

/** From the app's front page to the issuer's login page. */
export async function appSignIn(page) {
  await page.goto(`${srv.appOrigin}/`);
  await waitView(page, srv.appOrigin, 'signedout');
  await page.click('#signin');
  return waitView(page, srv.issuer, 'login', 'reauth');
}

export async function login(page, email, password) {
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
}

/** On the consent page: approve and wait for the app's notes. */
export async function approve(page) {
  await waitView(page, srv.issuer, 'consent');
  await page.click('#consent-approve');
  const v = await waitView(page, srv.appOrigin, 'notes', 'signedout');
  assert.equal(v, 'notes', `the app refused: ${await errorText(page)}`);
}

/** A new account made through the app (register → recovery key saved → consent), on a new
 *  page in a new context; returns `{ ctx, page }` with the app showing its notes. */
export async function registerThroughApp(email, password) {
  const ctx = await newContext();
  const page = await newPage(ctx);
  await appSignIn(page);
  await page.click('#to-register');
  await page.fill('#register-email', email);
  await page.fill('#register-password', password);
  await page.fill('#register-password2', password);
  await page.click('#register-submit');
  await waitView(page, srv.issuer, 'recovery');
  await page.check('#recovery-saved');
  await page.click('#recovery-continue');
  await approve(page);
  return { ctx, page };
}

export async function noteTexts(page) {
  await page.waitForSelector('#notes li, #notes-empty:not([hidden])');
  return page.$$eval('#notes li', (lis) => lis.map((li) => li.textContent));
}

/** What the page's origin keeps in storage: nothing key-related may be there. */
export async function storage(page) {
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
