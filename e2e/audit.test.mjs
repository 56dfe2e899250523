// Browser end-to-end test of the audit log page (#/audit), against the real
// system: evalroom-hub and evalroom-sim (2 rooms with one small camera each,
// both in Liuzhou, which the demo's regulator covers).
//
//   regulator  the test watches room-1 live, then finds its own live views
//              in the log (who, what in words, on what linked to the room,
//              the hash shortened with the whole of it on hover), newest
//              first; filters by action and, from room-2's page, by room,
//              and the address keeps the filter over a reload; 230 renames
//              of room-2 page through "load older entries" to the end; both
//              languages, and an empty result said in words; the line
//              above the log says, in both languages, that the chain
//              verifies against its latest signed head and when it was signed
//              one live-view entry per room viewing naming its streams in
//              words; its own sign-in (role and jurisdiction in words) and
//              no one else's
//   operator   sees the sign-ins this test made
//   staff      agency staff have no link to the log, and opening #/audit is
//              refused in words
//   hub gone   a refresh with the hub stopped says it cannot be reached
//
// Screenshots: e2e/artifacts/aud-*.png; logs: aud-hub.log, aud-sim.log,
// aud-page-console.log; a failing test leaves failure-aud-*.png.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, signIn, signOut, stop, suite } from './lib.mjs';

let sys;
let page;
const people = {};

const shot = (name) => page.screenshot({ path: path.join(artifacts, `aud-${name}.png`), fullPage: false });

async function pageState() {
  return page.evaluate(() => {
    const b = document.body.dataset;
    const out = [`auth=${b.auth} role=${b.role} view=${b.view} hash=${location.hash} lang=${document.documentElement.lang}`];
    for (const x of document.querySelectorAll('.banner')) if (!x.hidden) out.push(`banner: ${x.textContent}`);
    const v = document.querySelector('.view-audit');
    if (v) {
      out.push(`count: ${v.querySelector('.audit-count').textContent} empty: ${v.querySelector('.audit-empty').hidden ? '-' : v.querySelector('.audit-empty').textContent}`);
      out.push(`more: ${v.querySelector('.audit-more').hidden ? 'hidden' : 'shown'} end: ${v.querySelector('.audit-end').hidden ? 'hidden' : 'shown'}`);
      for (const r of [...v.querySelectorAll('tbody tr')].slice(0, 12)) out.push(`#${r.dataset.id} ${r.dataset.action} ${r.dataset.target} ${r.dataset.actor}`);
    }
    return out.join('\n  ');
  }).catch((err) => `(page unreadable: ${err.message})`);
}

const { check, waitFor } = suite({
  tag: 'aud', prefix: 'aud-', rooms: 2, state: pageState,
  simArgs: ['--report', '1s', '--cameras', '1', '--width', '320', '--height', '180', '--fps', '5'],
  ready: async (s) => {
    ({ sys, page } = s);
    people.ops = await sys.addUser({ username: 'ops', role: 'operator', name: '运维 陈' });
    people.staff = await sys.addUser({ username: 'shifan-staff', role: 'agency-staff', scope: 'lz-shifan', name: '示范 张' });
  },
});

async function setLang(l) {
  await page.click(`button[data-lang="${l}"]`);
  await waitFor(`page in ${l}`, (x) => document.documentElement.lang === x, l, 5000);
}

// rows reads the table: one object per entry, as shown.
const rows = () => page.$$eval('.view-audit tbody tr', (trs) => trs.map((r) => ({
  id: Number(r.dataset.id), action: r.dataset.action, target: r.dataset.target, actor: r.dataset.actor,
  time: r.querySelector('.audit-time').textContent, who: r.querySelector('.audit-actor').textContent,
  what: r.querySelector('.audit-action').textContent, on: r.querySelector('.audit-target').textContent,
  link: r.querySelector('.audit-target a')?.getAttribute('href') || null,
  detail: r.querySelector('.audit-detail').textContent, raw: r.querySelector('.audit-detail').title,
  hash: r.querySelector('.audit-hash code').textContent, fullHash: r.querySelector('.audit-hash code').title,
})));

// loaded waits until the audit page has read the log (rows or the words for none).
const loaded = (what = 'the audit log read') => waitFor(what, () => document.querySelector('.view-audit')?.dataset.loading === 'false', null, 15000);

