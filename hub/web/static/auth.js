// Who is signed in and what their role lets them see, as the hub says
// (GET /api/v1/session). The hub enforces every rule; the page only leaves
// out what the role could not use anyway, so nobody meets a refusal by
// clicking something offered to them.
//
// mode: 'unknown' before the first answer, 'in' signed in, 'out' signed out.

import { t } from './i18n.js';

export const ROLES = ['operator', 'regulator', 'agency-admin', 'agency-staff', 'purchaser', 'expert', 'technician', 'supplier'];

// What each role may use in this page; the hub's rules, seen from the page.
const CAN = {
  regulator: ['wall', 'live', 'recordings', 'ack', 'audit', 'work', 'onboarding'],
  'agency-admin': ['wall', 'work', 'onboarding', 'exam'],
  'agency-staff': ['wall', 'work', 'onboarding', 'exam'],
  technician: ['wall', 'live', 'ack', 'onboarding'],
  operator: ['wall', 'ack', 'audit', 'work', 'onboarding'],
  purchaser: ['work', 'entrust'],
  supplier: ['work'],
  expert: [],
};

export const session = { mode: 'unknown', user: '', name: '', role: '', scope: '', csrf: '' };

// setSession takes the hub's {"user","name","role","scope","csrf"}.
export function setSession(s) {
  Object.assign(session, {
    mode: 'in', user: String(s.user ?? ''), name: String(s.name || s.user || ''), role: String(s.role ?? ''),
    scope: String(s.scope ?? ''), csrf: String(s.csrf ?? ''),
  });
}

export function clearSession(mode = 'out') {
  Object.assign(session, { mode, user: '', name: '', role: '', scope: '', csrf: '' });
}

// can says whether the signed-in role may use a part of the page: 'wall',
// 'live', 'recordings', 'ack' (acknowledge and resolve alerts), 'audit'
// (the audit log), 'work' (the procurement workflow), 'entrust' (new
// entrustments), 'onboarding' (room acceptance, qualification) or 'exam'.
export function can(what) {
  if (session.mode !== 'in') return false;
  return (CAN[session.role] || []).includes(what);
}

// canLive: may this room's live pictures and sound be shown? A technician
// sees them only while no procurement session runs in the room.
export function canLive(room) {
  if (!can('live')) return false;
  return !(session.role === 'technician' && room?.session);
}

// noLiveReason names why a room shows no pictures ('' when it may).
export function noLiveReason(room) {
  if (canLive(room)) return '';
  return can('live') ? t('live.no.session') : t('live.no.role', { role: roleWord() });
}

export function roleWord(role = session.role) {
  return ROLES.includes(role) ? t(`role.${role.replace('-', '_')}`) : role;
}

// scopeWords says what the role's scope covers, with the names the page
// knows from the room list: a jurisdiction's name (or its code, "whole
// city"/"whole province" for codes ending in 00/0000), an agency's name,
// the rooms' names. It returns {text, title}: title keeps the codes.
export function scopeWords(rooms = [], s = session) {
  const scope = s.scope.trim();
  if (s.role === 'operator') return { text: t('scope.all'), title: '' };
  if (!scope) return { text: '', title: '' };
  if (s.role === 'regulator') {
    if (scope === '*') return { text: t('scope.allJurisdictions'), title: '' };
    const known = rooms.find((r) => r.jurisdiction?.code === scope)?.jurisdiction.name;
    const whole = /^\d{2}0000$/.test(scope) ? 'scope.province' : /^\d{4}00$/.test(scope) ? 'scope.city' : '';
    // A city or province by name: from a district's name within it
    // (柳州市柳江区 → 柳州市), when the hub knows no name for the code itself.
    const name = known || (whole ? parentName(rooms, scope, whole === 'scope.city' ? 4 : 2) : '');
    if (name) return { text: name, title: t('owner.code', { code: scope }) };
    return { text: whole ? t(whole, { name: scope }) : scope, title: t('owner.code', { code: scope }) };
  }
  if (s.role === 'agency-admin' || s.role === 'agency-staff') {
    const name = rooms.find((r) => r.agency?.code === scope)?.agency.name;
    return { text: name || scope, title: name ? t('owner.code', { code: scope }) : '' };
  }
  if (s.role === 'technician') {
    const ids = scope.split(',').map((x) => x.trim()).filter(Boolean);
    const names = ids.map((id) => rooms.find((r) => r.id === id)?.name || id);
    return { text: t('scope.rooms', { list: names.join(t('list.sep')) }), title: ids.join(', ') };
  }
  return { text: scope, title: '' };
}

// parentName finds the name of the city (digits 4) or province (2) of code
// in the name of a jurisdiction within it: 柳州市柳江区 → 柳州市.
function parentName(rooms, code, digits) {
  const end = digits === 4 ? /^(.+?(?:市|自治州|地区|盟))/ : /^(.+?(?:省|自治区|市))/;
  for (const r of rooms) {
    const j = r.jurisdiction;
    if (!j || !j.code.startsWith(code.slice(0, digits)) || j.name === j.code) continue;
    const m = j.name.match(end);
    if (m) return m[1];
  }
  return '';
}

// forbidden says what a 403 means for the person reading it, with the hub's words.
export function forbidden(hubSaid) {
  const msg = session.mode === 'in' ? t('err.403', { role: roleWord() }) : t('err.403.anon');
  return hubSaid ? `${msg} ${t('err.hubSaid', { msg: hubSaid })}` : msg;
}

// Who to tell when the hub answers 401: the session is gone (signed out
// elsewhere, expired, the hub restarted with a new key).
let lost = null;
export function onSessionLost(fn) { lost = fn; }
export function sessionLost() { if (session.mode !== 'out') lost?.(); }
