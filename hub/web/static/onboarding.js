// Agency onboarding's list page (#/onboarding), one page shaped by who is
// signed in:
//   operator      the queue: every application with its statutory clocks
//                 as countdowns (overdue in red), the overdue alerts,
//                 technicians assigned and the mark published from here
//   agency-admin  the agency's qualification with each missing condition,
//                 its staff and device specialist, its applications, and
//                 the application form (field errors at the field)
//   agency-staff  the qualification and the applications (read only)
//   technician    the applications it is assigned to
//   regulator     the applications of its jurisdiction (read only)
// An application opens at #/onboarding/{id} (onboarding-run.js).

import './onboarding-words.js';
import { apply, t } from './i18n.js';
import { api, enc, h, setText } from './util.js';
import { data } from './data.js';
import { session } from './auth.js';
import { alertKindWord } from './words.js';
import { clearErrors, clocks, fieldError, names, sha256, stateWord, updateClocks } from './onboarding-ui.js';

const KINDS = ['camera', 'microphone', 'signing_pad', 'e_seal', 'video_conference', 'other'];
const ASSIGNABLE = ['applied', 'assigned', 'failed', 'withdrawn'];
const RELOAD_MS = 3000;

export class OnboardingView {
  constructor() {
    this.role = session.role;
    this.apps = null;
    this.loadedAt = 0;
    this.errEl = h('div', { class: 'banner banner-bad', role: 'alert', hidden: true });
    this.rows = h('tbody');
    const th = (key) => h('th', { scope: 'col', 'data-i18n': key });
    this.table = h('table', { class: 'ob-table' },
      h('thead', null, h('tr', null, th('ob.c.room'), th('ob.c.agency'), th('ob.c.state'), th('ob.c.clocks'), th('ob.c.tech'), th('ob.c.actions'))),
      this.rows);
    this.empty = h('p', { class: 'placeholder', 'data-i18n': 'ob.none', hidden: true });
    const head = { operator: 'ob.title.queue', 'agency-admin': 'ob.title.agency', 'agency-staff': 'ob.title.agency', technician: 'ob.title.tech' }[this.role] || 'ob.title.read';
    const agency = this.role.startsWith('agency-');
    this.overdue = h('ul', { class: 'ob-overdue', hidden: true });
    this.el = h('div', { class: 'view view-onboarding', dataset: { role: this.role } },
      h('div', { class: 'view-head' }, h('h2', { 'data-i18n': head })),
      h('p', { class: 'muted', 'data-i18n': agency ? 'ob.intro.agency' : 'ob.intro.queue' }),
      this.errEl, this.overdue,
      agency ? this.qualificationBox() : null,
      this.role === 'agency-admin' ? this.staffForm() : null,
      this.table, this.empty,
      this.role === 'agency-admin' ? this.applyForm() : null);
    apply(this.el);
    this.load();
  }

  // ---- data ----------------------------------------------------------------

  async load() {
    if (this.loading) return;
    this.loading = true;
    try {
      this.apps = await api('/api/v1/onboarding/applications');
      if (this.role.startsWith('agency-')) this.qual = await api(`/api/v1/onboarding/agencies/${enc(session.scope)}/qualification`).catch((e) => ({ error: e.message }));
      this.errEl.hidden = true;
    } catch (err) {
      if (err.message !== 'aborted') { setText(this.errEl, err.message); this.errEl.hidden = false; }
    } finally {
      this.loading = false;
      this.loadedAt = Date.now();
      this.update();
    }
  }

  // ---- the queue -----------------------------------------------------------

