// One state, told the same everywhere: each simulator fault (black, frozen,
// unplug, silence, clip, network down) is injected into room-1, and the wall
// card's chip, the room page's table row, headline and tile, and the alerts
// page's "now" line must tell the same state of the device; after the fault
// clears every place says "recovered" for a while, then normal.
//
// Hub with --alert-raise-after 1s --alert-clear-after 3s --heartbeat-timeout 5s,
// simulator (1 room, reports every second) with --control. Screenshots:
// e2e/artifacts/state-*.png; logs: state-hub.log, state-sim.log,
// state-page-console.log; a failing test leaves failure-state-*.png.

import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, suite } from './lib.mjs';

let sys;
let page;
let pageLog = [];
let cutFrom = 0;

async function control(p, body) {
  const res = await fetch(sys.controlURL + p, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `POST ${p} ${JSON.stringify(body)}: ${res.status} ${await res.text()}`);
}
const fault = (stream, f) => control(`/rooms/room-1/streams/${stream}/fault`, { fault: f });
const network = (state) => control('/rooms/room-1/network', { state });
const shot = (name) => page.screenshot({ path: path.join(artifacts, `state-${name}.png`) });

async function pageState() {
  return page.evaluate(() => {
    const out = [`view=${document.body.dataset.view} hash=${location.hash} badge=${document.querySelector('#alert-count')?.textContent}`];
    for (const c of document.querySelectorAll('.card[data-room], .room-head')) {
      out.push(`${c.dataset.room} online=${c.dataset.online} health=${c.dataset.health}: ${[...c.querySelectorAll('.prob')].map((p) => `[${p.dataset.key}] ${p.textContent}`).join(' | ')}`);
    }
    for (const c of document.querySelectorAll('[data-chip]')) out.push(`chip ${c.dataset.chip}=${c.dataset.state}: ${c.textContent}`);
    for (const r of document.querySelectorAll('.streams-table tr[data-stream]')) out.push(`row ${r.dataset.stream}=${r.dataset.state}: ${r.textContent}`);
    for (const t of document.querySelectorAll('.tile')) out.push(`tile ${t.dataset.stream}=${t.dataset.live} "${t.querySelector('.mark').textContent}" delay="${t.querySelector('.delay').textContent}"`);
    for (const a of document.querySelectorAll('[data-alert]')) out.push(`alert ${a.dataset.kind} ${a.dataset.state} now=${a.dataset.now}: ${a.querySelector('.alert-info').textContent.slice(0, 160)}`);
    return out.join('\n  ');
  }).catch((err) => `(page unreadable: ${err.message})`);
}

async function go(hash, view) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await waitFor(`the ${view} view`, (v) => document.body.dataset.view === v, view, 5000);
}

const { check, waitFor } = suite({
  tag: 'state', prefix: 'state-', rooms: 1, control: true, state: pageState,
  hubArgs: ['--alert-raise-after', '1s', '--alert-clear-after', '3s', '--heartbeat-timeout', '5s'],
  simArgs: ['--report', '1s'],
  ready: (s) => ({ sys, page, pageLog } = s),
});

// wall checks the card's chip of stream is in state want and returns its words.
async function wall(stream, want, ms) {
  await go('#/', 'wall');
  await waitFor(`the wall's chip of ${stream} says ${want}`, ([s, w]) => document.querySelector(`.card[data-room="room-1"] [data-chip="${s}"]`)?.dataset.state === w,
    [stream, want], ms);
  return page.textContent(`.card[data-room="room-1"] [data-chip="${stream}"]`);
}

// room checks the room page's table row of stream is in state want; the chip's
// words end with the row's words.
async function room(stream, want, chipText, ms) {
  await go('#/room/room-1', 'room');
  await waitFor(`the room's row of ${stream} says ${want}`, ([s, w]) => document.querySelector(`.streams-table tr[data-stream="${s}"]`)?.dataset.state === w,
    [stream, want], ms);
  const cell = (await page.textContent(`.streams-table tr[data-stream="${stream}"] td:nth-child(2)`)).trim();
  assert.ok(chipText.endsWith(cell), `the wall's chip "${chipText}" and the room's row "${cell}" tell the same`);
}

// alerts checks the open (or acknowledged) alert of kind says the device is want now.
async function alerts(kind, want, ms) {
  await go('#/alerts?state=all&room=room-1', 'alerts');
  await waitFor(`the ${kind} alert says now: ${want}`, ([k, w]) => [...document.querySelectorAll(`[data-alert][data-kind="${k}"]`)]
    .some((a) => a.dataset.state !== 'resolved' && a.dataset.now === w), [kind, want], ms);
}

