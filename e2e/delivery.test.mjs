// Delivery: what a regulator's browser fetches for the wall, cold (empty
// cache) and warm (the same browser again). Cold, every text file comes
// compressed; warm, no file of the page is fetched again (hashed names,
// immutable) and index.html is only revalidated. Prints the bytes over the
// wire and the requests of both loads (Chromium's encodedDataLength:
// headers and body as received).
//
// Logs: delivery-hub.log, delivery-sim.log.

import assert from 'node:assert/strict';
import { suite } from './lib.mjs';

const ROOMS = 2;
let sys;
let page;

const { check } = suite({
  tag: 'delivery', prefix: 'delivery-', rooms: ROOMS, state: async () => '',
  ready: async (s) => { ({ sys, page } = s); },
});

// load navigates tab to the wall and records every request until the wall
// shows its rooms.
async function load(tab, cdp) {
  const reqs = new Map();
  const on = (ev, fn) => { cdp.on(ev, fn); return () => cdp.off(ev, fn); };
  const offs = [
    on('Network.requestWillBeSent', (e) => reqs.set(e.requestId, { url: e.request.url, bytes: 0, cached: false })),
    on('Network.requestServedFromCache', (e) => { if (reqs.has(e.requestId)) reqs.get(e.requestId).cached = true; }),
    on('Network.responseReceived', (e) => {
      const r = reqs.get(e.requestId);
      if (!r) return;
      r.status = e.response.status;
      r.cached ||= e.response.fromDiskCache || e.response.fromPrefetchCache;
      const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      r.encoding = h['content-encoding'] || '';
      r.type = h['content-type'] || '';
    }),
    // The raw answer: for a revalidated file responseReceived shows the cached 200.
    on('Network.responseReceivedExtraInfo', (e) => { if (reqs.has(e.requestId)) reqs.get(e.requestId).wire = e.statusCode; }),
    on('Network.loadingFinished', (e) => { if (reqs.has(e.requestId)) reqs.get(e.requestId).bytes = e.encodedDataLength; }),
  ];
  await tab.goto(`${sys.baseURL}/#/`);
  await tab.waitForFunction((n) => document.querySelectorAll('.card[data-room]').length === n, ROOMS, { timeout: 30000, polling: 100 });
  offs.forEach((off) => off());
  const all = [...reqs.values()].map((r) => ({ ...r, path: new URL(r.url).pathname }));
  const page = all.filter((r) => r.path === '/' || r.path.startsWith('/static/'));
  const network = page.filter((r) => !r.cached);
  return {
    all, page, network,
    summary: `${page.length} page files, ${network.length} over the network, ${network.reduce((s, r) => s + r.bytes, 0)} bytes; `
      + `API ${all.length - page.length} requests, ${all.filter((r) => !page.includes(r)).reduce((s, r) => s + r.bytes, 0)} bytes`,
  };
}

check('the wall loads compressed, and again from the cache', async () => {
  const ctx = await page.context().browser().newContext({ viewport: { width: 1920, height: 1080 } });
  try {
    await ctx.addCookies(await page.context().cookies());
    const tab = await ctx.newPage();
    const cdp = await ctx.newCDPSession(tab);
    await cdp.send('Network.enable');
    const cold = await load(tab, cdp);
    await tab.goto('about:blank');
    const warm = await load(tab, cdp);
    console.log(`delivery: cold load of the wall: ${cold.summary}`);
    console.log(`delivery: warm load of the wall: ${warm.summary}`);

    const plain = cold.network.filter((r) => /^(text\/|image\/svg)/.test(r.type) && !['gzip', 'br'].includes(r.encoding));
    assert.deepEqual(plain.map((r) => r.path), [], 'cold load: text sent uncompressed');
    const again = warm.network.filter((r) => r.path !== '/');
    assert.deepEqual(again.map((r) => `${r.path} (${r.status})`), [], 'warm load: page files fetched again instead of from the cache');
    const index = warm.network.find((r) => r.path === '/');
    assert.ok(index, 'warm load: index.html was not revalidated');
    assert.equal(index.wire, 304, 'warm load: index.html was sent again, not answered 304');
  } finally {
    await ctx.close();
  }
}, 90000);
