// One state per device, computed in one place, that every chip, table row,
// tile mark, headline and alert line on the page is drawn from, so that no
// two places can tell a different story about the same camera:
//
//   ok         the room reports and the device is well
//   recovered  well again after a fault, for RECOVERED_MS (then ok)
//   signal     the device works but its signal is bad: black, frozen,
//              silent, clipping (sig says which)
//   unplugged  absent or failed (sub says which, reason the box's code)
//   stale      the room is still called online but has not reported for STALE_S
//   unknown    nothing known yet (no measurement since the room came up)
//   offline    the room is offline: nothing about the device is current; asOf
//              is when the room last reported and last what it said then
//
// data.js computes the states after every poll (computeStates), so the
// "recovered" transition is seen once, whichever view is open.

import { t } from './i18n.js';
import { hms, duration } from './util.js';
import { alertKindWord, deviceProblem, guessKind, signalWord, SIGNALS } from './words.js';

export const STALE_S = 15;
export const RECOVERED_MS = 15000;
export const BACKLOG_WARN_S = 60;

export const FAULTS = ['signal', 'unplugged', 'stale', 'offline'];
// The level each state gives a device (and its room): ok, warn, bad, idle (grey).
const LEVEL = { ok: 'ok', recovered: 'ok', unknown: 'idle', signal: 'warn', unplugged: 'warn', stale: 'warn', offline: 'idle' };
const RANK = { ok: 0, idle: 0, warn: 1, bad: 2 };
const worse = (a, b) => (RANK[b] > RANK[a] ? b : a);

// The alert kinds that stand for a device's state or signal, so that a black
// picture and its alert are one line, and a device well again says so even
// while its alert waits to be resolved.
const SAME = {
  camera_black: 'black', camera_frozen: 'frozen', mic_silent: 'silent', mic_clipping: 'clipping',
  device_absent: 'absent', device_failed: 'failed', room_offline: 'offline', spool_backlog: 'backlog',
};

const memory = new Map(); // room/stream -> {bad: state before, clearedAt: ms|null}

// rawState: the state from what the hub says now, before "recovered".
function rawState(room, s, now) {
  const sig = (s.quality?.signals || []).filter((x) => SIGNALS.includes(x));
  const base = { sig, sub: '', reason: s.reason, asOf: room.lastSeen, since: null };
  if (!room.online) return { ...base, state: 'offline', last: lastWords(s, sig) };
  if (room.lastSeen !== null && now - room.lastSeen > STALE_S * 1000) return { ...base, state: 'stale' };
  if (s.state === 'absent' || s.state === 'failed') return { ...base, state: 'unplugged', sub: s.state };
  if (sig.length) return { ...base, state: 'signal' };
  if (s.state !== 'ok' || !s.quality) return { ...base, state: 'unknown' };
  return { ...base, state: 'ok' };
}

// lastWords: what the device was when the room last reported ("正常").
function lastWords(s, sig) {
  if (s.state === 'absent' || s.state === 'failed') return t(`state.${s.state}`);
  if (sig.length) return sig.map(signalWord).join(t('list.sep'));
  return s.state === 'ok' ? t('state.ok') : t('state.unknown');
}

// computeStates returns Map room id -> Map stream id -> state, remembering
// the faults it saw so that a device well again is "recovered" for a while.
export function computeStates(rooms, now) {
  const out = new Map();
  for (const room of rooms || []) {
    const devs = new Map();
    for (const s of room.streams) {
      const key = `${room.id}/${s.id}`;
      const st = rawState(room, s, now);
      let m = memory.get(key);
      if (FAULTS.includes(st.state)) {
        if (!m || m.clearedAt !== null || m.bad.state !== st.state) m = { bad: st, clearedAt: null, since: now };
        memory.set(key, m);
        st.since = m.since;
      } else if (m && st.state === 'ok') {
        if (m.clearedAt === null) m.clearedAt = now;
        if (now - m.clearedAt < RECOVERED_MS) Object.assign(st, { state: 'recovered', was: m.bad, since: m.clearedAt });
        else memory.delete(key);
      }
      st.level = LEVEL[st.state];
      st.kind = s.kind;
      st.id = s.id;
      devs.set(s.id, st);
    }
    out.set(room.id, devs);
  }
  return out;
}

