// The alerts panel: open, acknowledged and resolved alerts, filtered by
// state and room, polled every 2 s; acknowledge or resolve with a comment,
// as the signed-in person (the hub records who). Roles that may not act see
// no buttons.

import { apply, lang, t } from './i18n.js';
import { api, ago, bytes, dateTime, dateTimeShort, duration, enc, h, iso, reorder, setData, setText } from './util.js';
import { data, normalizeAlert, refresh, roomById, streamKind } from './data.js';
import { alertNow } from './devstate.js';
import { alertStateWord, alertText, HUB_ALERT_KINDS, severityWord } from './words.js';
import { can, session } from './auth.js';
import { storageNums } from './hubhealth.js';

const POLL_MS = 2000;
const STATES = ['open', 'acked', 'resolved', 'all'];

// explain says in the page's language what a refused request means, with the hub's own words.
function explain(e) {
  return [400, 404, 409].includes(e.status) ? t('err.withHub', { what: t(`err.${e.status}`), msg: e.message }) : e.message;
}

// detailWords says an alert's detail from its code and values, '' when the
// page has no words for it.
function detailWords(a) {
  const v = a.detailArgs;
  switch (a.detailCode) {
    case 'last_seen': return a.detailTime ? t('al.dc.last_seen', { time: dateTime(a.detailTime) }) : '';
    case 'never_seen': return t('al.dc.never_seen');
    case 'backlog': return t('al.dc.backlog', { dur: duration(v.age_s || 0), size: bytes(v.bytes || 0) });
    case 'disk_days': return t('al.dc.disk_days', { n: Number(v.days || 0).toFixed(1) });
    case 'clock_offset': return t('al.dc.clock_offset', { s: Number(v.seconds || 0).toFixed(3) });
    default: return '';
  }
}

class Row {
  constructor(a, view) {
    this.view = view;
    this.id = a.id;
    this.info = h('div', { class: 'alert-info' });
    this.actions = h('div', { class: 'alert-actions' });
    this.formBox = h('div', { class: 'alert-form-box' });
    this.el = h('li', { class: 'alert', dataset: { alert: String(a.id) } }, this.info, this.actions, this.formBox);
    this.form = null;
  }

