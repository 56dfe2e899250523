// qualifyAgency takes an agency through its onboarding with the hub's own
// API, for browser tests whose agency must be qualified to take
// entrustments (the workflow refuses an agency that is not): one of the
// simulator's rooms is made the agency's and passes device acceptance
// from its real state, five staff pass the exam on the shipped sample bank
// (the test reads the answers from the bank file the hub serves), and a
// device specialist is named. Everybody signs in as a person would.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HUB_BIN, repo, run, until } from './lib.mjs';

const SAMPLE_BANK = path.join(repo, 'hub', 'onboarding', 'bank', 'sample.json');

// person signs in and returns a caller of the API with its session cookie
// and CSRF token.
async function person(base, { username, password }) {
  const res = await fetch(`${base}/api/v1/login`, { method: 'POST', body: JSON.stringify({ username, password }), signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `sign-in of ${username}: ${res.status}`);
  const { csrf } = await res.json();
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return (method, p, body) => call(base, method, p, body, { Cookie: cookie, 'X-CSRF-Token': csrf });
}

async function call(base, method, p, body, headers) {
  const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function qualifyAgency(sys, { agency, agencyName, room }) {
  const base = sys.baseURL;
  const operator = (method, p, body) => call(base, method, p, body, sys.authHeaders);
  const regToken = (await run(HUB_BIN, ['token', 'create', '--data', sys.data, '--role', 'regulator', '--scope', '*', '--name', `qualify-${agency}`])).trim();
  const regulator = (method, p) => call(base, method, p, undefined, { Authorization: `Bearer ${regToken}` });
  const admin = await sys.addUser({ username: `${agency}-admin`, role: 'agency-admin', scope: agency, name: '入驻 管理员' });
  const tech = await sys.addUser({ username: `${agency}-tech`, role: 'technician', scope: room, name: '入驻 技术员' });
  const staff = [];
  for (let i = 1; i <= 5; i++) staff.push(await sys.addUser({ username: `${agency}-s${i}`, role: 'agency-staff', scope: agency, name: `专职 ${i}` }));

  // The room, the agency's, accepted from the state the simulator reports.
  await operator('PATCH', `/api/v1/rooms/${room}`, { agency: { id: agency, name: agencyName } });
  const from = () => new Date(Date.now() - 60000).toISOString();
  await until(`${room} online with every stream recorded at the hub`, async () => {
    const r = (await regulator('GET', '/api/v1/rooms')).find((x) => x.id === room);
    if (!r?.online || !r.streams.length || r.streams.some((s) => s.state !== 'ok')) return false;
    for (const s of r.streams) {
      const segs = await regulator('GET', `/api/v1/rooms/${room}/streams/${s.id}/segments?from=${from()}`);
      if (!segs.length || segs[segs.length - 1].gap) return false;
    }
    return true;
  }, 30000);
  const asAdmin = await person(base, admin);
  const a = await asAdmin('POST', '/api/v1/onboarding/applications', {
    room, address: '柳州市柳江区拉堡镇柳堡路1号', contact: '入驻 管理员 0772-0000000', specialist: '入驻 管理员',
    equipment: [{ kind: 'camera', make: 'sim', model: 'camera', serial: `${room}-cam1` }],
  });
  const app = `/api/v1/onboarding/applications/${a.id}`;
  await operator('POST', `${app}/assign`, { technicians: [tech.username] });
  const asTech = await person(base, tech);
  await asTech('POST', `${app}/run`, {});
  const digest = 'ab'.repeat(32);
  for (const item of ['e_signature', 'e_seal', 'video_conference', 'remote_opening', 'remote_evaluation']) {
    await asTech('POST', `${app}/items/${item}`, { pass: true, note: 'e2e', evidence_sha256: digest });
  }
  const done = await asTech('POST', `${app}/finish`, { form_sha256: digest });
  assert.equal(done.state, 'passed', `acceptance of ${room}: ${JSON.stringify(done.reasons)}`);
  await operator('POST', `${app}/publish`, {});

  // Five staff pass the exam.
  const bank = new Map(JSON.parse(fs.readFileSync(SAMPLE_BANK, 'utf8')).questions.map((q) => [q.id, q.answer]));
  for (const p of staff) {
    const as = await person(base, p);
    const at = await as('POST', '/api/v1/exam/attempts', {});
    for (const q of at.questions) await as('POST', `/api/v1/exam/attempts/${at.id}/answers`, { question: q.n, choice: bank.get(q.id) });
    const scored = await as('POST', `/api/v1/exam/attempts/${at.id}/submit`, {});
    assert.ok(scored.passed, `${p.username}'s exam: ${scored.score}`);
  }
  await asAdmin('PUT', `/api/v1/onboarding/agencies/${agency}/staff`, { staff: staff.map((p) => p.username) });
  await asAdmin('PUT', `/api/v1/onboarding/agencies/${agency}/specialist`, { user: admin.username });
  const q = await asAdmin('GET', `/api/v1/onboarding/agencies/${agency}/qualification`);
  assert.ok(q.qualified, `${agency} not qualified: ${q.missing_en}`);
}
