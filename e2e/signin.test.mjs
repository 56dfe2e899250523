// Browser end-to-end test of signing in and of what each role sees, against
// the real system: evalroom-hub (alerts raised after 1 s) and evalroom-sim
// (4 rooms with one small camera each, spread by the simulator over two
// districts of Liuzhou and two agencies):
//
//   room-1  450206 柳州市柳江区  lz-shifan 柳州示范招标代理有限公司
//   room-2  450202 柳州市城中区  lz-shifan
//   room-3  450206 柳州市柳江区  gx-yangli 广西样例项目管理有限公司
//   room-4  450202 柳州市城中区  gx-yangli
//
//   screen     the sign-in screen in Chinese and English; a wrong password;
//              the lockout after repeated wrong passwords, until when
//   session    sign-in returns to the address asked for, the header says who
//              is signed in; sign-out ends the session at the hub
//   roles      a regulator of one district sees only its rooms (and a room
//              outside it is refused in words); agency staff see their
//              agency's rooms' health without pictures, recordings or
//              acknowledge buttons; a technician sees only its rooms, live
//
// The people are made with evalroom-hub user add (lib.mjs addUser).
// Screenshots: e2e/artifacts/sign-*.png; logs: sign-hub.log, sign-sim.log,
// sign-page-console.log; a failing test leaves failure-sign-*.png.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, signIn, signOut, stop, suite } from './lib.mjs';

let sys;
let page;
let pageLog = [];
const people = {};

const shot = (name) => page.screenshot({ path: path.join(artifacts, `sign-${name}.png`) });

async function control(p, body) {
  const res = await fetch(sys.controlURL + p, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `POST ${p} ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
}
const fault = (room, stream, f) => control(`/rooms/${room}/streams/${stream}/fault`, { fault: f });

// pageState describes what the page shows, for failure messages.
async function pageState() {
  return page.evaluate(() => {
    const b = document.body.dataset;
    const out = [`auth=${b.auth} role=${b.role} view=${b.view} hash=${location.hash} lang=${document.documentElement.lang}`];
    const user = document.querySelector('#user');
    if (user && !user.hidden) out.push(`header: ${user.textContent.replace(/\s+/g, ' ').trim()}`);
    const form = document.querySelector('.view-signin');
    if (form) out.push(`sign-in screen: ${form.textContent.replace(/\s+/g, ' ').trim()}`);
    for (const x of document.querySelectorAll('.banner')) if (!x.hidden) out.push(`banner: ${x.textContent}`);
    for (const c of document.querySelectorAll('.card[data-room], .room-head')) {
      out.push(`${c.dataset.room} online=${c.dataset.online} health=${c.dataset.health} live=${c.dataset.live} tiles=${c.querySelectorAll('.tile').length}`);
    }
    for (const a of document.querySelectorAll('[data-alert]')) out.push(`alert ${a.dataset.alert} ${a.dataset.room} ${a.dataset.kind} ${a.dataset.state} buttons=${[...a.querySelectorAll('[data-act]')].map((x) => x.dataset.act)}`);
    const tl = document.querySelector('.tl-status');
    if (tl) out.push(`timeline status: ${tl.textContent}`);
    return out.join('\n  ');
  }).catch((err) => `(page unreadable: ${err.message})`);
}

const { check, waitFor } = suite({
  tag: 'sign', prefix: 'sign-', rooms: 4, control: true, state: pageState, signInAs: null,
  hubArgs: ['--alert-raise-after', '1s', '--alert-clear-after', '3s'],
  simArgs: ['--report', '1s', '--cameras', '1', '--width', '320', '--height', '180', '--fps', '5'],
  ready: async (s) => {
    ({ sys, page, pageLog } = s);
    await makePeople();
  },
});

async function makePeople() {
  people.district = await sys.addUser({ username: 'liujiang', role: 'regulator', scope: '450206', name: '柳江区监管员 李' });
  people.staff = await sys.addUser({ username: 'shifan-staff', role: 'agency-staff', scope: 'lz-shifan', name: '示范 张' });
  people.tech = await sys.addUser({ username: 'tech-a', role: 'technician', scope: 'room-2,room-3', name: '技术员 赵' });
  people.locked = await sys.addUser({ username: 'forgetful', role: 'regulator', scope: '450202', name: '城中区监管员 周' });
}

// rooms waits until the wall shows exactly these rooms, online.
const onWall = (ids, what, ms = 20000) => waitFor(`${what} (${ids})`, (want) => {
  const cards = [...document.querySelectorAll('.card[data-room]')];
  return cards.map((c) => c.dataset.room).join() === want && cards.every((c) => c.dataset.online === 'true');
}, ids, ms);

async function setLang(l) {
  await page.click(`button[data-lang="${l}"]`);
  await waitFor(`page in ${l}`, (x) => document.documentElement.lang === x, l, 5000);
}

async function trySignIn(username, password) {
  await page.fill('.view-signin input[name="username"]', username);
  await page.fill('.view-signin input[name="password"]', password);
  await page.click('.view-signin button[type="submit"]');
}

const signinError = () => page.evaluate(() => {
  const e = document.querySelector('.signin-error');
  return e && !e.hidden ? { kind: e.dataset.error, text: e.textContent } : null;
});

// as signs out whoever is signed in and signs in as p, at hash.
async function as(p, hash = '#/') {
  if (await page.evaluate(() => document.body.dataset.auth === 'in')) await signOut(page);
  await page.evaluate((h) => { location.hash = h; }, hash);
  await signIn(page, p);
}

// ---- the screen ------------------------------------------------------------

check('screen: the sign-in screen in Chinese and English', async () => {
  await page.goto(`${sys.baseURL}/#/alerts`);
  await waitFor('the sign-in screen', () => document.body.dataset.view === 'signin' && !!document.querySelector('.view-signin form'), null, 10000);
  assert.equal(await page.textContent('.view-signin h2'), '登录');
  assert.deepEqual(await page.$$eval('.view-signin label > span', (els) => els.map((e) => e.textContent)), ['用户名', '密码']);
  assert.equal(await page.textContent('.view-signin button[type="submit"]'), '登录');
  assert.ok(await page.evaluate(() => document.querySelector('.nav').hidden && document.querySelector('#user').hidden), 'no navigation and nobody in the header');
  assert.equal(await page.evaluate(() => location.hash), '#/alerts', 'the address is kept');
  await shot('01-screen-zh');
  await setLang('en');
  assert.equal(await page.textContent('.view-signin h2'), 'Sign in');
  assert.deepEqual(await page.$$eval('.view-signin label > span', (els) => els.map((e) => e.textContent)), ['User name', 'Password']);
  await shot('01-screen-en');
  await setLang('zh-CN');
});

