// Browser end-to-end test of the wall's owner filters against the real
// system: evalroom-hub (alerts raised after 1 s) and evalroom-sim (4 rooms
// with one small camera each; the simulator spreads them over two
// jurisdictions and two agencies:
//
//   room-1  450206 柳州市柳江区  lz-shifan 柳州示范招标代理有限公司
//   room-2  450202 柳州市城中区  lz-shifan
//   room-3  450206 柳州市柳江区  gx-yangli 广西样例项目管理有限公司
//   room-4  450202 柳州市城中区  gx-yangli
//
//   cards      each room shows its jurisdiction and agency
//   filters    agency, then jurisdiction, kept in the address; a bookmark
//              opens filtered, in both languages; state within a jurisdiction
//   change     an owner changed through the API moves the room in or out of
//              the filtered wall, and is in the audit log
//   patrol     patrol through a filtered wall visits only its rooms
//
// Screenshots: e2e/artifacts/own-*.png; logs: own-hub.log, own-sim.log,
// own-page-console.log; a failing test leaves failure-own-*.png.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, suite, until } from './lib.mjs';

const ROOMS = 4;
const OWNERS = {
  'room-1': ['450206', 'lz-shifan'], 'room-2': ['450202', 'lz-shifan'],
  'room-3': ['450206', 'gx-yangli'], 'room-4': ['450202', 'gx-yangli'],
};

let sys;
let page;
let pageLog = [];

const shot = (name) => page.screenshot({ path: path.join(artifacts, `own-${name}.png`) });