  update(a, now) {
    this.a = a;
    setData(this.el, 'state', a.state);
    setData(this.el, 'kind', a.kind);
    setData(this.el, 'severity', a.severity);
    setData(this.el, 'room', a.room);
    const room = roomById(a.room);
    // An alert of the hub itself has no room: it is named as the hub, with no link.
    const where = a.room
      ? h('a', { href: `#/room/${enc(a.room)}` }, room ? `${room.name} (${a.room})` : a.room)
      : h('span', { class: 'alert-hub', title: t('al.hub.hint') }, t('al.hub'));
    const lines = [
      h('div', { class: 'alert-title' },
        h('span', { class: `sev sev-${a.severity}` }, severityWord(a.severity)),
        h('strong', { class: 'alert-what' }, alertText(a, streamKind(a.room, a.stream))),
        h('span', { class: `ast ast-${a.state}` }, alertStateWord(a.state))),
      h('div', { class: 'alert-where' },
        where,
        a.openedAt ? h('span', null, t('al.opened', { time: dateTimeShort(a.openedAt, now), ago: ago(a.openedAt, now) })) : null),
    ];
    // What the room or device is now, from the same state the wall and the
    // room page show (an unresolved alert about a device well again says so).
    const nowIs = a.state !== 'resolved' ? alertNow(a, room, data.states.get(a.room)) : null;
    setData(this.el, 'now', nowIs ? nowIs.state : '');
    if (nowIs) lines.push(h('div', { class: `alert-now ds-text-${nowIs.state}`, dataset: { now: nowIs.state } }, t('al.now', { what: nowIs.text })));
    if (a.ackedAt) {
      lines.push(h('div', { class: 'alert-ack' }, h('span', { title: a.ackedBy ? t('al.login', { user: a.ackedBy }) : null }, t('al.ackedBy', { by: a.ackedByName || '?', time: dateTimeShort(a.ackedAt, now) })),
        a.comment ? h('q', null, a.comment) : null));
    } else if (a.comment) {
      lines.push(h('div', { class: 'alert-ack' }, h('q', null, a.comment)));
    }
    if (a.resolvedAt) {
      lines.push(h('div', { class: 'alert-resolved' }, t('al.resolvedAt', {
        time: dateTimeShort(a.resolvedAt, now), dur: duration((a.resolvedAt - (a.openedAt || a.resolvedAt)) / 1000),
      })));
    }
    if (!a.room && HUB_ALERT_KINDS.includes(a.kind)) {
      // The hub's disk: today's numbers from /healthz, in the page's language,
      // rather than the hub's English sentence from when the alert opened.
      const nums = a.state !== 'resolved' ? storageNums() : null;
      if (nums) lines.push(h('div', { class: 'alert-detail muted' }, t('al.hub.now', nums)));
      else if (a.detail && lang() === 'en') lines.push(h('div', { class: 'alert-detail muted' }, t('al.detail', { text: a.detail })));
    } else if (a.detail) {
      // The hub's detail in the page's words, from its code; a sentence the
      // page cannot translate (a device's own error) is shown only in
      // English, and on hover in Chinese.
      const text = detailWords(a);
      if (text) lines.push(h('div', { class: 'alert-detail muted', dataset: { code: a.detailCode } }, t('al.detail', { text })));
      else if (lang() === 'en') lines.push(h('div', { class: 'alert-detail muted', dataset: { code: a.detailCode } }, t('al.detail', { text: a.detail })));
      else this.el.title = t('al.detail.raw', { text: a.detail });
    }
    this.info.replaceChildren(...lines);

    const btns = [];
    const act = can('ack');
    if (act && a.state === 'open') btns.push(h('button', { type: 'button', class: 'btn', dataset: { act: 'ack' }, onclick: () => this.openForm('ack') }, t('al.ack')));
    if (act && (a.state === 'open' || a.state === 'acked')) {
      btns.push(h('button', { type: 'button', class: 'btn', dataset: { act: 'resolve' }, onclick: () => this.openForm('resolve') }, t('al.resolve')));
    }
    if (a.room && a.openedAt && can('recordings')) {
      btns.push(h('a', { class: 'btn ghost', href: `#/room/${enc(a.room)}?t=${enc(iso(a.openedAt - 10000))}` }, t('al.playback')));
    }
    this.actions.replaceChildren(...btns);
    if (this.form && !['open', 'acked'].includes(a.state)) this.closeForm();
  }

  openForm(act) {
    this.closeForm();
    const comment = h('textarea', { name: 'comment', rows: '2', maxlength: '2000' });
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'btn primary' }, t(act === 'ack' ? 'al.ack.do' : 'al.resolve.do'));
    const form = h('form', { class: 'alert-form', novalidate: true, dataset: { act } },
      h('p', { class: 'alert-as' }, t('al.as', { name: session.name, user: session.user })),
      h('label', null, h('span', null, t('al.comment')), comment),
      h('div', { class: 'form-buttons' }, submit,
        h('button', { type: 'button', class: 'btn ghost', onclick: () => this.closeForm() }, t('al.cancel'))),
      err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      err.hidden = true;
      try {
        await api(`/api/v1/alerts/${this.id}/${act}`, { method: 'POST', body: { comment: comment.value.trim() } });
        this.closeForm();
        await refresh();
        this.view.poll();
      } catch (e) {
        err.textContent = t('al.failed', { msg: explain(e) });
        err.hidden = false;
        submit.disabled = false;
      }
    });
    this.form = form;
    this.formBox.append(form);
    comment.focus();
  }

  closeForm() {
    this.form?.remove();
    this.form = null;
  }
}

