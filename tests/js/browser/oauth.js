// parseCallback, createPkce and createState in a real browser (history, location, WebCrypto).
function check(ok, what) {
  if (!ok) throw new Error(what);
}

export const oauthTests = {
  'parseCallback strips the fragment from the address bar and the history entry'(zk) {
    const before = location.href;
    const len = history.length;
    const jwe = 'eyJhbGciOiJFQ0RILUVTIn0..aXY.Y3Q.dGFn';
    history.pushState({ keep: 1 }, '', `${location.pathname}?code=c1&state=s%2F1#x=1&darkauth_key_jwe=${encodeURIComponent(jwe)}`);
    try {
      const r = zk.parseCallback();
      check(r.jwe === jwe && r.code === 'c1' && r.state === 's/1' && r.version === 'v2', `parsed ${JSON.stringify(r)}`);
      check(location.hash === '' && !location.href.includes('#'), `fragment left: ${location.href}`);
      check(location.search === '?code=c1&state=s%2F1', 'the query stays (the app decides)');
      check(history.length === len + 1, 'the entry was replaced, not pushed');
      check(history.state?.keep === 1, 'the history state is kept');
      check(zk.parseCallback().jwe === null, 'nothing left to read');
    } finally {
      history.replaceState(null, '', before);
    }
  },

  'parseCallback strips the fragment before refusing mixed versions'(zk) {
    const before = location.href;
    history.pushState(null, '', `${location.pathname}?code=c#darkauth_key_jwe=a&drk_jwe=b`);
    try {
      let code = null;
      try {
        zk.parseCallback();
      } catch (e) {
        code = e.code;
      }
      check(code === 'delivery_version_mixed', `code ${code}`);
      check(!location.href.includes('#'), 'fragment removed anyway');
    } finally {
      history.replaceState(null, '', before);
    }
  },

  async 'createPkce: S256 of a 43-character verifier; createState: 22 characters'(zk) {
    const { verifier, challenge } = await zk.createPkce();
    check(/^[A-Za-z0-9_-]{43}$/.test(verifier), verifier);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const b64u = btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    check(challenge === b64u, 'challenge = b64u(SHA-256(verifier))');
    check(/^[A-Za-z0-9_-]{22}$/.test(zk.createState()), 'state');
    check(zk.createState() !== zk.createState(), 'fresh');
  },
};