check('screen: a wrong password or an unknown name says so', async () => {
  await trySignIn(sys.regulator.username, 'not-the-password');
  await waitFor('"用户名或密码不正确"', () => document.querySelector('.signin-error[data-error="wrong"]')?.textContent === '用户名或密码不正确。', null, 10000);
  assert.equal(await page.inputValue('.view-signin input[name="password"]'), '', 'the password box is emptied');
  await shot('02-wrong-password');
  await trySignIn('nobody-here', 'whatever-it-is');
  await waitFor('the same words for an unknown name', () => document.querySelector('.signin-error[data-error="wrong"]') && !document.querySelector('.signin-error').hidden, null, 10000);
  await page.fill('.view-signin input[name="username"]', '');
  await page.click('.view-signin button[type="submit"]');
  await waitFor('"请填写用户名和密码" for empty boxes', () => document.querySelector('.signin-error')?.dataset.error === 'empty', null, 5000);
});

check('screen: repeated wrong passwords lock the account, and the page says until when', async () => {
  let err = null;
  for (let i = 1; i <= 8 && err?.kind !== 'locked'; i++) {
    await trySignIn(people.locked.username, `wrong-password-${i}`);
    await waitFor(`an answer to wrong password ${i}`, () => document.querySelector('.signin-error')?.hidden === false, null, 10000);
    err = await signinError();
    assert.ok(['wrong', 'locked'].includes(err.kind), `attempt ${i}: ${err.text}`);
  }
  assert.equal(err.kind, 'locked', `locked after repeated wrong passwords; last answer: ${err.text}`);
  const m = /^登录失败次数过多，此账号已暂时锁定：请于 (\d\d):(\d\d):(\d\d) 之后再试（约 (\d+) 分钟）。$/.exec(err.text);
  assert.ok(m, `the lockout says until when: ${err.text}`);
  assert.ok(Number(m[4]) >= 1 && Number(m[4]) <= 60, `about ${m[4]} minutes`);
  await shot('03-locked-zh');
  // The right password does not get through while locked.
  await trySignIn(people.locked.username, people.locked.password);
  await waitFor('still locked with the right password', () => document.querySelector('.signin-error')?.dataset.error === 'locked'
    && document.body.dataset.auth !== 'in', null, 10000);
  await setLang('en');
  assert.match(await page.textContent('.signin-error'), /^Too many failed sign-ins: this account is locked until \d\d:\d\d:\d\d \(about \d+ min\)/);
  await shot('03-locked-en');
  await setLang('zh-CN');
});

