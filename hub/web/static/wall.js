// The room wall: every room at a glance, coloured by health, with what is
// wrong in words, who it belongs to and live thumbnails; filters by state,
// jurisdiction, agency and text, kept in the address (wallfilter.js).

import { apply, t } from './i18n.js';
import { ago, bytes, dateTime, duration, h, hms, reorder, setData, setText } from './util.js';
import { data, devState, healthOf, openCounts } from './data.js';
import { BACKLOG_WARN_S, stateWord } from './devstate.js';
import { Tile } from './tile.js';
import { SUB } from './live.js';
import { kindWord } from './words.js';
import { OwnerView } from './owner.js';
import { can, canLive, noLiveReason } from './auth.js';
import { FilterBar, STATES, inScope, inState, matchesText, parseFilter, rememberFilter, wallHref } from './wallfilter.js';

// chip: a device's state on the card, from the one state every view shows.
export function chip(room, s) {
  const st = devState(room.id, s.id);
  const state = st ? st.state : 'unknown';
  const text = t('stream.chip', { kind: kindWord(s.kind), id: s.id, state: st ? stateWord(st) : t('ds.unknown') });
  return h('li', { class: `chip ds-${state}`, dataset: { chip: s.id, state, level: st?.level || 'idle' } }, text);
}

class Card {
  constructor(room) {
    this.id = room.id;
    this.tiles = new Map();
    this.name = h('h2');
    this.idEl = h('code', { class: 'room-id' });
    this.badge = h('span', { class: 'badge' });
    this.owner = new OwnerView();
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
    this.noLive = h('p', { class: 'no-live' });
    // The link says what the room's page holds for this role.
    const open = can('recordings') ? 'wall.open' : can('live') ? 'wall.open.live' : 'wall.open.state';
    this.open = h('a', { class: 'open-room', href: `#/room/${encodeURIComponent(room.id)}`, 'data-i18n': open });
    this.el = h('article', { class: 'card', dataset: { room: room.id, health: 'ok' } },
      h('header', { class: 'card-head' }, h('div', { class: 'card-title' }, this.name, this.idEl), this.badge),
      this.owner.el, this.problems,
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
    setData(this.el, 'jurisdiction', room.jurisdiction?.code || '');
    setData(this.el, 'agency', room.agency?.code || '');
    this.owner.update(room);

    const items = health.problems.length
      ? health.problems.map((p) => h('li', { class: `prob prob-${p.level}${p.key.endsWith('|recovered') ? ' prob-rec' : ''}`, dataset: { key: p.key } },
        p.text, p.acked ? h('span', { class: 'acked' }, t('prob.acked', { by: p.alert.ackedByName })) : null))
      : [h('li', { class: 'prob prob-ok' }, t('health.ok'))];
    this.problems.replaceChildren(...items);

    setText(this.seenK, t('room.lastSeen'));
    setText(this.spoolK, t('room.spool'));
    setText(this.oldestK, t('room.oldest'));
    this.updateSeen(now);
    // An offline room's figures are from when it last reported, and say so.
    const asOf = (v) => (room.online || room.lastSeen === null ? v : t('asOf', { v, time: hms(room.lastSeen) }));
    setText(this.spool, asOf(room.spool > 0 ? bytes(room.spool) : t('none')));
    setText(this.oldest, asOf(room.oldest > 0 ? duration(room.oldest) : t('none')));
    this.oldestBox.classList.toggle('warn', room.online && room.oldest > BACKLOG_WARN_S);
    this.oldestBox.title = t('room.oldest.hint');
    this.session.hidden = !room.session;
    setText(this.session, room.session ? t('room.session', { id: room.session }) : '');

    const chips = room.streams.length
      ? room.streams.map((s) => chip(room, s))
      : [h('li', { class: 'chip st-unknown' }, t('room.noStreams'))];
    this.streams.replaceChildren(...chips);

    // Live pictures only for the roles that may watch (the hub refuses the rest).
    const live = canLive(room);
    setData(this.el, 'live', live);
    const videos = room.online && show && live ? room.streams.filter((s) => s.kind === 'video') : [];
    for (const [id, tile] of this.tiles) {
      if (!videos.some((s) => s.id === id)) { tile.destroy(); this.tiles.delete(id); }
    }
    // A box of an older build offers no sub-stream: its tiles take the
    // main stream rather than stay blank.
    const sub = (room.features || []).includes('live.sub');
    const want = videos.map((s) => {
      let tile = this.tiles.get(s.id);
      if (tile && tile.rendition !== (sub ? SUB : '')) { tile.destroy(); this.tiles.delete(s.id); tile = null; }
      if (!tile) {
        tile = new Tile(room.id, s, { href: `#/room/${encodeURIComponent(room.id)}`, sub });
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
    } else if (!live && show) {
      setText(this.noLive, noLiveReason(room));
      want.push(this.noLive);
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
  constructor(params) {
    this.cards = new Map();
    this.filter = parseFilter(params);
    rememberFilter(this.filter);
    const sum = (k, cls) => h('span', { class: `chip sum-${cls || k}`, dataset: { sum: k }, 'data-i18n-title': k === 'alerts' ? null : `sum.hint.${k}` },
      h('b', null, '–'), ' ', h('span', { 'data-i18n': `sum.${k}` }));
    this.total = h('span', { class: 'muted' });
    this.summary = h('section', { class: 'summary', 'aria-live': 'polite' },
      sum('online'), sum('offline'), sum('devices'), sum('alerts'), sum('backlog'), this.total);
    this.bar = new FilterBar((f) => this.setFilter(f));
    this.filters = this.bar.el;
    this.box = h('main', { id: 'rooms', class: 'rooms' });
    this.loading = h('p', { id: 'loading', class: 'placeholder', 'data-i18n': 'loading' });
    this.none = h('div', { class: 'placeholder empty' }, h('strong'), h('span'));
    this.el = h('div', { class: 'view view-wall' }, this.summary, this.filters, this.box);
    apply(this.el);
  }

  // setFilter changes the filter and the address with it (replaced, not
  // pushed: typing a search is not a trail of pages to go back through).
  setFilter(f) {
    Object.assign(this.filter, f);
    rememberFilter(this.filter);
    if (location.hash !== wallHref(this.filter)) history.replaceState(null, '', wallHref(this.filter));
    this.update();
  }

  // params takes a filter from the address (edited, or a bookmark opened).
  params(p) {
    this.filter = parseFilter(p);
    rememberFilter(this.filter);
    this.update();
  }

  watch() { return [...this.cards.values()].flatMap((c) => [...c.tiles.values()].map((tile) => tile.key)); }

  frame(f, now) {
    const c = this.cards.get(f.room);
    c?.tiles.get(f.stream)?.frame(f, now);
  }

  update() {
    const now = Date.now();
    if (data.rooms === null) {
      this.bar.render(this.filter, [], Object.fromEntries(STATES.map((s) => [s, '–'])));
      reorder(this.box, data.apiError ? [] : [this.loading]);
      return;
    }
    const rooms = data.rooms;
    const f = this.filter;
    const healths = new Map(rooms.map((r) => [r.id, healthOf(r, now)]));
    // The summary covers the rooms of the chosen jurisdiction and agency;
    // the state buttons count what each would show of those.
    const scoped = rooms.filter((r) => inScope(f, r));
    const found = scoped.filter((r) => matchesText(f, r));
    const shown = found.filter((r) => inState(f.state, r, healths.get(r.id)));

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

    this.bar.render(f, rooms, Object.fromEntries(STATES.map((s) => [s, found.filter((r) => inState(s, r, healths.get(r.id))).length])));
    this.renderSummary(scoped, rooms.length);
  }

  renderSummary(rooms, all) {
    const on = rooms.filter((r) => r.online);
    const ids = new Set(rooms.map((r) => r.id));
    const open = openCounts(ids);
    const counts = {
      online: on.length,
      offline: rooms.length - on.length,
      devices: on.filter((r) => r.streams.some((s) => ['signal', 'unplugged', 'stale'].includes(devState(r.id, s.id)?.state))).length,
      alerts: open.rooms,
      backlog: on.filter((r) => r.oldest > BACKLOG_WARN_S).length,
    };
    const alertChip = this.summary.querySelector('[data-sum="alerts"]');
    const hint = t('sum.hint.alerts', { rooms: open.rooms, n: open.alerts });
    if (alertChip.title !== hint) alertChip.title = hint;
    const alertBtn = this.bar.showBtns.find((b) => b.dataset.show === 'alert');
    if (alertBtn.title !== hint) alertBtn.title = hint;
    for (const [k, n] of Object.entries(counts)) {
      const chip = this.summary.querySelector(`[data-sum="${k}"]`);
      setText(chip.querySelector('b'), String(n));
      chip.classList.toggle('zero', n === 0);
    }
    setText(this.total, rooms.length === all ? t('sum.total', { n: all }) : t('sum.total.scoped', { n: rooms.length, all }));
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
