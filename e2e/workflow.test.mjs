// Browser end-to-end test of the procurement workflow's pages against the
// real hub (1 simulated room, made agency lz-a's: lz-a is qualified through
// its onboarding first, e2e/qualify.mjs, since only a qualified agency
// takes entrustments): people
// made with `evalroom-hub user add`, each signing in through the page.
//
//   purchaser   a maker of lj-school lands on its work list (no room wall);
//               an entrustment below the district's threshold is refused on
//               the budget field with what to do and the article; a valid
//               one is saved and submitted; another person of the unit
//               approves it
//   agency      staff of lz-a accept it from the work list and make the
//               project; a bid deadline under 20 days after the documents is
//               refused on the bid-deadline field (Law art. 35, the earliest
//               day named); a valid one publishes it and the timeline shows
//               its statutory deadlines with today marked and the basis on hover
//               (the refusal in English too)
//   English     the timeline in English
//   regulator   the demo's regulator of 柳州市 sees the project and its timeline
//   other unit  a purchaser of another unit sees neither, and the project's
//               address says it is not found
//
// The hub counts deadlines on the real date. Only 2026's calendar ships;
// for a later year the test gives the hub a weekends-only test calendar
// (DATA/calendars), said so in its source, not an official notice.
// Screenshots: e2e/artifacts/wf-*.png.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifacts, signIn, signOut, suite } from './lib.mjs';
import { qualifyAgency } from './qualify.mjs';

let sys;
let page;
let pageLog = [];
const people = {};

const chinaToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());
const addDays = (d, n) => new Date(Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) + n * 86400000).toISOString().slice(0, 10);
const TODAY = chinaToday();

function testCalendars(data) {
  const dir = path.join(data, 'calendars');
  fs.mkdirSync(dir, { recursive: true });
  const y = Number(TODAY.slice(0, 4));
  for (const year of [y, y + 1]) {
    if (year === 2026) continue; // shipped
    fs.writeFileSync(path.join(dir, `${year}.json`), JSON.stringify({ year, source: 'e2e test calendar: weekends only, not an official notice', off: [], work: [] }));
  }
}

async function pageState() {
  return page.evaluate(() => {
    const out = [`view=${document.body.dataset.view} hash=${location.hash} lang=${document.documentElement.lang} role=${document.body.dataset.role}`];
    for (const e of document.querySelectorAll('.wf-field-error, .wf-form-error, .form-error')) if (!e.hidden && e.textContent) out.push(`error: ${e.textContent}`);
    for (const r of document.querySelectorAll('tr[data-entrustment], tr[data-project]')) out.push(`row ${r.dataset.entrustment || r.dataset.project} ${r.dataset.state}`);
    for (const m of document.querySelectorAll('.wf-mark')) out.push(`mark ${m.dataset.step} ${m.dataset.date} ${m.dataset.status}`);
    return out.join('\n  ');
  }).catch((err) => `(page unreadable: ${err.message})`);
}

const { check, waitFor } = suite({
  tag: 'wf', prefix: 'wf-', rooms: 1, signInAs: null, state: pageState, beforeHub: testCalendars,
  async ready(x) {
    ({ sys, page, pageLog } = x);
    const add = async (key, username, role, scope, name) => { people[key] = await sys.addUser({ username, role, scope, name }); };
    await add('maker', 'wang-maker', 'purchaser', 'lj-school', '王采购');
    await add('checker', 'li-checker', 'purchaser', 'lj-school', '李审核');
    await add('agency', 'zhao-agency', 'agency-staff', 'lz-a', '赵代理');
    await add('other', 'chen-hospital', 'purchaser', 'lz-hospital', '陈医院');
    // Only a qualified agency takes entrustments: lz-a goes through its
    // onboarding first, with the simulated room as its room (qualify.mjs).
    await qualifyAgency(sys, { agency: 'lz-a', agencyName: '柳州甲招标代理有限公司', room: 'room-1' });
  },
});

