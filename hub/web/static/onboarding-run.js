// One acceptance application (#/onboarding/{id}): its room, equipment,
// state and clocks; for the assigned technician the acceptance run: the
// hub's own checks, each pass or fail with what it found, beside the
// room's live state as the room list shows it (refreshed every 2 s), and
// the on-site items recorded with a note and the SHA-256 of their evidence
// file (computed here); finished with the stamped form's SHA-256. The
// operator assigns technicians and publishes the mark here too.

import './onboarding-words.js';
import { apply, t } from './i18n.js';
import { api, h, setText } from './util.js';
import { roomById } from './data.js';
import { session } from './auth.js';
import { ITEMS, itemWord } from './onboarding-words.js';
import { clearErrors, clocks, fieldError, names, sha256, stateWord, updateClocks } from './onboarding-ui.js';

const MANUAL = ITEMS.slice(5); // what the technician records (hub/onboarding/checklist.go)
const STARTABLE = ['assigned', 'failed', 'withdrawn'];
const RELOAD_MS = 2000;

export class ApplicationView {
  constructor(id) {
    this.id = id;
    this.a = null;
    this.loadedAt = 0;
    this.errEl = h('div', { class: 'banner banner-bad', role: 'alert', hidden: true });
    this.head = h('h2');
    this.state = h('p', { class: 'ob-state' });
    this.clockBox = h('div', { class: 'ob-clocks' });
    this.facts = h('div', { class: 'ob-facts muted' });
    this.equipment = h('ul', { class: 'ob-equipment-list' });
    this.now = h('div', { class: 'ob-now' });
    this.hubList = h('ul', { class: 'ob-checks ob-checks-hub' });
    this.manualList = h('div', { class: 'ob-checks ob-checks-manual' });
    this.reasons = h('ul', { class: 'ob-reasons' });
    this.actions = h('div', { class: 'ob-actions' });
    this.el = h('div', { class: 'view view-application', dataset: { app: String(id) } },
      h('p', null, h('a', { href: '#/onboarding', 'data-i18n': 'ob.app.back' })),
      h('div', { class: 'view-head' }, this.head), this.errEl, this.state, this.clockBox, this.facts,
      h('h3', { 'data-i18n': 'ob.app.equipment' }), this.equipment, this.actions,
      h('section', { class: 'ob-card ob-run', hidden: true }, h('h3', { class: 'ob-run-title' }),
        h('h4', { 'data-i18n': 'ob.app.hub' }), this.now, this.hubList,
        h('h4', { 'data-i18n': 'ob.app.manual' }), this.manualList,
        h('div', { class: 'ob-reasons-box', hidden: true }, h('h4', { 'data-i18n': 'ob.app.reasons' }), this.reasons)));
    apply(this.el);
    this.load();
  }

  async load() {
    if (this.loading) return;
    this.loading = true;
    try {
      this.a = await api(`/api/v1/onboarding/applications/${this.id}`);
      this.errEl.hidden = true;
    } catch (err) {
      this.fail(err);
    } finally {
      this.loading = false;
      this.loadedAt = Date.now();
      this.update();
    }
  }

  fail(err) { setText(this.errEl, err.message); this.errEl.hidden = false; }

  mine() { return session.role === 'technician' && (this.a?.technicians || []).includes(session.user); }

  async post(path, body, form) {
    if (form) clearErrors(form);
    try {
      this.a = await api(`/api/v1/onboarding/applications/${this.id}${path}`, { method: 'POST', body });
      this.errEl.hidden = true;
      this.sig = '';
      this.update();
      return true;
    } catch (err) {
      if (form) fieldError(form, err); else this.fail(err);
      return false;
    }
  }

  // ---- drawing -------------------------------------------------------------

  update() {
    const a = this.a;
    if (!a) return;
    const room = roomById(a.room);
    setText(this.head, t('ob.app.title', { id: a.id, room: room ? `${room.name}（${a.room}）` : a.room }));
    this.el.dataset.state = a.state;
    setText(this.state, stateWord(a.state));
    updateClocks(this.clockBox, a);
    setText(this.facts, [a.address, a.contact, a.specialist, t('ob.app.assigned', { who: (a.technicians || []).join(', ') || '—' })].join(' · '));
    this.drawNow(room);
    const sig = `${a.state}:${a.run}:${a.updated_at}:${(a.checks || []).length}:${document.documentElement.lang}`;
    if (sig === this.sig) return;
    this.sig = sig;
    this.equipment.replaceChildren(...(a.equipment || []).map((e) => h('li', null, `${t(`ob.kind.${e.kind}`)} · ${e.make} ${e.model} · ${e.serial}`)));
    this.drawActions();
    const run = this.el.querySelector('.ob-run');
    run.hidden = !a.run;
    setText(run.querySelector('.ob-run-title'), t('ob.app.run', { n: a.run }));
    const checks = a.checks || [];
    this.hubList.replaceChildren(...checks.filter((c) => c.by === 'hub').map((c) => checkLine(c)));
    this.manualList.replaceChildren(...MANUAL.map((item) => this.manualRow(item, checks.find((c) => c.item === item))));
    if (a.state === 'checking' && this.mine()) this.manualList.append(this.finishForm());
    this.reasons.replaceChildren(...(a.reasons || []).map((r) => h('li', null, r)));
    this.el.querySelector('.ob-reasons-box').hidden = !(a.reasons || []).length;
  }

