// Browser end-to-end test of agency onboarding against the real system:
// evalroom-hub and evalroom-sim (1 room, room-1 of agency lz-shifan in
// 450206, two cameras and a microphone, control endpoint), people made with
// evalroom-hub user add, each signing in through the page:
//
//   apply        the agency admin applies for room-1 in Chinese: a missing
//                serial is refused at its field with what to do; the
//                application shows its clock; the qualification lists
//                what is missing
//   run          the operator assigns the technician from the queue (the
//                countdown shown); the technician starts the run: every
//                check of the hub turns green from the room's real state,
//                the on-site items are recorded with evidence hashed in the
//                browser, the run finishes passed
//   mark         the operator publishes; the wall's card of room-1 shows 可视化
//   exam         a staff member takes the exam in English: 50 questions,
//                the countdown from the hub, every answer saved as given,
//                submitted and scored as the hub scored it
//
// Screenshots: e2e/artifacts/ob-*.png; logs: ob-hub.log, ob-sim.log,
// ob-page-console.log; a failing test leaves failure-ob-*.png.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, HUB_BIN, run, signIn, signOut, suite, until } from './lib.mjs';

let sys;
let page;
const people = {};
let app = 0; // the application's id
let regToken = ''; // a regulator's API token: the test reads the hub's records with it

const shot = (name) => page.screenshot({ path: path.join(artifacts, `ob-${name}.png`), fullPage: true });

async function pageState() {
  return page.evaluate(() => {
    const out = [`view=${document.body.dataset.view} hash=${location.hash} lang=${document.documentElement.lang} role=${document.body.dataset.role}`];
    for (const b of document.querySelectorAll('.banner')) if (!b.hidden && b.textContent) out.push(`banner: ${b.textContent}`);
    for (const e of document.querySelectorAll('.ob-error')) out.push(`error at ${e.dataset.for}: ${e.textContent}`);
    for (const r of document.querySelectorAll('tr[data-app]')) out.push(`app ${r.dataset.app} ${r.dataset.room} ${r.dataset.state}: ${r.querySelector('.ob-clocks')?.textContent}`);
    const v = document.querySelector('.view-application');
    if (v) out.push(`application state=${v.dataset.state}: ${[...v.querySelectorAll('.ob-check')].map((c) => `${c.dataset.item}=${c.dataset.pass}`).join(' ')}`);
    const ex = document.querySelector('.view-exam');
    if (ex) out.push(`exam: ${ex.querySelectorAll('.exam-question').length} questions, saved ${ex.querySelectorAll('[data-saved="true"]').length}, clock ${ex.querySelector('.exam-clock')?.textContent}, result ${ex.querySelector('.exam-result')?.textContent}`);
    return out.join('\n  ');
  }).catch((err) => `(page unreadable: ${err.message})`);
}

async function as(p) {
  if (await page.evaluate(() => document.body.dataset.auth === 'in')) await signOut(page);
  await signIn(page, p);
}

async function go(hash, view) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await waitFor(`the ${view} view`, (v) => document.body.dataset.view === v, view, 5000);
}

async function setLang(l) {
  await page.click(`button[data-lang="${l}"]`);
  await waitFor(`page in ${l}`, (x) => document.documentElement.lang === x, l, 5000);
}

