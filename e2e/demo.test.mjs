// Browser end-to-end test of the demo: the real evalroom-hub and evalroom-sim
// (3 simulated rooms) on loopback ports, the hub's web page in Debian's
// Chromium driven by playwright-core.
//
// Run from the repository root after building bin/evalroom-hub and
// bin/evalroom-sim:   node --test e2e/
// CHROMIUM=/path/to/chromium overrides the browser; EVALROOM_HUB and
// EVALROOM_SIM override the binaries; KEEP_TMP=1 keeps the data dirs. Screenshots and the
// processes' logs go to e2e/artifacts/.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, suite } from './lib.mjs';

const ROOMS = 3;
const TILES_PER_ROOM = 2;

let sys;
let page;

// pageState describes what the page shows, for failure messages.
async function pageState() {
  return page.evaluate(() => {
    const banners = [...document.querySelectorAll('.banner')].filter((b) => !b.hidden).map((b) => `banner: ${b.textContent}`);
    const rooms = [...document.querySelectorAll('[data-room]')].map((c) => {
      const tiles = [...c.querySelectorAll('[data-stream]')].map((el) => `${el.dataset.stream}=${el.dataset.live}`
        + ` w=${el.querySelector('img').naturalWidth} "${el.querySelector('.mark').textContent}" ${el.querySelector('.frame').textContent}`);
      return `${c.dataset.room} online=${c.dataset.online} [${tiles.join('; ')}]`;
    });
    return [...banners, ...rooms].join('\n  ') || '(no rooms shown)';
  }).catch((err) => `(page unreadable: ${err.message})`);
}

const { check, waitFor } = suite({
  tag: 'demo', rooms: ROOMS, state: pageState,
  ready: (s) => ({ sys, page } = s),
});

check('all rooms come online', async () => {
  await waitFor(`${ROOMS} room cards with data-online="true"`,
    (n) => document.querySelectorAll('[data-room][data-online="true"]').length === n,
    ROOMS, 30000);
});

check('every room shows its live pictures', async () => {
  await waitFor(`${TILES_PER_ROOM} live tiles with a picture in each room`, ([rooms, per]) => {
    const cards = [...document.querySelectorAll('[data-room][data-online="true"]')];
    return cards.length === rooms && cards.every((c) => {
      const imgs = [...c.querySelectorAll('[data-stream] img')];
      return imgs.length === per && imgs.every((img) => img.complete && img.naturalWidth > 0);
    });
  }, [ROOMS, TILES_PER_ROOM], 30000);
  const live = await page.$$eval('[data-stream][data-live="live"]', (els) => els.length);
  assert.equal(live, ROOMS * TILES_PER_ROOM, 'every tile is marked live');
});

check('the pictures are moving', async () => {
  const snap = () => page.$$eval('[data-stream]', (els) => els.map((el) => ({
    key: `${el.closest('[data-room]').dataset.room}/${el.dataset.stream}`,
    frame: el.querySelector('.frame')?.textContent || '',
    src: el.querySelector('img')?.src || '',
  })));
  const first = await snap();
  assert.equal(first.length, ROOMS * TILES_PER_ROOM);
  await waitFor('a new frame in every tile', (before) => before.every((b) => {
    const [room, stream] = b.key.split('/');
    const el = document.querySelector(`[data-room="${room}"] [data-stream="${stream}"]`);
    return el && el.querySelector('img').src !== b.src
      && el.querySelector('.frame').textContent !== b.frame;
  }), first, 15000);
  // The delay shown is a real number of milliseconds.
  const delays = await page.$$eval('[data-stream] .delay', (els) => els.map((e) => e.textContent));
  for (const d of delays) assert.match(d, /-?\d+ ms/);
});

check('Chinese by default, English on the toggle', async () => {
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await waitFor('Chinese summary label 在线', () => document.querySelector('[data-sum="online"]').textContent.includes('在线'), null, 5000);
  assert.match(await page.title(), /评标室/);
  assert.ok((await page.textContent('[data-room] .badge')).includes('在线'));
  await page.screenshot({ path: path.join(artifacts, 'hub-zh.png') });

  await page.click('button[data-lang="en"]');
  await waitFor('English labels after clicking the English toggle', () => document.documentElement.lang === 'en'
    && document.querySelector('[data-sum="online"]').textContent.includes('online'), null, 5000);
  assert.match(await page.title(), /Evaluation rooms/);
  assert.ok((await page.textContent('[data-room] .badge')).includes('ONLINE'));
  // The choice survives a reload.
  await page.reload();
  await waitFor('English and live pictures again after a reload', () => document.documentElement.lang === 'en'
    && document.querySelectorAll('[data-stream] img').length > 0
    && [...document.querySelectorAll('[data-stream] img')].every((i) => i.naturalWidth > 0), null, 15000);
  await page.screenshot({ path: path.join(artifacts, 'hub-en.png') });
});

check('wall tiles take the sub-stream, the room page the main stream', async () => {
  // What the page asks the hub for: every watch list it sends on its socket.
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    try { const m = JSON.parse(String(f.payload)); if (Array.isArray(m.watch)) sent.push(m.watch); } catch { /* not a watch list */ }
  }));
  await page.goto(page.url().replace(/#.*$/, '#/'));
  await page.reload();
  await waitFor('every wall tile shows a 320×180 sub-stream picture', (n) => {
    const tiles = [...document.querySelectorAll('.card[data-room] .tile')];
    return tiles.length === n && tiles.every((t) => t.dataset.rendition === 'sub' && t.dataset.live === 'live'
      && t.querySelector('img').naturalWidth === 320 && t.querySelector('img').naturalHeight === 180);
  }, ROOMS * TILES_PER_ROOM, 30000);
  const wall = sent.at(-1) || [];
  assert.equal(wall.length, ROOMS * TILES_PER_ROOM, `the wall asks for one stream per tile: ${JSON.stringify(sent)}`);
  assert.ok(wall.every((k) => /^room-\d+\/cam\d+\/sub$/.test(k)), `the wall asks for sub-streams only: ${JSON.stringify(wall)}`);

  await page.evaluate(() => { location.hash = '#/room/room-1'; });
  await waitFor("room-1's big view shows 640×360 main-stream pictures", (n) => {
    const tiles = [...document.querySelectorAll('.room-live .tile.big')];
    return tiles.length === n && tiles.every((t) => t.dataset.rendition === 'main' && t.dataset.live === 'live'
      && t.querySelector('img').naturalWidth === 640 && t.querySelector('img').naturalHeight === 360);
  }, TILES_PER_ROOM, 30000);
  const room = sent.at(-1) || [];
  assert.deepEqual(room.filter((k) => k.includes('/cam')), ['room-1/cam1', 'room-1/cam2'],
    `the room page asks for the main streams of its cameras: ${JSON.stringify(sent)}`);
  await page.screenshot({ path: path.join(artifacts, 'demo-room-main.png') });
  await page.evaluate(() => { location.hash = '#/'; });
});