export class AlertsView {
  constructor(params) {
    this.state = STATES.includes(params.get('state')) ? params.get('state') : 'open';
    this.room = params.get('room') || '';
    this.rows = new Map();
    this.list = null;
    this.error = null;
    this.timer = null;
    this.tabs = STATES.map((s) => h('button', { type: 'button', dataset: { state: s }, onclick: () => this.set({ state: s }) },
      h('span', { 'data-i18n': `al.tab.${s}` }), ' ', h('b', { class: 'count' })));
    this.roomSel = h('select', { 'data-i18n-aria': 'al.room', onchange: () => this.set({ room: this.roomSel.value }) });
    this.errEl = h('div', { class: 'banner banner-bad', role: 'alert', hidden: true });
    this.ul = h('ul', { class: 'alert-list' });
    this.empty = h('p', { class: 'placeholder' });
    this.el = h('div', { class: 'view view-alerts' },
      h('div', { class: 'view-head' }, h('h2', { 'data-i18n': 'al.title' }),
        h('div', { class: 'filters' }, h('div', { class: 'seg', role: 'group', 'data-i18n-aria': 'al.state' }, this.tabs),
          h('label', { class: 'room-filter' }, h('span', { 'data-i18n': 'al.room' }), this.roomSel))),
      this.errEl, this.ul, this.empty);
    apply(this.el);
    this.poll();
  }

  set(p) {
    const q = new URLSearchParams();
    const state = p.state ?? this.state;
    const room = p.room ?? this.room;
    if (state !== 'open') q.set('state', state);
    if (room) q.set('room', room);
    const s = q.toString();
    location.hash = `#/alerts${s ? `?${s}` : ''}`; // the router calls params()
  }

  params(params) {
    this.state = STATES.includes(params.get('state')) ? params.get('state') : 'open';
    this.room = params.get('room') || '';
    this.list = null;
    this.poll();
  }

  // poll reads the list now and every 2 s; a newer poll supersedes an older
  // one still under way, so there is only ever one loop.
  async poll() {
    clearTimeout(this.timer);
    const gen = (this.gen = (this.gen || 0) + 1);
    const q = new URLSearchParams();
    if (this.state !== 'all') q.set('state', this.state);
    if (this.room) q.set('room', this.room);
    let list = null;
    let error = null;
    try {
      const qs = q.toString();
      list = await api(`/api/v1/alerts${qs ? `?${qs}` : ''}`);
    } catch (e) {
      error = e.message;
    }
    if (this.destroyed || gen !== this.gen) return;
    if (list) this.list = list;
    this.error = error;
    this.update();
    this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  update() {
    const now = Date.now();
    const counts = { open: 0, acked: 0 };
    for (const a of data.alerts || []) if (a.room === this.room || !this.room) counts[a.state] = (counts[a.state] || 0) + 1;
    for (const b of this.tabs) {
      b.setAttribute('aria-pressed', String(b.dataset.state === this.state));
      setText(b.querySelector('.count'), b.dataset.state in counts ? String(counts[b.dataset.state]) : '');
    }
    const opts = [h('option', { value: '' }, t('al.allRooms')),
      ...(data.rooms || []).map((r) => h('option', { value: r.id }, `${r.name} (${r.id})`))];
    if (this.room && !(data.rooms || []).some((r) => r.id === this.room)) opts.push(h('option', { value: this.room }, this.room));
    const sig = opts.map((o) => `${o.value}=${o.textContent}`).join('|');
    if (this.roomSel.dataset.sig !== sig) {
      this.roomSel.replaceChildren(...opts);
      this.roomSel.dataset.sig = sig;
    }
    this.roomSel.value = this.room;

    this.errEl.hidden = !this.error;
    setText(this.errEl, this.error ? t('al.loadFailed', { msg: this.error }) : '');
    if (this.list === null) {
      setText(this.empty, this.error ? '' : t('loading'));
      this.empty.hidden = false;
      return;
    }
    const alerts = this.list.map(normalizeAlert).sort((a, b) => b.id - a.id);
    for (const [id, row] of this.rows) if (!alerts.some((a) => a.id === id)) { row.el.remove(); this.rows.delete(id); }
    reorder(this.ul, alerts.map((a) => {
      let row = this.rows.get(a.id);
      if (!row) { row = new Row(a, this); this.rows.set(a.id, row); }
      row.update(a, now);
      return row.el;
    }));
    this.empty.hidden = alerts.length > 0;
    setText(this.empty, t(`al.empty.${this.state}`));
  }

  tick() {}

  watch() { return []; }

  frame() {}

  destroy() {
    this.destroyed = true;
    clearTimeout(this.timer);
  }
}
