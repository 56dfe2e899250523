// Pieces the onboarding pages share: the statutory clocks as countdowns,
// the application's state in words, a field the hub refused shown at the
// field with what to do, and a file's SHA-256 computed in the browser.

import { t } from './i18n.js';
import { h, setText } from './util.js';
import { fixWord } from './onboarding-words.js';

export const STATES = ['applied', 'assigned', 'checking', 'passed', 'failed', 'published', 'withdrawn'];

export const stateWord = (s) => (STATES.includes(s) ? t(`ob.state.${s}`) : s);

// dayEnd is the end of a due day (YYYY-MM-DD) in China, in ms.
const dayEnd = (due) => Date.parse(`${due}T00:00:00+08:00`) + 86400000;

function span(ms) {
  const min = Math.max(0, Math.floor(ms / 60000));
  const d = Math.floor(min / 1440);
  const hr = Math.floor((min % 1440) / 60);
  return d > 0 ? t('ob.dur.dh', { d, h: hr }) : t('ob.dur.hm', { h: hr, m: min % 60 });
}

// clockText says one clock: the time left to its due day's end, how long
// it is overdue, or when it was done. The hub's status decides the colour.
export function clockText(d, now = Date.now()) {
  const step = t(`ob.step.${d.step}`);
  if (d.status === 'met' || d.status === 'late') return t(`ob.clock.${d.status}`, { step, due: d.due, done: d.done });
  const end = dayEnd(d.due);
  if (d.status === 'overdue') return t('ob.clock.over', { step, due: d.due, left: span(now - end) });
  return t('ob.clock.left', { step, due: d.due, left: span(end - now) });
}

// clocks is the element listing an application's clocks; refresh it with
// updateClocks on every tick.
export function clocks(a) {
  const box = h('div', { class: 'ob-clocks' });
  updateClocks(box, a);
  return box;
}

export function updateClocks(box, a, now = Date.now()) {
  const list = a.deadlines || [];
  if (box.children.length !== list.length) box.replaceChildren(...list.map(() => h('div', { class: 'ob-clock' })));
  list.forEach((d, i) => {
    const el = box.children[i];
    el.dataset.step = d.step;
    el.dataset.status = d.status;
    el.className = `ob-clock ob-clock-${d.status}`;
    el.title = d.basis || '';
    setText(el, clockText(d, now));
  });
}

// fieldError shows the hub's refusal at the field it names (an element of
// form with data-field equal to it, or its list, "equipment"), with what to
// do in the page's language and the hub's own words; else at the form.
export function fieldError(form, err) {
  clearErrors(form);
  const field = err.field || '';
  let at = field && form.querySelector(`[data-field="${CSS.escape(field)}"]`);
  if (!at && field.includes('[')) at = form.querySelector(`[data-field="${CSS.escape(field.replace(/\[.*$/, ''))}"]`);
  const fix = fixWord(field);
  const msg = h('div', { class: 'ob-error', role: 'alert', dataset: { for: field } },
    fix ? h('strong', null, fix) : null, ' ', t('ob.hub.said', { msg: err.hubSaid || err.message }));
  if (at) {
    at.classList.add('ob-invalid');
    at.setAttribute('aria-invalid', 'true');
    at.after(msg);
    at.focus?.();
  } else {
    form.prepend(msg);
  }
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.ob-error')) el.remove();
  for (const el of form.querySelectorAll('.ob-invalid')) { el.classList.remove('ob-invalid'); el.removeAttribute('aria-invalid'); }
}

// sha256 is a file's SHA-256 in hex.
export async function sha256(file) {
  const d = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// names splits "a, b，c" into user names.
export const names = (s) => String(s).split(/[,，\s]+/).filter(Boolean);
