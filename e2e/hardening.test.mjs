// Browser end-to-end test of what the page says when the hub cannot keep
// its promises, against the real system: evalroom-hub with a minimum of free
// space no disk has (--min-free-bytes 10^18, so it is degraded from the
// start) and evalroom-sim (1 room with one small camera and a microphone,
// control endpoint on):
//
//   storage   the banner says the hub's disk is short of space, with free,
//             total and the minimum, in Chinese (also before sign-in) and in
//             English; the operator sees the hub_storage_low alert on
//             #/alerts named as the hub, without a room link; a regulator
//             does not see it
//   session   a technician of room-1 watches it live; a procurement session
//             started with the simulator's control endpoint ends the view:
//             the hub's notice on the live socket turns the picture into the
//             reason (no last picture left), the room page says only
//             regulators may watch, in Chinese and English, and the page does
//             not keep asking for the stream; the session's end brings the
//             live picture back
//
// Screenshots: e2e/artifacts/hard-*.png; logs: hard-hub.log, hard-sim.log,
// hard-page-console.log; a failing test leaves failure-hard-*.png.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, signIn, signOut, suite } from './lib.mjs';

const MIN_FREE = '1000000000000000000'; // 10^18 bytes = 888 PiB

let sys;
let page;
const people = {};
const sent = []; // {at, text}: what the page sent on its live socket

const shot = (name) => page.screenshot({ path: path.join(artifacts, `hard-${name}.png`) });

async function control(p, body) {
  const res = await fetch(sys.controlURL + p, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `POST ${p} ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
}
const session = (room, id) => control(`/rooms/${room}/session`, { session: id });

// pageState describes what the page shows, for failure messages.
async function pageState() {
  return page.evaluate(() => {
    const b = document.body.dataset;
    const out = [`auth=${b.auth} role=${b.role} view=${b.view} hash=${location.hash} lang=${document.documentElement.lang}`];
    for (const x of document.querySelectorAll('.banner')) if (!x.hidden) out.push(`banner: ${x.textContent}`);
    for (const a of document.querySelectorAll('[data-alert]')) out.push(`alert ${a.dataset.alert} room="${a.dataset.room}" ${a.dataset.kind} ${a.dataset.state}: ${a.textContent.replace(/\s+/g, ' ').trim()}`);
    for (const t of document.querySelectorAll('.tile')) out.push(`tile ${t.dataset.stream} live=${t.dataset.live} ended=${t.dataset.ended}: ${t.textContent}`);
    for (const n of document.querySelectorAll('.no-live')) out.push(`no-live: ${n.textContent}`);
    const badge = document.querySelector('#alert-count');
    out.push(`badge ${badge.textContent} (${badge.title})`);
    return out.join('\n  ');
  }).catch((err) => `(page unreadable: ${err.message})`);
}

const { check, waitFor } = suite({
  tag: 'hard', prefix: 'hard-', rooms: 1, control: true, state: pageState, signInAs: null,
  hubArgs: ['--min-free-bytes', MIN_FREE, '--alert-raise-after', '1s', '--alert-clear-after', '3s'],
  simArgs: ['--report', '1s', '--cameras', '1', '--width', '320', '--height', '180', '--fps', '5'],
  ready: async (s) => {
    ({ sys, page } = s);
    people.operator = await sys.addUser({ username: 'ops', role: 'operator', name: '运维 陈' });
    people.tech = await sys.addUser({ username: 'tech-1', role: 'technician', scope: 'room-1', name: '技术员 赵' });
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push({ at: Date.now(), text: String(f.payload) })));
  },
});

async function setLang(l) {
  await page.click(`button[data-lang="${l}"]`);
  await waitFor(`page in ${l}`, (x) => document.documentElement.lang === x, l, 5000);
}

// as signs out whoever is signed in and signs in as p, at hash.
async function as(p, hash) {
  if (await page.evaluate(() => document.body.dataset.auth === 'in')) await signOut(page);
  await page.evaluate((h) => { location.hash = h; }, hash);
  await signIn(page, p);
}

const bannerText = () => page.evaluate(() => {
  const b = document.querySelector('#banner-storage');
  return b && !b.hidden ? { text: b.textContent, level: b.dataset.level } : null;
});

// A size as the page writes it: "1.2 GiB", "50 GiB", "888 PiB".
const size = String.raw`\d+(?:\.\d)? (?:B|KiB|MiB|GiB|TiB|PiB|EiB)`;

// ---- the hub's disk --------------------------------------------------------

check('storage: /healthz says degraded and the banner says so in numbers, in Chinese and English', async () => {
  const res = await fetch(`${sys.baseURL}/healthz`);
  assert.equal(res.status, 200, 'degraded is still 200');
  const h = await res.json();
  assert.equal(h.status, 'degraded');
  assert.equal(String(h.storage.min_free_bytes), MIN_FREE);

  // Before anybody signs in.
  await waitFor('the sign-in screen with the storage banner', () => document.body.dataset.view === 'signin'
    && !document.querySelector('#banner-storage').hidden, null, 15000);
  let b = await bannerText();
  assert.equal(b.level, 'warn', 'degraded is amber, not red');
  assert.match(b.text, new RegExp(`^中心服务磁盘空间不足：剩余 ${size} / 共 ${size}（最低 888 PiB）。磁盘写满后将无法保存录像，调阅录像也会被拒绝；请通知运维人员清理或扩容。$`));
  assert.doesNotMatch(b.text, /free|minimum|disk of/, "the hub's English sentence is not in the Chinese page");
  await shot('01-banner-signin-zh');

  await signIn(page, sys.regulator);
  await waitFor('the wall with room-1 online', () => document.querySelector('.card[data-room="room-1"]')?.dataset.online === 'true', null, 20000);
  b = await bannerText();
  assert.match(b.text, /^中心服务磁盘空间不足：剩余 .*（最低 888 PiB）/, 'the banner stays once signed in');
  await shot('02-banner-wall-zh');
  await setLang('en');
  await waitFor('the banner in English', () => /^The hub is running out of disk space/.test(document.querySelector('#banner-storage').textContent), null, 5000);
  b = await bannerText();
  assert.match(b.text, new RegExp(`^The hub is running out of disk space: ${size} free of ${size} \\(minimum 888 PiB\\)\\. Once the disk is full, no recording can be stored and viewing recordings is refused; tell the hub's operator to free space or add a disk\\.$`));
  await shot('02-banner-wall-en');
  await setLang('zh-CN');
});

