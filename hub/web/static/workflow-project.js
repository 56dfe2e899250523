// One project's page: its facts, its statutory deadlines on a dated line,
// its lots, results and contracts, challenges and complaints, and the
// steps the signed-in role may take on each (workflow-steps.js).

import { apply, t } from './i18n.js';
import { h } from './util.js';
import { dueWords, limitWords, status, today, word, yuan } from './workflow-api.js';
import { loadProject } from './workflow-load.js';
import { section, table } from './workflow-form.js';
import { drawTimeline } from './workflow-timeline.js';
import { awardSteps, challengeSteps, complaintSteps, contractSteps, projectSteps } from './workflow-steps.js';

export class ProjectView {
  constructor(id) {
    this.id = id;
    this.d = null;
    this.error = null;
    this.el = h('div', { class: 'view view-project', dataset: { project: id } });
    this.render();
    this.load();
  }

  async load() {
    try {
      this.d = await loadProject(this.id);
      this.error = null;
    } catch (e) {
      this.error = e;
    }
    if (!this.gone) this.render();
  }

  render() {
    const back = h('a', { href: '#/work', class: 'wf-back', 'data-i18n': 'wf.back' });
    if (this.error) {
      const msg = this.error.status === 404 ? t('wf.notfound') : this.error.message;
      this.el.replaceChildren(back, h('p', { class: 'form-error', role: 'alert' }, msg));
    } else if (!this.d) {
      this.el.replaceChildren(back, h('p', { class: 'muted', 'data-i18n': 'wf.loading' }));
    } else {
      const p = this.d.project;
      const reload = () => this.load();
      this.el.replaceChildren(back,
        h('h2', null, p.title, ' ', h('span', { class: 'wf-state', dataset: { state: p.state } }, word('st', p.state)),
          p.legal_state ? h('span', { class: 'wf-legal' }, word('st', p.legal_state)) : null),
        ...[this.facts(p), this.timeline(), projectSteps(p, reload), this.lots(p), this.awards(reload), this.challenges(reload)].filter(Boolean));
    }
    this.el.dataset.loaded = String(!!this.d);
    this.el.dataset.state = this.d?.project.state || '';
    apply(this.el);
  }

  facts(p) {
    const row = (k, v) => (v ? [h('dt', { 'data-i18n': k }), h('dd', null, v)] : []);
    return h('dl', { class: 'wf-facts' },
      row('wf.facts.method', word('m', p.method)), row('wf.facts.budget', yuan(p.budget)),
      row('wf.facts.purchaser', p.purchaser), row('wf.facts.agency', p.agency), row('wf.facts.jurisdiction', p.jurisdiction),
      row('wf.facts.issued', p.documents_issued), row('wf.facts.deadline', p.bid_deadline),
      row('wf.facts.legal', p.suspension ? t('wf.facts.suspended', { until: p.suspension.until, reason: p.suspension.reason }) : ''));
  }

  // marks are the deadlines to draw: the project's clocks that have a day,
  // and the last days of what is open (contracts, challenges, complaints).
  marks() {
    const { project: p, awards, contracts, challenges, complaints } = this.d;
    const now = today();
    const out = [];
    for (const c of p.timetable || []) {
      if (!c.due) continue;
      let st;
      if (c.kind === 'min') st = 'min';
      else if (p.next_deadline?.step === c.step) st = p.next_deadline.status;
      else st = c.due < now ? 'passed' : status(c.due, now);
      const label = c.kind === 'min' ? t('wf.min.label', { step: word('step', c.step) }) : word('step', c.step);
      out.push(mark(c.step, label, c.due, st, c.kind, c.limit, word('step', c.from), c.basis, c.verify));
    }
    if (p.bid_deadline) {
      // The bid deadline the agency set, beside the earliest the law allows.
      const st = p.next_deadline?.step === 'bid_deadline' ? p.next_deadline.status : p.bid_deadline < now ? 'passed' : status(p.bid_deadline, now);
      const clock = (p.timetable || []).find((c) => c.step === 'bid_deadline');
      out.push(mark('bid_deadline', word('step', 'bid_deadline'), p.bid_deadline, st, 'set', clock?.limit || '', word('step', 'documents_issued'), clock?.basis || ''));
    }
    const open = (step, label, due, limit, basis) => out.push(mark(step, label, due, status(due, now), 'max', limit, '', basis));
    for (const a of awards) {
      const c = contracts.find((x) => x.award === a.id);
      if (a.state === 'active' && a.sign_by && (!c || c.state === 'pending')) open('sign_by', t('wf.step.sign_by', { lot: a.lot }), a.sign_by, '30d', '政府采购法 第四十六条 (Law art. 46)');
    }
    for (const c of contracts) if (c.state === 'signed' && c.file_by) open('file_by', t('wf.step.file_by', { lot: c.lot }), c.file_by, '7wd', '政府采购法 第四十七条 (Law art. 47)');
    for (const c of challenges) if (c.state === 'claim') open('reply_by', t('wf.step.reply_by', { id: c.id }), c.reply_by, '7wd', '政府采购法 第五十三条 (Law art. 53)');
    for (const c of complaints) {
      if (c.state === 'pending') open('review_by', t('wf.step.review_by', { id: c.id }), c.review_by, '5wd', '财政部令第94号 第二十一条 (Order 94 art. 21)');
      if (c.state === 'accepted' && c.decide_by) open('decide_by', t('wf.step.decide_by', { id: c.id }), c.decide_by, '30wd', '政府采购法 第五十六条 (Law art. 56)');
    }
    return out;
  }

