// Phone width: at 390×844 no page scrolls sideways (scrollWidth <=
// innerWidth), the header takes less than a quarter of the first screen,
// and the room's device table stays readable (no column narrower than a few
// characters, nothing wider than the screen). Pages: sign-in, wall, room,
// alerts, audit, in Chinese and English. 2 rooms, one with a black camera so
// the wall and the alerts have something to say.
//
// Screenshots: e2e/artifacts/phone-*.png; logs: phone-hub.log, phone-sim.log.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, signIn, suite } from './lib.mjs';

const W = 390;
const H = 844;

let sys;
let page;

const shot = (name) => page.screenshot({ path: path.join(artifacts, `phone-${name}.png`) });

async function pageState() {
  return page.evaluate(() => {
    const wide = [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 8).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(el.getBoundingClientRect().right)}`);
    return `view=${document.body.dataset.view} scrollWidth=${document.documentElement.scrollWidth} innerWidth=${window.innerWidth} header=${document.querySelector('header.top')?.offsetHeight}\n  wider than the screen: ${wide.join(' | ')}`;
  }).catch((err) => `(page unreadable: ${err.message})`);
}

const { check, waitFor } = suite({
  tag: 'phone', prefix: 'phone-', rooms: 2, control: true, state: pageState, signInAs: null,
  hubArgs: ['--alert-raise-after', '1s'],
  simArgs: ['--report', '1s'],
  ready: async (s) => {
    ({ sys, page } = s);
    await page.setViewportSize({ width: W, height: H });
  },
});

async function go(hash, view) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await waitFor(`the ${view} view`, (v) => document.body.dataset.view === v, view, 5000);
}

// fits checks the page does not scroll sideways and the header is small.
async function fits(name) {
  await waitFor(`${name}: no sideways scroll at ${W} px`, () => document.documentElement.scrollWidth <= window.innerWidth
    && document.body.scrollWidth <= window.innerWidth, null, 5000);
  const header = await page.evaluate(() => document.querySelector('header.top').getBoundingClientRect().height);
  assert.ok(header <= H / 4, `${name}: the header is ${header} px high, more than a quarter of ${H}`);
  await shot(name);
}

async function setLang(l) {
  await page.click(`button[data-lang="${l}"]`);
  await waitFor(`page in ${l}`, (x) => document.documentElement.lang === x, l, 5000);
}

check('sign-in at phone width', async () => {
  await page.waitForSelector('.view-signin form', { timeout: 15000 });
  await fits('signin-zh');
  await setLang('en');
  await fits('signin-en');
  await setLang('zh-CN');
  await signIn(page, sys.regulator);
});

check('wall at phone width', async () => {
  await fetch(`${sys.controlURL}/rooms/room-1/streams/cam1/fault`, { method: 'POST', body: '{"fault":"black"}' });
  await go('#/', 'wall');
  await waitFor('two rooms, room-1 amber', () => document.querySelectorAll('.card[data-room]').length === 2
    && document.querySelector('.card[data-room="room-1"]').dataset.health !== 'ok', null, 30000);
  await fits('wall-zh');
  await setLang('en');
  await fits('wall-en');
  await setLang('zh-CN');
});

check('room at phone width: the device table stays readable', async () => {
  await go('#/room/room-1', 'room');
  await waitFor('the device table with three rows', () => document.querySelectorAll('.streams-table tr[data-stream]').length === 3, null, 15000);
  await waitFor('the timeline drawn', () => document.querySelector('.timeline')?.dataset.bands > 0, null, 15000);
  await fits('room-zh');
  const narrow = await page.evaluate(() => [...document.querySelectorAll('.streams-table td')]
    .filter((td) => td.textContent.trim() && td.getBoundingClientRect().width < 64).map((td) => `${td.textContent.trim()}=${Math.round(td.getBoundingClientRect().width)}px`));
  assert.deepEqual(narrow, [], 'no cell of the device table is narrower than a few characters');
  await page.locator('.streams-table').scrollIntoViewIfNeeded();
  await shot('room-table');
  await page.locator('.timeline').scrollIntoViewIfNeeded();
  await shot('room-timeline');
  await setLang('en');
  await fits('room-en');
  await setLang('zh-CN');
});

check('alerts at phone width', async () => {
  await go('#/alerts', 'alerts');
  await waitFor('the black camera alert', () => !!document.querySelector('[data-alert][data-kind="camera_black"]'), null, 20000);
  await fits('alerts-zh');
  await page.click('[data-alert][data-kind="camera_black"] [data-act="ack"]');
  await fits('alerts-form');
  await fetch(`${sys.controlURL}/rooms/room-1/streams/cam1/fault`, { method: 'POST', body: '{"fault":"none"}' });
});

check('audit at phone width', async () => {
  await go('#/audit', 'audit');
  await waitFor('audit entries', () => document.querySelectorAll('.view-audit tbody tr, .view-audit [data-entry]').length > 0, null, 15000);
  await fits('audit-zh');
  await setLang('en');
  await fits('audit-en');
  await setLang('zh-CN');
});
