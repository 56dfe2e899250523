// Shared helpers of the browser tests: free ports, the real evalroom-hub and
// evalroom-sim as child processes (logs to e2e/artifacts/), Debian's Chromium
// through playwright-core, and polling with deadlines.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..');
export const artifacts = path.join(here, 'artifacts');
export const HUB_BIN = process.env.EVALROOM_HUB || path.join(repo, 'bin', 'evalroom-hub');
export const SIM_BIN = process.env.EVALROOM_SIM || path.join(repo, 'bin', 'evalroom-sim');

// freePort asks the kernel for an unused loopback port.
export function freePort() {
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

// freePorts returns n distinct free ports.
export async function freePorts(n) {
  const out = new Set();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

const procs = []; // {name, child, tail: string[], exited: Promise, exitCode}

// start spawns a binary, copying its output to artifacts/<name>.log and
// keeping the last lines of stderr for failure reports.
export function start(name, bin, args) {
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

export async function stop(p) {
  if (p.exitCode !== undefined) return;
  p.child.kill('SIGINT');
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000));
  if (await Promise.race([p.exited, timer]) === 'timeout') {
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

export async function stopAll() { await Promise.all(procs.map(stop)); }

export function tails() {
  return procs.map((p) => `\n----- ${p.name} (exit ${p.exitCode ?? 'running'}): last stderr lines -----\n${p.tail.join('\n')}`).join('\n');
}

// Last resort if the runner dies before the after hook: never leave them running.
process.on('exit', () => {
  for (const p of procs) if (p.exitCode === undefined) p.child.kill('SIGKILL');
});

export async function waitHealthy(url, hub, ms) {
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

// startSystem starts a hub and a simulator with `rooms` rooms on free
// loopback ports; logs go to artifacts/<prefix>hub.log and <prefix>sim.log.
// With control: true the simulator's control endpoint listens too.
export async function startSystem({ prefix = '', rooms = 3, hubArgs = [], simArgs = [], control = false } = {}) {
  const [httpPort, mqttPort, controlPort] = await freePorts(3);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evalroom-e2e-'));
  const baseURL = `http://127.0.0.1:${httpPort}`;
  const hub = start(`${prefix}hub`, HUB_BIN, ['serve', '--insecure-dev', '--data', path.join(tmp, 'hub'),
    '--http', `127.0.0.1:${httpPort}`, '--mqtt', `127.0.0.1:${mqttPort}`, ...hubArgs]);
  await waitHealthy(`${baseURL}/healthz`, hub, 30000);
  const sim = start(`${prefix}sim`, SIM_BIN, ['--hub', baseURL, '--mqtt', `127.0.0.1:${mqttPort}`,
    '--rooms', String(rooms), '--data', path.join(tmp, 'sim'),
    ...(control ? ['--control', `127.0.0.1:${controlPort}`] : []), ...simArgs]);
  return {
    tmp, baseURL, hub, sim,
    controlURL: control ? `http://127.0.0.1:${controlPort}` : null,
    cleanup() { if (!process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true }); },
  };
}

export async function launchBrowser(viewport = { width: 1920, height: 1080 }) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const log = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  return { browser, page, log };
}

// removeFailures deletes old failure screenshots of one test file.
export function removeFailures(tag) {
  fs.mkdirSync(artifacts, { recursive: true });
  for (const f of fs.readdirSync(artifacts)) if (f.startsWith(`failure-${tag}-`) && f.endsWith('.png')) fs.rmSync(path.join(artifacts, f));
}

// until polls fn (in node) until it returns a truthy value, or fails after ms
// saying what it waited for and what it last saw.
export async function until(what, fn, ms, every = 250) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// suite wraps one test file: before its tests it starts the system
// (startSystem options) and a browser on the hub's page, and hands both to
// ready; after them it stops everything and, if a test failed, prints the
// processes' logs and the page console (ready gets it as pageLog too). It returns check, a test that keeps
// a screenshot failure-<tag>-<name>.png when it fails, and waitFor, which
// polls in the page and fails with what was awaited and what state() says
// the page showed instead.
export function suite({ tag, state, ready, ...system }) {
  let browser;
  let page;
  let sys;
  let failed = false;
  let pageLog = [];
  before(async () => {
    removeFailures(tag);
    try {
      sys = await startSystem(system);
      ({ browser, page, log: pageLog } = await launchBrowser({ width: 1920, height: 1080 }));
      await page.goto(`${sys.baseURL}/`);
      ready({ sys, page, pageLog });
    } catch (err) {
      failed = true;
      throw err;
    }
  });
  after(async () => {
    if (page) fs.writeFileSync(path.join(artifacts, `${system.prefix ?? ''}page-console.log`), pageLog.join('\n') + '\n');
    await browser?.close().catch(() => {});
    await stopAll();
    if (failed) {
      console.error(tails());
      if (pageLog.length) console.error(`\n----- page console -----\n${pageLog.slice(-30).join('\n')}`);
      console.error(`\nfull logs and screenshots: ${artifacts}`);
    }
    sys?.cleanup();
  });
  const check = (name, fn, timeout = 60000) => test(name, { timeout }, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      if (page) await page.screenshot({ path: path.join(artifacts, `failure-${tag}-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
      throw err;
    }
  });
  const waitFor = async (what, fn, arg, timeout) => {
    try {
      await page.waitForFunction(fn, arg, { timeout, polling: 250 });
    } catch (err) {
      throw new Error(`${what}: not within ${timeout / 1000} s (${err.message.split('\n')[0]}); the page shows:\n  ${await state()}`);
    }
  };
  return { check, waitFor };
}