  timeline() {
    const marks = this.marks();
    const body = marks.length
      ? h('div', null, drawTimeline(marks), h('p', { class: 'muted small', 'data-i18n': 'wf.timeline.legend' }),
        h('ul', { class: 'wf-clocks' }, marks.map((m) => h('li', { dataset: { step: m.step, status: m.status }, title: m.hint },
          h('span', { class: 'wf-dot' }), `${m.label}: ${dueWords(m.date)} · ${t(`wf.status.${m.status}`)}`))))
      : h('p', { class: 'muted', 'data-i18n': 'wf.timeline.none' });
    return section('wf.timeline', body, 'timeline');
  }

  lots(p) {
    return section('wf.lots', table(['wf.f.lot', 'wf.col.title', 'wf.col.budget', 'wf.col.state'], (p.lots || []).map((l) => h('tr', { dataset: { lot: String(l.number) } },
      h('td', { class: 'nums' }, String(l.number)), h('td', null, l.title), h('td', { class: 'nums' }, yuan(l.budget)), h('td', null, word('lot', l.state))))), 'lots');
  }

  awards(reload) {
    const { awards, contracts } = this.d;
    const rows = awards.map((a) => {
      const c = contracts.find((x) => x.award === a.id);
      return h('tr', { dataset: { award: String(a.id), state: a.state, contract: c ? c.state : '' } },
        h('td', { class: 'nums' }, String(a.lot)), h('td', null, a.supplier_name), h('td', { class: 'nums' }, yuan(a.amount)),
        h('td', null, word('st', a.state), c ? h('div', null, t('wf.contract', { id: c.id }), ' ', word('st', c.state)) : null),
        h('td', null, c ? dueWords(c.state === 'signed' ? c.file_by : c.state === 'pending' ? a.sign_by : null) : dueWords(a.sign_by)),
        h('td', null, c ? contractSteps(c, reload) : awardSteps(a, reload)));
    });
    return section('wf.awards', table(['wf.f.lot', 'wf.f.supplier_name', 'wf.f.amount', 'wf.col.state', 'wf.col.due', 'wf.col.act'], rows), 'awards');
  }

  challenges(reload) {
    const { challenges, complaints } = this.d;
    if (!challenges.length) return null;
    const rows = challenges.flatMap((c) => [
      h('tr', { dataset: { challenge: String(c.id), state: c.state } }, h('td', { class: 'nums' }, String(c.id)), h('td', null, c.grounds, c.reply ? h('div', { class: 'muted small' }, c.reply) : null),
        h('td', null, word('st', c.state)), h('td', null, dueWords(c.state === 'claim' ? c.reply_by : null)), h('td', null, challengeSteps(c, reload))),
      ...complaints.filter((x) => x.challenge === c.id).map((x) => h('tr', { dataset: { complaint: String(x.id), state: x.state }, class: 'wf-sub' },
        h('td', { class: 'nums' }, `↳ ${x.id}`), h('td', null, x.grounds), h('td', null, word('st', x.state)),
        h('td', null, dueWords(x.state === 'pending' ? x.review_by : x.state === 'accepted' ? x.decide_by : null)), h('td', null, complaintSteps(x, reload))))]);
    return section('wf.challenges', table(['wf.col.id', 'wf.col.what', 'wf.col.state', 'wf.col.due', 'wf.col.act'], rows), 'challenges');
  }

  relang() { this.render(); }
  update() {}
  tick() {}
  watch() { return []; }
  frame() {}
  destroy() { this.gone = true; }
}

// mark is one deadline on the line, with its hover text.
function mark(step, label, date, st, kind, limit, from, basis, verify = '') {
  let hint = t('wf.clock.hint', { step: label, kind: t(`wf.kind.${kind}`), date, limit: limitWords(limit), from: from || '–', basis: basis || '–' });
  if (verify) hint += t('wf.clock.verify', { what: verify });
  return { step, label, date, status: st, hint, kind };
}