const descending = (list) => list.every((r, i) => i === 0 || list[i - 1].id > r.id);

// as signs out whoever is signed in and signs in as p, at hash.
async function as(p, hash) {
  if (await page.evaluate(() => document.body.dataset.auth === 'in')) await signOut(page);
  await page.evaluate((h) => { location.hash = h; }, hash);
  await signIn(page, p);
}

check('regulator: its own live view is in the log, newest first, in words', async () => {
  await page.evaluate(() => { location.hash = '#/room/room-1'; });
  await waitFor('room-1 live', () => document.querySelector('.tile[data-live="live"] img')?.naturalWidth > 0, null, 30000);
  assert.ok(await page.isVisible('#nav-audit'), 'the header links to the audit log');
  assert.equal(await page.textContent('#nav-audit'), '审计日志');
  await page.click('#nav-audit');
  await waitFor('#/audit', () => document.body.dataset.view === 'audit', null, 5000);
  await waitFor('a live view of room-1 by the regulator', () => [...document.querySelectorAll('.view-audit tbody tr')]
    .some((r) => r.dataset.action === 'live.view' && r.dataset.target === 'room-1' && r.dataset.actor.startsWith('regulator@')), null, 15000);
  const list = await rows();
  assert.ok(descending(list), `newest first: ${list.map((r) => r.id)}`);
  const view = list.find((r) => r.action === 'live.view' && r.target === 'room-1');
  assert.equal(view.what, '实时查看');
  // One entry per room viewing, naming its streams in words; the recorded detail on hover.
  assert.ok(list.filter((r) => r.action === 'live.view').every((r) => !r.target.includes('/')), 'live views name the room, not one entry per stream');
  assert.match(view.detail, /^在本页面观看：(摄像头|麦克风) \w+(（子码流）)?(、(摄像头|麦克风) \w+(（子码流）)?)*$/, `the streams in words: ${view.detail}`);
  // The wall watched cam1's sub-stream; the room page cam1 and the microphone: each entry names the streams it began.
  const named = list.filter((r) => r.action === 'live.view' && r.target === 'room-1').flatMap((r) => [...JSON.parse(r.raw).streams || [], ...JSON.parse(r.raw).sub || []]);
  assert.ok(named.includes('cam1') && named.some((s) => s.startsWith('mic')), `room-1's streams named: ${named}`);
  assert.equal(JSON.parse(view.raw).via, 'websocket');
  assert.match(view.who, /^值班员 王 @ 127\.0\.0\.1$/, 'the reader\'s own entries by its name');
  assert.match(view.time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'local time with the date');
  assert.equal(view.link, '#/room/room-1', 'the room links to its page');
  assert.match(view.fullHash, /^[0-9a-f]{64}$/, 'the whole hash on hover');
  assert.equal(view.hash, `${view.fullHash.slice(0, 10)}…`);
  assert.ok(list.some((r) => r.action === 'room.create' && r.what === '新建评标室' && r.actor.startsWith('token:e2e@')), 'the simulator\'s rooms were created with the e2e token');
  // Sign-ins name a user, not a room: a regulator reads those of its jurisdiction's people, here its own.
  const signins = list.filter((r) => r.action === 'user.signin');
  assert.deepEqual(signins.map((r) => r.target), ['user/regulator'], 'the regulator\'s own sign-in and no one else\'s');
  assert.match(signins[0].detail, /^监管人员 [^A-Za-z]+$/, `role and jurisdiction in words: ${signins[0].detail}`);
  assert.match(await page.textContent('.audit-intro'), /evalroom-hub audit verify/);
  await waitFor('the chain verified against its latest signed head, in words', () => {
    const c = document.querySelector('.audit-chain');
    return c && !c.hidden && c.dataset.state === 'ok' && c.textContent.includes('最新链头');
  }, null, 15000);
  assert.match(await page.textContent('.audit-chain'),
    /^审计日志通过验证：哈希链完整，与最新签名的链头一致（共 \d+ 条）。 最新链头：第 \d+ 条，签名于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d（密钥 ed25519:[0-9a-f]{32}）。$/);
  await shot('01-log-zh');
});