async function fault(room, stream, f) {
  const res = await fetch(`${sys.controlURL}/rooms/${room}/streams/${stream}/fault`, { method: 'POST', body: JSON.stringify({ fault: f }), signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `fault ${f}: ${res.status} ${await res.text()}`);
}

// recordItems records every on-site item as passed, with a note and an
// evidence file the page hashes.
async function recordItems() {
  for (const item of ['e_signature', 'e_seal', 'video_conference', 'remote_opening', 'remote_evaluation']) {
    const row = `.ob-manual[data-item="${item}"]`;
    await page.fill(`${row} input[name="note"]`, '现场测试通过');
    await page.setInputFiles(`${row} input[name="evidence"]`, [file(`${item}.jpg`, `photo of ${item}`)]);
    await page.click(`${row} button[type="submit"]`);
    await waitFor(`${item} recorded`, (s) => document.querySelector(s)?.dataset.pass === 'true', row, 5000);
  }
}

async function finish() {
  await page.setInputFiles('.ob-finish input[type="file"]', [file('验收单.pdf', 'stamped acceptance form')]);
  await page.click('.ob-finish button[type="submit"]');
}

const file = (name, text) => ({ name, mimeType: 'application/pdf', buffer: Buffer.from(text) });

const { check, waitFor } = suite({
  tag: 'ob', prefix: 'ob-', rooms: 1, control: true, state: pageState, signInAs: null,
  simArgs: ['--report', '1s', '--cameras', '2', '--width', '320', '--height', '180', '--fps', '5'],
  ready: async (s) => {
    ({ sys, page } = s);
    people.admin = await sys.addUser({ username: 'ob-admin', role: 'agency-admin', scope: 'lz-shifan', name: '代理 管理员' });
    people.staff = await sys.addUser({ username: 'ob-staff', role: 'agency-staff', scope: 'lz-shifan', name: '代理 职员' });
    people.operator = await sys.addUser({ username: 'ob-operator', role: 'operator', name: '平台 运营' });
    people.tech = await sys.addUser({ username: 'ob-tech', role: 'technician', scope: 'room-1', name: '技术 员' });
    page.on('dialog', (d) => d.accept());
    regToken = (await run(HUB_BIN, ['token', 'create', '--data', path.join(sys.tmp, 'hub'), '--role', 'regulator', '--scope', '450200', '--name', 'e2e-ob'])).trim();
  },
});

check('apply: a field refused at the field, the clock, what the agency lacks (zh)', async () => {
  await as(people.admin);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await waitFor('the onboarding link', () => !document.querySelector('[data-nav="onboarding"]').hidden, null, 5000);
  await go('#/onboarding', 'onboarding');
  await waitFor('room-1 offered', () => !!document.querySelector('.ob-apply select[name="room"] option[value="room-1"]'), null, 15000);
  await waitFor('the qualification', () => document.querySelectorAll('.ob-missing li').length > 0, null, 5000);
  const missing = await page.textContent('.ob-missing');
  assert.match(missing, /考试合格的专职人员0名，至少需要5名/);
  assert.match(missing, /未指定设备专员/);
  await page.fill('.ob-apply input[name="address"]', '柳州市柳江区拉堡镇柳堡路1号3楼');
  await page.fill('.ob-apply input[name="contact"]', '张三 0772-1234567');
  await page.fill('.ob-apply input[name="specialist"]', '李四');
  await page.selectOption('.ob-apply tr.ob-device select[name="kind"]', 'camera');
  await page.fill('.ob-apply tr.ob-device input[name="make"]', '海康威视');
  await page.fill('.ob-apply tr.ob-device input[name="model"]', 'DS-2CD3T47');
  await page.setInputFiles('.ob-apply input[name="attachments"]', [file('申请表.pdf', 'stamped form')]);
  await waitFor('the attachment hashed', () => /^[0-9a-f]{64}$/.test(document.querySelector('.ob-hashes code')?.textContent || ''), null, 5000);
  await page.click('.ob-apply button[type="submit"]');
  await waitFor('the serial refused at its field', () => {
    const e = document.querySelector('.ob-error[data-for="equipment[0].serial"]');
    return e && e.previousElementSibling?.name === 'serial' && e.textContent.includes('请填写序列号');
  }, null, 5000);
  await shot('apply-error');
  await page.fill('.ob-apply tr.ob-device input[name="serial"]', 'C0123456');
  await page.click('.ob-apply button[type="submit"]');
  await waitFor('the application listed', () => document.querySelector('tr[data-room="room-1"]')?.dataset.state === 'applied', null, 5000);
  assert.equal(await page.$$eval('.ob-error', (l) => l.length), 0);
  app = Number(await page.getAttribute('tr[data-room="room-1"]', 'data-app'));
  const clock = await page.textContent('tr[data-room="room-1"] .ob-clock[data-step="assign_technicians"]');
  assert.match(clock, /^安排技术人员：\d{4}-\d\d-\d\d前，剩 \d+ (天 \d+ 小时|小时 \d+ 分)$/);
  await shot('applied');
});

check('run: assigned from the queue, a camera unplugged is red and fails the run, then every check green and passed', async () => {
  await as(people.operator);
  await go('#/onboarding', 'onboarding');
  await waitFor('the queue', () => !!document.querySelector('tr[data-room="room-1"] .ob-assign'), null, 5000);
  const status = await page.getAttribute('tr[data-room="room-1"] .ob-clock', 'data-status');
  assert.ok(['ok', 'approaching'].includes(status), `clock status ${status}`);
  await page.fill('tr[data-room="room-1"] .ob-assign input', 'ob-tech');
  await page.click('tr[data-room="room-1"] .ob-assign button');
  await waitFor('assigned', () => document.querySelector('tr[data-room="room-1"]')?.dataset.state === 'assigned', null, 5000);
  await shot('queue');

  await as(people.tech);
  await go('#/onboarding', 'onboarding');
  await waitFor('the assigned application', () => !!document.querySelector('tr[data-room="room-1"] a'), null, 5000);
  await page.click('tr[data-room="room-1"] a');
  await waitFor('the application', () => document.querySelector('.view-application')?.dataset.state === 'assigned', null, 5000);
  // The room records and uploads: the hub's checks pass from what it holds.
  await waitFor('the room online with its streams', () => /主机在线.*cam1: ok.*cam2: ok.*mic1: ok/.test(document.querySelector('.ob-now')?.textContent || ''), null, 20000);
  // cam2 unplugged through the simulator: its check turns red with the
  // reason, and the run fails naming it.
  await fault('room-1', 'cam2', 'unplug');
  await waitFor('cam2 absent', () => /cam2: absent/.test(document.querySelector('.ob-now')?.textContent || ''), null, 15000);
  await page.click('.ob-start');
  await waitFor('checking', () => document.querySelector('.view-application')?.dataset.state === 'checking', null, 5000);
  await waitFor('cam2 red', () => {
    const c = document.querySelector('.ob-checks-hub .ob-check[data-item="camera:cam2"]');
    return c?.dataset.pass === 'false' && c.classList.contains('ob-check-fail') && /摄像机 cam2 不通过 · absent/.test(c.textContent);
  }, null, 5000);
  await recordItems();
  await finish();
  await waitFor('failed with the reason', () => document.querySelector('.view-application')?.dataset.state === 'failed'
    && /camera:cam2: absent/.test(document.querySelector('.ob-reasons')?.textContent || ''), null, 5000);
  await shot('failed');
  // cam2 back: a new run, every check of the hub green.
  await fault('room-1', 'cam2', 'none');
  await waitFor('cam2 ok', () => /cam2: ok/.test(document.querySelector('.ob-now')?.textContent || ''), null, 15000);
  await until('cam2 recording again at the hub (its latest record not a gap)', async () => {
    const from = new Date(Date.now() - 60000).toISOString();
    const res = await fetch(`${sys.baseURL}/api/v1/rooms/room-1/streams/cam2/segments?from=${from}`, { headers: { Authorization: `Bearer ${regToken}` } });
    const segs = res.ok ? await res.json() : [];
    return segs.length > 0 && !segs[segs.length - 1].gap;
  }, 15000);
  await page.click('.ob-start');
  await waitFor('checking again', () => document.querySelector('.view-application')?.dataset.state === 'checking'
    && document.querySelector('.ob-run-title')?.textContent === '验收第 2 轮', null, 5000);
  const hub = await page.$$eval('.ob-checks-hub .ob-check', (l) => l.map((c) => `${c.dataset.item}=${c.dataset.pass}`));
  assert.deepEqual(hub.filter((c) => !c.endsWith('=true')), [], `hub checks: ${hub}`);
  for (const item of ['box_online', 'video_surveillance', 'camera:cam1', 'camera:cam2', 'microphone:mic1', 'recording_storage', 'live_video_regulator']) {
    assert.ok(hub.includes(`${item}=true`), `${item} in ${hub}`);
  }
  await recordItems();
  await finish();
  await waitFor('passed', () => document.querySelector('.view-application')?.dataset.state === 'passed', null, 5000);
  await shot('passed');
});

check('mark: published by the operator, on the wall', async () => {
  await as(people.operator);
  await go(`#/onboarding/${app}`, 'application');
  await waitFor('the publish button', () => !!document.querySelector('.ob-publish'), null, 5000);
  const clock = await page.textContent('.ob-clock[data-step="publish_mark"]');
  assert.match(clock, /^公示“可视化”标识：\d{4}-\d\d-\d\d前，剩 /);
  await page.click('.ob-publish');
  await waitFor('published', () => document.querySelector('.view-application')?.dataset.state === 'published', null, 5000);
  await go('#/', 'wall');
  await waitFor('the mark on room-1', () => {
    const m = document.querySelector('.card[data-room="room-1"] .owner-mark');
    return m && m.textContent === '可视化' && m.classList.contains('mark-published');
  }, null, 10000);
  await shot('wall-mark');
});

check('exam: 50 questions answered, submitted and scored as the hub scored it (en)', async () => {
  await as(people.staff);
  await setLang('en');
  await go('#/exam', 'exam');
  await waitFor('the start button', () => !!document.querySelector('.exam-start'), null, 5000);
  assert.match(await page.textContent('.exam-intro'), /50 questions, 40 minutes, 100 points, 60 to pass, at most 10 attempts/);
  await page.click('.exam-start');
  await waitFor('50 questions', () => document.querySelectorAll('.exam-question').length === 50, null, 5000);
  const clock = Number(await page.getAttribute('.exam-clock', 'data-left'));
  assert.ok(clock > 2390 && clock <= 2400, `countdown ${clock} s`);
  for (let n = 1; n <= 50; n++) {
    await page.click(`.exam-question[data-n="${n}"] .exam-option >> nth=0`);
    await waitFor(`answer ${n} saved`, (k) => document.querySelector(`.exam-question[data-n="${k}"] .exam-saved`)?.dataset.saved === 'true', n, 5000);
  }
  assert.equal(await page.textContent('.exam-count'), '50 of 50 answered');
  await shot('exam');
  await page.click('.exam-submit');
  await waitFor('the score', () => !!document.querySelector('.exam-result'), null, 5000);
  const shown = Number(await page.getAttribute('.exam-result', 'data-score'));
  const hub = await page.evaluate(async () => (await (await fetch('/api/v1/exam/attempts')).json()));
  assert.equal(hub.attempts.length, 1);
  assert.equal(shown, hub.attempts[0].score);
  assert.match(await page.textContent('.exam-result'), new RegExp(`^Score ${shown} / 100 \\(\\d+ right\\) (passed|not passed)`));
  assert.match(await page.textContent('.exam-used'), /1 attempts used, 9 left/);
  await shot('exam-scored');
});
