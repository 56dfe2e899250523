// The room wall: every room at a glance, coloured by health, with what is
// wrong in words and live thumbnails; filters by state and by name or id.

import { apply, t } from './i18n.js';
import { ago, bytes, dateTime, duration, h, reorder, setData, setText } from './util.js';
import { data, alertsOf } from './data.js';
import { BACKLOG_WARN_S, roomHealth } from './health.js';
import { Tile } from './tile.js';
import { kindWord } from './words.js';

const FILTER_KEY = 'evalroom.wall.filter';
const SHOWS = ['all', 'problems', 'offline'];

function streamText(s) {
  let text = t('stream.chip', { kind: kindWord(s.kind), id: s.id, state: t(`state.${s.state}`) });
  if (s.reason && s.state !== 'ok') text += t('reason', { reason: s.reason });
  return text;
}

function loadFilter() {
  try {
    const f = JSON.parse(localStorage.getItem(FILTER_KEY) || '{}');
    return { show: SHOWS.includes(f.show) ? f.show : 'all', q: typeof f.q === 'string' ? f.q : '' };
  } catch { return { show: 'all', q: '' }; }
}

class Card {
  constructor(room) {
    this.id = room.id;
    this.tiles = new Map();
    this.name = h('h2');
    this.idEl = h('code', { class: 'room-id' });
    this.badge = h('span', { class: 'badge' });
    this.problems = h('ul', { class: 'problems', 'aria-live': 'polite' });
    this.seenK = h('dt'); this.seen = h('dd');
    this.spoolK = h('dt'); this.spool = h('dd');
    this.oldestK = h('dt'); this.oldest = h('dd');
    this.oldestBox = h('div', null, this.oldestK, this.oldest);
    this.session = h('div', { class: 'session-chip' });
    this.streams = h('ul', { class: 'streams' });
    this.tileBox = h('div', { class: 'tiles' });
    this.offline = h('div', { class: 'offline-box' }, h('strong'), h('span'));
    this.noVideo = h('p', { class: 'placeholder small' });
    this.open = h('a', { class: 'open-room', href: `#/room/${encodeURIComponent(room.id)}`, 'data-i18n': 'wall.open' });
    this.el = h('article', { class: 'card', dataset: { room: room.id, health: 'ok' } },
      h('header', { class: 'card-head' }, h('div', { class: 'card-title' }, this.name, this.idEl), this.badge),
      this.problems,
      h('dl', { class: 'facts' }, h('div', null, this.seenK, this.seen), h('div', null, this.spoolK, this.spool), this.oldestBox),
      this.session, this.streams, this.tileBox, h('footer', { class: 'card-foot' }, this.open));
    apply(this.el);
  }

  update(room, health, show, now) {
    this.room = room;
    setData(this.el, 'online', room.online);
    setData(this.el, 'health', health.level);
    setText(this.name, room.name);
    setText(this.idEl, room.id);
    setText(this.badge, t(room.online ? 'room.online' : 'room.offline'));

    const items = health.problems.length
      ? health.problems.map((p) => h('li', { class: `prob prob-${p.level}`, dataset: { key: p.key } },
        p.text, p.acked ? h('span', { class: 'acked' }, t('prob.acked', { by: p.alert.ackedBy })) : null))
      : [h('li', { class: 'prob prob-ok' }, t('health.ok'))];
    this.problems.replaceChildren(...items);

    setText(this.seenK, t('room.lastSeen'));
    setText(this.spoolK, t('room.spool'));
    setText(this.oldestK, t('room.oldest'));
    this.updateSeen(now);
    setText(this.spool, room.spool > 0 ? bytes(room.spool) : t('none'));
    setText(this.oldest, room.oldest > 0 ? duration(room.oldest) : t('none'));
    this.oldestBox.classList.toggle('warn', room.oldest > BACKLOG_WARN_S);
    this.oldestBox.title = t('room.oldest.hint');
    this.session.hidden = !room.session;
    setText(this.session, room.session ? t('room.session', { id: room.session }) : '');

    const chips = room.streams.length
      ? room.streams.map((s) => h('li', { class: `chip st-${s.state}`, dataset: { chip: s.id } }, streamText(s)))
      : [h('li', { class: 'chip st-unknown' }, t('room.noStreams'))];
    this.streams.replaceChildren(...chips);

    const videos = room.online && show ? room.streams.filter((s) => s.kind === 'video') : [];
    for (const [id, tile] of this.tiles) {
      if (!videos.some((s) => s.id === id)) { tile.destroy(); this.tiles.delete(id); }
    }
    const want = videos.map((s) => {
      let tile = this.tiles.get(s.id);
      if (!tile) {
        tile = new Tile(room.id, s, { href: `#/room/${encodeURIComponent(room.id)}` });
        this.tiles.set(s.id, tile);
      }
      tile.stream = s;
      tile.update(now);
      return tile.el;
    });
    if (!room.online) {
      setText(this.offline.children[0], t('room.offline.title'));
      setText(this.offline.children[1], t('room.offline.body'));
      want.push(this.offline);
    } else if (videos.length === 0 && show) {
      setText(this.noVideo, t('room.noVideo'));
      want.push(this.noVideo);
    }
    reorder(this.tileBox, want);
  }

