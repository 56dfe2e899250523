// Patrol (#/patrol): the full live view of one room after another, every
// 10 s (#/patrol?every=N), through the rooms that have an open alert or a
// procurement session in progress, among those the wall's filter shows
// (#/patrol?jurisdiction=450206&agency=…&state=…&q=…).

import { apply, t } from './i18n.js';
import { h, setData, setText } from './util.js';
import { data, healthOf, openAlerts } from './data.js';
import { RoomHead } from './room.js';
import { RoomLive } from './roomlive.js';
import { describe, inScope, inState, matchesText, parseFilter, rememberFilter, wallHref } from './wallfilter.js';

export class PatrolView {
  constructor(params) {
    this.every = Math.max(3, Math.min(600, Number(params.get('every')) || 10)) * 1000;
    this.filter = parseFilter(params);
    rememberFilter(this.filter);
    this.scope = h('span', { class: 'patrol-scope' });
    this.stop = h('a', { class: 'btn ghost', href: wallHref(this.filter), 'data-i18n': 'patrol.stop' });
    this.current = null;   // room id
    this.switchAt = 0;
    this.held = false;
    this.head = null;
    this.live = null;
    this.info = h('span', { class: 'patrol-info' });
    this.why = h('span', { class: 'patrol-why' });
    this.holdBtn = h('button', { type: 'button', class: 'btn', onclick: () => { this.held = !this.held; this.switchAt = Date.now() + this.every; this.update(); } });
    this.bar = h('div', { class: 'patrol-bar', role: 'status' },
      h('strong', { 'data-i18n': 'patrol.on' }), this.scope, this.info, this.why,
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'btn', 'data-i18n': 'patrol.prev', onclick: () => this.step(-1) }),
      h('button', { type: 'button', class: 'btn', 'data-i18n': 'patrol.next', onclick: () => this.step(1) }),
      this.holdBtn,
      this.stop);
    this.body = h('div', { class: 'patrol-body' });
    this.empty = h('div', { class: 'placeholder empty' }, h('strong', { 'data-i18n': 'patrol.none' }), h('span', { 'data-i18n': 'patrol.none.body' }));
    this.el = h('div', { class: 'view view-patrol' }, this.bar, this.body);
    apply(this.el);
  }

  candidates() {
    const alerting = new Set(openAlerts().map((a) => a.room));
    const f = this.filter;
    const now = Date.now();
    return (data.rooms || []).filter((r) => (alerting.has(r.id) || r.session)
      && inScope(f, r) && matchesText(f, r) && (f.state === 'all' || inState(f.state, r, healthOf(r, now))));
  }

  // params takes another filter from the address.
  params(p) {
    this.filter = parseFilter(p);
    rememberFilter(this.filter);
    this.stop.setAttribute('href', wallHref(this.filter));
    this.update();
  }

  step(dir) {
    const list = this.candidates();
    if (!list.length) return this.show(null);
    const i = list.findIndex((r) => r.id === this.current);
    const next = list[(i < 0 ? (dir > 0 ? 0 : list.length - 1) : (i + dir + list.length) % list.length)];
    this.show(next.id);
  }

  show(id) {
    this.switchAt = Date.now() + this.every;
    if (id === this.current && this.live) return this.update();
    this.live?.destroy();
    this.live = null;
    this.head = null;
    this.current = id;
    if (id) {
      this.head = new RoomHead(id);
      this.live = new RoomLive(id);
      apply(this.live.el);
      const open = h('a', { class: 'btn ghost', href: `#/room/${encodeURIComponent(id)}`, 'data-i18n': 'patrol.openRoom' });
      apply(open);
      this.body.replaceChildren(this.head.el, open, this.live.el);
    } else {
      this.body.replaceChildren(this.empty);
    }
    setData(this.el, 'room', id || '');
    this.update();
  }

  watch() { return this.live ? this.live.watch() : []; }

  frame(f, now) { this.live?.frame(f, now); }

  update() {
    const now = Date.now();
    const list = this.candidates();
    const inList = list.some((r) => r.id === this.current);
    if (this.current === null && list.length) return this.step(1);
    if (this.current !== null && !inList && !this.held) return list.length ? this.step(1) : this.show(null);
    if (this.current === null && !this.body.firstChild) return this.show(null);
    const room = (data.rooms || []).find((r) => r.id === this.current) || null;
    this.head?.update(room, now);
    this.live?.update(room, now);
    const i = list.findIndex((r) => r.id === this.current);
    const left = Math.max(0, Math.ceil((this.switchAt - now) / 1000));
    setText(this.info, list.length
      ? t(this.held ? 'patrol.held' : 'patrol.info', { i: i < 0 ? '–' : i + 1, n: list.length, s: left })
      : t('patrol.waiting'));
    const nOpen = openAlerts().filter((a) => a.room === this.current).length;
    const why = [];
    if (nOpen) why.push(t('patrol.why.alerts', { n: nOpen }));
    if (room?.session) why.push(t('patrol.why.session', { id: room.session }));
    setText(this.why, why.join(t('list.sep')));
    const scope = describe(this.filter, data.rooms || []);
    setText(this.scope, scope ? t('patrol.scope', { what: scope }) : '');
    this.scope.hidden = !scope;
    setText(this.holdBtn, t(this.held ? 'patrol.resume' : 'patrol.hold'));
    this.holdBtn.setAttribute('aria-pressed', String(this.held));
  }

  tick(now) {
    if (!this.held && this.current !== null && now >= this.switchAt) this.step(1);
    this.live?.tick(now);
    this.update();
  }

  relang() { this.update(); }

  destroy() { this.live?.destroy(); }
}
