// detailWords says an audit entry's detail in the reader's language and
// time zone. The hub writes details as data where it can (a live view's
// {"via","streams"}, a playback's {"from_seq"}); older entries and other
// actions carry short fixed forms, worded here. Anything else is shown as
// written; the title always keeps the detail exactly as recorded (hashed).

import { t } from './i18n.js';
import { dateTime } from './util.js';
import { data, roomById } from './data.js';
import { roleWord, scopeWords } from './auth.js';
import { alertKindWord, device, guessKind } from './words.js';

const list = (xs) => xs.join(t('audit.d.sep'));
const streams = (ids) => list(ids.map((s) => device(guessKind(s), s)));

function json(s) {
  if (!s.startsWith('{')) return null;
  try { return JSON.parse(s); } catch { return null; }
}

function words(e) {
  const d = e.detail || '';
  const j = json(d);
  const [, stream = ''] = e.target.split('/');
  switch (e.action) {
    case 'live.view': {
      const via = j?.via ?? d;
      const ids = j?.streams ?? (stream ? [stream] : []);
      if (via === 'websocket' || via === 'mjpeg') return t(`audit.d.view.${via}`, { streams: streams(ids) });
      break;
    }
    case 'recording.playback': {
      const seq = j?.from_seq ?? d.match(/^from seq (\d+)$/)?.[1];
      if (seq !== undefined) return t('audit.d.playback', { seq: String(seq) });
      break;
    }
    case 'user.signin': {
      const [role, scope = ''] = d.split(' ');
      if (role) return [roleWord(role), scopeWords(data.rooms || [], { role, scope }).text].filter(Boolean).join(' ');
      break;
    }
    case 'user.signin_failed': {
      if (d === 'wrong user name or password') return t('audit.d.badpw');
      const until = d.match(/^locked until (\S+)$/)?.[1];
      if (until && !Number.isNaN(Date.parse(until))) return t('audit.d.locked', { time: dateTime(Date.parse(until)) });
      break;
    }
    case 'alert.ack':
    case 'alert.resolve': {
      const m = d.match(/^([a-z_]+) ([\w-]+)\/([\w-]*): ?([\s\S]*)$/);
      if (m) {
        const room = roomById(m[2])?.name || m[2];
        const what = [alertKindWord(m[1]), room, m[3] ? device(guessKind(m[3]), m[3]) : ''].filter(Boolean).join(' ');
        return m[4] ? t('audit.d.decided', { what, comment: m[4] }) : what;
      }
      break;
    }
    default:
  }
  return d;
}

export function detailWords(e) {
  return { text: words(e), title: e.detail || '' };
}