check('storage: the operator sees the hub_storage_low alert named as the hub; a regulator does not', async () => {
  await as(people.operator, '#/alerts');
  await waitFor('the hub_storage_low alert, open', () => !!document.querySelector('[data-alert][data-kind="hub_storage_low"][data-state="open"]'), null, 20000);
  const row = await page.$eval('[data-alert][data-kind="hub_storage_low"]', (r) => ({
    room: r.dataset.room,
    severity: r.dataset.severity,
    what: r.querySelector('.alert-what').textContent,
    where: r.querySelector('.alert-where').textContent,
    links: [...r.querySelectorAll('a')].map((a) => a.getAttribute('href')),
    detail: r.querySelector('.alert-detail')?.textContent || '',
  }));
  assert.equal(row.room, '', 'an alert of the hub itself has no room');
  assert.equal(row.severity, 'warning');
  assert.equal(row.what, '中心服务磁盘空间不足');
  assert.match(row.where, /^中心服务/);
  assert.deepEqual(row.links, [], 'no link to a room that does not exist');
  assert.match(row.detail, new RegExp(`^当前：磁盘剩余 ${size} / 共 ${size}（最低 888 PiB）$`));
  await waitFor('the header badge counts it, saying it is about the hub', () => {
    const b = document.querySelector('#alert-count');
    return Number(b.textContent) >= 1 && /其中 1 条关于中心服务/.test(b.title);
  }, null, 10000);
  await shot('03-operator-alert-zh');
  await setLang('en');
  await waitFor('the alert in English', () => {
    const r = document.querySelector('[data-alert][data-kind="hub_storage_low"]');
    return r?.querySelector('.alert-what').textContent === 'hub disk running out of space' && /^the hub/.test(r.querySelector('.alert-where').textContent);
  }, null, 5000);
  await shot('03-operator-alert-en');
  await setLang('zh-CN');

  await as(sys.regulator, '#/alerts?state=all');
  await waitFor('the alerts page loaded', () => document.body.dataset.view === 'alerts'
    && (document.querySelectorAll('[data-alert]').length > 0 || /没有告警/.test(document.querySelector('.view-alerts .placeholder')?.textContent || '')), null, 15000);
  const theirs = await page.evaluate(async () => (await (await fetch('/api/v1/alerts')).json()).map((a) => `${a.room}:${a.kind}`));
  assert.ok(!theirs.some((k) => k.startsWith(':') || k.includes('hub_storage')), `a regulator sees no alert of the hub: ${theirs}`);
  assert.equal(await page.$$eval('[data-alert][data-kind^="hub_storage"]', (els) => els.length), 0);
  await shot('04-regulator-alerts');

  // The timeline's download goes through a frame of the page (to read a
  // refusal); a range the hub serves is still saved as a file.
  await page.evaluate(() => { location.hash = '#/room/room-1'; });
  await waitFor('the timeline with its download link', () => !!document.querySelector('[data-download]')?.getAttribute('href'), null, 15000);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), page.click('[data-download]')]);
  assert.match(dl.suggestedFilename(), /\.tar$/, `the download saves a tar: ${dl.suggestedFilename()}`);
  assert.doesNotMatch(await page.textContent('.tl-status'), /下载未成功/);
});

