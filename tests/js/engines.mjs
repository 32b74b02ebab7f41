// One small browser API over three engines, so a cross-engine test is written once:
// Chromium through playwright-core, Firefox ESR through puppeteer-core 24 (WebDriver BiDi;
// playwright's Firefox channel fails on ESR 153), WebKitGTK through selenium-webdriver and
// WebKitWebDriver under Xvfb (WebKit has no headless mode). All Debian builds.
//
// Engine: { name, version, newContext(), close() }
// Context: { newPage(), cookies(url), close() }          (separate cookie jars and storage)
// Page: { goto, url, reload, click, fill, check, press, keyboard, type, evaluate, inject, waitFor,
//        waitUntil, text, visible, disabled, screenshot }
// `inject(source)` runs a whole script as the driver does (not subject to the page's CSP):
// the test tools (axe-core) go in that way, never through the page's own code paths.
// Selectors are CSS. `evaluate(fn, arg)` runs `fn` (sync or async) in the page with one
// JSON argument and returns its JSON result. Waits poll the page, so they behave the same in
// every engine and survive navigations.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, freePort } from './harness.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];
/** The engines a run asks for: E2E_ENGINES="firefox,webkit", else all three. */
export function selectedEngines() {
  const asked = (process.env.E2E_ENGINES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of asked) if (!ENGINES.includes(e)) throw new Error(`unknown engine ${e} (E2E_ENGINES): ${ENGINES}`);
  return asked.length ? asked : ENGINES;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TIMEOUT = 30_000;

/** Polls `probe` (async, returns a truthy value when done; errors while a page navigates
 *  count as "not yet") until it passes or `timeout` ms have gone. */
async function poll(probe, what, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last = null;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    await sleep(50);
  }
}

/** What every engine's page shares: waits and reads built on `evaluate`. */
class BasePage {
  /** Waits for an element matching `selector` (visible unless `{state: 'attached'}`). */
  async waitFor(selector, { state = 'visible', timeout = TIMEOUT } = {}) {
    await poll(() => this.evaluate(([sel, st]) => {
      const el = document.querySelector(sel);
      if (!el) return false;
      return st === 'attached' || !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    }, [selector, state]), `${selector} (${state})`, timeout);
  }

  /** Waits until `fn(arg)` in the page returns a truthy value; returns it. */
  async waitUntil(fn, arg, what = 'a condition', timeout = TIMEOUT) {
    return poll(() => this.evaluate(fn, arg), what, timeout);
  }

  async waitForUrl(predicate, what = 'a URL', timeout = TIMEOUT) {
    await poll(async () => predicate(new URL(await this.url())), what, timeout);
  }

  async text(selector) {
    return this.evaluate((sel) => document.querySelector(sel)?.textContent ?? null, selector);
  }

  async visible(selector) {
    return this.evaluate((sel) => {
      const el = document.querySelector(sel);
      return !!el && !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    }, selector);
  }

  async disabled(selector) {
    return this.evaluate((sel) => !!document.querySelector(sel)?.disabled, selector);
  }
}

// ---- Chromium: playwright-core ---------------------------------------------------------------

class PlaywrightPage extends BasePage {
  constructor(page) {
    super();
    this.page = page;
  }
  goto(url) { return this.page.goto(url); }
  async url() { return this.page.url(); }
  reload() { return this.page.reload(); }
  click(sel) { return this.page.click(sel); }
  fill(sel, v) { return this.page.fill(sel, v); }
  check(sel) { return this.page.check(sel); }
  press(sel, key) { return this.page.press(sel, key); }
  keyboard(key) { return this.page.keyboard.press(key); }
  type(text) { return this.page.keyboard.type(text); }
  evaluate(fn, arg) { return this.page.evaluate(fn, arg); }
  inject(source) { return this.page.evaluate(source); }
  screenshot(path) { return this.page.screenshot({ path, fullPage: true }); }
}