// cleared: after the fault clears, every place says recovered, then normal.
async function cleared(stream, name) {
  const chip = await wall(stream, 'recovered', 20000);
  assert.match(chip, /已恢复/);
  await waitFor('the headline says recovered, the room green', (s) => {
    const c = document.querySelector('.card[data-room="room-1"]');
    return [...c.querySelectorAll('.prob')].some((p) => p.dataset.key?.startsWith(`${s}|`) && /已恢复/.test(p.textContent)) || c.dataset.health === 'ok';
  }, stream, 10000);
  await shot(`${name}-recovered`);
  await room(stream, 'recovered', chip, 5000);
  await wall(stream, 'ok', 30000);
  await waitFor('room-1 green, no problem listed', () => {
    const c = document.querySelector('.card[data-room="room-1"]');
    return c.dataset.health === 'ok' && c.querySelector('.prob').textContent === '一切正常';
  }, null, 15000);
}

check('every device ok on the wall and the room page', async () => {
  await go('#/room/room-1', 'room');
  // Right after the page opens, the microphone waits for sound rather than
  // saying none came.
  const first = await page.textContent('.mic[data-stream="mic1"] .meter-text').catch(() => '');
  assert.doesNotMatch(first || '', /没有收到声音数据/);
  for (const s of ['cam1', 'cam2', 'mic1']) await wall(s, 'ok', 30000);
  for (const s of ['cam1', 'cam2', 'mic1']) await room(s, 'ok', await wall(s, 'ok', 1000), 5000);
  await waitFor('both cameras live', () => [...document.querySelectorAll('.tile.big')].every((t) => t.dataset.live === 'live'), null, 15000);
});

for (const [name, stream, f, kind, sigWord] of [
  ['black', 'cam1', 'black', 'camera_black', '画面全黑'],
  ['frozen', 'cam1', 'frozen', 'camera_frozen', '画面冻结'],
  ['silence', 'mic1', 'silence', 'mic_silent', '无声'],
  ['clip', 'mic1', 'clip', 'mic_clipping', '声音过载削波'],
]) {
  check(`${name}: a signal fault of ${stream}, told the same everywhere, then recovered`, async () => {
    await fault(stream, f);
    try {
      const chip = await wall(stream, 'signal', 15000);
      assert.match(chip, new RegExp(sigWord));
      await waitFor('the card amber, the headline naming it', ([s, w]) => {
        const c = document.querySelector('.card[data-room="room-1"]');
        return c.dataset.health === 'warn' && [...c.querySelectorAll('.prob-warn')].some((p) => p.textContent.includes(`${s} ${w}`));
      }, [stream, sigWord], 5000);
      await shot(`${name}-wall`);
      await room(stream, 'signal', chip, 5000);
      await waitFor('the room headline names it', ([s, w]) => [...document.querySelectorAll('.room-head .prob-warn')].some((p) => p.textContent.includes(`${s} ${w}`)),
        [stream, sigWord], 5000);
      if (f === 'frozen') {
        await waitFor('a frozen camera is not shown live, and shows no delay', () => {
          const t = document.querySelector('.tile.big[data-stream="cam1"]');
          return t.dataset.live === 'frozen' && /^画面冻结 \d\d:\d\d:\d\d 起$/.test(t.querySelector('.mark').textContent) && t.querySelector('.delay').textContent === '';
        }, null, 5000);
      }
      await shot(`${name}-room`);
      await alerts(kind, 'signal', 15000);
      await shot(`${name}-alerts`);
    } finally {
      await fault(stream, 'none');
    }
    await cleared(stream, name);
  }, 120000);
}

check('unplug: an unplugged camera, told the same everywhere, then recovered', async () => {
  await fault('cam2', 'unplug');
  try {
    const chip = await wall('cam2', 'unplugged', 15000);
    assert.match(chip, /未接入或已拔出/);
    assert.doesNotMatch(chip, /sim:|device unplugged/, 'no raw device error on the chip');
    await shot('unplug-wall');
    await room('cam2', 'unplugged', chip, 5000);
    await shot('unplug-room');
    await alerts('device_absent', 'unplugged', 15000);
    const text = await page.textContent('[data-alert][data-kind="device_absent"]');
    assert.doesNotMatch(text, /sim:|unplugged|device/, `no raw English in the Chinese alert: ${text}`);
    await shot('unplug-alerts');
  } finally {
    await fault('cam2', 'none');
  }
  await cleared('cam2', 'unplug');
}, 120000);