async function control(p, body) {
  const res = await fetch(sys.controlURL + p, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `POST ${p} ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
}
const fault = (room, stream, f) => control(`/rooms/${room}/streams/${stream}/fault`, { fault: f });

// hubJSON calls the hub's API as the operator (the system's token).
async function hubJSON(method, p, body) {
  const res = await fetch(sys.baseURL + p, {
    method, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(5000), headers: sys.authHeaders,
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${p}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// pageState describes what the page shows, for failure messages.
async function pageState() {
  return page.evaluate(() => {
    const out = [`view=${document.body.dataset.view} hash=${location.hash} lang=${document.documentElement.lang}`];
    for (const s of document.querySelectorAll('select[data-filter]')) out.push(`select ${s.dataset.filter}=${s.value} [${[...s.options].map((o) => o.value).join(',')}]`);
    const pressed = document.querySelector('[data-show][aria-pressed="true"]');
    if (pressed) out.push(`state=${pressed.dataset.show} total="${document.querySelector('.summary .muted')?.textContent}"`);
    for (const c of document.querySelectorAll('.card[data-room]')) {
      out.push(`${c.dataset.room} online=${c.dataset.online} health=${c.dataset.health} j=${c.dataset.jurisdiction} a=${c.dataset.agency}: ${c.querySelector('.owner')?.textContent}`);
    }
    const bar = document.querySelector('.patrol-bar');
    if (bar) out.push(`patrol room=${document.querySelector('.view-patrol')?.dataset.room}: ${bar.textContent}`);
    return out.join('\n  ');
  }).catch((err) => `(page unreadable: ${err.message})`);
}

// onWall waits until the wall shows exactly these rooms, in order.
const onWall = (ids, what, ms = 5000) => waitFor(`${what} (${ids})`,
  (want) => [...document.querySelectorAll('.card[data-room]')].map((c) => c.dataset.room).join() === want, ids, ms);

async function go(hash, view) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await waitFor(`the ${view} view`, (v) => document.body.dataset.view === v, view, 5000);
}

async function setLang(l) {
  await page.click(`button[data-lang="${l}"]`);
  await waitFor(`page in ${l}`, (x) => document.documentElement.lang === x, l, 5000);
}

const { check, waitFor } = suite({
  tag: 'own', prefix: 'own-', rooms: ROOMS, control: true, state: pageState,
  hubArgs: ['--alert-raise-after', '1s', '--alert-clear-after', '3s'],
  simArgs: ['--report', '1s', '--cameras', '1', '--width', '320', '--height', '180', '--fps', '5'],
  ready: (s) => ({ sys, page, pageLog } = s),
});

check('cards: every room shows its jurisdiction and agency', async () => {
  await waitFor(`${ROOMS} rooms online with their owners`, (owners) => {
    const cards = [...document.querySelectorAll('.card[data-room]')];
    return cards.length === Object.keys(owners).length && cards.every((c) => c.dataset.online === 'true'
      && c.dataset.jurisdiction === owners[c.dataset.room][0] && c.dataset.agency === owners[c.dataset.room][1]);
  }, OWNERS, 30000);
  const card = '.card[data-room="room-3"]';
  assert.equal(await page.textContent(`${card} .owner-jurisdiction .owner-v`), '柳州市柳江区');
  assert.equal(await page.textContent(`${card} .owner-agency .owner-v`), '广西样例项目管理有限公司');
  assert.equal(await page.getAttribute(`${card} .owner-jurisdiction`, 'title'), '代码 450206');
  // The hub's own filter agrees with the simulator's spread.
  const api = await hubJSON('GET', '/api/v1/rooms?agency=lz-shifan');
  assert.deepEqual(api.map((r) => `${r.id} ${r.jurisdiction.name}`), ['room-1 柳州市柳江区', 'room-2 柳州市城中区']);
  await shot('01-wall-zh');
});

check('filters: agency, then jurisdiction, kept in the address', async () => {
  await page.selectOption('select[data-filter="agency"]', 'lz-shifan');
  await onWall('room-1,room-2', 'only the rooms of 柳州示范招标代理有限公司');
  assert.match(await page.evaluate(() => location.hash), /^#\/\?agency=lz-shifan$/);
  await shot('02-agency');

  await page.selectOption('select[data-filter="jurisdiction"]', '450206');
  await onWall('room-1', 'only room-1: 柳江区 and 示范');
  assert.equal(await page.evaluate(() => location.hash), '#/?jurisdiction=450206&agency=lz-shifan');
  assert.equal(await page.textContent('.summary .muted'), '所选范围 1 间（共 4 间评标室）');
  // The way back from a room keeps the filter.
  assert.equal(await page.getAttribute('[data-nav="wall"]', 'href'), '#/?jurisdiction=450206&agency=lz-shifan');
  await shot('03-agency-jurisdiction');

  await page.click('.clear-filter');
  await onWall('room-1,room-2,room-3,room-4', 'every room again after 清除筛选');
  assert.equal(await page.evaluate(() => location.hash), '#/');
});

check('filters: a bookmark opens filtered, in both languages', async () => {
  await page.goto(`${sys.baseURL}/#/?jurisdiction=450202&agency=gx-yangli`);
  await onWall('room-4', 'only room-4 from the bookmark', 15000);
  assert.equal(await page.inputValue('select[data-filter="jurisdiction"]'), '450202');
  assert.equal(await page.inputValue('select[data-filter="agency"]'), 'gx-yangli');
  await shot('04-bookmark-zh');
  await setLang('en');
  try {
    await waitFor('the filters in English', () => {
      const j = document.querySelector('select[data-filter="jurisdiction"]');
      return j.options[0].textContent === 'All jurisdictions' && j.selectedOptions[0].textContent === '柳州市城中区 (450202)'
        && document.querySelector('.card[data-room="room-4"] .owner-agency .owner-k').textContent === 'agency';
    }, null, 5000);
    assert.equal(await page.textContent('.summary .muted'), 'rooms in this selection: 1 of 4');
    await shot('04-bookmark-en');
  } finally {
    await setLang('zh-CN');
  }
});

