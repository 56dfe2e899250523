// The staff exam (#/exam), for agency staff and admins: the rules, the
// attempts used and left, and an attempt under way: 50 questions without
// their answers, each answer saved to the hub as it is given, a countdown
// from the hub's own remaining_seconds (the hub refuses answers after its
// deadline whatever the page shows), and the score on submission or once
// the time has run out (the hub scores an attempt at its deadline).

import './onboarding-words.js';
import { apply, t } from './i18n.js';
import { api, dateTime, h, parseTime, setText } from './util.js';

const LETTERS = 'ABCDEFGH';

export class ExamView {
  constructor() {
    this.list = null;
    this.attempt = null; // the open attempt, with its questions
    this.result = null; // the last scored attempt shown
    this.deadline = 0; // the attempt's end on this page's clock, from the hub's remaining_seconds
    this.errEl = h('div', { class: 'banner banner-bad', role: 'alert', hidden: true });
    this.intro = h('div', { class: 'exam-intro' });
    this.body = h('div', { class: 'exam-body' });
    this.el = h('div', { class: 'view view-exam' }, h('div', { class: 'view-head' }, h('h2', { 'data-i18n': 'exam.title' })),
      this.errEl, this.intro, this.body);
    apply(this.el);
    this.load();
  }

  fail(err) { setText(this.errEl, err.message); this.errEl.hidden = false; }

  async load() {
    try {
      this.list = await api('/api/v1/exam/attempts');
      const open = this.list.attempts.find((a) => a.state === 'open');
      if (open) await this.open(open.id);
      else this.attempt = null;
      this.errEl.hidden = true;
    } catch (err) { this.fail(err); }
    this.draw();
  }

  async open(id) {
    const a = await api(`/api/v1/exam/attempts/${id}`);
    if (a.state === 'open') this.begin(a);
    else { this.attempt = null; this.result = a; }
  }

  begin(a) {
    this.attempt = a;
    this.result = null;
    this.deadline = Date.now() + a.remaining_seconds * 1000;
  }

  async start() {
    try {
      this.begin(await api('/api/v1/exam/attempts', { method: 'POST', body: {} }));
      this.errEl.hidden = true;
    } catch (err) { this.fail(err); }
    this.draw();
  }

  async answer(q, choice, mark) {
    setText(mark, t('exam.saving'));
    mark.dataset.saved = 'saving';
    try {
      await api(`/api/v1/exam/attempts/${this.attempt.id}/answers`, { method: 'POST', body: { question: q.n, choice } });
      q.choice = choice;
      setText(mark, t('exam.saved'));
      mark.dataset.saved = 'true';
      this.drawCount();
    } catch (err) {
      mark.dataset.saved = 'false';
      setText(mark, err.message);
      if (err.status === 409) this.finish(); // the hub's time ran out: it has scored the attempt
    }
  }

  async submit() {
    if (!window.confirm(t('exam.submit.confirm'))) return;
    try {
      this.result = await api(`/api/v1/exam/attempts/${this.attempt.id}/submit`, { method: 'POST', body: {} });
      this.attempt = null;
      this.list = await api('/api/v1/exam/attempts');
    } catch (err) {
      if (err.status === 409) return this.finish();
      this.fail(err);
    }
    this.draw();
  }

  // finish asks the hub for the attempt once its time has run out: reading
  // it scores it there, with the answers saved.
  async finish() {
    if (!this.attempt || this.finishing) return;
    this.finishing = true;
    try {
      const id = this.attempt.id;
      this.attempt = null;
      this.result = await api(`/api/v1/exam/attempts/${id}`);
      this.list = await api('/api/v1/exam/attempts');
    } catch (err) { this.fail(err); }
    this.finishing = false;
    this.draw();
  }

  // ---- drawing -------------------------------------------------------------