check('regulator: filter by action and who, kept in the address', async () => {
  await page.selectOption('.audit-filters select[name="action"]', 'live.view');
  await page.fill('.audit-filters input[name="actor"]', 'regulator');
  await page.click('.audit-filters button[type="submit"]');
  await waitFor('the filter in the address', () => location.hash === '#/audit?action=live.view&actor=regulator', null, 5000);
  await loaded();
  const list = await rows();
  assert.ok(list.length > 0 && list.every((r) => r.action === 'live.view' && r.actor.startsWith('regulator@')), JSON.stringify(list.slice(0, 5)));
  await shot('02-filter-action');
  await page.fill('.audit-filters input[name="actor"]', 'someone-else');
  await page.click('.audit-filters button[type="submit"]');
  await waitFor('no entries, in words', () => document.querySelector('.audit-empty')?.textContent === '没有符合条件的审计记录。'
    && !document.querySelector('.audit-empty').hidden, null, 10000);
  await shot('02-filter-empty-zh');
  // The time range: from an hour ago keeps the views, from an hour ahead has none.
  const at = (ms) => new Date(Date.now() + ms).toISOString();
  await page.evaluate((h) => { location.hash = h; }, `#/audit?action=live.view&from=${at(-3600e3)}`);
  await loaded();
  assert.ok((await rows()).length > 0, 'views since an hour ago');
  assert.match(await page.inputValue('.audit-filters input[name="from"]'), /^\d{4}-\d\d-\d\dT\d\d:\d\d$/, 'the range in local time');
  await page.evaluate((h) => { location.hash = h; }, `#/audit?action=live.view&from=${at(3600e3)}`);
  await waitFor('none from an hour ahead', () => document.querySelector('.audit-empty')?.textContent === '没有符合条件的审计记录。'
    && !document.querySelector('.audit-empty').hidden, null, 10000);
});

check('regulator: "audit of this room" opens the log filtered to the room; a reload keeps it', async () => {
  await page.evaluate(() => { location.hash = '#/room/room-2'; });
  await waitFor('room-2 live', () => document.querySelector('.tile[data-live="live"] img')?.naturalWidth > 0, null, 30000);
  assert.equal(await page.textContent('.audit-link'), '本评标室的审计日志');
  await page.click('.audit-link');
  await waitFor('the room in the address', () => location.hash === '#/audit?target=room-2', null, 5000);
  await waitFor('room-2\'s live view', () => [...document.querySelectorAll('.view-audit tbody tr')].some((r) => r.dataset.action === 'live.view'), null, 15000);
  const check2 = async () => {
    const list = await rows();
    assert.ok(list.every((r) => r.target === 'room-2' || r.target.startsWith('room-2/')), `only room-2: ${list.map((r) => r.target)}`);
    assert.ok(list.some((r) => r.action === 'room.create') && list.some((r) => r.action === 'live.view'), 'the room and its cameras');
  };
  await check2();
  assert.equal(await page.inputValue('.audit-filters input[name="target"]'), 'room-2');
  await shot('03-room');
  await page.reload();
  await waitFor('the audit page again', () => document.body.dataset.view === 'audit' && document.querySelectorAll('.view-audit tbody tr').length > 0, null, 15000);
  assert.equal(await page.evaluate(() => location.hash), '#/audit?target=room-2');
  assert.equal(await page.inputValue('.audit-filters input[name="target"]'), 'room-2');
  await check2();
});

check('regulator: a long history pages with "load older entries" to its end', async () => {
  const res0 = await fetch(`${sys.baseURL}/api/v1/audit?action=room.update&target=room-2`, { headers: sys.authHeaders });
  const want = (await res0.json()).length + 230;
  for (let i = 0; i < 230; i++) {
    const res = await fetch(`${sys.baseURL}/api/v1/rooms/room-2`, {
      method: 'PATCH', headers: { ...sys.authHeaders, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `第二评标室 ${i}` }), signal: AbortSignal.timeout(5000),
    });
    assert.equal(res.status, 200, `PATCH room-2 #${i}: ${await res.text()}`);
  }
  await page.evaluate(() => { location.hash = '#/audit?action=room.update&target=room-2'; });
  await waitFor('the first 200', () => document.querySelectorAll('.view-audit tbody tr').length === 200 && !document.querySelector('.audit-more').hidden, null, 15000);
  assert.match(await page.textContent('.audit-count'), /^显示 200 条，最早一条在 \d{4}-/);
  await shot('04-page-1');
  await page.click('.audit-more');
  await waitFor(`all ${want} and the end said`, (n) => document.querySelectorAll('.view-audit tbody tr').length === n
    && !document.querySelector('.audit-end').hidden && document.querySelector('.audit-more').hidden, want, 15000);
  const list = await rows();
  assert.ok(descending(list), 'newest first across pages, none twice');
  assert.ok(list.every((r) => r.action === 'room.update' && r.what === '修改评标室（名称或归属）'));
  assert.equal(await page.textContent('.audit-end'), '没有更早的记录了。');
  await page.evaluate(() => document.querySelector('.audit-end').scrollIntoView());
  await shot('04-page-end');
});

