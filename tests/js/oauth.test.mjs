// The relying-party helpers of the package: createPkce, createState, parseCallback (wire profile
// §4.1 and §4.7 steps 1–2), in Node, including the history rule with a stubbed browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as zk from 'zkauth';

const B64U = /^[A-Za-z0-9_-]+$/;
const isCode = (code) => (e) => e instanceof zk.ZkAuthError && e.code === code;
const CB = 'https://app.example/callback';
const JWE = 'eyJhbGciOiJFQ0RILUVTIn0..aXY.Y3Q.dGFn';

test('createPkce: 43-char b64u verifier of 32 random bytes, S256 challenge', async () => {
  const seen = new Set();
  for (let i = 0; i < 20; i++) {
    const { verifier, challenge } = await zk.createPkce();
    assert.equal(verifier.length, 43);
    assert.match(verifier, B64U);
    assert.equal(Buffer.from(verifier, 'base64url').length, 32);
    assert.equal(Buffer.from(verifier, 'base64url').toString('base64url'), verifier, 'canonical');
    assert.equal(challenge, createHash('sha256').update(verifier, 'ascii').digest('base64url'));
    assert.equal(challenge, zk.hashB64u(verifier));
    assert.ok(!seen.has(verifier), 'fresh every call');
    seen.add(verifier);
  }
  // The RFC 7636 appendix B example, through the same rule.
  assert.equal(zk.hashB64u('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('createState: 22-char b64u of 16 random bytes, fresh every call', () => {
  const a = zk.createState();
  const b = zk.createState();
  assert.equal(a.length, 22);
  assert.match(a, B64U);
  assert.equal(Buffer.from(a, 'base64url').length, 16);
  assert.notEqual(a, b);
});

test('parseCallback: code and state from the query, v2 JWE from the fragment (percent-decoded)', () => {
  const url = `${CB}?code=c0de&state=st%2Fx#darkauth_key_jwe=${encodeURIComponent(JWE)}`;
  assert.deepEqual(zk.parseCallback(url), { code: 'c0de', state: 'st/x', error: null, errorDescription: null, iss: null, jwe: JWE, version: 'v2' });
  assert.deepEqual(zk.parseCallback(new URL(url)).jwe, JWE);
  // Other fragment members are ignored; order does not matter.
  assert.equal(zk.parseCallback(`${CB}?code=c#x=1&darkauth_key_jwe=${JWE}&y`).jwe, JWE);
});

test('parseCallback: v1 fragment, error responses, no fragment at all', () => {
  assert.deepEqual(zk.parseCallback(`${CB}?code=c&state=s#drk_jwe=${JWE}`), { code: 'c', state: 's', error: null, errorDescription: null, iss: null, jwe: JWE, version: 'v1' });
  assert.deepEqual(zk.parseCallback(`${CB}?error=access_denied&error_description=the+user+denied&state=s`), {
    code: null, state: 's', error: 'access_denied', errorDescription: 'the user denied', iss: null, jwe: null, version: null,
  });
  assert.equal(zk.parseCallback(`${CB}?code=c&iss=${encodeURIComponent('https://login.example')}`).iss, 'https://login.example');
  assert.deepEqual(zk.parseCallback(`${CB}?code=c`), { code: 'c', state: null, error: null, errorDescription: null, iss: null, jwe: null, version: null });
});

test('parseCallback refuses mixed versions, repeats, empty JWEs, bad encodings and non-URLs', () => {
  assert.throws(() => zk.parseCallback(`${CB}?code=c#darkauth_key_jwe=${JWE}&drk_jwe=${JWE}`), isCode('delivery_version_mixed'));
  assert.throws(() => zk.parseCallback(`${CB}?code=c#drk_jwe=${JWE}&darkauth_key_jwe=${JWE}`), isCode('delivery_version_mixed'));
  assert.throws(() => zk.parseCallback(`${CB}?code=a&code=b#darkauth_key_jwe=${JWE}`), isCode('invalid_input'));
  assert.throws(() => zk.parseCallback(`${CB}?code=a&state=1&state=2`), isCode('invalid_input'));
  assert.throws(() => zk.parseCallback(`${CB}?code=a#darkauth_key_jwe=${JWE}&darkauth_key_jwe=${JWE}`), isCode('invalid_input'));
  assert.throws(() => zk.parseCallback(`${CB}?code=a#darkauth_key_jwe=`), isCode('invalid_input'));
  assert.throws(() => zk.parseCallback(`${CB}?code=a#darkauth_key_jwe=%E0%A4%A`), isCode('invalid_input'));
  assert.throws(() => zk.parseCallback('/callback?code=a'), isCode('invalid_input'));
  assert.throws(() => zk.parseCallback(42), isCode('invalid_input'));
  assert.throws(() => zk.parseCallback(), isCode('invalid_input'), 'Node has no location: a URL is required');
});

test('parseCallback does not touch history in Node (there is none)', () => {
  assert.equal(typeof globalThis.history, 'undefined');
  assert.equal(zk.parseCallback(`${CB}?code=c#darkauth_key_jwe=${JWE}`).jwe, JWE);
});

// A minimal browser: location + history whose replaceState updates location.href.
function withBrowser(href, fn) {
  const calls = [];
  const loc = { href };
  const hist = {
    state: { keep: 1 },
    replaceState(state, _unused, url) {
      calls.push({ state, url });
      loc.href = new URL(url, loc.href).href;
    },
  };
  globalThis.location = loc;
  globalThis.history = hist;
  try {
    return fn(calls, loc);
  } finally {
    delete globalThis.location;
    delete globalThis.history;
  }
}

test('in a browser, parseCallback strips the fragment of the current page from the URL and history', () => {
  withBrowser(`${CB}?code=c&state=s#darkauth_key_jwe=${JWE}`, (calls, loc) => {
    const r = zk.parseCallback(); // defaults to location.href
    assert.equal(r.jwe, JWE);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], { state: { keep: 1 }, url: `${CB}?code=c&state=s` });
    assert.equal(loc.href, `${CB}?code=c&state=s`);
    // A second call finds nothing left to strip and no JWE.
    assert.equal(zk.parseCallback().jwe, null);
    assert.equal(calls.length, 1);
  });
});

test('the fragment is stripped even when parsing then fails', () => {
  withBrowser(`${CB}?code=c#darkauth_key_jwe=${JWE}&drk_jwe=${JWE}`, (calls, loc) => {
    assert.throws(() => zk.parseCallback(), isCode('delivery_version_mixed'));
    assert.equal(calls.length, 1);
    assert.equal(loc.href, `${CB}?code=c`);
  });
});

test('a URL other than the current page is parsed without touching history', () => {
  withBrowser('https://app.example/notes', (calls) => {
    assert.equal(zk.parseCallback(`${CB}?code=c#darkauth_key_jwe=${JWE}`).jwe, JWE);
    assert.equal(calls.length, 0);
  });
});

test('parseCallback: a URL over 80 KiB is refused before it is parsed, quickly', () => {
  const huge = `${CB}?code=c#darkauth_key_jwe=${'A'.repeat(10 * 1024 * 1024)}`;
  const t0 = performance.now();
  assert.throws(() => zk.parseCallback(huge), isCode('invalid_input'));
  assert.ok(performance.now() - t0 < 20, 'no parsing of 10 MB');
  // A 64 KiB JWE, the most an opener accepts, still reads.
  const jwe = 'A'.repeat(64 * 1024);
  assert.equal(zk.parseCallback(`${CB}?code=c#darkauth_key_jwe=${jwe}`).jwe, jwe);
});