// stateWord says a device's state in a few words, as on its chip and in the table.
export function stateWord(st) {
  switch (st.state) {
    case 'signal': return st.sig.map(signalWord).join(t('list.sep'));
    case 'unplugged': return t(`state.${st.sub}`);
    case 'stale': return t('ds.stale', { time: st.asOf ? hms(st.asOf) : '–' });
    case 'offline': return st.asOf ? t('ds.offline', { time: hms(st.asOf), last: st.last }) : t('ds.offline.never');
    case 'recovered': return st.was.state === 'offline' || st.was.state === 'stale' ? t('ds.recovered.online') : t('ds.recovered', { was: stateWord(st.was) });
    case 'unknown': return t('ds.unknown');
    default: return t('state.ok');
  }
}

// roomHealth returns {level, problems: [{key, level, text, acked, alert}]},
// worst first, from the room's device states and its unresolved alerts.
export function roomHealth(room, devs, alerts, now) {
  const problems = new Map();
  const add = (key, level, text) => {
    const p = problems.get(key);
    if (p) p.level = worse(p.level, level);
    else problems.set(key, { key, level, text, acked: false });
    return problems.get(key);
  };
  if (!room.online) {
    add('|offline', 'bad', room.lastSeen === null ? t('prob.never')
      : t('prob.offline', { dur: duration((now - room.lastSeen) / 1000), time: hms(room.lastSeen) }));
  }
  const recovered = new Map();
  for (const st of devs?.values() || []) {
    const dev = (what) => deviceProblem(st.kind, st.id, what);
    if (st.state === 'unplugged') add(`${st.id}|${st.sub}`, 'warn', dev(t(`state.${st.sub}`)));
    else if (st.state === 'signal') for (const sig of st.sig) add(`${st.id}|${sig}`, 'warn', dev(signalWord(sig)));
    else if (st.state === 'stale') add(`${st.id}|stale`, 'warn', dev(stateWord(st)));
    else if (st.state === 'recovered') recovered.set(st.id, add(`${st.id}|recovered`, 'ok', dev(stateWord(st))));
  }
  if (room.online && room.oldest > BACKLOG_WARN_S) add('|backlog', 'warn', t('prob.backlog', { dur: duration(room.oldest) }));

  for (const a of alerts) {
    const cond = SAME[a.kind] || a.kind;
    const level = a.severity === 'critical' ? 'bad' : 'warn';
    const st = a.stream ? devs?.get(a.stream) : null;
    let key = `${a.stream}|${cond}`;
    if (!problems.has(key)) {
      if (st && (st.state === 'ok' || st.state === 'recovered')) {
        // The device is well again; its alert waits to be resolved.
        key = `${a.stream}|recovered`;
        if (!problems.has(key)) add(key, 'ok', deviceProblem(st.kind, st.id, t('ds.recovered.short')));
        problems.get(key).text = deviceProblem(st.kind, st.id, t('ds.recovered.alert', { what: alertKindWord(a.kind) }));
      } else if (cond === 'offline' && room.online) {
        key = '|online';
        add(key, 'ok', t('ds.online.alert'));
      } else {
        const kind = st?.kind || guessKind(a.stream, a.kind);
        add(key, level, a.stream ? deviceProblem(kind, a.stream, alertKindWord(a.kind)) : alertKindWord(a.kind));
      }
    }
    const p = problems.get(key);
    p.level = worse(p.level, p.key.endsWith('|recovered') || p.key === '|online' ? 'ok' : level);
    p.alert = a;
    p.acked = a.state === 'acked';
  }
  const list = [...problems.values()].sort((a, b) => RANK[b.level] - RANK[a.level]);
  const level = list.reduce((l, p) => worse(l, p.level), 'ok');
  return { level, problems: list };
}

// alertNow says what the thing an alert is about is now: {state, text}, for
// the alerts page, from the same device states as the wall and the room.
export function alertNow(a, room, devs) {
  if (!a.room) return null;
  if (!room) return null;
  if (!room.online) return { state: 'offline', text: room.lastSeen ? t('ds.room.offline', { time: hms(room.lastSeen) }) : t('ds.offline.never') };
  const st = a.stream ? devs?.get(a.stream) : null;
  if (st) return { state: st.state, text: stateWord(st) };
  return { state: 'ok', text: t('ds.room.online') };
}

// alertCounts: what the header badge and the wall's "有告警" count, the
// same thing: unhandled (open) alerts, and the rooms that have one.
export function alertCounts(alerts, roomIds = null) {
  const open = (alerts || []).filter((a) => a.state === 'open' && (roomIds === null || roomIds.has(a.room)));
  return { alerts: open.length, rooms: new Set(open.filter((a) => a.room).map((a) => a.room)).size, hub: open.filter((a) => !a.room).length };
}