check('regulator: the page in English', async () => {
  await page.evaluate(() => { location.hash = '#/audit?action=live.view'; });
  await loaded();
  await setLang('en');
  assert.equal(await page.textContent('#nav-audit'), 'Audit log');
  assert.equal(await page.textContent('.view-audit h2'), 'Audit log');
  assert.deepEqual(await page.$$eval('.audit-table th', (th) => th.map((x) => x.textContent)), ['Time', 'Who', 'What', 'On what', 'Detail', 'Hash']);
  const list = await rows();
  assert.ok(list.length > 0 && list.every((r) => r.what === 'watched live'), JSON.stringify(list.slice(0, 3)));
  assert.match(await page.textContent('.audit-intro'), /append-only chain.*evalroom-hub audit verify/);
  assert.match(await page.textContent('.audit-chain'),
    /^The audit log verifies: its hash chain is unbroken and matches the latest signed head \(\d+ entries\)\. Latest head: entry \d+, signed \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(key ed25519:[0-9a-f]{32}\)\.$/);
  assert.equal(await page.$eval('.audit-filters select[name="action"] option:checked', (o) => o.textContent), 'watched live (live.view)');
  await shot('05-log-en');
  await page.evaluate(() => { location.hash = '#/audit?target=room-9'; });
  await waitFor('no entries, in English', () => document.querySelector('.audit-empty')?.textContent === 'No audit entries match this filter.'
    && !document.querySelector('.audit-empty').hidden, null, 10000);
  await shot('05-empty-en');
  await setLang('zh-CN');
});

check('staff: no link to the log, and #/audit is refused in words', async () => {
  await as(people.staff, '#/room/room-1');
  await waitFor('the room page', () => document.body.dataset.view === 'room' && document.querySelector('.room-head h2')?.textContent !== '正在加载…', null, 15000);
  assert.ok(!(await page.isVisible('#nav-audit')), 'no audit link in the header');
  assert.equal(await page.$('.audit-link'), null, 'no "audit of this room" link');
  await page.evaluate(() => { location.hash = '#/audit'; });
  await waitFor('the refusal in words', () => {
    const e = document.querySelector('.view-audit .banner-bad');
    return e && !e.hidden && e.textContent.startsWith('无法读取审计日志：您的角色（代理机构工作人员）无权');
  }, null, 10000);
  assert.ok(await page.isHidden('.audit-more'), 'nothing to load more of');
  await shot('06-staff-refused');
});

check('operator: sees the sign-ins this test made', async () => {
  await as(people.ops, '#/audit?action=user.signin');
  await waitFor('sign-ins of the regulator, the staff and the operator', () => {
    const who = [...document.querySelectorAll('.view-audit tbody tr')].map((r) => r.dataset.target);
    return ['user/regulator', 'user/shifan-staff', 'user/ops'].every((u) => who.includes(u));
  }, null, 15000);
  assert.ok(await page.isVisible('#nav-audit'));
  const list = await rows();
  assert.ok(list.every((r) => r.action === 'user.signin' && r.what === '登录'));
  assert.equal(list[0].target, 'user/ops', 'the newest is the operator\'s own');
  await shot('07-operator-signins');
});

check('hub gone: a refresh says the hub cannot be reached', async () => {
  await stop(sys.hub);
  await page.click('.audit-filters button[data-i18n="audit.refresh"]');
  await waitFor('"cannot reach the hub" in words', () => {
    const e = document.querySelector('.view-audit .banner-bad');
    return e && !e.hidden && e.textContent === '无法读取审计日志：无法连接中心服务';
  }, null, 15000);
  await shot('08-unreachable');
});