  // drawNow shows the room's state as the room list has it now: the box and
  // each stream, so a technician sees a camera come back before re-running.
  drawNow(room) {
    if (!room) { setText(this.now, ''); return; }
    const parts = [t(room.online ? 'ob.app.online' : 'ob.app.offline'), ...room.streams.map((s) => `${s.id}: ${s.state}${s.reason ? ` (${s.reason})` : ''}`)];
    this.now.dataset.online = String(room.online);
    setText(this.now, `${t('ob.app.now')}: ${parts.join(' · ')}`);
  }

  drawActions() {
    const a = this.a;
    const out = [];
    if (this.mine() && STARTABLE.includes(a.state)) {
      out.push(h('button', { type: 'button', class: 'btn primary ob-start', onclick: () => this.post('/run', {}) }, t(a.run ? 'ob.app.restart' : 'ob.app.start')));
    }
    if (session.role === 'operator' && ['applied', 'assigned', 'failed', 'withdrawn'].includes(a.state)) {
      const input = h('input', { type: 'text', name: 'technicians', 'data-field': 'technicians', value: (a.technicians || []).join(', '), size: '24', placeholder: t('ob.assign.ph') });
      const form = h('form', { class: 'ob-assign', onsubmit: (ev) => { ev.preventDefault(); this.post('/assign', { technicians: names(input.value) }, form); } },
        input, h('button', { type: 'submit', class: 'btn' }, t('ob.assign')));
      out.push(form);
    }
    if (session.role === 'operator' && a.state === 'passed') {
      out.push(h('button', { type: 'button', class: 'btn primary ob-publish', onclick: () => this.post('/publish', {}) }, t('ob.publish')));
    }
    this.actions.replaceChildren(...out);
  }

  manualRow(item, c) {
    const row = h('div', { class: 'ob-check ob-manual', dataset: { item, pass: c ? String(c.pass) : 'pending' } },
      h('span', { class: 'ob-mark' }, c ? (c.pass ? '✓' : '✗') : '…'), h('strong', null, itemWord(item)), ' ',
      h('span', { class: 'muted' }, c ? `${t(c.pass ? 'ob.app.pass' : 'ob.app.fail')} · ${c.value} · ${c.by}` : t('ob.app.pending')));
    if (this.a.state !== 'checking' || !this.mine()) return row;
    const pass = h('select', { name: 'pass' }, h('option', { value: 'true' }, t('ob.app.pass')), h('option', { value: 'false' }, t('ob.app.fail')));
    const note = h('input', { type: 'text', name: 'note', 'data-field': 'note', size: '24', placeholder: t('ob.app.note') });
    const file = h('input', { type: 'file', name: 'evidence', 'data-field': 'evidence_sha256', title: t('ob.app.evidence') });
    const form = h('form', { class: 'ob-item-form', onsubmit: async (ev) => {
      ev.preventDefault();
      const digest = file.files[0] ? await sha256(file.files[0]) : '';
      this.post(`/items/${item}`, { pass: pass.value === 'true', note: note.value.trim(), evidence_sha256: digest }, form);
    } }, pass, note, file, h('button', { type: 'submit', class: 'btn' }, t('ob.app.record')));
    row.append(form);
    return row;
  }

  finishForm() {
    const file = h('input', { type: 'file', name: 'form', 'data-field': 'form_sha256' });
    const form = h('form', { class: 'ob-finish', onsubmit: async (ev) => {
      ev.preventDefault();
      const digest = file.files[0] ? await sha256(file.files[0]) : '';
      this.post('/finish', { form_sha256: digest }, form);
    } }, h('label', null, h('span', null, t('ob.app.form')), file), h('button', { type: 'submit', class: 'btn primary' }, t('ob.app.finish')));
    return form;
  }

  tick(now) {
    if (this.a) updateClocks(this.clockBox, this.a, now);
    // While a run is under way, its results are read again every 2 s.
    if (now - this.loadedAt > RELOAD_MS && !this.el.querySelector('form:focus-within')) this.load();
  }

  relang() { apply(this.el); this.sig = ''; this.update(); }
  watch() { return []; }
  frame() {}
  destroy() {}
}

// checkLine is one result of the hub's: green or red, with what it found.
function checkLine(c) {
  return h('li', { class: `ob-check ob-check-${c.pass ? 'pass' : 'fail'}`, dataset: { item: c.item, pass: String(c.pass) } },
    h('span', { class: 'ob-mark' }, c.pass ? '✓' : '✗'), h('strong', null, itemWord(c.item)), ' ',
    h('span', { class: 'muted' }, `${t(c.pass ? 'ob.app.pass' : 'ob.app.fail')} · ${c.value}`));
}