check('network down: the offline room greys every device with "as of", then recovers', async () => {
  await network('down');
  try {
    await go('#/', 'wall');
    await waitFor('room-1 offline', () => document.querySelector('.card[data-room="room-1"]').dataset.online === 'false', null, 20000);
    const chips = {};
    for (const s of ['cam1', 'cam2', 'mic1']) {
      const chip = chips[s] = await wall(s, 'offline', 5000);
      assert.doesNotMatch(chip, /：正常$/, `an offline room's ${s} is not said to be normal: ${chip}`);
      assert.match(chip, /离线.*\d\d:\d\d:\d\d/);
    }
    await shot('offline-wall');
    for (const s of ['cam1', 'cam2', 'mic1']) await room(s, 'offline', chips[s], 5000);
    // The timeline draws the offline time as it lasts: a 待补传 band from
    // each stream's last record to now, growing.
    await page.click('[data-zoom="min10"]');
    await waitFor('a pending band for cam1, cam2 and mic1 up to now', () => ['cam1', 'cam2', 'mic1'].every((s) =>
      [...document.querySelectorAll(`.tl-list li[data-stream="${s}"][data-kind="pending"]`)].some((li) => Date.now() - Number(li.dataset.end) < 5000)), null, 15000);
    const pend = await page.evaluate(() => Number(document.querySelector('.tl-list li[data-stream="cam1"][data-kind="pending"]').dataset.start));
    cutFrom = pend;
    await page.locator('.timeline').scrollIntoViewIfNeeded();
    const at = await page.evaluate((ms) => {
      const c = document.querySelector('.tl-canvas');
      const g = JSON.parse(c.dataset.geom);
      const x = g.label + ((ms - g.from) / (g.to - g.from)) * (c.clientWidth - g.label);
      const y = g.top + g.rowGap / 2 + g.rowH / 2;
      const dpr = window.devicePixelRatio || 1;
      return { x, y, px: [...c.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data] };
    }, Date.now() - 1500);
    assert.ok(at.px[2] > at.px[0] + 20, `the pending band is drawn blue just before now: pixel ${at.px}`);
    await page.locator('.tl-canvas').hover({ position: { x: at.x, y: at.y } });
    await waitFor('the tooltip says 待补传', () => /待补传：评标室 .* 起离线/.test(document.querySelector('.tl-tip').textContent), null, 5000);
    const upload = await page.evaluate(() => [...document.querySelectorAll('.room-head .facts div')].map((d) => d.textContent).join(' | '));
    assert.doesNotMatch(upload, /上传速率\d/, `no upload rate as if current: ${upload}`);
    await page.locator('.timeline').scrollIntoViewIfNeeded();
    await shot('offline-room');
    // The hub raises no offline alert in its first 30 s (alerts.startup_grace).
    await alerts('room_offline', 'offline', 45000);
    const text = await page.textContent('[data-alert][data-kind="room_offline"] .alert-detail');
    assert.match(text, /^详情：最后上报于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, `the detail in words and local time: ${text}`);
    await shot('offline-alerts');
  } finally {
    await network('up');
  }
  await go('#/', 'wall');
  await waitFor('room-1 online again', () => document.querySelector('.card[data-room="room-1"]').dataset.online === 'true', null, 30000);
  for (const s of ['cam1', 'cam2', 'mic1']) {
    await waitFor(`${s} recovered or ok`, (x) => ['recovered', 'ok'].includes(document.querySelector(`[data-chip="${x}"]`)?.dataset.state), s, 10000);
  }
  await shot('offline-recovered');
  // The backlog arrives: the pending band turns into recorded bands across the cut.
  await go('#/room/room-1', 'room');
  await page.click('[data-zoom="min10"]');
  await waitFor('no pending band left, a recorded band across the cut', (from) => !document.querySelector('.tl-list li[data-kind="pending"]')
    && ['cam1', 'cam2', 'mic1'].every((s) => [...document.querySelectorAll(`.tl-list li[data-stream="${s}"]:is([data-kind="recorded"],[data-kind="gap"])`)]
      .some((li) => Number(li.dataset.start) <= from + 3000 && Number(li.dataset.end) >= from + 5000)), cutFrom, 40000);
  await page.locator('.timeline').scrollIntoViewIfNeeded();
  await shot('offline-timeline-after');
  await go('#/', 'wall');
  for (const s of ['cam1', 'cam2', 'mic1']) await wall(s, 'ok', 30000);
}, 120000);

check('the badge and the wall\'s "有告警" count the same alerts', async () => {
  await fault('cam1', 'black');
  try {
    await go('#/', 'wall');
    await waitFor('an open alert counted by both', () => {
      const badge = document.querySelector('#alert-count');
      const sum = document.querySelector('[data-sum="alerts"]');
      return Number(badge.textContent) >= 1 && sum.querySelector('b').textContent === '1'
        && document.querySelector('[data-show="alert"] .count').textContent === '1'
        && sum.title.includes(`共 ${badge.textContent} 条`) && /未处理/.test(badge.title);
    }, null, 15000);
  } finally {
    await fault('cam1', 'none');
  }
  await waitFor('both back to 0', () => document.querySelector('#alert-count').textContent === '0'
    && document.querySelector('[data-sum="alerts"] b').textContent === '0', null, 20000);
}, 60000);

check('the page logged no errors and no missing texts', async () => {
  const bad = pageLog.filter((l) => l.startsWith('pageerror') || l.includes('i18n:'));
  assert.deepEqual(bad, []);
});
