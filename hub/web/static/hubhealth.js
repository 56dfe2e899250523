// The hub's own health: GET /healthz (no sign-in) every 10 s, signed in or
// not. The hub answers {"status":"ok|degraded|failing","storage":{…}}: 200
// for ok and degraded (free space below the minimum), 503 for failing
// (writes to its disk fail). The page says what is wrong from the numbers,
// in its own language; the hub's English "problem" sentence is not shown.

import { t } from './i18n.js';
import { gib, hms, parseTime } from './util.js';

const POLL_MS = 10000;
const STATUSES = ['ok', 'degraded', 'failing'];

// hubHealth: null before the first answer (or when /healthz answers
// something the page does not understand); else {status, free, total, min,
// dir, checkedAt}.
export let hubHealth = null;

function num(v) { return typeof v === 'number' && Number.isFinite(v) ? v : null; }

export function normalizeHealth(j) {
  if (!j || typeof j !== 'object' || !STATUSES.includes(j.status)) return null;
  const s = j.storage && typeof j.storage === 'object' ? j.storage : {};
  return {
    status: j.status,
    free: num(s.free_bytes),
    total: num(s.total_bytes),
    min: num(s.min_free_bytes),
    dir: s.data_dir ? String(s.data_dir) : '',
    checkedAt: parseTime(s.checked_at),
  };
}

// storageNums: {free, total, min} in words, or null when the hub did not
// measure its disk (a failing statfs).
export function storageNums(hh = hubHealth) {
  if (!hh || !hh.total) return null;
  return { free: gib(hh.free ?? 0), total: gib(hh.total), min: gib(hh.min ?? 0) };
}

// healthBanner: {level: 'warn'|'bad', text, title} for the banner, or null
// while the hub is well (or its health is not known).
export function healthBanner(hh = hubHealth) {
  if (!hh || hh.status === 'ok') return null;
  const nums = storageNums(hh);
  const title = hh.dir ? t('hub.storage.title', { dir: hh.dir, time: hh.checkedAt ? hms(hh.checkedAt) : '–' }) : '';
  if (hh.status === 'failing') {
    return { level: 'bad', text: t('hub.storage.failing', { nums: nums ? t('hub.storage.nums', nums) : '' }), title };
  }
  return { level: 'warn', text: t('hub.storage.low', nums || { free: '?', total: '?', min: '?' }), title };
}

// pollHealth asks /healthz now and every 10 s, telling onChange after each
// answer; a hub that cannot be reached is said by the other banners.
export function pollHealth(onChange) {
  const loop = async () => {
    let next = hubHealth;
    try {
      const res = await fetch('/healthz', { cache: 'no-store', headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
      next = normalizeHealth(await res.json().catch(() => null));
    } catch {
      next = null; // unreachable: the page's other banners say so
    }
    hubHealth = next;
    onChange(next);
    setTimeout(loop, POLL_MS);
  };
  loop();
}