  draw() {
    const l = this.list;
    if (!l) return;
    const r = l.rules;
    this.intro.replaceChildren(h('p', null, t('exam.rules', { q: r.questions, m: r.minutes, p: r.points, pass: r.pass, a: r.attempts })),
      l.sample_bank ? h('p', { class: 'banner banner-warn exam-sample' }, t('exam.sample')) : '',
      h('p', { class: 'exam-used' }, t('exam.used', { used: l.attempts_used, left: l.attempts_left })),
      l.passed ? h('p', { class: 'ob-ok' }, t('exam.passed')) : '');
    if (this.attempt) return this.drawAttempt();
    const out = [];
    if (this.result) out.push(resultBox(this.result));
    if (l.attempts_left > 0) out.push(h('button', { type: 'button', class: 'btn primary exam-start', onclick: () => this.start() }, t('exam.start')));
    else out.push(h('p', { class: 'exam-none' }, t('exam.none.left')));
    if (l.attempts.length) out.push(history(l.attempts));
    this.body.replaceChildren(...out);
  }

  drawAttempt() {
    const a = this.attempt;
    this.clock = h('strong', { class: 'exam-clock' });
    this.count = h('span', { class: 'exam-count' });
    const bar = h('div', { class: 'exam-bar' }, h('span', null, t('exam.left')), ' ', this.clock, ' · ', this.count,
      h('button', { type: 'button', class: 'btn primary exam-submit', onclick: () => this.submit() }, t('exam.submit')));
    const qs = a.questions.map((q) => this.question(q));
    this.body.replaceChildren(bar, h('ol', { class: 'exam-questions' }, ...qs));
    this.drawCount();
    this.tick(Date.now());
  }

  question(q) {
    const mark = h('span', { class: 'exam-saved muted', dataset: { saved: q.choice ? 'true' : '' } }, q.choice ? t('exam.saved') : '');
    const multiple = q.type === 'multiple';
    const inputs = q.options.map((opt, i) => {
      const input = h('input', { type: multiple ? 'checkbox' : 'radio', name: `q${q.n}`, value: LETTERS[i], checked: q.choice.includes(LETTERS[i]) });
      input.addEventListener('change', () => {
        const choice = [...li.querySelectorAll('input:checked')].map((x) => x.value).sort().join('');
        this.answer(q, choice, mark);
      });
      return h('label', { class: 'exam-option' }, input, ` ${LETTERS[i]}. ${opt}`);
    });
    const type = ['single', 'multiple', 'true_false', 'fill'].includes(q.type) ? t(`exam.type.${q.type}`) : q.type;
    const li = h('li', { class: 'exam-question', dataset: { n: String(q.n) } },
      h('p', null, h('span', { class: 'muted' }, `[${type}] `), q.text), ...inputs, mark);
    return li;
  }

  drawCount() {
    if (!this.attempt || !this.count) return;
    const n = this.attempt.questions.filter((q) => q.choice).length;
    setText(this.count, t('exam.answered', { n, q: this.attempt.questions.length }));
  }

  tick(now) {
    if (!this.attempt || !this.clock) return;
    const left = Math.max(0, Math.ceil((this.deadline - now) / 1000));
    setText(this.clock, `${String(Math.floor(left / 60)).padStart(2, '0')}:${String(left % 60).padStart(2, '0')}`);
    this.clock.dataset.left = String(left);
    this.clock.dataset.low = String(left < 60);
    if (left === 0) this.finish();
  }

  update() {}
  relang() { apply(this.el); this.draw(); }
  watch() { return []; }
  frame() {}
  destroy() {}
}

function resultBox(a) {
  const passed = !!a.passed;
  return h('div', { class: `ob-card exam-result exam-${passed ? 'pass' : 'fail'}`, dataset: { score: String(a.score), passed: String(passed) } },
    h('strong', null, t('exam.score', { score: a.score, right: a.right })), ' ', t(passed ? 'exam.result.pass' : 'exam.result.fail'),
    a.timed_out ? h('p', null, t('exam.timedout')) : '');
}

function history(list) {
  const th = (key) => h('th', { scope: 'col' }, t(key));
  return h('section', null, h('h3', null, t('exam.history')),
    h('table', { class: 'exam-history' }, h('thead', null, h('tr', null, th('exam.c.n'), th('exam.c.started'), th('exam.c.score'))),
      h('tbody', null, ...list.map((a, i) => h('tr', null, h('td', null, String(i + 1)), h('td', null, dateTime(parseTime(a.started_at))),
        h('td', null, a.score === null || a.score === undefined ? '…' : `${a.score} · ${t(a.passed ? 'exam.result.pass' : 'exam.result.fail')}`))))));
}
