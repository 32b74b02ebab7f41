// Reading the forms' fields: a password is taken out of its field (the field is cleared at
// once) and checked; an e-mail address is required and put in the login service's normal form.
import { MIN_PASSWORD, PageError } from './errors.js';
import { $ } from './ui.js';

/** The field's password; the field is emptied. */
function readPassword(id) {
  const el = $(id);
  const v = el.value;
  el.value = '';
  return v;
}

/** The field's password, refused when empty. */
export function requirePassword(id) {
  const v = readPassword(id);
  if (!v) throw new PageError('password_missing');
  return v;
}

/** The field's e-mail address in the login service's normal form: NFKC, the domain
 *  lower-cased (server/src/identity.rs; the server refuses a new account in any other form,
 *  and OPAQUE binds the exact string, so login must send the same form). */
export function requireEmail(id) {
  const v = $(id).value.trim().normalize('NFKC');
  if (!v) throw new PageError('email_missing');
  const at = v.lastIndexOf('@');
  return at < 0 ? v : v.slice(0, at + 1) + v.slice(at + 1).toLowerCase().normalize('NFKC');
}

/** A new password typed twice; both fields are emptied. */
export function newPassword(a, b) {
  const p1 = readPassword(a);
  const p2 = readPassword(b);
  if (p1.length < MIN_PASSWORD) throw new PageError('password_short');
  if (p1 !== p2) throw new PageError('password_mismatch');
  return p1;
}
