// The audit log (#/audit), for regulators (their jurisdiction's rooms) and
// the operator (everything): newest first, filtered by action, target,
// actor and time, 200 entries at a time. The filter lives in the address
// (#/audit?action=&target=&actor=&from=&to=, times in RFC 3339).
//
// The hub matches target and actor exactly. A target without "/" (a room)
// also matches the room's streams ("room-1/cam1"), and an actor without
// "@" matches that user from any address; the page asks for those without
// the field and keeps the matching entries itself.

import { apply, t } from './i18n.js';
import { api, dateTime, enc, h, iso, pad, parseTime, setText } from './util.js';
import { data, roomById } from './data.js';
import { session } from './auth.js';
import { actorWords, detailCell } from './auditwords.js';

// ACTIONS are the hub's action names (hub/audit/audit.go), each with words
// under audit.act.<name> in i18n.js.
export const ACTIONS = ['user.signin', 'user.signin_failed', 'user.signout', 'live.view', 'recording.playback',
  'recording.export', 'alert.ack', 'alert.resolve', 'room.create', 'room.update', 'room.token', 'box.enroll',
  'user.add', 'user.password', 'token.create', 'jurisdiction.rename', 'agency.rename'];

const PAGE = 200;
const MAX_FETCHES = 5; // per click, while a page the page filters itself shows nothing new
const FIELDS = ['action', 'target', 'actor', 'from', 'to'];

export function actionWord(action) {
  return ACTIONS.includes(action) ? t(`audit.act.${action}`) : action;
}

export function auditHref(filter = {}) {
  const q = new URLSearchParams();
  for (const k of FIELDS) if (filter[k]) q.set(k, filter[k]);
  const s = q.toString();
  return `#/audit${s ? `?${s}` : ''}`;
}

// localInput turns a time into a datetime-local value, and back.
const localInput = (ms) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
const fromInput = (v) => (v ? parseTime(v) : null);

// splitActor: "王@10.0.0.5" -> {name: "王", addr: "10.0.0.5"}.
function splitActor(actor) {
  const i = actor.lastIndexOf('@');
  return i < 0 ? { name: actor, addr: '' } : { name: actor.slice(0, i), addr: actor.slice(i + 1) };
}

export class AuditView {
  constructor(params) {
    this.actionSel = h('select', { name: 'action' });
    this.targetIn = h('input', { name: 'target', type: 'text', list: 'audit-rooms', size: '14' });
    this.rooms = h('datalist', { id: 'audit-rooms' });
    this.actorIn = h('input', { name: 'actor', type: 'text', size: '14' });
    this.fromIn = h('input', { name: 'from', type: 'datetime-local' });
    this.toIn = h('input', { name: 'to', type: 'datetime-local' });
    const field = (key, input) => h('label', null, h('span', { 'data-i18n': key }), input);
    this.form = h('form', { class: 'filters audit-filters', onsubmit: (ev) => { ev.preventDefault(); this.submit(); } },
      field('audit.f.action', this.actionSel), field('audit.f.target', this.targetIn), this.rooms,
      field('audit.f.actor', this.actorIn), field('audit.f.from', this.fromIn), field('audit.f.to', this.toIn),
      h('button', { type: 'submit', class: 'btn primary', 'data-i18n': 'audit.apply' }),
      h('a', { class: 'btn ghost', href: '#/audit', 'data-i18n': 'audit.clear' }),
      h('button', { type: 'button', class: 'btn ghost', 'data-i18n': 'audit.refresh', onclick: () => this.load() }));
    this.errEl = h('div', { class: 'banner banner-bad', role: 'alert', hidden: true });
    this.chain = h('p', { class: 'audit-chain', hidden: true });
    this.count = h('p', { class: 'audit-count muted' });
    this.body = h('tbody');
    const th = (key) => h('th', { scope: 'col', 'data-i18n': key });
    this.table = h('table', { class: 'audit-table' },
      h('thead', null, h('tr', null, th('audit.c.time'), th('audit.c.actor'), th('audit.c.action'),
        th('audit.c.target'), th('audit.c.detail'), th('audit.c.hash'))), this.body);
    this.empty = h('p', { class: 'placeholder audit-empty' });
    this.more = h('button', { type: 'button', class: 'btn audit-more', 'data-i18n': 'audit.more', onclick: () => this.load(true) });
    this.end = h('p', { class: 'muted audit-end', 'data-i18n': 'audit.end', hidden: true });
    this.el = h('div', { class: 'view view-audit' },
      h('div', { class: 'view-head' }, h('h2', { 'data-i18n': 'audit.title' })),
      h('p', { class: 'audit-intro muted' }, h('span', { 'data-i18n': 'audit.intro' }), ' ', h('code', null, 'evalroom-hub audit verify'), ' ',
        h('span', { 'data-i18n': 'audit.intro.after' })),
      this.chain, this.form, this.errEl, this.count, this.table, this.empty, h('div', { class: 'audit-foot' }, this.more, this.end));
    apply(this.el);
    this.params(params);
  }

