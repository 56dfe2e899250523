// Entrustments on the page: the purchaser's form for a new one, and the
// steps each role may take on one (submit, review, accept, return, make
// the project), each a button or a small form under the row.

import { apply, t } from './i18n.js';
import { h } from './util.js';
import { session } from './auth.js';
import { call, paths, word } from './workflow-api.js';
import { explain, Form } from './workflow-form.js';
import { side } from './workflow-items.js';

const METHODS = ['open_tender', 'invited_tender', 'competitive_negotiation', 'competitive_consultation', 'inquiry', 'single_source', 'framework_agreement'];
const CATEGORIES = ['goods', 'services', 'works'];

// entrustmentForm is the purchaser's new entrustment for a plan line; the
// rules' refusals land on the field they concern.
export function entrustmentForm({ onDone, cancel }) {
  return new Form({
    name: 'entrustment', submit: 'wf.b.create', onDone, cancel,
    fields: [
      { name: 'title', label: 'wf.f.title', required: true },
      { name: 'category', label: 'wf.f.category', type: 'select', value: 'goods', options: CATEGORIES.map((c) => [c, word('cat', c)]) },
      { name: 'budget', label: 'wf.f.budget', type: 'number', min: '1', required: true },
      { name: 'plan_line', label: 'wf.f.plan_line', required: true },
      { name: 'method', label: 'wf.f.method', type: 'select', value: 'open_tender', options: METHODS.map((m) => [m, word('m', m)]) },
      { name: 'approval', label: 'wf.f.approval' },
      { name: 'agency', label: 'wf.f.agency', required: true },
      { name: 'jurisdiction', label: 'wf.f.jurisdiction', required: true },
    ],
    ruleField: { outside_system: 'budget', needs_approval: 'approval', forbidden: 'method' },
    send: (v) => call(paths.entrustments, { method: 'POST', body: v }),
  });
}

// entrustmentSteps returns the buttons (and the forms they open) of what
// the signed-in person may do with entrustment e; done() reloads.
export function entrustmentSteps(e, done, onProject) {
  const box = h('div', { class: 'wf-steps' });
  const panel = h('div', { class: 'wf-panel', hidden: true });
  const post = (step, body = {}) => call(`${paths.entrustment(e.id)}/${step}`, { method: 'POST', body });
  const open = (form) => {
    panel.replaceChildren(form.el);
    panel.hidden = false;
    form.el.querySelector('input, textarea, select')?.focus();
  };
  const close = () => { panel.hidden = true; panel.replaceChildren(); };
  const reasonForm = (name, submit, step, extra = {}) => new Form({
    name, submit, cancel: close, onDone: done, fields: [{ name: 'reason', label: 'wf.f.reason', type: 'textarea', required: true }],
    send: (v) => post(step, { ...extra, reason: v.reason }),
  });
  const button = (key, onclick, primary = false) => h('button', { type: 'button', class: `btn ${primary ? 'primary' : ''} small`, 'data-i18n': key, dataset: { step: key.split('.').pop() }, onclick });
  const direct = (key, step, body) => button(key, async (ev) => {
    ev.target.disabled = true;
    try {
      await post(step, body);
      done();
    } catch (err) {
      panel.replaceChildren(h('p', { class: 'form-error wf-form-error', role: 'alert' }, explain(err)[1]));
      panel.hidden = false;
    } finally { ev.target.disabled = false; }
  }, true);
  const who = side();
  if (who === 'purchaser' && (e.state === 'draft' || e.state === 'returned') && e.maker === session.user) box.append(direct('wf.b.submit', 'submit', {}));
  if (who === 'purchaser' && e.state === 'review' && e.maker !== session.user) {
    box.append(direct('wf.b.approve', 'review', { approve: true }),
      button('wf.b.reject', () => open(reasonForm('reject', 'wf.b.reject', 'review', { approve: false }))));
  }
  if (who === 'agency' && e.state === 'submitted') {
    box.append(direct('wf.b.accept', 'accept', {}), button('wf.b.return', () => open(reasonForm('return', 'wf.b.return', 'return'))));
  }
  if (who === 'agency' && e.state === 'accepted') box.append(button('wf.b.project', () => open(projectForm(e, close, onProject)), true));
  apply(box);
  return h('div', { class: 'wf-step-box' }, box, panel);
}

// projectForm makes the project of an accepted entrustment: its lots
// (one to start with, the whole budget), the method as entrusted.
function projectForm(e, close, onProject) {
  let n = 1;
  const lotFields = (i, title, budget) => [
    { name: `lot${i}_title`, labelText: t('wf.f.lot_title', { n: i }), value: title, required: true },
    { name: `lot${i}_budget`, labelText: t('wf.f.lot_budget', { n: i }), type: 'number', value: budget, required: true, min: '1' },
  ];
  const make = () => new Form({
    name: 'project', submit: 'wf.b.project', cancel: close, onDone: (p) => onProject(p.id),
    fields: [{ name: 'title', label: 'wf.f.title', value: e.title, required: true },
      ...Array.from({ length: n }, (_, k) => lotFields(k + 1, n === 1 ? e.title : '', n === 1 ? e.budget : '')).flat()],
    ruleField: { needs_approval: 'title', forbidden: 'title' },
    send: (v) => call(`${paths.entrustment(e.id)}/project`, {
      method: 'POST',
      body: { title: v.title, lots: Array.from({ length: n }, (_, k) => ({ title: v[`lot${k + 1}_title`], budget: v[`lot${k + 1}_budget`] })) },
    }),
  });
  const wrap = h('div', { class: 'wf-project-form' });
  const render = () => {
    const f = make();
    const more = h('button', { type: 'button', class: 'btn ghost small', 'data-i18n': 'wf.b.addLot', onclick: () => { n++; render(); } });
    apply(more);
    f.el.querySelector('.form-buttons').append(more);
    wrap.replaceChildren(f.el);
  };
  render();
  return { el: wrap };
}