  row(a) {
    const tr = h('tr', { dataset: { app: String(a.id), room: a.room, state: a.state } });
    const clockBox = clocks(a);
    const room = data.rooms?.find((r) => r.id === a.room);
    const roomName = room?.name || a.room;
    const actions = h('div', { class: 'ob-actions' }, h('a', { class: 'btn ghost', href: `#/onboarding/${a.id}`, 'data-i18n': 'ob.open' }));
    if (this.role === 'operator' && ASSIGNABLE.includes(a.state)) {
      const input = h('input', { type: 'text', name: 'technicians', 'data-field': 'technicians', value: (a.technicians || []).join(', '), size: '22' });
      input.placeholder = t('ob.assign.ph');
      const form = h('form', { class: 'ob-assign', onsubmit: (ev) => { ev.preventDefault(); this.assign(a, form, input); } },
        input, h('button', { type: 'submit', class: 'btn', 'data-i18n': 'ob.assign' }));
      actions.append(form);
    }
    if (this.role === 'operator' && a.state === 'passed') {
      actions.append(h('button', { type: 'button', class: 'btn primary ob-publish', 'data-i18n': 'ob.publish', onclick: () => this.publish(a) }));
    }
    tr.append(h('td', null, h('strong', null, roomName), h('div', { class: 'muted' }, a.room)),
      h('td', { title: a.agency }, room?.agency?.name || a.agency),
      h('td', { class: 'ob-state' }, stateWord(a.state)), h('td', null, clockBox), h('td', null, (a.technicians || []).join(', ')), h('td', null, actions));
    tr.clockBox = clockBox;
    tr.app = a;
    apply(tr);
    return tr;
  }

  async assign(a, form, input) {
    clearErrors(form);
    try {
      await api(`/api/v1/onboarding/applications/${a.id}/assign`, { method: 'POST', body: { technicians: names(input.value) } });
      this.load();
    } catch (err) { fieldError(form, err); }
  }

  async publish(a) {
    try {
      await api(`/api/v1/onboarding/applications/${a.id}/publish`, { method: 'POST', body: {} });
      this.load();
    } catch (err) { setText(this.errEl, err.message); this.errEl.hidden = false; }
  }

  // ---- the agency ----------------------------------------------------------

  qualificationBox() {
    this.qualHead = h('strong');
    this.qualMissing = h('ul', { class: 'ob-missing' });
    this.qualFacts = h('div', { class: 'muted' });
    return h('section', { class: 'ob-card ob-qualification' }, h('h3', { 'data-i18n': 'ob.qual.title' }), this.qualHead, this.qualMissing, this.qualFacts);
  }

  staffForm() {
    this.staffIn = h('input', { type: 'text', name: 'staff', 'data-field': 'staff', size: '40' });
    this.specIn = h('input', { type: 'text', name: 'specialist', 'data-field': 'user', size: '16' });
    this.staffOK = h('span', { class: 'ob-ok', hidden: true, 'data-i18n': 'ob.saved' });
    const staff = h('form', { class: 'ob-form ob-staff', onsubmit: (ev) => { ev.preventDefault(); this.saveStaff(staff); } },
      h('label', null, h('span', { 'data-i18n': 'ob.staff.list' }), this.staffIn),
      h('button', { type: 'submit', class: 'btn', 'data-i18n': 'ob.staff.save' }));
    const spec = h('form', { class: 'ob-form ob-specialist', onsubmit: (ev) => { ev.preventDefault(); this.saveSpecialist(spec); } },
      h('label', null, h('span', { 'data-i18n': 'ob.specialist' }), this.specIn),
      h('button', { type: 'submit', class: 'btn', 'data-i18n': 'ob.specialist.save' }));
    return h('section', { class: 'ob-card' }, h('h3', { 'data-i18n': 'ob.staff.title' }), staff, spec, this.staffOK);
  }

  async saveStaff(form) {
    clearErrors(form);
    try {
      await api(`/api/v1/onboarding/agencies/${enc(session.scope)}/staff`, { method: 'PUT', body: { staff: names(this.staffIn.value) } });
      this.staffOK.hidden = false;
      this.staffFilled = false;
      this.load();
    } catch (err) { fieldError(form, err); }
  }

