// A room's health at a glance: a level (ok green, warn amber, bad red) and
// what is wrong, in words. Red: offline, or an unresolved critical alert.
// Amber: a device or signal problem, an upload backlog, any other alert.

import { t } from './i18n.js';
import { duration } from './util.js';
import { alertKindWord, deviceProblem, guessKind, signalWord, SIGNALS } from './words.js';

export const BACKLOG_WARN_S = 60;

const RANK = { ok: 0, warn: 1, bad: 2 };
const worse = (a, b) => (RANK[b] > RANK[a] ? b : a);

// The alert kind that stands for the same condition as a device state or signal,
// so that a black picture and its alert are one line, not two.
const SAME = {
  camera_black: 'black', camera_frozen: 'frozen', mic_silent: 'silent', mic_clipping: 'clipping',
  device_absent: 'absent', device_failed: 'failed', room_offline: 'offline', spool_backlog: 'backlog',
};

// roomHealth returns {level, problems: [{key, level, text, acked}]}, worst first.
export function roomHealth(room, alerts, now) {
  const problems = new Map();
  const add = (key, level, text) => {
    const p = problems.get(key);
    if (p) p.level = worse(p.level, level);
    else problems.set(key, { key, level, text, acked: false });
  };
  if (!room.online) {
    add('|offline', 'bad', room.lastSeen === null ? t('prob.never')
      : t('prob.offline', { dur: duration((now - room.lastSeen) / 1000) }));
  } else {
    // Device states and signals are current only while the room reports.
    for (const s of room.streams) {
      if (s.state === 'absent' || s.state === 'failed') {
        add(`${s.id}|${s.state}`, 'warn', deviceProblem(s.kind, s.id, t(`state.${s.state}`)));
      }
      for (const sig of s.quality?.signals || []) {
        if (SIGNALS.includes(sig)) add(`${s.id}|${sig}`, 'warn', deviceProblem(s.kind, s.id, signalWord(sig)));
      }
    }
  }
  if (room.oldest > BACKLOG_WARN_S) add('|backlog', 'warn', t('prob.backlog', { dur: duration(room.oldest) }));

  for (const a of alerts) {
    const key = `${a.stream}|${SAME[a.kind] || a.kind}`;
    const level = a.severity === 'critical' ? 'bad' : 'warn';
    if (!problems.has(key)) {
      const kind = room.streams.find((s) => s.id === a.stream)?.kind || guessKind(a.stream, a.kind);
      add(key, level, a.stream ? deviceProblem(kind, a.stream, alertKindWord(a.kind)) : alertKindWord(a.kind));
    }
    const p = problems.get(key);
    p.level = worse(p.level, level);
    p.alert = a;
    p.acked = a.state === 'acked';
  }
  const list = [...problems.values()].sort((a, b) => RANK[b.level] - RANK[a.level]);
  const level = list.reduce((l, p) => worse(l, p.level), 'ok');
  return { level, problems: list };
}
