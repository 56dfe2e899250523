// The hub's page for regulators. Hash routes, so the hub serves one page:
//   #/             the room wall (?state=&jurisdiction=&agency=&q=: its filter)
//   #/alerts       the alerts panel (?state=open|acked|resolved|all&room=ID)
//   #/room/{id}    one room: live view, timeline and playback (?t=RFC3339)
//   #/audit        the audit log (?action=&target=&actor=&from=&to=: its filter)
//   #/patrol       patrol through rooms with open alerts or a session (?every=S,
//                  and the wall's filter)
//   #/onboarding   room acceptance and qualification (onboarding.js);
//                  #/onboarding/{id} one application (onboarding-run.js)
//   #/exam         the staff exam (exam.js)
// Data: data.js polls rooms and alerts every 2 s; live pictures and sound
// come over one WebSocket (live.js) for whatever the current view watches.
// Sign-in (signin.js): the sign-in screen stands in for any view while
// nobody is signed in, without changing the address; auth.js says what the
// signed-in role may see.

import { apply, initLang, lang, setLang, t } from './i18n.js';
import { LiveSocket, refusalOf, refusedKeys } from './live.js';
import { hms, setText } from './util.js';
import { data, openCounts, roomById, startPolling, stopPolling, subscribe } from './data.js';
import { can, clearSession, onSessionLost, roleWord, scopeWords, session } from './auth.js';
import { loadSession, NoPagesView, SignInView, signOut } from './signin.js';
import { WallView } from './wall.js';
import { AlertsView } from './alerts.js';
import { RoomView } from './room.js';
import { PatrolView } from './patrol.js';
import { AuditView } from './audit.js';
import { patrolHref, wallHref } from './wallfilter.js';
import { healthBanner, pollHealth } from './hubhealth.js';
import { workflowRoute } from './workflow.js';
import { OnboardingView } from './onboarding.js';
import { ApplicationView } from './onboarding-run.js';
import { ExamView } from './exam.js';

const $ = (sel) => document.querySelector(sel);

let view = null;
let route = '';
let live;
let liveState = { up: null, retryAt: 0 };

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [p, q = ''] = raw.split('?');
  const params = new URLSearchParams(q);
  const parts = p.split('/').filter(Boolean).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
  const wf = workflowRoute(parts, params);
  if (wf) return wf;
  if (parts[0] === 'alerts') return { name: 'alerts', key: 'alerts', params };
  if (parts[0] === 'room' && parts[1]) return { name: 'room', key: `room/${parts[1]}`, id: parts[1], params };
  if (parts[0] === 'audit') return { name: 'audit', key: 'audit', params };
  if (parts[0] === 'patrol') return { name: 'patrol', key: `patrol?${params.get('every') || ''}`, params };
  if (parts[0] === 'onboarding' && parts[1]) return { name: 'application', nav: 'onboarding', key: `onboarding/${parts[1]}`, id: parts[1], params };
  if (parts[0] === 'onboarding' || parts[0] === 'exam') return { name: parts[0], key: parts[0], params };
  return { name: 'wall', key: 'wall', params };
}

const signedIn = () => session.mode === 'in';

function navigate() {
  if (!signedIn()) return; // the sign-in screen stays; the address is kept for after it
  let r = parseHash();
  // A role with the workflow but no wall (a purchaser) starts at its work list.
  if (!can('wall') && !(r.view && can('work'))) r = can('work') ? workflowRoute(['work'], r.params) : { name: 'nopages', key: 'nopages' };
  if (['onboarding', 'exam'].includes(r.nav || r.name) && !can(r.nav || r.name)) r = { name: 'wall', key: 'wall', params: r.params };
  if (view && r.key === route) {
    view.params?.(r.params);
  } else {
    view?.destroy();
    route = r.key;
    if (r.view) view = r.view();
    else if (r.name === 'alerts') view = new AlertsView(r.params);
    else if (r.name === 'room') view = new RoomView(r.id, r.params);
    else if (r.name === 'patrol') view = new PatrolView(r.params);
    else if (r.name === 'audit') view = new AuditView(r.params);
    else if (r.name === 'nopages') view = new NoPagesView();
    else if (r.name === 'onboarding') view = new OnboardingView();
    else if (r.name === 'application') view = new ApplicationView(r.id);
    else if (r.name === 'exam') view = new ExamView();
    else view = new WallView(r.params);
    $('#view').replaceChildren(view.el);
    document.body.dataset.view = r.name;
    window.scrollTo(0, 0);
  }
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === (r.nav || r.name)) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  $('#patrol').setAttribute('aria-pressed', String(r.name === 'patrol'));
  view.update();
  live.setWatch(view.watch());
}

// renderUser shows who is signed in: name, role and scope in words, and
// leaves out the navigation the role cannot use.
function renderUser() {
  const on = session.mode === 'in';
  document.body.dataset.auth = session.mode;
  document.body.dataset.role = on ? session.role : '';
  $('#user').hidden = !on;
  $('#patrol').hidden = !can('live');
  $('#nav-audit').hidden = !can('audit');
  for (const a of document.querySelectorAll('[data-nav-can]')) a.hidden = !can(a.dataset.navCan);
  $('.nav').hidden = !can('wall') && !can('work');
  $('#nav-work').hidden = !can('work');
  for (const a of document.querySelectorAll('[data-nav="wall"], [data-nav="alerts"]')) a.hidden = !can('wall');
  // "Updated at" tells the age of the rooms' data: a role without the wall
  // (a purchaser, a supplier) polls none, so it would say "no data yet" for ever.
  $('#updated').hidden = !can('wall');
  if (!on) return;
  setText($('#user-name'), session.name);
  setText($('#user-role'), roleWord());
  const scope = scopeWords(data.rooms || []);
  const el = $('#user-scope');
  setText(el, scope.text);
  el.hidden = !scope.text;
  if (el.title !== scope.title) el.title = scope.title;
}

