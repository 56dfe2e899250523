// Signing in and out: the session the hub knows (GET /api/v1/session), the
// sign-in screen (POST /api/v1/login) and sign-out (POST /api/v1/logout).
// The screen replaces the view but not the address, so after sign-in the
// page the person wanted is shown.

import { apply, t } from './i18n.js';
import { api, h, hms, setText } from './util.js';
import { clearSession, roleWord, session, setSession } from './auth.js';

// loadSession asks the hub who is signed in: 'in', 'out' (401) or
// 'unreachable' (no answer, or not the answer of a hub).
export async function loadSession() {
  try {
    setSession(await api('/api/v1/session', { auth: false }));
    return 'in';
  } catch (e) {
    if (session.mode === 'in') return 'in'; // signed in on the screen while this was asked
    clearSession('out');
    return e.status === 401 ? 'out' : 'unreachable';
  }
}

// signOut ends the session at the hub; the page forgets it either way.
export async function signOut() {
  try {
    await api('/api/v1/logout', { method: 'POST', auth: false });
  } catch { /* gone already, or the hub is away: the page signs out anyway */ }
  clearSession('out');
}

// SignInView is the sign-in screen; onDone runs once the hub accepted the
// person. note: why it is shown ('expired' after a 401 while signed in,
// 'unreachable' when the hub did not answer, 'signedOut' after sign-out).
export class SignInView {
  constructor({ note = '', onDone }) {
    this.onDone = onDone;
    this.note = note;
    this.error = null; // {key, params}
    this.user = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: '100', autocapitalize: 'off', spellcheck: 'false' });
    this.pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: '1000' });
    this.submit = h('button', { type: 'submit', class: 'btn primary', 'data-i18n': 'signin.submit' });
    this.noteEl = h('p', { class: 'signin-note', role: 'status' });
    this.errEl = h('p', { class: 'form-error signin-error', role: 'alert', hidden: true });
    this.form = h('form', { class: 'signin-form', novalidate: true },
      h('h2', { 'data-i18n': 'signin.title' }),
      h('p', { class: 'muted', 'data-i18n': 'signin.lead' }),
      this.noteEl,
      h('label', null, h('span', { 'data-i18n': 'signin.user' }), this.user),
      h('label', null, h('span', { 'data-i18n': 'signin.password' }), this.pass),
      this.errEl,
      h('div', { class: 'form-buttons' }, this.submit));
    this.form.addEventListener('submit', (ev) => { ev.preventDefault(); this.send(); });
    this.el = h('div', { class: 'view view-signin' }, this.form);
    apply(this.el);
    this.update();
    setTimeout(() => this.user.focus(), 0);
  }

  async send() {
    const username = this.user.value.trim();
    const password = this.pass.value;
    if (!username || !password) {
      this.show({ key: 'signin.empty' });
      (username ? this.pass : this.user).focus();
      return;
    }
    this.submit.disabled = true;
    this.show(null);
    try {
      setSession(await api('/api/v1/login', { method: 'POST', body: { username, password }, auth: false }));
      this.pass.value = '';
      this.onDone();
      return;
    } catch (e) {
      this.show(failure(e));
      this.pass.value = '';
      this.pass.focus();
    } finally {
      this.submit.disabled = false;
    }
  }

  show(error) {
    this.error = error;
    this.update();
  }

  update() {
    setText(this.noteEl, this.note ? t(`signin.note.${this.note}`) : '');
    this.noteEl.hidden = !this.note;
    this.errEl.hidden = !this.error;
    setText(this.errEl, this.error ? t(this.error.key, this.error.params) : '');
    this.errEl.dataset.error = this.error ? this.error.key.split('.').pop() : '';
  }

  relang() { apply(this.el); this.update(); }
  tick() {}
  watch() { return []; }
  frame() {}
  destroy() {}
}

// failure turns a refused sign-in into what the person should know.
function failure(e) {
  if (e.status === 401) return { key: 'signin.wrong' };
  if (e.status === 429) {
    if (!e.retryAfter) return { key: 'signin.locked.later' };
    const until = Date.now() + e.retryAfter * 1000;
    return { key: 'signin.locked', params: { time: hms(until), min: Math.max(1, Math.ceil(e.retryAfter / 60)) } };
  }
  if (e.status === 0) return { key: 'signin.unreachable' };
  return { key: 'signin.failed', params: { msg: e.message } };
}

// NoPagesView is what a role without pages here sees (purchaser, expert):
// who they are and that the hub has nothing for them yet.
export class NoPagesView {
  constructor() {
    this.text = h('span');
    this.el = h('div', { class: 'view view-nopages' },
      h('div', { class: 'placeholder empty' }, h('strong', { 'data-i18n': 'nopages.title' }), this.text));
    apply(this.el);
    this.update();
  }

  update() { setText(this.text, t('nopages.body', { role: roleWord(session.role) })); }
  relang() { apply(this.el); this.update(); }
  tick() {}
  watch() { return []; }
  frame() {}
  destroy() {}
}
