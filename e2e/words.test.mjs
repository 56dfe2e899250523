// Words: after faults (a camera unplugged, one black, the network cut and
// back) and live viewings, the Chinese page (wall, room, alerts, audit)
// shows no English: every visible text node is split into Latin-letter
// tokens, and a token is allowed only if it is a code the page shows on
// purpose (it holds a digit or one of - _ : / ., as cam1, room-1,
// token:e2e do, but not a UTC time such as 2026-12-06T04:50:23Z), a unit
// (ms, fps, KB/s …) or a name (evalroom, MJPEG); text inside <code> and
// the language button "English" are codes too. A plain word such as
// "websocket", "regulator" or "device unplugged" fails the test, which lists
// each with its page and element.
//
// Screenshots: words-*.png; logs: words-hub.log, words-sim.log.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, suite } from './lib.mjs';

let sys;
let page;

async function control(p, body) {
  const res = await fetch(sys.controlURL + p, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `POST ${p} ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
}
const fault = (stream, f) => control(`/rooms/room-1/streams/${stream}/fault`, { fault: f });
const network = (state) => control('/rooms/room-1/network', { state });

const { check, waitFor } = suite({
  tag: 'words', prefix: 'words-', rooms: 1, control: true, state: async () => page.evaluate(() => `view=${document.body.dataset.view} badge=${document.querySelector('#alert-count')?.textContent}`),
  hubArgs: ['--alert-raise-after', '1s', '--heartbeat-timeout', '5s'],
  simArgs: ['--report', '1s'],
  ready: async (s) => { ({ sys, page } = s); },
});

// UNITS and NAMES are the Latin words the page may show on purpose.
const ALLOWED = ['ms', 's', 'fps', 'kbps', 'Mbps', 'B', 'KB', 'MB', 'GB', 'TB', 'KiB', 'MiB', 'GiB', 'Hz', 'kHz', 'dB', 'dBFS', 'px',
  'evalroom', 'MJPEG', 'JPEG', 'English', 'IP', 'SM2', 'SM3'];

// english lists the visible Latin words of the page that are no code, unit or name.
const english = () => page.evaluate((allowed) => {
  const ok = new Set(allowed);
  const out = [];
  const walk = document.createTreeWalker(document.querySelector('#app'), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('code, script, style, [data-lang]') || !el.getClientRects().length) continue;
    const text = n.textContent;
    const bad = [...text.matchAll(/\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?Z?/g)].map((m) => m[0]);
    for (const m of text.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z?/g, ' ').matchAll(/[A-Za-z][A-Za-z0-9_:./-]*/g)) {
      const w = m[0].replace(/[.:/]+$/, '');
      if (/[0-9_:./-]/.test(w) || ok.has(w)) continue;
      bad.push(w);
    }
    if (bad.length) out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')}: ${bad.join(' ')} «${text.trim().slice(0, 90)}»`);
  }
  return out;
}, ALLOWED);

// walk opens a view and waits until it shows what it is about (sel).
async function walk(hash, view, name, sel) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await waitFor(`the ${view} view showing ${sel}`, ([v, s]) => document.body.dataset.view === v && document.querySelector(s), [view, sel], 15000);
  await page.screenshot({ path: path.join(artifacts, `words-${name}.png`) });
  return (await english()).map((s) => `${name}: ${s}`);
}

check('the Chinese page shows no English after faults and viewings', async () => {
  await page.evaluate(() => { location.hash = '#/room/room-1'; });
  await waitFor('room-1 live', () => document.querySelector('.tile[data-live="live"] img')?.naturalWidth > 0, null, 30000);
  await fault('cam2', 'unplug');
  await fault('cam1', 'black');
  await waitFor('both alerts', () => Number(document.querySelector('#alert-count').dataset.count) >= 2, null, 30000);
  await network('down');
  await waitFor('room-1 offline', () => document.querySelector('.room-head')?.dataset.online === 'false', null, 30000);
  await network('up');
  await waitFor('room-1 back', () => document.querySelector('.room-head')?.dataset.online === 'true', null, 30000);
  const found = [
    ...await walk('#/', 'wall', 'wall', '.card[data-room="room-1"] [data-chip]'),
    ...await walk('#/room/room-1', 'room', 'room', '.streams-table tr[data-stream="cam2"]'),
    ...await walk('#/alerts', 'alerts', 'alerts', '[data-alert]'),
    ...await walk('#/audit', 'audit', 'audit', '.view-audit[data-loading="false"] tbody tr[data-action="live.view"]'),
  ];
  assert.deepEqual(found, [], `English on the Chinese page:\n${found.join('\n')}`);
}, 180000);