function renderHeader() {
  renderUser();
  // The badge counts unhandled (open) alerts, as the wall's "有告警" does
  // (devstate.alertCounts); the tooltip says so, with the rooms.
  const c = openCounts();
  const n = c.alerts;
  const hub = c.hub;
  const badge = $('#alert-count');
  setText(badge, data.alerts === null ? '–' : String(n));
  badge.dataset.count = String(n);
  // Alerts of the hub itself (room ""; only the operator sees them) are named so.
  const title = hub ? t('nav.alerts.hub', { n, hub, rooms: c.rooms }) : t('nav.alerts.count', { n, rooms: c.rooms });
  if (badge.title !== title) badge.title = title;
  badge.dataset.hub = String(hub);
  document.title = n > 0 ? `(${n}) ${t('title')}` : t('title');
  setText($('#updated'), data.lastOK ? t('updated', { time: hms(data.lastOK) }) : t('updated.never'));
}

function renderBanners(now) {
  // The hub's own disk: amber when free space is below its minimum, red
  // when writes fail (shown signed in or not).
  const sb = $('#banner-storage');
  const hb = healthBanner();
  if (hb) {
    setText(sb, hb.text);
    sb.className = `banner banner-${hb.level} banner-storage`;
    sb.dataset.level = hb.level;
    if (sb.title !== hb.title) sb.title = hb.title;
  }
  sb.hidden = !hb;
  const api = $('#banner-api');
  if (data.apiError) {
    const { status } = data.apiError;
    let msg = status === 403 ? data.apiError.message : status ? t('banner.api.status', { status }) : t('banner.api');
    if (data.lastOK) msg += ' ' + t('banner.api.stale', { time: hms(data.lastOK) });
    setText(api, msg);
    api.hidden = false;
  } else {
    api.hidden = true;
  }
  document.body.classList.toggle('api-down', !!data.apiError);
  const lb = $('#banner-live');
  if (liveState.up === false && view && view.watch().length > 0) {
    const s = Math.ceil((liveState.retryAt - now) / 1000);
    setText(lb, s >= 1 ? t('banner.live', { s }) : t('banner.live.now'));
    lb.hidden = false;
  } else {
    lb.hidden = true;
  }
}

// retryAfterSessions asks the hub again for the streams it ended when a
// session started, once a room list asked for after that says no session
// runs there any more (a session too short for the list to show). While
// the list shows the session, the page itself shows no pictures to a role
// that may not watch (auth.canLive), as the hub decides.
function retryAfterSessions() {
  for (const key of refusedKeys()) {
    const r = refusalOf(key);
    if (r?.ended !== 'session') continue;
    const room = roomById(key.slice(0, key.indexOf('/')));
    if (room && !room.session && data.roomsAskedAt > r.at) live.retry(key);
  }
}

function tick() {
  const now = Date.now();
  setText($('#clock'), hms(now));
  view?.tick(now);
  renderBanners(now);
  if (view) live.setWatch(view.watch());
}

function showLang() {
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang()));
}

// enter starts the page for whoever is signed in, at the address they asked for.
function enter() {
  route = '';
  renderUser();
  live.enable(can('live'));
  if (can('wall')) startPolling();
  navigate();
  renderHeader();
}

// showSignIn stops everything and forgets what was shown, then asks for sign-in.
function showSignIn(note) {
  stopPolling();
  live.enable(false);
  view?.destroy();
  route = 'signin';
  view = new SignInView({ note, onDone: enter });
  $('#view').replaceChildren(view.el);
  document.body.dataset.view = 'signin';
  renderHeader();
  renderBanners(Date.now());
}

// begin asks the hub who is signed in; while it cannot be reached the
// sign-in screen says so and the page asks again every few seconds.
async function begin() {
  const s = await loadSession();
  if (route !== '' && route !== 'signin') return; // signed in on the screen meanwhile
  if (s === 'in') return enter();
  const note = s === 'unreachable' ? 'unreachable' : '';
  if (route === 'signin') {
    view.note = note;
    view.update();
  } else {
    showSignIn(note);
  }
  if (s === 'unreachable') setTimeout(() => { if (route === 'signin') begin(); }, 3000);
}

function main() {
  initLang();
  showLang();
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.addEventListener('click', () => {
      setLang(b.dataset.lang);
      showLang();
      apply();
      if (view?.relang) view.relang(); else view?.update();
      renderHeader();
      renderBanners(Date.now());
      tick();
    });
  }
  $('#patrol').addEventListener('click', () => {
    location.hash = parseHash().name === 'patrol' ? wallHref() : patrolHref();
  });
  live = new LiveSocket({
    onFrame: (f) => view?.frame?.(f, Date.now()),
    onState: (s) => { liveState = s; renderBanners(Date.now()); },
    // A stream the hub ended or refused: its tile says why at once.
    onNotice: () => view?.tick(Date.now()),
  });
  onSessionLost(() => {
    clearSession('out');
    showSignIn('expired');
  });
  $('#signout').addEventListener('click', async () => {
    await signOut();
    showSignIn('signedOut');
  });
  subscribe(() => {
    retryAfterSessions();
    view?.update();
    renderHeader();
    renderBanners(Date.now());
    if (view) live.setWatch(view.watch());
  });
  window.addEventListener('hashchange', navigate);
  pollHealth(() => renderBanners(Date.now()));
  renderHeader();
  tick();
  setInterval(tick, 500);
  begin();
}

main();
