// The procurement workflow's pages (app.js routes to them):
//   #/work          what waits for the signed-in person, nearest deadline
//                   first; the entrustments, projects and challenges in scope
//                   (?e=ID: that entrustment's row, opened)
//   #/work/new      a purchaser's new entrustment
//   #/project/{id}  one project: its facts, the timeline of its statutory
//                   deadlines, lots, results, contracts, challenges
// The role decides what is offered (workflow-items.js side); the hub
// decides what is allowed and the page shows its refusals on the form.

import { apply, t } from './i18n.js';
import { h } from './util.js';
import { can, session } from './auth.js';
import { dueWords, status, today, word, yuan } from './workflow-api.js';
import { loadAll } from './workflow-load.js';
import { side, workItems } from './workflow-items.js';
import { entrustmentForm, entrustmentSteps } from './workflow-entrust.js';
import { section, table } from './workflow-form.js';
import { ProjectView } from './workflow-project.js';

// workflowRoute names the view of a hash's parts, or null when it is not
// the workflow's (nav: the navigation link it belongs to).
export function workflowRoute(parts, params) {
  if (parts[0] === 'work' && parts[1] === 'new') return { name: 'work-new', nav: 'work', key: 'work/new', params, view: () => new NewEntrustmentView() };
  if (parts[0] === 'work') return { name: 'work', key: 'work', params, view: () => new WorkView(params) };
  if (parts[0] === 'project' && parts[1]) return { name: 'project', nav: 'work', key: `project/${parts[1]}`, params, view: () => new ProjectView(parts[1]) };
  return null;
}

// A view of this page, as app.js drives it.
class Base {
  update() {}
  tick() {}
  watch() { return []; }
  frame() {}
  destroy() { this.gone = true; }
}

// WorkView is the work list and the records in scope.
class WorkView extends Base {
  constructor(params) {
    super();
    this.focus = params?.get('e') || '';
    this.data = null;
    this.error = '';
    this.el = h('div', { class: 'view view-work', dataset: { side: side() } });
    this.render();
    this.load();
  }

  params(p) { this.focus = p.get('e') || ''; this.render(); }

  async load() {
    try {
      this.data = await loadAll();
      this.error = '';
    } catch (e) {
      this.error = e.message;
    }
    if (!this.gone) this.render();
  }

  relang() { this.render(); }

  render() {
    const who = side();
    const head = h('div', { class: 'wf-head' },
      h('div', null, h('h2', { 'data-i18n': 'wf.title' }), h('p', { class: 'muted', 'data-i18n': `wf.lead.${who}` })),
      can('entrust') ? h('a', { class: 'btn primary', href: '#/work/new', 'data-i18n': 'wf.new', id: 'wf-new' }) : null);
    const body = [];
    if (this.error) body.push(h('p', { class: 'form-error', role: 'alert' }, this.error));
    if (!this.data) body.push(h('p', { class: 'muted', 'data-i18n': 'wf.loading' }));
    else body.push(this.todo(), this.entrustments(), this.projects(), this.challenges());
    this.el.replaceChildren(head, ...body.filter(Boolean));
    this.el.dataset.loaded = String(!!this.data);
    apply(this.el);
    if (this.focus) this.el.querySelector(`[data-entrustment="${CSS.escape(this.focus)}"]`)?.scrollIntoView({ block: 'center' });
  }

  todo() {
    const items = workItems(this.data);
    const now = today();
    const list = h('ol', { class: 'wf-todo' }, items.map((it) => h('li', {
      dataset: { kind: it.kind, id: String(it.id), what: it.what, status: it.due ? status(it.due, now) : 'none' },
    }, h('a', { href: it.href }, h('span', { class: 'wf-do' }, t(`wf.do.${it.what}`)), ' ', h('span', { class: 'wf-todo-title' }, it.title)),
    h('span', { class: 'wf-due' }, dueWords(it.due, now)))));
    return section('wf.todo', items.length ? list : h('p', { class: 'muted', 'data-i18n': 'wf.todo.none' }), 'todo');
  }