// ---- the session -----------------------------------------------------------

check('session: sign-in returns to the page asked for; the header says who', async () => {
  await signIn(page, sys.regulator);
  await waitFor('the alerts page asked for before signing in', () => document.body.dataset.view === 'alerts' && location.hash === '#/alerts', null, 10000);
  await waitFor('name, role and scope in the header', () => document.querySelector('#user-name').textContent === '值班员 王'
    && document.querySelector('#user-role').textContent === '监管人员'
    && document.querySelector('#user-scope').textContent === '柳州市', null, 10000); // the city by name (was "450200（全市）")
  await page.click('a[data-nav="wall"]');
  await onWall('room-1,room-2,room-3,room-4', 'the city regulator sees every room');
  await shot('04-signed-in');
  await setLang('en');
  await waitFor('the header in English', () => document.querySelector('#user-role').textContent === 'regulator'
    && document.querySelector('#user-scope').textContent === '柳州市'
    && document.querySelector('#signout').textContent === 'Sign out', null, 5000);
  await setLang('zh-CN');
});

check('session: sign-out ends the session at the hub', async () => {
  await signOut(page);
  assert.equal(await page.textContent('.signin-note'), '您已退出登录。');
  assert.equal(await page.$$eval('.card[data-room]', (els) => els.length), 0, 'no room is left on the page');
  const res = await page.context().request.get(`${sys.baseURL}/api/v1/session`);
  assert.equal(res.status(), 401, 'the hub has forgotten the session');
  await shot('05-signed-out');
  await page.reload();
  await waitFor('the sign-in screen after a reload', () => document.body.dataset.view === 'signin', null, 10000);
});

check('session: a session ended elsewhere brings the sign-in screen back, then the same page', async () => {
  await signIn(page, sys.regulator);
  await page.evaluate(() => { location.hash = '#/room/room-3'; });
  await waitFor("room-3's page", () => document.querySelector('.room-head h2')?.textContent === '第3评标室', null, 15000);
  // The same session signed out from outside the page (the browser's cookie,
  // its CSRF token): the page's next request is answered 401.
  const req = page.context().request;
  const { csrf } = await (await req.get(`${sys.baseURL}/api/v1/session`)).json();
  assert.equal((await req.post(`${sys.baseURL}/api/v1/logout`, { headers: { 'X-CSRF-Token': csrf } })).status(), 204);
  await waitFor('the sign-in screen, saying the session ended', () => document.body.dataset.view === 'signin'
    && document.querySelector('.signin-note').textContent === '登录已失效，请重新登录；登录后回到刚才的页面。', null, 10000);
  assert.equal(await page.evaluate(() => location.hash), '#/room/room-3');
  await shot('05-session-ended');
  await signIn(page, sys.regulator);
  await waitFor("room-3's page again", () => document.querySelector('.room-head h2')?.textContent === '第3评标室', null, 15000);
  await signOut(page);
});

// ---- what each role sees ---------------------------------------------------

check("roles: a district's regulator sees only that district's rooms", async () => {
  await as(people.district, '#/');
  await onWall('room-1,room-3', 'only the rooms of 柳江区');
  await waitFor('the district by name in the header', () => document.querySelector('#user-scope').textContent === '柳州市柳江区'
    && document.querySelector('#user-role').textContent === '监管人员', null, 10000);
  assert.deepEqual(await page.$$eval('select[data-filter="jurisdiction"] option', (els) => els.map((o) => o.value)), ['', '450206']);
  await waitFor('live pictures for a regulator', () => document.querySelectorAll('.card[data-room] .tile[data-live="live"]').length === 2, null, 20000);
  await shot('06-district');
  // A room of another district: not on the wall, and refused in words.
  await page.evaluate(() => { location.hash = '#/room/room-2'; });
  await waitFor('room-2 unknown or outside the scope, and the timeline refused in words', () => {
    const head = document.querySelector('.room-head h2')?.textContent;
    const tl = document.querySelector('.tl-status')?.textContent || '';
    return head === '中心没有这个评标室，或它不在您的权限范围内'
      && tl.includes('您的角色（监管人员）无权查看此内容或进行此操作。') && tl.includes('outside your scope');
  }, null, 15000);
  await shot('06-district-other-room');
});