async function playwrightEngine({ acceptInsecureCerts }) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    name: 'chromium',
    version: browser.version(),
    async newContext() {
      const ctx = await browser.newContext({ ignoreHTTPSErrors: acceptInsecureCerts });
      return {
        async newPage() { return new PlaywrightPage(await ctx.newPage()); },
        async cookies(url) { return (await ctx.cookies(url)).map(normalCookie); },
        close: () => ctx.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---- Firefox: puppeteer-core over WebDriver BiDi ---------------------------------------------

// The same page calls as playwright's but for the inputs (puppeteer's locators) and the
// arguments of evaluate.
class PuppeteerPage extends PlaywrightPage {
  click(sel) { return this.page.locator(sel).click(); }
  async fill(sel, v) { await this.page.locator(sel).fill(v); }
  async check(sel) {
    if (!(await this.evaluate((s) => document.querySelector(s)?.checked, sel))) await this.click(sel);
  }
  async press(sel, key) {
    await this.page.focus(sel);
    await this.page.keyboard.press(key);
  }
  // Puppeteer's BiDi serializer refuses objects with a "constructor" key (the sweep's class
  // signatures have one): the argument goes over as a JSON string, parsed in the page.
  evaluate(fn, arg) {
    if (arg === undefined) return this.page.evaluate(fn);
    // eslint-disable-next-line no-new-func -- built here, run by the driver in the page
    return this.page.evaluate(new Function('json', `return (${fn.toString()})(JSON.parse(json));`), JSON.stringify(arg));
  }
}

async function puppeteerEngine({ acceptInsecureCerts }) {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX ?? '/usr/bin/firefox-esr',
    headless: true,
    acceptInsecureCerts,
    extraPrefsFirefox: { 'network.captive-portal-service.enabled': false, 'app.update.enabled': false, 'browser.safebrowsing.malware.enabled': false },
  });
  return {
    name: 'firefox',
    version: await browser.version(),
    async newContext() {
      const ctx = await browser.createBrowserContext();
      return {
        async newPage() { return new PuppeteerPage(await ctx.newPage()); },
        async cookies(url) {
          const pages = await ctx.pages();
          const page = pages[0] ?? (await ctx.newPage());
          return (await page.cookies(url)).map(normalCookie);
        },
        close: () => ctx.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---- WebKitGTK: selenium-webdriver + WebKitWebDriver under xvfb-run --------------------------

const MINIBROWSER = process.env.WEBKIT_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

class SeleniumPage extends BasePage {
  constructor(driver, By, Key) {
    super();
    this.driver = driver;
    this.By = By;
    this.Key = Key;
  }
  goto(url) { return this.driver.get(url); }
  url() { return this.driver.getCurrentUrl(); }
  reload() { return this.driver.navigate().refresh(); }
  async element(sel) {
    await this.waitFor(sel, { state: 'attached' });
    return this.driver.findElement(this.By.css(sel));
  }
  async click(sel) {
    await this.waitFor(sel);
    await poll(() => this.evaluate((s) => !document.querySelector(s)?.disabled, sel), `${sel} enabled`);
    await (await this.element(sel)).click();
  }
  async fill(sel, v) {
    const el = await this.element(sel);
    await el.clear();
    await el.sendKeys(v);
  }
  async check(sel) {
    if (!(await this.evaluate((s) => document.querySelector(s)?.checked, sel))) await this.click(sel);
  }
  async press(sel, key) {
    await (await this.element(sel)).sendKeys(this.Key[key.toUpperCase()] ?? key);
  }
  async keyboard(key) {
    await this.driver.actions().sendKeys(this.Key[key.toUpperCase()] ?? key).perform();
  }
  async type(text) {
    await this.driver.actions().sendKeys(text).perform();
  }
  async evaluate(fn, arg) {
    // Classic WebDriver runs a function body; the callback settles async functions too.
    const out = await this.driver.executeAsyncScript(
      `const done = arguments[arguments.length - 1];
       Promise.resolve().then(() => (${fn.toString()})(arguments[0]))
         .then((value) => done({ value: value === undefined ? null : value }), (e) => done({ error: String(e && e.stack || e) }));`,
      arg === undefined ? null : arg,
    );
    if (out?.error) throw new Error(`in the page: ${out.error}`);
    return out?.value;
  }
  async inject(source) {
    await this.driver.executeScript(source);
  }
  async screenshot(path) {
    writeFileSync(path, Buffer.from(await this.driver.takeScreenshot(), 'base64'));
  }
}

/** Starts `xvfb-run -a WebKitWebDriver` on a free port; resolves once it answers. */
async function startWebKitDriver() {
  const port = await freePort();
  // xvfb-run -a gives WebKitWebDriver (and the MiniBrowser it starts) a display of its own.
  const proc = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = [];
  proc.stdout.on('data', (b) => log.push(b));
  proc.stderr.on('data', (b) => log.push(b));
  const stop = () => {
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      // gone already
    }
  };
  process.once('exit', stop);
  const url = `http://127.0.0.1:${port}`;
  await poll(async () => (await fetch(`${url}/status`)).ok, `WebKitWebDriver on ${url}\n${Buffer.concat(log)}`, 20_000);
  return {
    url,
    stop() {
      stop();
      process.removeListener('exit', stop);
    },
  };
}

async function seleniumEngine({ acceptInsecureCerts }) {
  const { Builder, By, Key } = await import('selenium-webdriver');
  const capabilities = {
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    acceptInsecureCerts,
  };
  // WebKitWebDriver holds one session at a time, and a session is one MiniBrowser (its own
  // cookie jar and storage): a context is a session on a driver of its own, drivers reused
  // once their session has ended.
  const idle = [];
  const all = [];
  const session = async () => {
    let driverProc = idle.pop();
    if (!driverProc) {
      driverProc = await startWebKitDriver();
      all.push(driverProc);
    }
    const driver = await new Builder().usingServer(driverProc.url).withCapabilities(capabilities).build();
    await driver.manage().setTimeouts({ script: TIMEOUT, pageLoad: TIMEOUT });
    return { driver, driverProc };
  };
  const probe = await session();
  const version = (await probe.driver.getCapabilities()).get('browserVersion');
  await probe.driver.quit();
  idle.push(probe.driverProc);
  const open = new Set();
  return {
    name: 'webkit',
    version,
    async newContext() {
      const s = await session();
      open.add(s);
      let used = false;
      return {
        async newPage() {
          if (used) throw new Error('webkit: one page per context (a WebDriver session is one window)');
          used = true;
          return new SeleniumPage(s.driver, By, Key);
        },
        async cookies(forUrl) {
          const host = new URL(forUrl).hostname;
          return (await s.driver.manage().getCookies()).filter((c) => !c.domain || c.domain.replace(/^\./, '') === host).map(normalCookie);
        },
        async close() {
          if (!open.delete(s)) return;
          await s.driver.quit().catch(() => {});
          idle.push(s.driverProc);
        },
      };
    },
    async close() {
      for (const s of open) await s.driver.quit().catch(() => {});
      open.clear();
      for (const d of all) d.stop();
    },
  };
}

// ---- Firefox over geckodriver (WebDriver classic): what puppeteer's BiDi cannot do -------------

/** Firefox ESR through geckodriver and selenium-webdriver, for the WebDriver WebAuthn extension
 *  commands (virtual authenticators), which BiDi does not have. The soft token backs them.
 *  Returns `{page, version, addAuthenticator(), quit()}`; one window. */
export async function launchFirefoxWebDriver() {
  const { Builder, By, Key } = await import('selenium-webdriver');
  const firefox = await import('selenium-webdriver/firefox.js');
  const { VirtualAuthenticatorOptions } = await import('selenium-webdriver/lib/virtual_authenticator.js');
  const geckodriver = process.env.GECKODRIVER || 'geckodriver';
  const options = new firefox.Options()
    .setBinary(process.env.FIREFOX ?? '/usr/bin/firefox-esr')
    .addArguments('-headless')
    .setPreference('security.webauth.webauthn_enable_softtoken', true)
    .setPreference('security.webauth.webauthn_enable_usbtoken', false);
  const driver = await new Builder().forBrowser('firefox').setFirefoxOptions(options).setFirefoxService(new firefox.ServiceBuilder(geckodriver)).build();
  await driver.manage().setTimeouts({ script: TIMEOUT, pageLoad: TIMEOUT });
  return {
    page: new SeleniumPage(driver, By, Key),
    version: (await driver.getCapabilities()).get('browserVersion'),
    /** A platform authenticator with resident keys and user verification (CTAP 2). */
    addAuthenticator: () => {
      const o = new VirtualAuthenticatorOptions(); // its setters do not chain
      o.setProtocol('ctap2');
      o.setTransport('internal');
      o.setHasResidentKey(true);
      o.setHasUserVerification(true);
      o.setIsUserVerified(true);
      o.setIsUserConsenting(true);
      return driver.addVirtualAuthenticator(o);
    },
    quit: () => driver.quit().catch(() => {}),
  };
}

/** One cookie shape across drivers: {name, value, secure, httpOnly, sameSite, path, domain}. */
function normalCookie(c) {
  return { name: c.name, value: c.value, secure: !!c.secure, httpOnly: !!c.httpOnly, sameSite: String(c.sameSite ?? ''), path: c.path, domain: c.domain };
}

/** Launches `name` ('chromium' | 'firefox' | 'webkit'). */
export async function launchEngine(name, { acceptInsecureCerts = false } = {}) {
  switch (name) {
    case 'chromium':
      return playwrightEngine({ acceptInsecureCerts });
    case 'firefox':
      return puppeteerEngine({ acceptInsecureCerts });
    case 'webkit':
      return seleniumEngine({ acceptInsecureCerts });
    default:
      throw new Error(`unknown engine ${name}`);
  }
}
