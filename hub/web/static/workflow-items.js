// What waits for whom: the work list of a role, made from the records the
// hub gives it, each item with its last day, nearest first (items without
// one last).

import { session } from './auth.js';

// side names the part a role plays in the workflow.
export function side(role = session.role) {
  if (role === 'purchaser') return 'purchaser';
  if (role === 'agency-admin' || role === 'agency-staff') return 'agency';
  if (role === 'regulator') return 'regulator';
  return 'other';
}

// workItems: [{what, title, due, status, href, kind, id}] for the role,
// from {entrustments, projects, awards, contracts, challenges, complaints}.
export function workItems(d, who = side(), me = session.user) {
  const out = [];
  const add = (what, rec, kind, title, due, href) => out.push({ what, kind, id: rec.id, title, due: due || null, href });
  const projTitle = (id) => d.projects.find((p) => p.id === id)?.title || `#${id}`;
  const projHref = (id) => `#/project/${id}`;
  if (who === 'purchaser') {
    for (const e of d.entrustments) {
      if (e.state === 'draft' && e.maker === me) add('submit', e, 'entrustment', e.title, null, `#/work?e=${e.id}`);
      if (e.state === 'returned' && e.maker === me) add('returned', e, 'entrustment', e.title, null, `#/work?e=${e.id}`);
      if (e.state === 'review' && e.maker !== me) add('review', e, 'entrustment', e.title, null, `#/work?e=${e.id}`);
    }
  }
  if (who === 'agency') {
    for (const e of d.entrustments) {
      if (e.state === 'submitted') add('intake', e, 'entrustment', e.title, null, `#/work?e=${e.id}`);
      if (e.state === 'accepted') add('project', e, 'entrustment', e.title, null, `#/work?e=${e.id}`);
    }
  }
  for (const p of d.projects) {
    if (who === 'agency' && p.state === 'planning') add('publish', p, 'project', p.title, null, projHref(p.id));
    if ((who === 'agency' || who === 'regulator') && p.state === 'tendering' && p.next_deadline) {
      const passed = p.next_deadline.step === 'bid_deadline' && p.next_deadline.status === 'overdue';
      add(passed && who === 'agency' ? 'award' : 'tendering', p, 'project', p.title, p.next_deadline.due, projHref(p.id));
    }
  }
  if (who === 'purchaser') {
    for (const a of d.awards) {
      if (a.state === 'pending') add('confirm', a, 'award', projTitle(a.project), null, projHref(a.project));
      if (a.state === 'active' && !a.contract) add('contract', a, 'award', projTitle(a.project), a.sign_by, projHref(a.project));
    }
    for (const c of d.contracts) {
      const a = d.awards.find((x) => x.id === c.award);
      if (c.state === 'pending') add('sign', c, 'contract', projTitle(c.project), a?.sign_by, projHref(c.project));
      if (c.state === 'signed') add('file', c, 'contract', projTitle(c.project), c.file_by, projHref(c.project));
    }
  }
  if (who === 'agency') {
    for (const c of d.challenges) if (c.state === 'claim') add('answer', c, 'challenge', projTitle(c.project), c.reply_by, projHref(c.project));
  }
  if (who === 'regulator') {
    for (const c of d.complaints) {
      if (c.state === 'pending') add('complaint', c, 'complaint', projTitle(c.project), c.review_by, projHref(c.project));
      if (c.state === 'accepted') add('decide', c, 'complaint', projTitle(c.project), c.decide_by, projHref(c.project));
    }
  }
  return out.sort(byDue);
}

// byDue puts the nearest last day first and items without one last.
export function byDue(a, b) {
  if (a.due === b.due) return 0;
  if (!a.due) return 1;
  if (!b.due) return -1;
  return a.due < b.due ? -1 : 1;
}