  params(params) {
    this.f = {};
    for (const k of FIELDS) this.f[k] = (params.get(k) || '').trim();
    this.fill();
    this.load();
  }

  // fill shows the address's filter in the form.
  fill() {
    this.renderActions();
    this.actionSel.value = this.f.action;
    this.targetIn.value = this.f.target;
    this.actorIn.value = this.f.actor;
    const from = parseTime(this.f.from);
    const to = parseTime(this.f.to);
    this.fromIn.value = from === null ? '' : localInput(from);
    this.toIn.value = to === null ? '' : localInput(to);
  }

  renderActions() {
    const opts = [h('option', { value: '' }, t('audit.f.anyAction')),
      ...ACTIONS.map((a) => h('option', { value: a }, `${t(`audit.act.${a}`)} (${a})`))];
    if (this.f?.action && !ACTIONS.includes(this.f.action)) opts.push(h('option', { value: this.f.action }, this.f.action));
    this.actionSel.replaceChildren(...opts);
    if (this.f) this.actionSel.value = this.f.action;
  }

  submit() {
    const from = fromInput(this.fromIn.value);
    const to = fromInput(this.toIn.value);
    location.hash = auditHref({ // the router calls params()
      action: this.actionSel.value, target: this.targetIn.value.trim(), actor: this.actorIn.value.trim(),
      from: from === null ? '' : iso(from), to: to === null ? '' : iso(to),
    });
  }

  // matches keeps what the hub could not select: a room's streams, a user from any address.
  matches(e) {
    const { target, actor } = this.f;
    if (target && !target.includes('/') && e.target !== target && !e.target.startsWith(`${target}/`)) return false;
    if (actor && !actor.includes('@') && splitActor(e.actor).name !== actor) return false;
    return true;
  }

  query(to) {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (this.f.action) q.set('action', this.f.action);
    if (this.f.target.includes('/')) q.set('target', this.f.target);
    if (this.f.actor.includes('@')) q.set('actor', this.f.actor);
    const from = parseTime(this.f.from);
    if (from !== null) q.set('from', iso(from));
    if (to) q.set('to', to);
    return `/api/v1/audit?${q}`;
  }

  // load reads the newest page, or with more the page before the oldest
  // entry read so far (the hub's to is inclusive: entries seen are skipped).
  async load(more = false) {
    const gen = (this.gen = (this.gen || 0) + 1);
    if (!more) {
      this.entries = null;
      this.seen = new Set();
      const to = parseTime(this.f.to);
      this.oldest = to === null ? '' : iso(to);
      this.done = false;
    }
    if (!more) this.loadChain(gen);
    this.loading = true;
    this.error = null;
    this.update();
    let added = 0;
    let short = false;
    try {
      // A short page from the operator is the end. A regulator's pages are
      // cut to its rooms by the hub after the limit, so only a page with
      // nothing new ends: after a short one the page asks once more to know.
      for (let i = 0; i < MAX_FETCHES && (!added || short) && !this.done; i++) {
        const list = await api(this.query(this.oldest));
        if (this.destroyed || gen !== this.gen) return;
        const fresh = list.filter((e) => !this.seen.has(e.id));
        short = list.length < PAGE;
        if (fresh.length === 0 || (short && session.role === 'operator')) this.done = true;
        for (const e of fresh) this.seen.add(e.id);
        if (list.length) this.oldest = list[list.length - 1].at;
        const keep = fresh.filter((e) => this.matches(e));
        this.entries = (this.entries || []).concat(keep);
        added += keep.length;
      }
    } catch (e) {
      if (this.destroyed || gen !== this.gen) return;
      this.error = e.message;
    }
    this.loading = false;
    this.update();
  }