const shot = (name) => page.screenshot({ path: path.join(artifacts, `wf-${name}.png`), fullPage: true });
const go = async (hash, view) => {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await waitFor(`the ${view} view`, (v) => document.body.dataset.view === v, view, 5000);
};
const loaded = (sel) => waitFor(`${sel} loaded`, (s) => document.querySelector(s)?.dataset.loaded === 'true', sel, 10000);
const fieldError = (form, field) => page.textContent(`form[data-form="${form}"] label[data-field="${field}"] .wf-field-error`);
async function as(who) {
  if (await page.evaluate(() => document.body.dataset.auth === 'in')) await signOut(page);
  await signIn(page, who);
}
async function rowState(attr, id, want) {
  await waitFor(`${attr} ${id} ${want}`, ([a, i, w]) => document.querySelector(`tr[data-${a}="${i}"]`)?.dataset.state === w, [attr, id, want], 10000);
}
async function fillEntrustment(budget) {
  const f = 'form[data-form="entrustment"]';
  await page.fill(`${f} [name="title"]`, '柳江区实验学校课桌椅采购');
  await page.selectOption(`${f} [name="category"]`, 'goods');
  await page.fill(`${f} [name="budget"]`, String(budget));
  await page.fill(`${f} [name="plan_line"]`, 'LJ-2026-0042');
  await page.selectOption(`${f} [name="method"]`, 'open_tender');
  await page.fill(`${f} [name="agency"]`, 'lz-a');
  await page.fill(`${f} [name="jurisdiction"]`, '450206');
  await page.click(`${f} button[type="submit"]`);
}

let entrustment = '';
let project = '';

