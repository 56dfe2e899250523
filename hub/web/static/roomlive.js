// A room's live view: every camera large, every microphone with a level
// meter (always) and a Listen button (sound only on demand), and a table of
// the streams' states and measured quality. Used by the room page and patrol.

import { t } from './i18n.js';
import { h, reorder, setData, setText } from './util.js';
import { Tile } from './tile.js';
import { LevelMeter, LiveListener, level, toFloat } from './audio.js';
import { kindWord, liveEndedWord, signalWord } from './words.js';
import { frameKey, refusalOf } from './live.js';
import { canLive, noLiveReason } from './auth.js';
import { devState } from './data.js';
import { stateWord } from './devstate.js';
import { hms } from './util.js';

class Mic {
  constructor(room, stream) {
    this.key = `${room}/${stream.id}`;
    this.stream = stream;
    this.meter = new LevelMeter('');
    this.listener = new LiveListener();
    this.button = h('button', { type: 'button', class: 'listen', 'aria-pressed': 'false', onclick: () => this.toggle() });
    this.note = h('span', { class: 'muted small' });
    this.el = h('div', { class: 'mic', dataset: { stream: stream.id, listening: 'false' } }, this.meter.el, this.button, this.note);
  }

  toggle() {
    if (this.listener.on) this.listener.stop(); else this.listener.start();
    this.update();
  }

  frame(f, now) {
    if (f.codec !== 'pcm_s16le') return;
    const samples = toFloat(f.data);
    this.meter.push(level(samples), now);
    this.listener.push(samples);
  }

  update(now = Date.now()) {
    setText(this.meter.labelEl, `${kindWord('audio')} ${this.stream.id}`);
    const st = devState(this.key.slice(0, this.key.indexOf('/')), this.stream.id);
    this.meter.draw(now, st && st.state !== 'ok' && st.state !== 'recovered' && st.state !== 'unknown' ? stateWord(st) : '');
    setData(this.el, 'state', st ? st.state : 'unknown');
    // Sound the hub ended or refused (a session, the audit log) says why.
    const refused = refusalOf(this.key);
    if (refused && this.listener.on) this.listener.stop();
    setData(this.el, 'ended', refused ? refused.ended : '');
    const on = this.listener.on;
    setText(this.button, on ? t('mic.stop') : t('mic.listen'));
    this.button.setAttribute('aria-pressed', String(on));
    setData(this.el, 'listening', String(on));
    setData(this.el, 'played', this.listener.played);
    setData(this.el, 'dropped', this.listener.dropped);
    setText(this.note, refused ? liveEndedWord(refused.ended) : on ? t('mic.listening') : t('mic.silentHint'));
  }

  destroy() { this.listener.stop(); }
}

function qualityText(s) {
  const q = s.quality;
  if (!q) return '–';
  const parts = [];
  if (s.kind === 'video') {
    if (q.width && q.height) parts.push(`${q.width}×${q.height}`);
    if (q.fps !== null) parts.push(t('q.fps', { n: q.fps.toFixed(q.fps % 1 ? 1 : 0) }));
    if (q.luma !== null) parts.push(t('q.luma', { n: Math.round(q.luma) }));
  } else if (s.kind === 'audio') {
    if (q.rms !== null) parts.push(t('q.rms', { n: Math.round(q.rms) }));
    if (q.peak !== null) parts.push(t('q.peak', { n: Math.round(q.peak) }));
  }
  if (q.errors) parts.push(t('q.errors', { n: q.errors }));
  return parts.join(' · ') || '–';
}

export class RoomLive {
  constructor(roomId) {
    this.roomId = roomId;
    this.tiles = new Map();
    this.mics = new Map();
    this.camBox = h('div', { class: 'cams' });
    this.micBox = h('div', { class: 'mics' });
    this.offline = h('div', { class: 'offline-box' }, h('strong'), h('span'));
    this.noLive = h('p', { class: 'no-live' });
    this.tbody = h('tbody');
    this.table = h('table', { class: 'streams-table' },
      h('thead', null, h('tr', null, ...['st.device', 'st.state', 'st.quality', 'st.signals'].map((k) => h('th', { 'data-i18n': k })))),
      this.tbody);
    this.el = h('section', { class: 'room-live' }, this.camBox, this.micBox, this.table);
  }

  // watch lists the streams to ask the live socket for.
  watch() { return [...this.tiles.keys(), ...this.mics.keys()]; }

  frame(f, now) {
    const key = frameKey(f);
    this.tiles.get(key)?.frame(f, now);
    this.mics.get(key)?.frame(f, now);
  }

  update(room, now) {
    const online = !!room?.online;
    const streams = room?.streams || [];
    // Pictures and sound only for the roles that may watch; the table of
    // the devices' state stays for everybody.
    const live = !room || canLive(room);
    setData(this.el, 'live', live);
    const sync = (map, kind, make) => {
      const want = online && live ? streams.filter((s) => s.kind === kind) : [];
      for (const [k, v] of map) if (!want.some((s) => `${this.roomId}/${s.id}` === k)) { v.destroy(); v.el.remove(); map.delete(k); }
      return want.map((s) => {
        const k = `${this.roomId}/${s.id}`;
        let v = map.get(k);
        if (!v) { v = make(s); map.set(k, v); }
        v.stream = s;
        v.update(now);
        return v.el;
      });
    };
    const cams = sync(this.tiles, 'video', (s) => new Tile(this.roomId, s, { big: true }));
    if (!online) {
      // An unknown room is not said to be offline: it may be outside the scope.
      setText(this.offline.children[0], room ? t('room.offline.title') : '');
      setText(this.offline.children[1], room ? t('room.offline.body') : t('room.unknown'));
      cams.push(this.offline);
    } else if (!live) {
      setText(this.noLive, noLiveReason(room));
      cams.push(this.noLive);
    }
    this.camBox.dataset.n = String(Math.min(cams.length, 4));
    reorder(this.camBox, cams);
    reorder(this.micBox, sync(this.mics, 'audio', (s) => new Mic(this.roomId, s)));

    // Every row from the device's one state (devstate.js); an offline room's
    // measurements are from its last report and say when.
    const rows = streams.map((s) => {
      const st = devState(this.roomId, s.id);
      const state = st ? st.state : 'unknown';
      const q = qualityText(s);
      const quality = !online && room?.lastSeen && q !== '–' ? t('asOf', { v: q, time: hms(room.lastSeen) }) : q;
      return h('tr', { dataset: { stream: s.id, state }, class: `st-row ds-row-${state}` },
        h('td', { 'data-label': t('st.device') }, `${kindWord(s.kind)} ${s.id}`),
        h('td', { 'data-label': t('st.state') }, h('span', { class: `dot ds-${state}` }), st ? stateWord(st) : t('ds.unknown')),
        h('td', { class: 'nums', 'data-label': t('st.quality') }, quality),
        h('td', { 'data-label': t('st.signals') }, online ? (st?.sig || []).map((g) => h('span', { class: `sig sig-${g}` }, signalWord(g))) : '–'));
    });
    if (!rows.length) rows.push(h('tr', null, h('td', { colspan: '4', class: 'muted' }, t('room.noStreams'))));
    this.tbody.replaceChildren(...rows);
    this.table.classList.toggle('stale', !online);
  }

  tick(now) {
    for (const tile of this.tiles.values()) tile.update(now);
    for (const m of this.mics.values()) m.update(now);
  }

  destroy() {
    for (const v of this.tiles.values()) v.destroy();
    for (const v of this.mics.values()) v.destroy();
    this.tiles.clear();
    this.mics.clear();
  }
}