  // loadChain reads whether the log verifies against its latest signed head.
  async loadChain(gen) {
    try {
      const st = await api('/api/v1/audit/status');
      if (this.destroyed || gen !== this.gen) return;
      this.chainStatus = st;
    } catch {
      if (this.destroyed || gen !== this.gen) return;
      this.chainStatus = null;
    }
    this.renderChain();
  }

  // renderChain says in words whether the chain verifies against the
  // latest signed head, and when that head was signed.
  renderChain() {
    const st = this.chainStatus;
    this.chain.hidden = !st;
    if (!st) return;
    const head = st.last_head;
    const kinds = ['altered', 'rewritten', 'truncated', 'heads', 'unanchored'];
    let text;
    if (st.verified) text = head ? t('audit.chain.ok', { seq: head.seq, n: st.entries }) : t('audit.chain.okNoHead');
    else text = t(`audit.chain.bad.${kinds.includes(st.kind) ? st.kind : 'other'}`, { entry: st.entry, last: st.last_entry });
    if (head) text += ` ${t('audit.chain.signed', { seq: head.seq, time: dateTime(Date.parse(head.signed_at)), key: st.key })}`;
    this.chain.dataset.state = st.verified ? 'ok' : 'bad';
    this.chain.className = st.verified ? 'audit-chain' : 'audit-chain banner banner-bad';
    this.chain.setAttribute('role', st.verified ? 'status' : 'alert');
    this.chain.title = st.problem || '';
    setText(this.chain, text);
  }

  update() {
    const rooms = (data.rooms || []).map((r) => h('option', { value: r.id }, r.name));
    const sig = rooms.map((o) => o.value).join('|');
    if (this.rooms.dataset.sig !== sig) { this.rooms.replaceChildren(...rooms); this.rooms.dataset.sig = sig; }

    this.el.dataset.loading = String(!!this.loading);
    this.errEl.hidden = !this.error;
    setText(this.errEl, this.error ? t('audit.loadFailed', { msg: this.error }) : '');
    const list = this.entries;
    this.table.hidden = !list?.length;
    if (this.rendered !== list?.length || this.lang !== document.documentElement.lang || this.roomSig !== sig) this.renderRows(sig);
    const empty = this.loading && !list ? t('loading') : !this.loading && list?.length === 0 ? t('audit.empty') : '';
    setText(this.empty, empty);
    this.empty.hidden = !empty;
    setText(this.count, list?.length ? t('audit.count', { n: list.length, time: dateTime(Date.parse(list[list.length - 1].at)) }) : '');
    this.more.hidden = !list || this.done || !!this.error;
    this.more.disabled = this.loading;
    this.end.hidden = !list?.length || !this.done;
  }

  renderRows(roomSig = this.roomSig) {
    const list = this.entries || [];
    this.rendered = list.length;
    this.roomSig = roomSig;
    this.lang = document.documentElement.lang;
    this.body.replaceChildren(...list.map((e) => this.row(e)));
  }

  row(e) {
    const ms = Date.parse(e.at);
    const who = splitActor(e.actor);
    const roomId = e.target.split('/')[0];
    const room = roomById(roomId);
    const target = room
      ? h('a', { href: `#/room/${enc(roomId)}`, title: t('audit.toRoom') }, room.name, ' ', h('code', null, e.target))
      : h('code', null, e.target);
    return h('tr', { dataset: { id: String(e.id), action: e.action, target: e.target, actor: e.actor } },
      h('td', { class: 'audit-time', title: e.at }, dateTime(ms)),
      h('td', { class: 'audit-actor' }, ...actorWords(who)),
      h('td', { class: 'audit-action', title: e.action }, actionWord(e.action)),
      h('td', { class: 'audit-target' }, target),
      h('td', { class: 'audit-detail', title: e.detail || '' }, ...detailCell(e)),
      h('td', { class: 'audit-hash' }, h('code', { title: e.hash }, `${e.hash.slice(0, 10)}…`)));
  }

  relang() {
    this.renderChain();
    this.renderActions();
    this.renderRows();
    this.update();
  }

  tick() {}

  watch() { return []; }

  frame() {}

  destroy() {
    this.destroyed = true;
  }
}
