// The page's views and messages: the $ helper, which static section shows, the error and notice
// lines, a button's busy state while an action runs, and the form and link wiring helpers.
// Under the page's Trusted Types CSP this only toggles `hidden` and sets textContent.
import { ApiFailure, sentence } from './errors.js';
import { mem, signedOut } from './custody.js';
import { authRequest } from './request.js';
import { goTo } from './screens.js';

export const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el;
};

const VIEWS = ['loading', 'login', 'register', 'recovery', 'reauth', 'approval', 'confirm', 'consent', 'account', 'forgot', 'end-session'];

// Views where the "continue to <app>" banner helps (not on consent, which names the app).
const CONTEXT_VIEWS = new Set(['login', 'register', 'reauth', 'forgot']);

let leaving = false; // navigating to the app: buttons stay disabled

export function show(view) {
  for (const v of VIEWS) $(`view-${v}`).hidden = v !== view;
  document.body.dataset.view = view;
  $('context').hidden = !authRequest || !CONTEXT_VIEWS.has(view);
  const first = $(`view-${view}`).querySelector('input:not([type="checkbox"]), button:not(:disabled)');
  if (first && view !== 'loading') first.focus();
}

function setLine(id, text) {
  const el = $(id);
  el.textContent = text ?? '';
  el.hidden = !text;
}

export const setError = (text) => setLine('error', text);
export const setNotice = (text) => setLine('notice', text);

export function clearMessages() {
  setError(null);
  setNotice(null);
}

/** The page is going to the app: the busy buttons are not enabled again. */
export function leave() {
  leaving = true;
}

// Disables the button and shows its busy label, and yields a frame so the busy state paints
// before the KSF (0.1–0.3 s of wasm on this thread) starts.
async function busy(button, fn) {
  const label = button.textContent;
  button.disabled = true;
  button.classList.add('busy');
  button.setAttribute('aria-busy', 'true');
  if (button.dataset.busy) button.textContent = button.dataset.busy;
  await new Promise((resolve) => {
    // A frame, then a task; hidden tabs get no frames, so a timer caps the wait.
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => setTimeout(() => {
      clearTimeout(timer);
      resolve();
    }, 0));
  });
  try {
    return await fn();
  } finally {
    button.textContent = label;
    button.classList.remove('busy');
    button.removeAttribute('aria-busy');
    button.disabled = leaving;
  }
}

/** Shows a failure as a sentence; a session that ended signs the page out to the login view. */
export function showFailure(e, overrides) {
  if (e instanceof ApiFailure && e.code === 'login_required' && mem.user) {
    signedOut();
    goTo('login');
  }
  setError(sentence(e, overrides));
}

// Runs an action from a form or button: clears messages, shows busy, turns a failure into a
// sentence. Returns true on success.
export async function act(button, fn, overrides) {
  clearMessages();
  try {
    await busy(button, fn);
    return true;
  } catch (e) {
    showFailure(e, overrides);
    return false;
  }
}

/** Runs `fn` as the action of a form's submit button. */
export function onSubmit(formId, buttonId, fn, overrides) {
  $(formId).addEventListener('submit', (ev) => {
    ev.preventDefault();
    act($(buttonId), fn, overrides);
  });
}

/** Runs `fn` as the action of a button (click). */
export function onClick(buttonId, fn, overrides) {
  const button = $(buttonId);
  button.addEventListener('click', () => act(button, fn, overrides));
}

/** A link that moves within the page: messages cleared, no navigation. */
export function link(id, fn) {
  $(id).addEventListener('click', (ev) => {
    ev.preventDefault();
    clearMessages();
    fn();
  });
}

/** A small list-row button that runs `action` as the page's actions run (busy label, errors). */
export function smallButton(text, busy, action, kind = 'secondary') {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = `${kind} small`;
  b.textContent = text;
  b.dataset.busy = busy;
  b.addEventListener('click', () => act(b, action));
  return b;
}

/** A time (unix seconds) as the lists show it; '' for none. */
export function when(secs) {
  if (typeof secs !== 'number') return '';
  return new Date(secs * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
