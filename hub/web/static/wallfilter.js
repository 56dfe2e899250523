// The wall's filter: state, jurisdiction, agency and a search text, kept in
// the address (#/?state=problems&jurisdiction=450206&agency=lz-shifan&q=…)
// so that a regulator can bookmark a filtered wall; patrol takes the same
// filter (#/patrol?jurisdiction=…). The words are the hub's
// (GET /api/v1/rooms?jurisdiction=&agency=&state=); '-' means "none set".

import { apply, t } from './i18n.js';
import { h, setAttr, setText } from './util.js';
import { openAlerts } from './data.js';

export const STATES = ['all', 'problems', 'alert', 'offline'];
export const NONE = '-';

const EMPTY = { state: 'all', jurisdiction: '', agency: '', q: '' };

// parseFilter reads a filter from the hash's parameters; what it does not
// know it leaves out.
export function parseFilter(params) {
  const state = params.get('state') || 'all';
  return {
    state: STATES.includes(state) ? state : 'all',
    jurisdiction: params.get('jurisdiction') || '',
    agency: params.get('agency') || '',
    q: params.get('q') || '',
  };
}

// filterQuery is the filter as hash parameters, defaults left out.
export function filterQuery(f) {
  const p = new URLSearchParams();
  if (f.state !== 'all') p.set('state', f.state);
  if (f.jurisdiction) p.set('jurisdiction', f.jurisdiction);
  if (f.agency) p.set('agency', f.agency);
  if (f.q.trim()) p.set('q', f.q);
  return p.toString();
}

let last = { ...EMPTY };

// rememberFilter notes the filter in use, so that the way back to the wall
// (the header's link, patrol's Stop) and patrol keep it.
export function rememberFilter(f) {
  last = { ...f };
  document.querySelector('[data-nav="wall"]')?.setAttribute('href', wallHref());
}

export function wallHref(f = last) {
  const q = filterQuery(f);
  return q ? `#/?${q}` : '#/';
}

export function patrolHref(f = last) {
  const q = filterQuery(f);
  return q ? `#/patrol?${q}` : '#/patrol';
}

const ownerIs = (want, o) => !want || (want === NONE ? o === null : o?.code === want);

// inScope: the room's jurisdiction and agency are the filter's.
export function inScope(f, r) { return ownerIs(f.jurisdiction, r.jurisdiction) && ownerIs(f.agency, r.agency); }

// matchesText: the search text is in the room's name or id, or its
// jurisdiction's or agency's name.
export function matchesText(f, r) {
  const q = f.q.trim().toLowerCase();
  if (!q) return true;
  return [r.name, r.id, r.jurisdiction?.name, r.agency?.name].some((s) => s && s.toLowerCase().includes(q));
}

// inState: health is the room's healthOf(). "alert" is a room with an
// unhandled (open) alert: what the header's badge counts too.
export function inState(state, r, health) {
  if (state === 'problems') return health.level !== 'ok';
  if (state === 'alert') return openAlerts().some((a) => a.room === r.id);
  if (state === 'offline') return !r.online;
  return true;
}

// describe says in words what the filter shows ("柳州市柳江区 · 有问题"), '' for everything.
export function describe(f, rooms) {
  const name = (key, want) => {
    if (!want) return '';
    if (want === NONE) return t(`filter.${key}.none`);
    return rooms.find((r) => r[key]?.code === want)?.[key].name || want;
  };
  return [name('jurisdiction', f.jurisdiction), name('agency', f.agency),
    f.state !== 'all' ? t(`filter.${f.state}`) : '', f.q.trim() ? `“${f.q.trim()}”` : '']
    .filter(Boolean).join(' · ');
}

// FilterBar is the wall's filter controls; onChange gets what changed.
export class FilterBar {
  constructor(onChange) {
    this.showBtns = STATES.map((s) => h('button', { type: 'button', dataset: { show: s }, onclick: () => onChange({ state: s }) },
      h('span', { 'data-i18n': `filter.${s}` }), ' ', h('b', { class: 'count' })));
    this.jSel = h('select', { class: 'owner-select', dataset: { filter: 'jurisdiction' }, 'data-i18n-aria': 'filter.jurisdiction',
      onchange: () => onChange({ jurisdiction: this.jSel.value }) });
    this.aSel = h('select', { class: 'owner-select', dataset: { filter: 'agency' }, 'data-i18n-aria': 'filter.agency',
      onchange: () => onChange({ agency: this.aSel.value }) });
    this.search = h('input', { type: 'search', class: 'search', 'data-i18n-aria': 'filter.search',
      oninput: () => onChange({ q: this.search.value }) });
    this.clear = h('button', { type: 'button', class: 'btn ghost clear-filter', 'data-i18n': 'filter.clear',
      'data-i18n-title': 'filter.clear.hint', onclick: () => onChange({ ...EMPTY }) });
    this.el = h('div', { class: 'filters' },
      h('div', { class: 'seg', role: 'group', 'data-i18n-aria': 'filter.label' }, this.showBtns),
      this.jSel, this.aSel, this.search, this.clear);
    this.optionKeys = {};
    apply(this.el);
  }

  // render shows filter f over rooms; counts[state] is how many rooms each
  // state button would show.
  render(f, rooms, counts) {
    for (const b of this.showBtns) {
      b.setAttribute('aria-pressed', String(b.dataset.show === f.state));
      setText(b.querySelector('.count'), String(counts[b.dataset.show]));
    }
    this.options(this.jSel, 'jurisdiction', f.jurisdiction, rooms, (o) => t('filter.option', { name: o.name, code: o.code }),
      (a, b) => a.code.localeCompare(b.code));
    this.options(this.aSel, 'agency', f.agency, rooms, (o) => o.name, (a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    // Not while somebody types: the box would fight them.
    if (document.activeElement !== this.search && this.search.value !== f.q) this.search.value = f.q;
    this.search.placeholder = t('filter.search');
    this.clear.hidden = !filterQuery(f);
  }

  // options fills a select with every jurisdiction (or agency) the rooms
  // have, "none set" if a room lacks one, and the filter's own value even if
  // no room has it now (a bookmark from before).
  options(sel, key, want, rooms, label, order) {
    const seen = new Map();
    let none = want === NONE;
    for (const r of rooms) {
      if (r[key]) seen.set(r[key].code, r[key]); else none = true;
    }
    if (want && want !== NONE && !seen.has(want)) seen.set(want, { code: want, name: want });
    const list = [...seen.values()].sort(order);
    const opts = [['', t(`filter.${key}.all`)], ...list.map((o) => [o.code, label(o)])];
    if (none) opts.push([NONE, t(`filter.${key}.none`)]);
    const k = JSON.stringify(opts);
    if (this.optionKeys[key] !== k) {
      this.optionKeys[key] = k;
      sel.replaceChildren(...opts.map(([v, text]) => h('option', { value: v }, text)));
    }
    if (sel.value !== want) sel.value = want;
    setAttr(sel, 'data-active', want ? 'true' : null);
  }
}