check("roles: agency staff see their agency's rooms without pictures, recordings or acknowledge", async () => {
  await fault('room-1', 'cam1', 'black');
  try {
    await as(people.staff, '#/');
    await onWall('room-1,room-2', 'only the rooms of 柳州示范招标代理有限公司');
    await waitFor('health without pictures', () => {
      const cards = [...document.querySelectorAll('.card[data-room]')];
      return cards.every((c) => c.dataset.live === 'false' && c.querySelectorAll('.tile').length === 0
        && c.querySelector('.no-live')?.textContent === '您的角色（代理机构工作人员）不能查看实时画面，这里只显示设备状态')
        && document.querySelector('.card[data-room="room-1"]').dataset.health === 'warn';
    }, null, 20000);
    assert.equal(await page.textContent('#user-scope'), '柳州示范招标代理有限公司');
    assert.equal(await page.textContent('#user-role'), '代理机构工作人员');
    assert.ok(await page.evaluate(() => document.querySelector('#patrol').hidden), 'no patrol (it is live pictures)');
    await shot('07-agency-wall');

    await page.click('a[data-nav="alerts"]');
    await waitFor("room-1's open alert, with no buttons to act on it", () => {
      const r = document.querySelector('[data-alert][data-room="room-1"][data-kind="camera_black"][data-state="open"]');
      return r && r.querySelectorAll('[data-act]').length === 0 && !r.querySelector('a[href*="?t="]');
    }, null, 20000);
    await shot('07-agency-alerts');

    await page.evaluate(() => { location.hash = '#/room/room-1'; });
    await waitFor("room-1's devices without pictures, sound or recordings", () => {
      const live = document.querySelector('.room-live');
      return live?.dataset.live === 'false' && live.querySelectorAll('.tile, .mic').length === 0
        && live.querySelectorAll('.streams-table tbody tr').length === 2 && !document.querySelector('.timeline, .player');
    }, null, 10000);
    await shot('07-agency-room');
  } finally {
    await fault('room-1', 'cam1', 'none');
  }
});

check('roles: a technician sees only its rooms, live, and may acknowledge', async () => {
  await fault('room-3', 'cam1', 'black');
  try {
    await as(people.tech, '#/');
    await onWall('room-2,room-3', 'only the rooms assigned to the technician');
    await waitFor('its rooms by name in the header', () => document.querySelector('#user-scope').textContent === '评标室：第2评标室、第3评标室'
      && document.querySelector('#user-role').textContent === '技术人员', null, 10000);
    await waitFor('live pictures in both rooms', () => document.querySelectorAll('.card[data-room] .tile[data-live="live"]').length === 2, null, 20000);
    await shot('08-technician');
    await page.click('a[data-nav="alerts"]');
    await waitFor("room-3's alert with its acknowledge button, and no alert of other rooms", () => {
      const rows = [...document.querySelectorAll('[data-alert]')];
      const r = document.querySelector('[data-alert][data-room="room-3"][data-kind="camera_black"][data-state="open"]');
      return r && r.querySelector('[data-act="ack"]') && rows.every((x) => ['room-2', 'room-3'].includes(x.dataset.room));
    }, null, 20000);
    await page.click('[data-alert][data-room="room-3"][data-kind="camera_black"] [data-act="ack"]');
    await page.click('[data-alert][data-room="room-3"] form button[type="submit"]');
    await page.click('[data-state="acked"]');
    // By name, the login name on hover (was "tech-a 于").
    await waitFor('acknowledged by tech-a, by name', () => [...document.querySelectorAll('[data-alert][data-room="room-3"][data-state="acked"]')]
      .some((r) => r.textContent.includes('技术员 赵 于') && r.querySelector('.alert-ack span').title === '登录名 tech-a'), null, 10000);
    await shot('08-technician-acked');
  } finally {
    await fault('room-3', 'cam1', 'none');
  }
});

check('screen: a hub that cannot be reached is said so', async () => {
  await signOut(page);
  await stop(sys.hub);
  await trySignIn(sys.regulator.username, sys.regulator.password);
  await waitFor('"无法连接中心服务"', () => document.querySelector('.signin-error')?.dataset.error === 'unreachable'
    && document.querySelector('.signin-error').textContent.startsWith('无法连接中心服务'), null, 15000);
  await shot('09-unreachable');
});

check('the page logged no errors and no missing texts', async () => {
  const bad = pageLog.filter((l) => l.startsWith('pageerror') || l.includes('i18n:'));
  assert.deepEqual(bad, []);
});