check('filters: state within a jurisdiction', async () => {
  await fault('room-1', 'cam1', 'black');
  await fault('room-2', 'cam1', 'black');
  try {
    await go('#/?state=problems&jurisdiction=450206', 'wall');
    await onWall('room-1', 'only room-1: a problem in 柳江区', 15000);
    assert.equal(await page.getAttribute('[data-show="problems"]', 'aria-pressed'), 'true');
    assert.equal(await page.textContent('[data-show="problems"] .count'), '1');
    await shot('05-problems-in-jurisdiction');
    await go('#/?state=alert&jurisdiction=450202', 'wall');
    await onWall('room-2', 'room-2 under 有告警 in 城中区', 15000);
  } finally {
    await fault('room-1', 'cam1', 'none');
    await fault('room-2', 'cam1', 'none');
  }
});

check('change: an owner changed through the API moves the room, and is audited', async () => {
  await go('#/?agency=lz-shifan', 'wall');
  await onWall('room-1,room-2', 'rooms 1 and 2 under 示范');
  const room = await hubJSON('PATCH', '/api/v1/rooms/room-3', { agency: { id: 'lz-shifan' } });
  assert.equal(room.agency.name, '柳州示范招标代理有限公司');
  await onWall('room-1,room-2,room-3', 'room-3 joins the 示范 wall', 10000);
  await shot('06-owner-changed');
  const audit = await hubJSON('GET', '/api/v1/audit?action=room.update&target=room-3');
  assert.equal(audit[0]?.detail, 'agency: gx-yangli 广西样例项目管理有限公司 → lz-shifan 柳州示范招标代理有限公司');
  await hubJSON('PATCH', '/api/v1/rooms/room-3', { agency: { id: 'gx-yangli' } });
  await onWall('room-1,room-2', 'room-3 leaves again', 10000);
});

check('patrol: through a filtered wall, only its rooms', async () => {
  // The earlier tests' alerts resolve a few seconds after their faults
  // cleared; until then they would put their rooms on patrol, then take
  // them off again.
  await go('#/', 'wall');
  await waitFor('no open alert left from the earlier tests', () => document.querySelector('#alert-count').textContent === '0', null, 20000);
  await fault('room-1', 'cam1', 'black');
  await fault('room-2', 'cam1', 'black');
  try {
    await go('#/?jurisdiction=450206', 'wall');
    await page.click('#patrol');
    await waitFor('patrol with the filter', () => location.hash === '#/patrol?jurisdiction=450206', null, 5000);
    await go('#/patrol?every=3&jurisdiction=450206', 'patrol');
    await waitFor('patrol shows room-1 live, scoped to 柳江区', () => {
      const v = document.querySelector('.view-patrol');
      return v.dataset.room === 'room-1' && v.querySelector('.tile.big[data-live="live"]')
        && v.querySelector('.patrol-scope').textContent === '范围：柳州市柳江区';
    }, null, 20000);
    await shot('07-patrol-jurisdiction');
    // Two switch periods: room-2's alert is outside the filter, so patrol stays.
    const seen = new Set();
    const until2 = Date.now() + 7000;
    while (Date.now() < until2) {
      seen.add(await page.getAttribute('.view-patrol', 'data-room'));
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual([...seen], ['room-1']);
    assert.match(await page.textContent('.patrol-info'), /第 1\/1 间/);
    // The other jurisdiction's patrol shows the other room.
    await go('#/patrol?every=3&jurisdiction=450202', 'patrol');
    await until('patrol in 城中区 to show room-2', () => page.getAttribute('.view-patrol', 'data-room').then((r) => r === 'room-2'), 10000);
    assert.equal(await page.getAttribute('.patrol-bar a[href^="#/"]', 'href'), '#/?jurisdiction=450202');
  } finally {
    await fault('room-1', 'cam1', 'none');
    await fault('room-2', 'cam1', 'none');
  }
});

check('the page logged no errors and no missing texts', async () => {
  const bad = pageLog.filter((l) => l.startsWith('pageerror') || l.includes('i18n:'));
  assert.deepEqual(bad, []);
});
