// The page's screens by name. main.js registers each screen's `show` function here, so a flow
// can move on to the next screen without the flow modules importing each other in a circle.
import { authRequest } from './request.js';

const screens = new Map();

/** Registers screens: `{name: show}`. */
export function addScreens(table) {
  for (const [name, show] of Object.entries(table)) screens.set(name, show);
}

/** Shows the screen `name` (login, reauth, consent, account); returns what its `show` does. */
export function goTo(name) {
  const show = screens.get(name);
  if (!show) throw new Error(`no screen ${name}`);
  return show();
}

/** Where to go once signed in with keys: the consent screen for an authorization request,
 *  else the account page. */
export function proceed() {
  return goTo(authRequest ? 'consent' : 'account');
}
