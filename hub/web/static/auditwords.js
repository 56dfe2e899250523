// detailWords says an audit entry's detail in the reader's language and
// time zone. The hub writes details as data where it can (a live view's
// {"via","streams","sub"}, a playback's {"from_seq"}); older entries and other
// actions carry short fixed forms, worded here. Anything else is shown as
// written; the cell's title keeps the detail exactly as recorded (hashed).

import { t } from './i18n.js';
import { dateTime, h } from './util.js';
import { data, roomById } from './data.js';
import { roleWord, scopeWords, session } from './auth.js';
import { alertKindWord, device, guessKind } from './words.js';

const list = (xs) => xs.join(t('audit.d.sep'));

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
      // Older entries: "websocket" or "mjpeg", " sub" for a sub-stream, target room/stream.
      const [via, sub] = j ? [j.via, false] : d.split(' ');
      const main = j ? j.streams || [] : (stream && !sub ? [stream] : []);
      const thumbs = j ? j.sub || [] : (stream && sub ? [stream] : []);
      const named = [...main.map((s) => device(guessKind(s), s)), ...thumbs.map((s) => t('audit.d.sub', { dev: device(guessKind(s), s) }))];
      if (via === 'websocket' || via === 'mjpeg') return t(`audit.d.view.${via}`, { streams: list(named) });
      break;
    }
    case 'recording.playback': {
      const seq = j?.from_seq ?? d.match(/^from seq (\d+)$/)?.[1];
      if (seq !== undefined) return t('audit.d.playback', { seq: String(seq) });
      break;
    }
    case 'user.add':
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
    case 'room.create': {
      // store.Room.Detail: "NAME; jurisdiction: CODE NAME; agency: ID NAME"
      const m = d.match(/^(.*?); jurisdiction: (\d+) ?([^;]*); agency: (\S+) ?(.*)$/);
      if (m) return t('audit.d.room', { name: m[1], jurisdiction: m[3] || m[2], agency: m[5] || m[4] });
      break;
    }
    default:
  }
  return d;
}

// actorWords: the person's name where the page knows it (the reader's own),
// the hub's own parts in words, and otherwise the login as a code; the
// address after it. Returns the cell's children.
export function actorWords({ name, addr }) {
  let who;
  if (name === session.user && session.name) who = h('strong', { title: name }, session.name);
  else if (name === 'box') who = h('strong', null, t('audit.who.box'));
  else who = h('strong', null, h('code', null, name));
  let at = addr;
  if (addr === 'cli') at = t('audit.who.cli');
  return [who, at ? h('span', { class: 'muted' }, ` @ ${at}`) : null];
}

// detailCell is the detail column's content: words, or, for a box's
// enrollment ("KEY [cert SERIAL]"), the key and serial as codes.
export function detailCell(e) {
  const d = e.detail || '';
  if (e.action === 'box.enroll') {
    const [key, serial] = d.split(' cert ');
    return serial ? [h('code', null, key), ` ${t('audit.d.cert')} `, h('code', null, serial)] : [h('code', null, key)];
  }
  return [words(e)];
}
