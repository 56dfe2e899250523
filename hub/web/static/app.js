// The hub's overview page: every room's status and a live tile per camera.
// Room list: GET /api/v1/rooms every 2 s. Live frames: one WebSocket (live.js).

import { initLang, setLang, lang, t } from './i18n.js';
import { LiveSocket } from './live.js';

const POLL_MS = 2000;       // room list refresh
const FETCH_TIMEOUT_MS = 5000;
const STALE_MS = 3000;      // a tile without a frame for this long is marked stale
const BACKLOG_WARN_S = 60;  // oldest unsent segment older than this is amber

const state = {
  rooms: null,     // last good answer, normalized; null before the first one
  lastOK: 0,       // when that answer came (ms)
  apiError: null,  // null, or {status} (0 = no answer)
  live: { up: null, retryAt: 0 }, // up: null before the first attempt ends
};
const cards = new Map(); // room id → card
const tiles = new Map(); // "room/stream" → tile

const $ = (sel, root = document) => root.querySelector(sel);

// h builds an element: h('div', {class: 'x', title: 'y'}, child, 'text', …).
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

function setText(el, s) { if (el.textContent !== s) el.textContent = s; }

// ---- formatting ------------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');

function hms(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function dateTime(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hms(ms)}`;
}

function ago(ms, now) {
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  if (s < 1) return t('ago.now');
  if (s < 60) return t('ago.s', { n: s });
  if (s < 3600) return t('ago.m', { n: Math.floor(s / 60) });
  if (s < 86400) return t('ago.h', { n: Math.floor(s / 3600) });
  return t('ago.d', { n: Math.floor(s / 86400) });
}

function duration(sec) {
  if (sec < 10) return t('dur.s', { n: sec.toFixed(1) });
  if (sec < 60) return t('dur.s', { n: Math.round(sec) });
  const s = Math.round(sec);
  if (s < 3600) return t('dur.ms', { m: Math.floor(s / 60), s: s % 60 });
  return t('dur.hm', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}

function bytes(n) {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let i = -1;
  do { n /= 1000; i++; } while (n >= 1000 && i < units.length - 1);
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

const STATES = ['ok', 'absent', 'failed', 'unknown'];

function kindWord(kind) {
  return t(kind === 'video' || kind === 'audio' ? `kind.${kind}` : 'kind.other');
}

function streamText(s) {
  let text = t('stream.chip', { kind: kindWord(s.kind), id: s.id, state: t(`state.${s.state}`) });
  if (s.reason && s.state !== 'ok') text += t('stream.reason', { reason: s.reason });
  return text;
}

// ---- data ------------------------------------------------------------------

function normalizeRoom(r) {
  const id = String(r.id ?? '');
  const seen = Date.parse(r.last_seen);
  return {
    id,
    name: r.name ? String(r.name) : id,
    online: r.online === true,
    lastSeen: Number.isFinite(seen) && seen > Date.UTC(2000, 0, 1) ? seen : null,
    lastSeenRaw: r.last_seen ? String(r.last_seen) : '',
    spool: Number(r.spool_bytes) || 0,
    oldest: Number(r.oldest_unsent_seconds) || 0,
    streams: (Array.isArray(r.streams) ? r.streams : []).map((s) => ({
      id: String(s.id ?? ''),
      kind: String(s.kind ?? ''),
      state: STATES.includes(s.state) ? s.state : 'unknown',
      reason: s.reason ? String(s.reason) : '',
    })),
  };
}

const hasDeviceProblem = (r) => r.streams.some((s) => s.state === 'absent' || s.state === 'failed');

async function poll() {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
  try {
    const res = await fetch('/api/v1/rooms', {
      cache: 'no-store', signal: ctl.signal, headers: { Accept: 'application/json' },
    });
    if (!res.ok) {
      state.apiError = { status: res.status };
    } else {
      const data = await res.json();
      if (!Array.isArray(data)) throw new Error('rooms: not an array');
      state.rooms = data.map(normalizeRoom).filter((r) => r.id)
        .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
      state.lastOK = Date.now();
      state.apiError = null;
    }
  } catch {
    state.apiError = { status: 0 };
  } finally {
    clearTimeout(timer);
  }
  render();
  setTimeout(poll, POLL_MS);
}

// ---- live tiles ------------------------------------------------------------

function liveURL(room, stream) {
  return `/api/v1/rooms/${encodeURIComponent(room)}/streams/${encodeURIComponent(stream)}/live.mjpeg`;
}

function makeTile(room, stream) {
  const tile = {
    key: `${room}/${stream.id}`, room, streamId: stream.id, stream,
    created: Date.now(), lastFrameAt: 0, seq: null, delay: null, url: null,
  };
  tile.img = h('img', { alt: '', decoding: 'async' });
  tile.mark = h('span', { class: 'mark' });
  tile.label = h('span', { class: 'tile-name' });
  tile.delayEl = h('span', { class: 'delay' });
  tile.frameEl = h('span', { class: 'frame' });
  tile.link = h('a', { class: 'tile-pic', href: liveURL(room, stream.id), target: '_blank', rel: 'noopener' },
    tile.img, tile.mark);
  tile.el = h('figure', { class: 'tile', dataset: { stream: stream.id, live: 'waiting' } },
    tile.link,
    h('figcaption', null, tile.label, h('span', { class: 'nums' }, tile.delayEl, tile.frameEl)));
  tiles.set(tile.key, tile);
  return tile;
}

function dropTile(tile) {
  if (tile.url) URL.revokeObjectURL(tile.url);
  tile.el.remove();
  tiles.delete(tile.key);
}

function onFrame(f) {
  const tile = tiles.get(`${f.room}/${f.stream}`);
  if (!tile || f.codec !== 'mjpeg' || f.data.byteLength === 0) return;
  const now = Date.now();
  const url = URL.createObjectURL(new Blob([f.data], { type: 'image/jpeg' }));
  const old = tile.url;
  tile.url = url;
  tile.img.src = url;
  if (old) URL.revokeObjectURL(old);
  tile.lastFrameAt = now;
  tile.seq = f.seq;
  tile.delay = f.captureMs === null ? null : Math.round(now - f.captureMs);
  updateTile(tile, now);
}

function updateTile(tile, now) {
  const fresh = tile.lastFrameAt > 0 && now - tile.lastFrameAt < STALE_MS;
  let mode;
  let mark;
  if (fresh) {
    mode = 'live';
    mark = t('tile.live');
  } else if (tile.lastFrameAt > 0) {
    mode = 'stale';
    mark = t('tile.stale', { time: hms(tile.lastFrameAt) });
  } else if (tile.stream.state !== 'ok' && tile.stream.state !== 'unknown') {
    mode = 'nopic';
    mark = `${t('tile.nopic')} · ${t(`state.${tile.stream.state}`)}`;
  } else {
    mode = now - tile.created < STALE_MS ? 'waiting' : 'nopic';
    mark = t(mode === 'waiting' ? 'tile.waiting' : 'tile.nopic');
  }
  if (tile.el.dataset.live !== mode) tile.el.dataset.live = mode;
  setText(tile.mark, mark);
  setText(tile.label, `${kindWord('video')} ${tile.streamId}`);
  setText(tile.delayEl, tile.delay === null || !fresh ? '' : t('tile.delay', { ms: tile.delay }));
  setText(tile.frameEl, tile.seq === null ? '' : t('tile.frame', { n: tile.seq }));
  const title = t('tile.open', { room: tile.room, stream: tile.streamId });
  if (tile.link.title !== title) tile.link.title = title;
}

// ---- room cards ------------------------------------------------------------

function makeCard(room) {
  const c = { id: room.id, tiles: new Map() };
  c.name = h('h2');
  c.idEl = h('code', { class: 'room-id' });
  c.badge = h('span', { class: 'badge' });
  c.seenK = h('dt'); c.seen = h('dd');
  c.spoolK = h('dt'); c.spool = h('dd');
  c.oldestK = h('dt'); c.oldest = h('dd');
  c.oldestBox = h('div', null, c.oldestK, c.oldest);
  c.streams = h('ul', { class: 'streams' });
  c.tileBox = h('div', { class: 'tiles' });
  c.offTitle = h('strong');
  c.offBody = h('span');
  c.offline = h('div', { class: 'offline-box' }, c.offTitle, c.offBody);
  c.noVideo = h('p', { class: 'placeholder small' });
  c.el = h('article', { class: 'card', dataset: { room: room.id } },
    h('header', { class: 'card-head' }, h('div', { class: 'card-title' }, c.name, c.idEl), c.badge),
    h('dl', { class: 'facts' }, h('div', null, c.seenK, c.seen), h('div', null, c.spoolK, c.spool), c.oldestBox),
    c.streams, c.tileBox);
  cards.set(room.id, c);
  return c;
}

function updateCard(c, room, now) {
  c.room = room;
  const el = c.el;
  const online = String(room.online);
  if (el.dataset.online !== online) el.dataset.online = online;
  el.classList.toggle('has-problem', hasDeviceProblem(room));
  setText(c.name, room.name);
  setText(c.idEl, room.id);
  setText(c.badge, t(room.online ? 'room.online' : 'room.offline'));

  setText(c.seenK, t('room.lastSeen'));
  setText(c.spoolK, t('room.spool'));
  setText(c.oldestK, t('room.oldest'));
  updateSeen(c, now);
  setText(c.spool, room.spool > 0 ? bytes(room.spool) : t('none'));
  setText(c.oldest, room.oldest > 0 ? duration(room.oldest) : t('none'));
  c.oldestBox.classList.toggle('warn', room.oldest > BACKLOG_WARN_S);
  c.oldestBox.title = t('room.oldest.hint');

  // One chip per stream, rebuilt each time (cheap: text only).
  const chips = room.streams.length
    ? room.streams.map((s) => h('li', { class: `chip st-${s.state}`, dataset: { chip: s.id } }, streamText(s)))
    : [h('li', { class: 'chip st-unknown' }, t('room.noStreams'))];
  c.streams.replaceChildren(...chips);

  // Live tiles only for online rooms; offline rooms get a placeholder.
  const videos = room.online ? room.streams.filter((s) => s.kind === 'video') : [];
  for (const [id, tile] of c.tiles) {
    if (!videos.some((s) => s.id === id)) { dropTile(tile); c.tiles.delete(id); }
  }
  const want = videos.map((s) => {
    let tile = c.tiles.get(s.id);
    if (!tile) { tile = makeTile(room.id, s); c.tiles.set(s.id, tile); }
    tile.stream = s;
    updateTile(tile, now);
    return tile.el;
  });
  if (!room.online) {
    setText(c.offTitle, t('room.offline.title'));
    setText(c.offBody, t('room.offline.body'));
    want.push(c.offline);
  } else if (videos.length === 0) {
    setText(c.noVideo, t('room.noVideo'));
    want.push(c.noVideo);
  }
  reorder(c.tileBox, want);
}

function updateSeen(c, now) {
  const r = c.room;
  if (r.lastSeen === null) {
    setText(c.seen, t('never'));
    c.seen.removeAttribute('title');
    return;
  }
  setText(c.seen, ago(r.lastSeen, now));
  const title = `${dateTime(r.lastSeen)}  (${r.lastSeenRaw})`;
  if (c.seen.title !== title) c.seen.title = title;
}

// reorder makes box's children exactly `want`, moving nodes only when needed
// (moving an <img> does not reload it, but there is no reason to churn).
function reorder(box, want) {
  const have = [...box.children];
  if (have.length === want.length && have.every((el, i) => el === want[i])) return;
  for (const el of have) if (!want.includes(el)) el.remove();
  want.forEach((el, i) => { if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null); });
}

// ---- page ------------------------------------------------------------------

let live;

function render() {
  const now = Date.now();
  renderBanners(now);
  $('#loading').hidden = state.rooms !== null || state.apiError !== null;
  setText($('#updated'), state.lastOK ? t('updated', { time: hms(state.lastOK) }) : t('updated.never'));
  if (state.rooms === null) return;

  const rooms = state.rooms;
  const box = $('#rooms');
  for (const [id, c] of cards) {
    if (!rooms.some((r) => r.id === id)) {
      for (const tile of c.tiles.values()) dropTile(tile);
      c.el.remove();
      cards.delete(id);
    }
  }
  const want = rooms.map((r) => {
    const c = cards.get(r.id) || makeCard(r);
    updateCard(c, r, now);
    return c.el;
  });
  if (rooms.length === 0) want.push(emptyBox());
  reorder(box, [$('#loading'), ...want]);

  renderSummary(rooms);
  live.setWatch([...tiles.keys()]);
}

let empty;
function emptyBox() {
  empty ??= h('div', { class: 'placeholder empty' }, h('strong'), h('span'));
  setText(empty.children[0], t('empty.title'));
  setText(empty.children[1], t('empty.body'));
  return empty;
}

function renderSummary(rooms) {
  const on = rooms.filter((r) => r.online);
  const counts = {
    online: on.length,
    offline: rooms.length - on.length,
    devices: on.filter(hasDeviceProblem).length, // offline rooms' device states are old news
    backlog: rooms.filter((r) => r.oldest > BACKLOG_WARN_S).length,
  };
  for (const [k, n] of Object.entries(counts)) {
    const chip = $(`[data-sum="${k}"]`);
    setText(chip.querySelector('b'), String(n));
    chip.classList.toggle('zero', n === 0);
  }
  setText($('#total'), t('sum.total', { n: rooms.length }));
}

function renderBanners(now) {
  const api = $('#banner-api');
  if (state.apiError) {
    let msg = state.apiError.status
      ? t('banner.api.status', { status: state.apiError.status })
      : t('banner.api');
    if (state.lastOK) msg += ' ' + t('banner.api.stale', { time: hms(state.lastOK) });
    setText(api, msg);
    api.hidden = false;
  } else {
    api.hidden = true;
  }
  document.body.classList.toggle('api-down', !!state.apiError);

  // The live banner matters only while there is something to watch.
  const lb = $('#banner-live');
  if (state.live.up === false && tiles.size > 0) {
    const s = Math.ceil((state.live.retryAt - now) / 1000);
    setText(lb, s >= 1 ? t('banner.live', { s }) : t('banner.live.now'));
    lb.hidden = false;
  } else {
    lb.hidden = true;
  }
}

// tick refreshes everything that changes with time alone, once a second-ish.
function tick() {
  const now = Date.now();
  setText($('#clock'), hms(now));
  for (const tile of tiles.values()) updateTile(tile, now);
  for (const c of cards.values()) updateSeen(c, now);
  renderBanners(now);
}

function showLang() {
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang()));
  }
}

function main() {
  initLang();
  showLang();
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.addEventListener('click', () => {
      setLang(b.dataset.lang);
      showLang();
      render();
      tick();
    });
  }
  live = new LiveSocket({
    onFrame,
    onState: (s) => { state.live = s; renderBanners(Date.now()); },
  });
  tick();
  setInterval(tick, 500);
  poll();
}

main();