  entrustments() {
    const list = this.data.entrustments;
    if (!list.length && side() === 'regulator') return null;
    const rows = list.map((e) => {
      const open = String(e.id) === this.focus;
      const steps = entrustmentSteps(e, () => this.load(), (pid) => { location.hash = `#/project/${pid}`; });
      return h('tr', { dataset: { entrustment: String(e.id), state: e.state }, class: open ? 'wf-focus' : null },
        h('td', { class: 'nums' }, String(e.id)),
        h('td', null, e.title, e.reason ? h('div', { class: 'muted small' }, t('reason', { reason: e.reason })) : null,
          e.split ? h('div', { class: 'wf-flag small' }, e.split) : null),
        h('td', null, word('m', e.method)), h('td', { class: 'nums' }, yuan(e.budget)),
        h('td', null, h('span', { class: 'wf-state', dataset: { state: e.state } }, word('st', e.state))),
        h('td', null, e.project ? h('a', { href: `#/project/${e.project}` }, t('wf.project', { id: e.project })) : steps));
    });
    return section('wf.entrustments', table(['wf.col.id', 'wf.col.title', 'wf.col.method', 'wf.col.budget', 'wf.col.state', 'wf.col.act'], rows), 'entrustments');
  }

  projects() {
    const now = today();
    const list = [...this.data.projects].sort((a, b) => (a.next_deadline?.due || '9') < (b.next_deadline?.due || '9') ? -1 : 1);
    const rows = list.map((p) => h('tr', { dataset: { project: String(p.id), state: p.state } },
      h('td', { class: 'nums' }, String(p.id)),
      h('td', null, h('a', { href: `#/project/${p.id}` }, p.title)),
      h('td', null, word('m', p.method)), h('td', { class: 'nums' }, yuan(p.budget)),
      h('td', null, h('span', { class: 'wf-state', dataset: { state: p.state } }, word('st', p.state)),
        p.legal_state ? h('span', { class: 'wf-legal' }, word('st', p.legal_state)) : null),
      h('td', { class: 'wf-due', dataset: { status: p.next_deadline?.status || 'none' } },
        p.next_deadline ? `${word('step', p.next_deadline.step)} ${dueWords(p.next_deadline.due, now)}` : '–')));
    return section('wf.projects', table(['wf.col.id', 'wf.col.title', 'wf.col.method', 'wf.col.budget', 'wf.col.state', 'wf.col.next'], rows), 'projects');
  }

  challenges() {
    const list = this.data.challenges;
    if (!list.length) return null;
    const rows = list.map((c) => h('tr', { dataset: { challenge: String(c.id), state: c.state } },
      h('td', { class: 'nums' }, String(c.id)),
      h('td', null, h('a', { href: `#/project/${c.project}` }, t('wf.project', { id: c.project })), ' ', c.grounds),
      h('td', null, word('st', c.state)), h('td', null, dueWords(c.state === 'claim' ? c.reply_by : null))));
    return section('wf.challenges', table(['wf.col.id', 'wf.col.what', 'wf.col.state', 'wf.col.due'], rows), 'challenges');
  }
}

// NewEntrustmentView is the purchaser's form for a new entrustment.
class NewEntrustmentView extends Base {
  constructor() {
    super();
    this.form = entrustmentForm({
      onDone: (e) => { location.hash = `#/work?e=${e.id}`; },
      cancel: () => { location.hash = '#/work'; },
    });
    this.el = h('div', { class: 'view view-work-new' },
      h('a', { href: '#/work', class: 'wf-back', 'data-i18n': 'wf.back' }), h('h2', { 'data-i18n': 'wf.new' }),
      h('p', { class: 'muted' }, session.scope), this.form.el);
    apply(this.el);
  }

  relang() { apply(this.el); }
}