check('a purchaser creates an entrustment; the threshold refuses a small one on its budget field', async () => {
  await as(people.maker);
  await waitFor('the work list', () => document.body.dataset.view === 'work', null, 5000);
  assert.equal(await page.isVisible('#nav-work'), true, 'the workflow is in the navigation');
  assert.equal(await page.isVisible('[data-nav="wall"]'), false, 'a purchaser has no room wall');
  assert.equal(await page.isVisible('#updated'), false, 'no "no data yet" of a rooms poll a purchaser does not run');
  await loaded('.view-work');
  await page.click('#wf-new');
  await waitFor('the form', () => !!document.querySelector('form[data-form="entrustment"]'), null, 5000);
  await fillEntrustment(100000);
  await waitFor('the budget refused', () => document.querySelector('form[data-form="entrustment"]')?.dataset.errorField === 'budget', null, 10000);
  const err = await fieldError('entrustment', 'budget');
  assert.match(err, /纳入系统的采购限额/, 'says why in Chinese');
  assert.match(err, /请核对预算/, 'says what to do');
  await shot('refused-budget');
  await fillEntrustment(800000);
  await waitFor('back on the work list', () => /^#\/work\?e=\d+/.test(location.hash), null, 10000);
  entrustment = await page.evaluate(() => location.hash.match(/e=(\d+)/)[1]);
  await rowState('entrustment', entrustment, 'draft');
  await page.click(`tr[data-entrustment="${entrustment}"] button[data-step="submit"]`);
  await rowState('entrustment', entrustment, 'review');
  await as(people.checker);
  await go(`#/work?e=${entrustment}`, 'work');
  await loaded('.view-work');
  await page.click(`tr[data-entrustment="${entrustment}"] button[data-step="approve"]`);
  await rowState('entrustment', entrustment, 'submitted');
});

check('the agency accepts it, makes the project, and the law refuses a short bid deadline on its field', async () => {
  assert.ok(entrustment, 'needs the entrustment of the test before');
  await as(people.agency);
  await go('#/work', 'work');
  await loaded('.view-work');
  await waitFor('the intake in the work list', (id) => !!document.querySelector(`.wf-todo li[data-kind="entrustment"][data-id="${id}"][data-what="intake"]`), entrustment, 5000);
  await page.click(`tr[data-entrustment="${entrustment}"] button[data-step="accept"]`);
  await rowState('entrustment', entrustment, 'accepted');
  await page.click(`tr[data-entrustment="${entrustment}"] button[data-step="project"]`);
  await page.click('form[data-form="project"] button[type="submit"]');
  await waitFor('the project page', () => /^#\/project\/\d+$/.test(location.hash), null, 10000);
  project = await page.evaluate(() => location.hash.split('/')[2]);
  await loaded('.view-project');
  assert.equal(await page.getAttribute('#nav-work', 'aria-current'), 'page', 'the project is under 采购项目');
  await page.click('[data-steps="project"] button[data-step="publish"]');
  await page.fill('form[data-form="publish"] [name="documents_issued"]', TODAY);
  await page.fill('form[data-form="publish"] [name="bid_deadline"]', addDays(TODAY, 10));
  await page.click('form[data-form="publish"] button[type="submit"]');
  await waitFor('the deadline refused', () => document.querySelector('form[data-form="publish"]')?.dataset.errorField === 'bid_deadline', null, 10000);
  const err = await fieldError('publish', 'bid_deadline');
  assert.match(err, /第三十五条/, 'names the article');
  assert.match(err, /最早可定为 \d{4}-\d{2}-\d{2}/, 'names the earliest day');
  await shot('refused-deadline');
  // The same refusal in English (the page draws itself anew: open the form again).
  await page.click('button[data-lang="en"]');
  await waitFor('English', () => document.documentElement.lang === 'en', null, 5000);
  await page.click('[data-steps="project"] button[data-step="publish"]');
  await page.fill('form[data-form="publish"] [name="documents_issued"]', TODAY);
  await page.fill('form[data-form="publish"] [name="bid_deadline"]', addDays(TODAY, 10));
  await page.click('form[data-form="publish"] button[type="submit"]');
  await waitFor('the deadline refused in English', () => document.querySelector('form[data-form="publish"]')?.dataset.errorField === 'bid_deadline', null, 10000);
  const en = await fieldError('publish', 'bid_deadline');
  assert.match(en, /^The law forbids this step\. The earliest allowed is \d{4}-\d{2}-\d{2}\. Basis: .*Law art\. 35/, en);
  await page.click('button[data-lang="zh-CN"]');
  await waitFor('Chinese', () => document.documentElement.lang === 'zh-CN', null, 5000);
  await page.click('[data-steps="project"] button[data-step="publish"]');
  await page.fill('form[data-form="publish"] [name="documents_issued"]', TODAY);
  await page.fill('form[data-form="publish"] [name="bid_deadline"]', addDays(TODAY, 25));
  await page.click('form[data-form="publish"] button[type="submit"]');
  await waitFor('tendering', () => document.querySelector('.view-project')?.dataset.state === 'tendering', null, 10000);
  await waitFor('the timeline', () => document.querySelectorAll('.wf-timeline .wf-mark').length >= 3, null, 5000);
  const bid = await page.$(`.wf-mark[data-step="bid_deadline"][data-date="${addDays(TODAY, 25)}"]`);
  assert.ok(bid, 'the bid deadline is on the line');
  assert.match(await bid.$eval('title', (t) => t.textContent), /政府采购法 第三十五条/, 'its basis on hover');
  assert.equal(await page.$eval('.wf-today', (g) => g.dataset.date), TODAY, 'today is marked');
  await shot('project-zh');
});

check('the timeline in English', async () => {
  assert.ok(project, 'needs the project');
  await page.click('button[data-lang="en"]');
  await waitFor('English', () => document.documentElement.lang === 'en', null, 5000);
  await waitFor('the timeline in English', () => document.querySelector('[data-section="timeline"] h3')?.textContent === 'Statutory deadlines', null, 5000);
  const hint = await page.$eval('.wf-mark[data-step="bid_deadline"][data-kind="set"] title', (t) => t.textContent);
  assert.match(hint, /^bid deadline: .*\nBasis: 政府采购法 第三十五条 \(Law art\. 35\)/, hint);
  assert.match(await page.textContent('.wf-today text'), /^today /);
  await shot('project-en');
  await page.click('button[data-lang="zh-CN"]');
  await waitFor('Chinese', () => document.documentElement.lang === 'zh-CN', null, 5000);
});

check('the regulator of the city sees the project and its timeline', async () => {
  await as(sys.regulator);
  await go('#/work', 'work');
  await loaded('.view-work');
  await rowState('project', project, 'tendering');
  await go(`#/project/${project}`, 'project');
  await loaded('.view-project');
  await waitFor('the timeline', () => document.querySelectorAll('.wf-timeline .wf-mark').length >= 3, null, 5000);
  assert.equal(await page.$('[data-steps="project"]'), null, 'a regulator has no agency steps');
});

check('a purchaser of another unit sees neither the entrustment nor the project', async () => {
  await as(people.other);
  await go('#/work', 'work');
  await loaded('.view-work');
  assert.equal(await page.$(`tr[data-project="${project}"]`), null);
  assert.equal(await page.$(`tr[data-entrustment="${entrustment}"]`), null);
  await go(`#/project/${project}`, 'project');
  await waitFor('not found', () => /找不到该项目/.test(document.querySelector('.view-project')?.textContent || ''), null, 5000);
});

check('the page logged no errors and no missing texts', async () => {
  const bad = pageLog.filter((l) => l.startsWith('pageerror') || l.includes('i18n:'));
  assert.deepEqual(bad, []);
});
