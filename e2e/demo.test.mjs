// Browser end-to-end test of the demo: the real evalroom-hub and evalroom-sim
// (3 simulated rooms) on loopback ports, the hub's web page in Debian's
// Chromium driven by playwright-core.
//
// Run from the repository root after building bin/evalroom-hub and
// bin/evalroom-sim:   node --test e2e/
// CHROMIUM=/path/to/chromium overrides the browser; EVALROOM_HUB and
// EVALROOM_SIM override the binaries; KEEP_TMP=1 keeps the data dirs. Screenshots and the
// processes' logs go to e2e/artifacts/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const artifacts = path.join(here, 'artifacts');
const HUB_BIN = process.env.EVALROOM_HUB || path.join(repo, 'bin', 'evalroom-hub');
const SIM_BIN = process.env.EVALROOM_SIM || path.join(repo, 'bin', 'evalroom-sim');
const ROOMS = 3;
const TILES_PER_ROOM = 2;

const procs = [];  // {name, child, tail: string[], exited: Promise}
let tmp;
let baseURL;
let browser;
let page;
let failed = false;
const pageLog = [];

// freePort asks the kernel for an unused loopback port.
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// start spawns a binary, copying its output to artifacts/<name>.log and
// keeping the last lines of stderr for failure reports.
function start(name, bin, args) {
  assert.ok(fs.existsSync(bin), `${bin} not found: build the binaries first (bin/evalroom-hub, bin/evalroom-sim)`);
  const log = fs.createWriteStream(path.join(artifacts, `${name}.log`));
  const child = spawn(bin, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  const p = { name, child, tail: [], exitCode: undefined };
  p.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    p.exitCode = code ?? signal;
    resolve();
  }));
  child.on('error', (err) => p.tail.push(`spawn error: ${err.message}`));
  child.stdout.pipe(log, { end: false });
  child.stderr.on('data', (b) => {
    log.write(b);
    p.tail.push(...b.toString().split('\n').filter(Boolean));
    if (p.tail.length > 60) p.tail.splice(0, p.tail.length - 60);
  });
  child.on('exit', () => setTimeout(() => log.end(), 100));
  procs.push(p);
  return p;
}

async function stop(p) {
  if (p.exitCode !== undefined) return;
  p.child.kill('SIGINT');
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000));
  if (await Promise.race([p.exited, timer]) === 'timeout') {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

// Last resort if the runner dies before the after hook: never leave them running.
process.on('exit', () => {
  for (const p of procs) if (p.exitCode === undefined) p.child.kill('SIGKILL');
});

async function waitHealthy(url, hub, ms) {
  const deadline = Date.now() + ms;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hub.exitCode !== undefined) throw new Error(`evalroom-hub exited (${hub.exitCode}) before /healthz answered`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code || err.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not healthy within ${ms / 1000} s (last: ${last})`);
}

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

// waitFor polls fn in the page until it returns true, failing with what
// was awaited and what the page showed instead.
async function waitFor(what, fn, arg, timeout) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 250 });
  } catch (err) {
    throw new Error(`${what}: not within ${timeout / 1000} s (${err.message.split('\n')[0]}); the page shows:\n  ${await pageState()}`);
  }
}

// check runs a test body and remembers a failure for the after hook.
function check(name, fn, timeout = 60000) {
  test(name, { timeout }, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      if (page) await page.screenshot({ path: path.join(artifacts, `failure-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
      throw err;
    }
  });
}

before(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  for (const f of fs.readdirSync(artifacts)) if (/^failure-.*\.png$/.test(f)) fs.rmSync(path.join(artifacts, f));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evalroom-e2e-'));
  const httpPort = await freePort();
  let mqttPort = await freePort();
  while (mqttPort === httpPort) mqttPort = await freePort();
  baseURL = `http://127.0.0.1:${httpPort}`;
  try {
    const hub = start('hub', HUB_BIN, ['serve', '--data', path.join(tmp, 'hub'),
      '--http', `127.0.0.1:${httpPort}`, '--mqtt', `127.0.0.1:${mqttPort}`]);
    await waitHealthy(`${baseURL}/healthz`, hub, 30000);
    start('sim', SIM_BIN, ['--hub', baseURL, '--mqtt', `127.0.0.1:${mqttPort}`,
      '--rooms', String(ROOMS), '--data', path.join(tmp, 'sim')]);

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    page = await ctx.newPage();
    page.on('console', (m) => pageLog.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
    await page.goto(`${baseURL}/`);
  } catch (err) {
    failed = true;
    throw err;
  }
});

after(async () => {
  if (page) fs.writeFileSync(path.join(artifacts, 'page-console.log'), pageLog.join('\n') + '\n');
  await browser?.close().catch(() => {});
  await Promise.all(procs.map(stop));
  if (failed) {
    for (const p of procs) {
      console.error(`\n----- ${p.name} (exit ${p.exitCode ?? 'running'}): last stderr lines -----\n${p.tail.join('\n')}`);
    }
    if (pageLog.length) console.error(`\n----- page console -----\n${pageLog.slice(-30).join('\n')}`);
    console.error(`\nfull logs and screenshots: ${artifacts}`);
  }
  if (tmp && !process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
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