  updateSeen(now) {
    const r = this.room;
    if (r.lastSeen === null) {
      setText(this.seen, t('never'));
      this.seen.removeAttribute('title');
      return;
    }
    setText(this.seen, ago(r.lastSeen, now));
    const title = `${dateTime(r.lastSeen)}  (${r.lastSeenRaw})`;
    if (this.seen.title !== title) this.seen.title = title;
  }

  destroy() {
    for (const tile of this.tiles.values()) tile.destroy();
    this.tiles.clear();
    this.el.remove();
  }
}

export class WallView {
  constructor() {
    this.cards = new Map();
    this.filter = loadFilter();
    const sum = (k, cls) => h('span', { class: `chip sum-${cls || k}`, dataset: { sum: k }, 'data-i18n-title': `sum.hint.${k}` },
      h('b', null, '–'), ' ', h('span', { 'data-i18n': `sum.${k}` }));
    this.total = h('span', { class: 'muted' });
    this.summary = h('section', { class: 'summary', 'aria-live': 'polite' },
      sum('online'), sum('offline'), sum('devices'), sum('alerts'), sum('backlog'), this.total);
    this.showBtns = SHOWS.map((s) => h('button', { type: 'button', dataset: { show: s }, onclick: () => this.setFilter({ show: s }) },
      h('span', { 'data-i18n': `filter.${s}` }), ' ', h('b', { class: 'count' })));
    this.search = h('input', { type: 'search', class: 'search', 'data-i18n-aria': 'filter.search', value: this.filter.q,
      oninput: () => this.setFilter({ q: this.search.value }) });
    this.filters = h('div', { class: 'filters' },
      h('div', { class: 'seg', role: 'group', 'data-i18n-aria': 'filter.label' }, this.showBtns), this.search);
    this.box = h('main', { id: 'rooms', class: 'rooms' });
    this.loading = h('p', { id: 'loading', class: 'placeholder', 'data-i18n': 'loading' });
    this.none = h('div', { class: 'placeholder empty' }, h('strong'), h('span'));
    this.el = h('div', { class: 'view view-wall' }, this.summary, this.filters, this.box);
    apply(this.el);
  }

  setFilter(f) {
    Object.assign(this.filter, f);
    try { localStorage.setItem(FILTER_KEY, JSON.stringify(this.filter)); } catch { /* storage off */ }
    this.update();
  }

  watch() { return [...this.cards.values()].flatMap((c) => [...c.tiles.values()].map((tile) => tile.key)); }

  frame(f, now) {
    const c = this.cards.get(f.room);
    c?.tiles.get(f.stream)?.frame(f, now);
  }

  update() {
    const now = Date.now();
    this.search.placeholder = t('filter.search');
    if (data.rooms === null) {
      reorder(this.box, data.apiError ? [] : [this.loading]);
      return;
    }
    const rooms = data.rooms;
    const healths = new Map(rooms.map((r) => [r.id, roomHealth(r, alertsOf(r.id), now)]));
    const match = {
      all: () => true,
      problems: (r) => healths.get(r.id).level !== 'ok',
      offline: (r) => !r.online,
    };
    const q = this.filter.q.trim().toLowerCase();
    const shown = rooms.filter((r) => match[this.filter.show](r)
      && (!q || r.name.toLowerCase().includes(q) || r.id.toLowerCase().includes(q)));

    for (const [id, c] of this.cards) {
      if (!rooms.some((r) => r.id === id)) { c.destroy(); this.cards.delete(id); }
    }
    const want = [];
    for (const r of rooms) {
      const c = this.cards.get(r.id) || new Card(r);
      this.cards.set(r.id, c);
      const show = shown.includes(r);
      c.update(r, healths.get(r.id), show, now);
      if (show) want.push(c.el);
    }
    if (want.length === 0) {
      setText(this.none.children[0], rooms.length ? t('filter.none') : t('empty.title'));
      setText(this.none.children[1], rooms.length ? t('filter.none.body') : t('empty.body'));
      want.push(this.none);
    }
    reorder(this.box, want);

    for (const b of this.showBtns) {
      b.setAttribute('aria-pressed', String(b.dataset.show === this.filter.show));
      setText(b.querySelector('.count'), String(rooms.filter(match[b.dataset.show]).length));
    }
    this.renderSummary(rooms, healths);
  }

  renderSummary(rooms) {
    const on = rooms.filter((r) => r.online);
    const counts = {
      online: on.length,
      offline: rooms.length - on.length,
      devices: on.filter((r) => r.streams.some((s) => s.state !== 'ok' || (s.quality?.signals || []).length)).length,
      alerts: new Set((data.alerts || []).map((a) => a.room)).size,
      backlog: rooms.filter((r) => r.oldest > BACKLOG_WARN_S).length,
    };
    for (const [k, n] of Object.entries(counts)) {
      const chip = this.summary.querySelector(`[data-sum="${k}"]`);
      setText(chip.querySelector('b'), String(n));
      chip.classList.toggle('zero', n === 0);
    }
    setText(this.total, t('sum.total', { n: rooms.length }));
  }

  tick(now) {
    for (const c of this.cards.values()) {
      for (const tile of c.tiles.values()) tile.update(now);
      if (c.room) c.updateSeen(now);
    }
  }

  destroy() {
    for (const c of this.cards.values()) c.destroy();
    this.cards.clear();
  }
}
