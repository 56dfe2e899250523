// The workflow's calls to the hub, keeping what util.api drops: a refusal's
// field (400), rule and legal basis (422), so a form can mark the field and
// say which article refuses it. Also dates in China, where deadlines count.

import { t } from './i18n.js';
import { session, sessionLost } from './auth.js';
import { enc } from './util.js';

// Refusal is the hub's answer to a step it did not take.
export class Refusal extends Error {
  constructor(status, body) {
    super(body.error || t('err.http', { status }));
    this.status = status;
    this.field = body.field || '';
    this.rule = body.rule || '';
    this.basis = body.basis || '';
  }
}

// call sends a JSON request; it returns the decoded answer or throws a Refusal.
export async function call(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Refusal(0, { error: t('err.network') });
  }
  let out = null;
  try { out = await res.json(); } catch { /* empty or not JSON */ }
  if (res.status === 401) sessionLost();
  if (!res.ok) throw new Refusal(res.status, out || {});
  return out;
}

export const paths = {
  entrustments: '/api/v1/entrustments',
  entrustment: (id) => `/api/v1/entrustments/${enc(id)}`,
  projects: '/api/v1/projects',
  project: (id) => `/api/v1/projects/${enc(id)}`,
  awards: (id) => `/api/v1/projects/${enc(id)}/awards`,
  award: (id) => `/api/v1/awards/${enc(id)}`,
  contract: (id) => `/api/v1/contracts/${enc(id)}`,
  challenges: '/api/v1/challenges',
  challenge: (id) => `/api/v1/challenges/${enc(id)}`,
  complaint: (id) => `/api/v1/complaints/${enc(id)}`,
};

// today is the date in China (YYYY-MM-DD), the day every deadline counts on.
export function today(ms = Date.now()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

const DAY = 86400000;
const utc = (d) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10));

// daysBetween is b − a in calendar days, for YYYY-MM-DD dates.
export function daysBetween(a, b) { return Math.round((utc(b) - utc(a)) / DAY); }

export function addDays(d, n) { return new Date(utc(d) + n * DAY).toISOString().slice(0, 10); }

// status of a last day seen today: overdue once past, approaching within 3
// days (the hub's procurement.Approaching), else ok.
export function status(due, now = today()) {
  const n = daysBetween(now, due);
  if (n < 0) return 'overdue';
  return n <= 3 ? 'approaching' : 'ok';
}

// dueWords: "2026-10-08（还有 5 天）".
export function dueWords(due, now = today()) {
  if (!due) return t('wf.due.none');
  const n = daysBetween(now, due);
  if (n === 0) return t('wf.due.today', { date: due });
  return n > 0 ? t('wf.due.in', { date: due, n }) : t('wf.due.over', { date: due, n: -n });
}

// word turns a code of the hub into words, or leaves it as it is.
export function word(prefix, code) {
  const k = `wf.${prefix}.${code}`;
  const s = t(k);
  return s === k ? code : s;
}

export function yuan(n) { return t('wf.yuan', { n: Number(n || 0).toLocaleString('en-US') }); }

// limitWords: "20d" → "20 日", "5wd" → "5 个工作日".
export function limitWords(s) {
  const m = /^(\d+)(wd|d)$/.exec(String(s || ''));
  return m ? t(m[2] === 'wd' ? 'wf.limit.wd' : 'wf.limit.d', { n: m[1] }) : String(s || '');
}
