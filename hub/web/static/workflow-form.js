// Forms of the workflow: labelled fields, and the hub's refusals shown on
// the field they concern, in the page's language, with what to do and the
// article that refuses (a 422 names its rule; the form says which field
// each rule is about).

import { apply, t } from './i18n.js';
import { h, setText } from './util.js';

// Form builds a <form> of fields [{name, label, type, options, value, min}]:
// type text (default), number, date, textarea, checkbox or select (options:
// [[value, words]]). send(values) returns a promise; a Refusal it throws is
// shown. ruleField maps a rule (outside_system, needs_approval, forbidden,
// calendar) to the field it is about.
export class Form {
  constructor({ name, fields, submit, send, ruleField = {}, onDone, cancel }) {
    this.fields = fields;
    this.send = send;
    this.ruleField = ruleField;
    this.onDone = onDone;
    this.inputs = {};
    this.errs = {};
    this.general = h('p', { class: 'form-error wf-form-error', role: 'alert', hidden: true });
    this.button = h('button', { type: 'submit', class: 'btn primary', 'data-i18n': submit });
    const rows = fields.map((f) => this.row(f));
    const buttons = h('div', { class: 'form-buttons' }, this.button,
      cancel ? h('button', { type: 'button', class: 'btn ghost', 'data-i18n': 'wf.b.cancel', onclick: cancel }) : null);
    this.el = h('form', { class: 'wf-form', novalidate: true, dataset: { form: name } }, rows, this.general, buttons);
    this.el.addEventListener('submit', (ev) => { ev.preventDefault(); this.go(); });
    apply(this.el);
  }

  row(f) {
    const attrs = { name: f.name, id: `wf-${f.name}-${Math.random().toString(36).slice(2, 8)}` };
    let input;
    if (f.type === 'select') {
      input = h('select', attrs, f.options.map(([v, words]) => h('option', { value: v, selected: v === f.value }, words)));
    } else if (f.type === 'textarea') {
      input = h('textarea', { ...attrs, rows: '3' });
      input.value = f.value ?? '';
    } else if (f.type === 'checkbox') {
      input = h('input', { ...attrs, type: 'checkbox', checked: !!f.value });
    } else {
      input = h('input', { ...attrs, type: f.type === 'number' ? 'number' : f.type || 'text', min: f.min, step: f.type === 'number' ? '1' : undefined });
      input.value = f.value ?? '';
    }
    const err = h('span', { class: 'wf-field-error', id: `${attrs.id}-err`, hidden: true });
    input.setAttribute('aria-describedby', err.id);
    this.inputs[f.name] = input;
    this.errs[f.name] = err;
    const label = f.labelText ? h('span', null, f.labelText) : h('span', { 'data-i18n': f.label });
    return h('label', { class: `wf-field wf-field-${f.type || 'text'}`, dataset: { field: f.name } }, label, input, err);
  }

  values() {
    const out = {};
    for (const f of this.fields) {
      const el = this.inputs[f.name];
      if (f.type === 'checkbox') out[f.name] = el.checked;
      else if (f.type === 'number') out[f.name] = el.value.trim() === '' ? null : Number(el.value);
      else out[f.name] = el.value.trim();
    }
    return out;
  }

  clear() {
    for (const [name, el] of Object.entries(this.errs)) {
      el.hidden = true;
      setText(el, '');
      this.inputs[name].removeAttribute('aria-invalid');
    }
    this.general.hidden = true;
    setText(this.general, '');
  }

  // mark shows msg under the field (or, for a field the form has not, above
  // the buttons).
  mark(field, msg) {
    const el = this.errs[field] || this.errs[field.replace(/\[\d+\]\..*$/, '')];
    if (!el) {
      this.general.hidden = false;
      setText(this.general, msg);
      return;
    }
    el.hidden = false;
    setText(el, msg);
    this.inputs[field]?.setAttribute('aria-invalid', 'true');
    this.el.dataset.errorField = field;
  }

  async go() {
    this.clear();
    delete this.el.dataset.errorField;
    const v = this.values();
    for (const f of this.fields) {
      if (f.required && (v[f.name] === '' || v[f.name] === null)) { this.mark(f.name, t('wf.err.required')); return; }
      if (f.type === 'number' && v[f.name] !== null && !(Number.isInteger(v[f.name]) && v[f.name] > 0)) { this.mark(f.name, t('wf.err.number')); return; }
    }
    this.button.disabled = true;
    try {
      const out = await this.send(v);
      this.onDone?.(out);
    } catch (e) {
      this.show(e);
    } finally {
      this.button.disabled = false;
    }
  }

  // show puts a refusal where it belongs.
  show(e) {
    const [field, msg] = explain(e, this.ruleField);
    this.mark(field, msg);
  }

  relang() { apply(this.el); }
}

// explain says a refusal in the page's language: [field, words].
export function explain(e, ruleField = {}) {
  if (e.status === 400 && e.field) return [e.field, `${t('wf.err.field')} ${t('wf.err.hub', { msg: e.message })}`];
  if (e.status === 422 && e.rule) {
    const parts = [t(`wf.err.rule.${e.rule}`)];
    const earliest = /(\d{4}-\d{2}-\d{2}) at the earliest/.exec(e.message);
    if (earliest) parts.push(t('wf.err.earliest', { date: earliest[1] }));
    if (e.basis) parts.push(t('wf.err.basis', { basis: e.basis }));
    parts.push(t('wf.err.hub', { msg: e.message }));
    return [ruleField[e.rule] || '', parts.join(' ')];
  }
  if (e.status === 422 && /calendar/i.test(e.message)) return [ruleField.calendar || '', `${t('wf.err.calendar')} ${t('wf.err.hub', { msg: e.message })}`];
  if (e.status === 409) return ['', `${t('wf.err.state')} ${t('wf.err.hub', { msg: e.message })}`];
  return ['', e.message];
}

// section is a titled part of a workflow page.
export function section(key, body, name) {
  return h('section', { class: 'wf-section', dataset: { section: name } }, h('h3', { 'data-i18n': key }), body);
}

// table is a table with headings, or "none" without rows.
export function table(keys, rows) {
  if (!rows.length) return h('p', { class: 'muted', 'data-i18n': 'wf.none' });
  return h('table', { class: 'wf-table' }, h('thead', null, h('tr', null, keys.map((k) => h('th', { 'data-i18n': k })))), h('tbody', null, rows));
}
