// Shared helpers of the browser tests: free ports, the real evalroom-hub and
// evalroom-sim as child processes (logs to e2e/artifacts/), Debian's Chromium
// through playwright-core, and polling with deadlines.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

// run runs a binary to its end with input on stdin; it returns stdout and
// fails with stderr when the exit code is not 0.
export function run(bin, args, input = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => { out += b; });
    child.stderr.on('data', (b) => { err += b; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out)
      : reject(new Error(`${path.basename(bin)} ${args.join(' ')}: exit ${code}: ${err.trim()}`))));
    child.stdin.end(input);
  });
}

// The simulator's rooms are in two districts of Liuzhou (450206, 450202,
// see simulators/cmd/evalroom-sim/owners.go): a regulator of the whole city
// (450200) sees them all.
export const DEMO_JURISDICTION = '450200';

export const password = () => randomBytes(12).toString('base64url');

// startSystem starts a hub and a simulator with `rooms` rooms on free
// loopback ports; logs go to artifacts/<prefix>hub.log and <prefix>sim.log.
// With control: true the simulator's control endpoint listens too.
// Once the hub is up it makes an operator's API token for the simulator (to
// create its rooms) and for the tests' own API calls (authHeaders), and a
// regulator of the whole demo jurisdiction (regulator: {username, password},
// the suite signs in as it); addUser makes more people.
// beforeHub(dataDir) runs before the hub starts (to put files in its data directory).
export async function startSystem({ prefix = '', rooms = 3, hubArgs = [], simArgs = [], control = false, beforeHub } = {}) {
  const [httpPort, mqttPort, controlPort] = await freePorts(3);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evalroom-e2e-'));
  const data = path.join(tmp, 'hub');
  if (beforeHub) await beforeHub(data);
  const baseURL = `http://127.0.0.1:${httpPort}`;
  const hub = start(`${prefix}hub`, HUB_BIN, ['serve', '--insecure-dev', '--data', data,
    '--http', `127.0.0.1:${httpPort}`, '--mqtt', `127.0.0.1:${mqttPort}`, ...hubArgs]);
  await waitHealthy(`${baseURL}/healthz`, hub, 30000);
  const addUser = async ({ username, role, scope = '', name = '', password: pw = password() }) => {
    await run(HUB_BIN, ['user', 'add', '--data', data, '--username', username, '--role', role,
      ...(scope ? ['--scope', scope] : []), ...(name ? ['--name', name] : []), '--password-stdin'], `${pw}\n`);
    return { username, password: pw, role, scope, name };
  };
  const token = (await run(HUB_BIN, ['token', 'create', '--data', data, '--role', 'operator', '--name', 'e2e'])).trim();
  assert.ok(token, 'evalroom-hub token create printed no token');
  const regulator = await addUser({ username: 'regulator', role: 'regulator', scope: DEMO_JURISDICTION, name: '值班员 王' });
  const sim = start(`${prefix}sim`, SIM_BIN, ['--hub', baseURL, '--mqtt', `127.0.0.1:${mqttPort}`,
    '--rooms', String(rooms), '--data', path.join(tmp, 'sim'),
    ...(control ? ['--control', `127.0.0.1:${controlPort}`] : []), '--token', token, ...simArgs]);
  return {
    tmp, data, baseURL, hub, sim, token, regulator, addUser,
    authHeaders: { Authorization: `Bearer ${token}` },
    controlURL: control ? `http://127.0.0.1:${controlPort}` : null,
    cleanup() { if (!process.env.KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true }); },
  };
}

// signIn signs in through the page's sign-in screen and waits for the page
// the address names.
export async function signIn(page, { username, password: pw }, timeout = 15000) {
  const form = '.view-signin form';
  await page.waitForSelector(`${form} input[name="username"]`, { timeout });
  await page.fill(`${form} input[name="username"]`, username);
  await page.fill(`${form} input[name="password"]`, pw);
  await page.click(`${form} button[type="submit"]`);
  await page.waitForFunction(() => document.body.dataset.auth === 'in' && document.body.dataset.view !== 'signin', null, { timeout, polling: 100 })
    .catch(async (err) => {
      const msg = await page.textContent('.view-signin').catch(() => '(no sign-in screen)');
      throw new Error(`signing in as ${username}: ${err.message.split('\n')[0]}; the page shows: ${msg}`);
    });
}

// signOut signs out with the header's button and waits for the sign-in screen.
export async function signOut(page, timeout = 10000) {
  await page.click('#signout');
  await page.waitForSelector('.view-signin form', { timeout });
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
// (startSystem options) and a browser on the hub's page, signs in (as the
// system's regulator, or signInAs: {username, password}; null stays on the
// sign-in screen), and hands both to ready (which may be async); after them it stops everything and, if a test failed, prints the
// processes' logs and the page console (ready gets it as pageLog too). It returns check, a test that keeps
// a screenshot failure-<tag>-<name>.png when it fails, and waitFor, which
// polls in the page and fails with what was awaited and what state() says
// the page showed instead.
export function suite({ tag, state, ready, signInAs, ...system }) {
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
      if (signInAs !== null) await signIn(page, signInAs || sys.regulator);
      await ready({ sys, page, pageLog });
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
