// The steps the signed-in role may take on a project and what hangs off
// it: a button each, opening a small form where the step needs words or
// dates. The hub checks every step again; its refusal lands on the form.

import { apply } from './i18n.js';
import { h } from './util.js';
import { call, paths, today } from './workflow-api.js';
import { Form } from './workflow-form.js';
import { side } from './workflow-items.js';

// stepBox renders steps [{key, path, fields?, body?, ruleField?, primary?}]
// (steps without fields are sent at once); done() reloads the page.
function stepBox(name, steps, done) {
  const panel = h('div', { class: 'wf-panel', hidden: true });
  const close = () => { panel.hidden = true; panel.replaceChildren(); };
  const open = (s) => {
    const form = new Form({
      name: s.form || s.key.split('.').pop(), submit: s.key, fields: s.fields || [], ruleField: s.ruleField, cancel: close, onDone: done,
      send: (v) => call(s.path, { method: 'POST', body: s.body ? s.body(v) : v }),
    });
    panel.replaceChildren(form.el);
    panel.hidden = false;
    form.el.querySelector('input, textarea, select')?.focus();
    return form;
  };
  const buttons = steps.map((s) => h('button', {
    type: 'button', class: `btn small ${s.primary ? 'primary' : ''}`, 'data-i18n': s.key, dataset: { step: s.key.split('.').pop() },
    onclick: async (ev) => {
      if (s.fields) { open(s); return; }
      ev.target.disabled = true;
      try { await call(s.path, { method: 'POST', body: s.body ? s.body({}) : {} }); done(); } catch (err) { open({ ...s, fields: [] }).show(err); } finally { ev.target.disabled = false; }
    },
  }));
  if (!buttons.length) return null;
  const box = h('div', { class: 'wf-step-box', dataset: { steps: name } }, h('div', { class: 'wf-steps' }, buttons), panel);
  apply(box);
  return box;
}

const reason = { name: 'reason', label: 'wf.f.reason', type: 'textarea', required: true };
const dateField = (name, value = today()) => ({ name, label: `wf.f.${name}`, type: 'date', value, required: true });

// projectSteps: the agency issues the documents and sets the bid deadline
// (planning), extends it or records the evaluation's result (tendering),
// or cancels the project.
export function projectSteps(p, done) {
  if (side() !== 'agency') return null;
  const base = paths.project(p.id);
  const steps = [];
  const dates = { forbidden: 'bid_deadline', calendar: 'bid_deadline' };
  if (p.state === 'planning') {
    steps.push({ key: 'wf.b.publish', path: `${base}/publish`, primary: true, ruleField: dates,
      fields: [dateField('documents_issued'), { name: 'bid_deadline', label: 'wf.f.bid_deadline', type: 'date', required: true }] });
  }
  if (p.state === 'tendering') {
    steps.push({ key: 'wf.b.extend', path: `${base}/extend`, ruleField: dates, fields: [{ name: 'bid_deadline', label: 'wf.f.bid_deadline', type: 'date', required: true, value: p.bid_deadline }] });
    steps.push({ key: 'wf.b.award', path: `${base}/awards`, primary: true, ruleField: { forbidden: 'evaluation_done', calendar: 'evaluation_done' },
      fields: [{ name: 'lot', label: 'wf.f.lot', type: 'select', options: (p.lots || []).map((l) => [String(l.number), `${l.number} ${l.title}`]) },
        { name: 'supplier', label: 'wf.f.supplier', required: true }, { name: 'supplier_name', label: 'wf.f.supplier_name', required: true },
        { name: 'amount', label: 'wf.f.amount', type: 'number', required: true, min: '1' }, dateField('evaluation_done')],
      body: (v) => ({ ...v, lot: Number(v.lot) }) });
  }
  if (p.state === 'planning' || p.state === 'tendering' || p.state === 'evaluated') steps.push({ key: 'wf.b.cancelProject', path: `${base}/cancel`, fields: [reason] });
  return stepBox('project', steps, done);
}

// awardSteps: the purchaser confirms the result and makes the contract.
export function awardSteps(a, done) {
  const base = paths.award(a.id);
  const steps = [];
  if (side() === 'purchaser' && a.state === 'pending') steps.push({ key: 'wf.b.confirm', path: `${base}/confirm`, primary: true });
  if (side() === 'purchaser' && a.state === 'active' && !a.contract) steps.push({ key: 'wf.b.contract', path: `${base}/contract`, primary: true });
  if (side() === 'agency' && (a.state === 'pending' || (a.state === 'active' && !a.contract))) steps.push({ key: 'wf.b.cancel', form: 'cancel-award', path: `${base}/cancel`, fields: [reason] });
  return stepBox('award', steps, done);
}

// contractSteps: the purchaser signs (a reason when later than 30 days
// after the notice) and files it.
export function contractSteps(c, done) {
  if (side() !== 'purchaser') return null;
  const base = paths.contract(c.id);
  const steps = [];
  if (c.state === 'pending') {
    steps.push({ key: 'wf.b.sign', path: `${base}/sign`, primary: true, ruleField: { forbidden: 'late_reason', calendar: 'signed' },
      fields: [dateField('signed'), { name: 'late_reason', label: 'wf.f.late_reason', type: 'textarea' }] });
  }
  if (c.state === 'signed') steps.push({ key: 'wf.b.file', path: `${base}/file`, primary: true });
  return stepBox('contract', steps, done);
}

// challengeSteps: the agency answers in writing.
export function challengeSteps(c, done) {
  if (side() !== 'agency' || c.state !== 'claim') return null;
  return stepBox('challenge', [{ key: 'wf.b.answer', path: `${paths.challenge(c.id)}/answer`, primary: true,
    fields: [{ name: 'reply', label: 'wf.f.reply', type: 'textarea', required: true }, { name: 'changes_result', label: 'wf.f.changes_result', type: 'checkbox' }] }], done);
}

// complaintSteps: the finance department reviews, suspends and decides.
export function complaintSteps(c, done) {
  if (side() !== 'regulator') return null;
  const base = paths.complaint(c.id);
  const steps = [];
  const decision = { name: 'decision', label: 'wf.f.decision', type: 'textarea', required: true };
  const suspend = { key: 'wf.b.suspend', path: `${base}/suspend`, fields: [reason, { name: 'days', label: 'wf.f.days', type: 'number', value: 30, min: '1' }] };
  if (c.state === 'pending') {
    steps.push({ key: 'wf.b.caccept', path: `${base}/accept`, primary: true }, { key: 'wf.b.creject', path: `${base}/reject`, fields: [reason] }, suspend);
  }
  if (c.state === 'accepted') {
    steps.push({ key: 'wf.b.satisfy', path: `${base}/satisfy`, fields: [decision] }, { key: 'wf.b.decline', path: `${base}/decline`, fields: [decision] }, suspend);
  }
  if (c.state === 'pending' || c.state === 'accepted') steps.push({ key: 'wf.b.lift', path: `${base}/lift` });
  return stepBox('complaint', steps, done);
}