  async saveSpecialist(form) {
    clearErrors(form);
    try {
      await api(`/api/v1/onboarding/agencies/${enc(session.scope)}/specialist`, { method: 'PUT', body: { user: this.specIn.value.trim() } });
      this.staffOK.hidden = false;
      this.staffFilled = false;
      this.load();
    } catch (err) { fieldError(form, err); }
  }

  applyForm() {
    const input = (name, key, size = '40') => h('label', null, h('span', { 'data-i18n': key }),
      h('input', { type: 'text', name, 'data-field': name, size }));
    this.roomSel = h('select', { name: 'room', 'data-field': 'room' });
    this.equipment = h('tbody', { 'data-field': 'equipment' });
    this.attachList = h('ul', { class: 'ob-hashes' });
    const attach = h('input', { type: 'file', multiple: true, name: 'attachments', onchange: () => this.hashAttachments(attach) });
    this.applied = h('p', { class: 'ob-ok', role: 'status', hidden: true });
    const th = (key) => h('th', { scope: 'col', 'data-i18n': key });
    const form = h('form', { class: 'ob-form ob-apply', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); this.submitApply(form); } },
      h('label', null, h('span', { 'data-i18n': 'ob.apply.room' }), this.roomSel),
      input('address', 'ob.apply.address'), input('contact', 'ob.apply.contact'), input('specialist', 'ob.apply.specialist', '16'),
      h('fieldset', null, h('legend', { 'data-i18n': 'ob.apply.equipment' }),
        h('table', { class: 'ob-equipment' }, h('thead', null, h('tr', null, th('ob.apply.kind'), th('ob.apply.make'), th('ob.apply.model'), th('ob.apply.serial'), h('th'))), this.equipment),
        h('button', { type: 'button', class: 'btn ghost', 'data-i18n': 'ob.apply.add', onclick: () => { this.equipment.append(this.deviceRow()); this.renumber(); } })),
      h('label', null, h('span', { 'data-i18n': 'ob.apply.attach' }), attach), h('p', { class: 'muted', 'data-i18n': 'ob.apply.attach.note' }), this.attachList,
      h('button', { type: 'submit', class: 'btn primary', 'data-i18n': 'ob.apply.submit' }), this.applied);
    this.equipment.append(this.deviceRow());
    this.renumber();
    return h('section', { class: 'ob-card' }, h('h3', { 'data-i18n': 'ob.apply.title' }), form);
  }

  deviceRow() {
    const kind = h('select', { name: 'kind' }, ...KINDS.map((k) => h('option', { value: k, 'data-i18n': `ob.kind.${k}` })));
    const cell = (name) => h('td', null, h('input', { type: 'text', name, size: '14' }));
    const tr = h('tr', { class: 'ob-device' }, h('td', null, kind), cell('make'), cell('model'), cell('serial'),
      h('td', null, h('button', { type: 'button', class: 'btn ghost', 'data-i18n': 'ob.apply.remove', onclick: () => { tr.remove(); this.renumber(); } })));
    apply(tr);
    return tr;
  }

  // renumber names each device's inputs as the hub names its fields
  // (equipment[0].serial), so that a refusal is shown at its input.
  renumber() {
    [...this.equipment.children].forEach((tr, i) => {
      for (const el of tr.querySelectorAll('select, input')) el.dataset.field = `equipment[${i}].${el.name}`;
    });
  }

  async hashAttachments(input) {
    const items = [];
    for (const f of input.files) items.push(h('li', null, h('code', null, await sha256(f)), ` ${f.name}`));
    this.attachList.replaceChildren(...items);
  }

  async submitApply(form) {
    clearErrors(form);
    this.applied.hidden = true;
    const val = (name) => form.querySelector(`[name="${name}"]`).value.trim();
    const body = {
      room: this.roomSel.value, address: val('address'), contact: val('contact'), specialist: val('specialist'),
      equipment: [...this.equipment.children].map((tr) => {
        const v = (n) => tr.querySelector(`[name="${n}"]`).value.trim();
        return { kind: v('kind'), make: v('make'), model: v('model'), serial: v('serial') };
      }),
    };
    try {
      const a = await api('/api/v1/onboarding/applications', { method: 'POST', body });
      setText(this.applied, t('ob.apply.done', { id: a.id }));
      this.applied.hidden = false;
      this.load();
    } catch (err) { fieldError(form, err); }
  }

  // ---- drawing -------------------------------------------------------------

  update() {
    if (this.roomSel) {
      const rooms = (data.rooms || []).filter((r) => r.agency?.code === session.scope);
      const want = rooms.map((r) => r.id).join();
      if (this.roomSel.dataset.rooms !== want) {
        const keep = this.roomSel.value;
        this.roomSel.replaceChildren(...rooms.map((r) => h('option', { value: r.id }, `${r.name}（${r.id}）`)));
        if (keep) this.roomSel.value = keep;
        this.roomSel.dataset.rooms = want;
      }
    }
    if (this.qual && this.qualHead) this.drawQualification();
    this.drawOverdue();
    if (!this.apps) return;
    const want = this.apps.map((a) => `${a.id}:${a.state}:${a.updated_at}:${(a.deadlines || []).map((d) => d.status).join('/')}`).join();
    if (this.rows.dataset.sig !== want) {
      this.rows.replaceChildren(...this.apps.map((a) => this.row(a)));
      this.rows.dataset.sig = want;
    }
    this.empty.hidden = this.apps.length > 0;
    this.table.hidden = this.apps.length === 0;
  }

  drawQualification() {
    const q = this.qual;
    if (q.error) { setText(this.qualHead, q.error); return; }
    this.el.querySelector('.ob-qualification').dataset.qualified = String(q.qualified);
    setText(this.qualHead, t(q.qualified ? 'ob.qual.yes' : 'ob.qual.no'));
    const missing = (document.documentElement.lang === 'en' ? q.missing_en : q.missing) || [];
    const sig = missing.join('|');
    if (this.qualMissing.dataset.sig !== sig) {
      this.qualMissing.replaceChildren(...missing.map((m) => h('li', null, m)));
      this.qualMissing.dataset.sig = sig;
    }
    setText(this.qualFacts, `${t('ob.qual.staff', { n: q.staff_passed })} · ${t('ob.qual.specialist', { who: q.specialist || t('ob.qual.none') })}`);
    if (this.staffIn && !this.staffFilled) {
      this.staffIn.value = (q.staff || []).map((s) => s.user).join(', ');
      this.specIn.value = q.specialist || '';
      this.staffFilled = true;
    }
  }

  // drawOverdue lists the open alerts of overdue onboarding steps (the
  // watcher raises them on the room; data.js polls the alerts).
  drawOverdue() {
    const list = (data.alerts || []).filter((a) => a.kind.startsWith('onboarding_') && a.state !== 'resolved');
    const sig = list.map((a) => a.id).join();
    if (this.overdue.dataset.sig === sig) return;
    this.overdue.dataset.sig = sig;
    this.overdue.replaceChildren(...(list.length ? [h('li', { class: 'ob-overdue-head' }, t('ob.overdue.alerts'))] : []),
      ...list.map((a) => h('li', { class: 'ob-overdue-alert', dataset: { kind: a.kind, room: a.room } }, `${a.room}: ${alertKindWord(a.kind)} — ${a.detail || ''}`)));
    this.overdue.hidden = list.length === 0;
  }

  tick(now) {
    for (const tr of this.rows.children) updateClocks(tr.clockBox, tr.app, now);
    if (now - this.loadedAt > RELOAD_MS) this.load();
  }

  relang() {
    apply(this.el);
    this.rows.dataset.sig = '';
    this.qualMissing && (this.qualMissing.dataset.sig = '');
    this.overdue.dataset.sig = '';
    this.update();
  }

  watch() { return []; }
  frame() {}
  destroy() { this.destroyed = true; }
}