// ---- a session ends a technician's live view -------------------------------

check('session: a technician watching room-1 is told a session started, then watches again after it', async () => {
  await as(people.tech, '#/room/room-1');
  await waitFor("room-1's camera live for the technician", () => document.querySelector('.room-live .tile[data-stream="cam1"]')?.dataset.live === 'live', null, 20000);
  await shot('05-technician-live');

  // Note every state the camera's tile goes through, and whether it still
  // held a picture then.
  await page.evaluate(() => {
    window.__tileStates = [];
    const note = () => {
      const t = document.querySelector('.room-live .tile[data-stream="cam1"]');
      if (!t) return;
      const last = window.__tileStates.at(-1);
      const s = { live: t.dataset.live, ended: t.dataset.ended || '', mark: t.querySelector('.mark').textContent, src: t.querySelector('img').hasAttribute('src') };
      if (!last || last.live !== s.live || last.mark !== s.mark) window.__tileStates.push(s);
    };
    window.__tileObserver = new MutationObserver(note);
    window.__tileObserver.observe(document.querySelector('.room-live'), { subtree: true, attributes: true, childList: true, characterData: true });
  });

  await session('room-1', 'zfcg-2026-001');
  const startedAt = Date.now();
  await waitFor('the room view says a session runs and only regulators may watch', () => {
    const n = document.querySelector('.room-live .no-live');
    return n?.textContent === '评标进行中：仅监管人员可观看（评审保密）' && !document.querySelector('.room-live .tile');
  }, null, 15000);
  const states = await page.evaluate(() => window.__tileStates);
  const ended = states.find((s) => s.live === 'ended');
  assert.ok(ended, `the hub's notice reached the tile before the room list did: ${JSON.stringify(states)}`);
  assert.equal(ended.ended, 'session');
  assert.equal(ended.mark, '评标进行中：仅监管人员可观看（评审保密）');
  assert.equal(ended.src, false, 'the last picture is not left on screen');
  await shot('06-session-zh');

  // The session stays on the page's own list: no asking again in a loop.
  const before = sent.filter((f) => f.at > startedAt).length;
  await new Promise((r) => setTimeout(r, 5000));
  const during = sent.filter((f) => f.at > startedAt);
  assert.ok(during.length <= before + 1 && during.length <= 3,
    `the page asked the hub again and again during the session: ${JSON.stringify(during.map((f) => f.text))}`);

  await setLang('en');
  await waitFor('the same in English', () => document.querySelector('.room-live .no-live')?.textContent
    === 'Evaluation in progress: only regulators may watch (evaluation is confidential)', null, 5000);
  await shot('06-session-en');
  await setLang('zh-CN');

  // The wall says the same on room-1's card.
  await page.evaluate(() => { location.hash = '#/'; });
  await waitFor("room-1's card says why there is no picture", () => {
    const c = document.querySelector('.card[data-room="room-1"]');
    return c?.querySelector('.no-live')?.textContent === '评标进行中：仅监管人员可观看（评审保密）' && !c.querySelector('.tile');
  }, null, 10000);
  await shot('07-session-wall');

  await session('room-1', '');
  await waitFor('live again on the wall once the session is over', () => document.querySelector('.card[data-room="room-1"] .tile[data-stream="cam1"]')?.dataset.live === 'live', null, 20000);
  await page.evaluate(() => { location.hash = '#/room/room-1'; });
  await waitFor('and in the room view', () => document.querySelector('.room-live .tile[data-stream="cam1"]')?.dataset.live === 'live'
    && !document.querySelector('.room-live .no-live'), null, 20000);
  await shot('08-after-session');
  await page.evaluate(() => window.__tileObserver?.disconnect());
});
