// Small helpers shared by every view: building elements, formatting times
// and sizes, and talking to the hub's JSON API.

import { t } from './i18n.js';
import { forbidden, session, sessionLost, setSession } from './auth.js';

// h builds an element: h('div', {class: 'x', title: 'y'}, child, 'text', …).
// Attribute values false/null/undefined are left out; children likewise.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function setText(el, s) { if (el.textContent !== s) el.textContent = s; }

export function setAttr(el, name, v) {
  if (v === null || v === undefined) { if (el.hasAttribute(name)) el.removeAttribute(name); return; }
  if (el.getAttribute(name) !== String(v)) el.setAttribute(name, v);
}

export function setData(el, name, v) { if (el.dataset[name] !== String(v)) el.dataset[name] = v; }

// reorder makes box's children exactly `want`, moving nodes only when needed
// (moving an <img> does not reload it, but there is no reason to churn).
export function reorder(box, want) {
  const have = [...box.children];
  if (have.length === want.length && have.every((el, i) => el === want[i])) return;
  for (const el of have) if (!want.includes(el)) el.remove();
  want.forEach((el, i) => { if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null); });
}

// ---- formatting ------------------------------------------------------------

export const pad = (n, w = 2) => String(n).padStart(w, '0');

export function hms(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function hm(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function hmsTenth(ms) {
  return `${hms(ms)}.${Math.floor((((ms % 1000) + 1000) % 1000) / 100)}`;
}

export function ymd(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function dateTime(ms) { return `${ymd(ms)} ${hms(ms)}`; }

// dateTimeShort leaves the date out when it is today.
export function dateTimeShort(ms, now = Date.now()) {
  return ymd(ms) === ymd(now) ? hms(ms) : dateTime(ms);
}

export function ago(ms, now) {
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  if (s < 1) return t('ago.now');
  if (s < 60) return t('ago.s', { n: s });
  if (s < 3600) return t('ago.m', { n: Math.floor(s / 60) });
  if (s < 86400) return t('ago.h', { n: Math.floor(s / 3600) });
  return t('ago.d', { n: Math.floor(s / 86400) });
}

// duration says how long sec seconds is, coarsely: "8 秒", "3 分钟", "2 小时 5 分"
// (at least 1 s: "for 0 s" reads wrong).
export function duration(sec) {
  if (sec < 60) return t('dur.s', { n: Math.max(1, Math.round(sec)) });
  const s = Math.round(sec);
  if (s < 3600) return t('dur.m', { m: Math.floor(s / 60) });
  if (s < 86400) return t('dur.hm', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return t('dur.d', { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

export function bytes(n) {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let i = -1;
  do { n /= 1000; i++; } while (n >= 1000 && i < units.length - 1);
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

// gib says a size in binary units, as disks are measured: "1.2 GiB", "50 GiB".
export function gib(n) {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, Math.round(n || 0))} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
  const v = n < 10 ? n.toFixed(1).replace(/\.0$/, '') : String(Math.round(n));
  return `${v} ${units[i]}`;
}

export function parseTime(s) {
  if (!s) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) && ms > Date.UTC(2000, 0, 1) ? ms : null;
}

export const iso = (ms) => new Date(ms).toISOString();

// ---- API -------------------------------------------------------------------

const TIMEOUT_MS = 8000;
const UNSAFE = ['POST', 'PATCH', 'PUT', 'DELETE'];

// ApiError carries the hub's {"error": "..."} text, or a description of the
// failure; retryAfter is the Retry-After header in seconds (a locked sign-in).
export class ApiError extends Error {
  constructor(status, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

// The hub's 503 answers, by the start of its English sentence: an access
// that must be on the audit log first and cannot be written there, and a
// write refused because the hub's disk fails.
const REFUSALS = [
  ['the hub cannot write this access to its audit log', 'err.503.notRecorded'],
  ['the hub cannot write to its disk', 'err.503.disk'],
];

// refusalText says a 503 of the hub in the page's language, or '' when the
// hub's sentence is not one the page knows (then its own words are shown).
export function refusalText(status, hubSaid) {
  if (status !== 503) return '';
  const msg = String(hubSaid || '');
  for (const [prefix, key] of REFUSALS) if (msg.startsWith(prefix)) return t(key);
  return '';
}

// api fetches JSON (or, with as: 'buffer', raw bytes) from the hub; it throws
// ApiError with the hub's own message on a 4xx/5xx answer (a 403 says what
// it means for the signed-in role). Every unsafe request carries the
// session's X-CSRF-Token. A 401 means the session is gone and the page asks
// for sign-in, except with auth: false (the sign-in requests themselves).
export async function api(path, { method = 'GET', body, as = 'json', timeout = TIMEOUT_MS, signal, auth = true } = {}, retried = false) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  const onAbort = () => ctl.abort();
  signal?.addEventListener('abort', onAbort);
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const unsafe = UNSAFE.includes(method);
  if (unsafe && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  let res;
  try {
    res = await fetch(path, {
      method, cache: 'no-store', signal: ctl.signal, headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      let msg = '';
      let field = '';
      try { ({ error: msg = '', field = '' } = await res.json()); } catch { /* not JSON */ }
      if (res.status === 401 && auth) sessionLost();
      if (res.status === 403 && auth && unsafe && !retried && session.mode === 'in' && await freshCsrf()) {
        // Signed in again in another tab: the cookie is new, and so is its token.
        return api(path, { method, body, as, timeout, signal, auth }, true);
      }
      const wait = Number(res.headers.get('Retry-After'));
      const text = res.status === 403 && auth ? forbidden(msg) : refusalText(res.status, msg) || msg || t('err.http', { status: res.status });
      const e = new ApiError(res.status, text, Number.isFinite(wait) && wait > 0 ? wait : null);
      e.hubSaid = msg;
      e.field = field; // the request's field a 400 names
      throw e;
    }
    if (res.status === 204) return null;
    return as === 'buffer' ? await res.arrayBuffer() : await res.json();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(0, signal?.aborted ? 'aborted' : t('err.network'));
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

// freshCsrf asks the hub for the session's token again; true if it changed.
async function freshCsrf() {
  try {
    const res = await fetch('/api/v1/session', { cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!res.ok) return false;
    const s = await res.json();
    if (!s.csrf || s.csrf === session.csrf) return false;
    setSession(s);
    return true;
  } catch {
    return false;
  }
}

export const enc = encodeURIComponent;

export function roomPath(room) { return `/api/v1/rooms/${enc(room)}`; }
