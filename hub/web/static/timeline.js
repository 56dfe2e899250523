// A room's recording timeline, drawn on a canvas: per stream the recorded,
// gap and missing bands (unverified drawn hatched, signal flags as marks on
// top), procurement sessions and alert markers; day / hour / 10-minute zoom.
// Hover or click says what a band is in words; a click plays from there.

import { apply, t } from './i18n.js';
import { api, dateTimeShort, duration, enc, h, hm, hms, iso, parseTime, refusalText, roomPath, setAttr, setText, ymd } from './util.js';
import { alertKindWord, device, gapReasonWord, severityWord, signalWord } from './words.js';
import { roomById } from './data.js';

// A room is behind when its oldest unsent record is older than this, or
// when its last record ended longer ago than LATE_MS while it reports.
const BEHIND_S = 6;
const LATE_MS = 15000;

// addPending gives each stream a live "pending" band (待补传) from its last
// record to now while the room is offline or behind: the box keeps recording
// and uploads the backlog later, when the band turns into recorded or gap.
// Missing bands at the end are the same time, not yet received: they go.
function addPending(tl, room, now) {
  if (!room) return;
  const behind = !room.online || room.oldest > BEHIND_S;
  for (const s of tl.streams) {
    s.bands = s.bands.filter((b) => b.kind !== 'pending');
    const known = s.bands.filter((b) => b.kind !== 'missing');
    const last = known.reduce((m, b) => Math.max(m, b.end), -Infinity);
    const start = Number.isFinite(last) ? last : room.lastSeen;
    if (start === null || !(behind || (room.online && now - start > LATE_MS)) || now - start < 2000) continue;
    s.bands = s.bands.filter((b) => !(b.kind === 'missing' && b.start >= start - 1000));
    s.bands.push({ start, end: now, kind: 'pending', reason: room.online ? 'behind' : 'offline', flags: [], verified: false });
  }
}

const ZOOMS = { day: 86400e3, hour: 3600e3, min10: 600e3 };
const STEPS = [10e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 10800e3, 21600e3];
const AXIS_H = 24;
const SES_H = 20;
const AL_H = 22;
const ROW_H = 30;
const ROW_GAP = 6;
export const COLORS = {
  bg: '#0b1016', row: '#141c25', grid: '#223040', text: '#c9d4df', muted: '#7d8b99',
  rec: '#16a34a', recUnverified: '#7c5a10', hatchUnverified: '#f59e0b',
  gap: '#b91c1c', hatchGap: '#fecaca', missing: '#2b3645', hatchMissing: '#5b6b7e', pending: '#1e3a5f', hatchPending: '#60a5fa',
  black: '#000000', frozen: '#38bdf8', silent: '#a78bfa', clipping: '#fb923c',
  critical: '#ef4444', warning: '#f59e0b', session: '#6366f1', now: '#3b82f6', playhead: '#ffffff',
};

function hatch(ctx, bg, fg) {
  const c = document.createElement('canvas');
  c.width = 8; c.height = 8;
  const g = c.getContext('2d');
  g.fillStyle = bg; g.fillRect(0, 0, 8, 8);
  g.strokeStyle = fg; g.lineWidth = 2;
  g.beginPath(); g.moveTo(-2, 10); g.lineTo(10, -2); g.moveTo(6, 10); g.lineTo(10, 6); g.moveTo(-2, 2); g.lineTo(2, -2); g.stroke();
  return ctx.createPattern(c, 'repeat');
}

function normalize(tl) {
  const band = (b) => ({
    start: parseTime(b.start), end: parseTime(b.end), kind: String(b.kind), reason: b.reason ? String(b.reason) : '',
    flags: Array.isArray(b.flags) ? b.flags.map(String) : [], verified: b.verified === true,
    first: b.first_seq, last: b.last_seq,
  });
  const streams = (tl.streams || []).map((s) => ({
    id: String(s.id), kind: String(s.kind || ''),
    bands: (s.bands || []).map(band).filter((b) => b.start !== null && b.end !== null),
  })).sort((a, b) => (a.kind === b.kind ? a.id.localeCompare(b.id, 'en', { numeric: true }) : a.kind === 'video' ? -1 : 1));
  return {
    streams,
    sessions: (tl.sessions || []).map((s) => ({ id: String(s.id), start: parseTime(s.start), end: parseTime(s.end) })),
    alerts: (tl.alerts || []).map((a) => ({
      id: a.id, stream: a.stream || '', kind: String(a.kind), severity: a.severity,
      opened: parseTime(a.opened_at), resolved: parseTime(a.resolved_at),
    })),
  };
}

export class Timeline {
  constructor(roomId, { onPick }) {
    this.roomId = roomId;
    this.onPick = onPick;
    this.zoom = 'hour';
    this.following = true;
    this.end = Date.now();
    this.tl = null;
    this.error = null;
    this.fetchedAt = 0;
    this.fetching = false;
    this.playhead = null;
    this.hover = null; // {x, y} in CSS px, or null
    this.pinned = false;

    this.zoomBtns = Object.keys(ZOOMS).map((z) => h('button', { type: 'button', dataset: { zoom: z }, 'data-i18n': `tl.zoom.${z}`, onclick: () => this.setZoom(z) }));
    this.rangeEl = h('span', { class: 'tl-range nums' });
    this.download = h('a', { class: 'btn ghost', dataset: { download: '' }, download: '', onclick: (ev) => this.startDownload(ev) });
    this.downloadError = '';
    this.status = h('span', { class: 'tl-status muted' });
    this.canvas = h('canvas', { class: 'tl-canvas', tabindex: '0', role: 'img' });
    this.tip = h('div', { class: 'tl-tip', hidden: true, role: 'status' });
    this.wrap = h('div', { class: 'tl-wrap' }, this.canvas, this.tip);
    this.list = h('ul', { class: 'sr-only tl-list' });
    const sw = (cls, key) => h('span', { class: 'lg' }, h('i', { class: `sw ${cls}` }), h('span', { 'data-i18n': key }));
    this.el = h('section', { class: 'timeline', dataset: { zoom: this.zoom } },
      h('div', { class: 'tl-bar' },
        h('h3', { 'data-i18n': 'tl.title' }),
        h('div', { class: 'seg', role: 'group', 'data-i18n-aria': 'tl.zoom' }, this.zoomBtns),
        h('div', { class: 'seg' },
          h('button', { type: 'button', 'data-i18n': 'tl.earlier', onclick: () => this.pan(-0.5) }),
          h('button', { type: 'button', 'data-i18n': 'tl.later', onclick: () => this.pan(0.5) }),
          h('button', { type: 'button', dataset: { now: '' }, 'data-i18n': 'tl.now', onclick: () => this.follow() })),
        this.rangeEl, this.status, this.download),
      this.wrap,
      h('div', { class: 'tl-legend' },
        sw('sw-rec', 'lg.verified'), sw('sw-unv', 'lg.unverified'), sw('sw-gap', 'lg.gap'), sw('sw-missing', 'lg.missing'), sw('sw-pending', 'lg.pending'),
        sw('sw-black', 'sig.black'), sw('sw-frozen', 'sig.frozen'), sw('sw-silent', 'sig.silent'), sw('sw-clipping', 'sig.clipping'),
        sw('sw-alert', 'lg.alert'), sw('sw-session', 'lg.session'), sw('sw-playhead', 'lg.playhead'), sw('sw-now', 'lg.now')),
      this.list);
    apply(this.el);

    const ctx = this.canvas.getContext('2d');
    this.pat = {
      pending: hatch(ctx, COLORS.pending, COLORS.hatchPending),
      unv: hatch(ctx, COLORS.recUnverified, COLORS.hatchUnverified),
      gap: hatch(ctx, COLORS.gap, COLORS.hatchGap),
      missing: hatch(ctx, COLORS.missing, COLORS.hatchMissing),
    };
    this.canvas.addEventListener('mousemove', (e) => { if (!this.pinned) this.setHover(e); });
    this.canvas.addEventListener('mouseleave', () => { if (!this.pinned) { this.hover = null; this.draw(); } });
    this.canvas.addEventListener('click', (e) => this.click(e));
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    this.ro = new ResizeObserver(() => this.draw());
    this.ro.observe(this.wrap);
    this.fetch();
  }

  get span() { return ZOOMS[this.zoom]; }
  get from() { return this.end - this.span; }

  setZoom(z) {
    const centre = this.following ? null : (this.playhead ?? this.from + this.span / 2);
    this.zoom = z;
    this.el.dataset.zoom = z;
    if (centre !== null) this.end = Math.min(Date.now() + this.span * 0.02, centre + this.span / 2);
    this.pinned = false;
    this.fetch();
  }

  pan(f) {
    this.following = false;
    this.end += this.span * f;
    if (this.end > Date.now() + this.span * 0.02) return this.follow();
    this.pinned = false;
    this.fetch();
  }

  follow() {
    this.following = true;
    this.pinned = false;
    this.fetch();
  }

  // show makes sure ms is in the window (the player moved out of it).
  show(ms) {
    if (ms >= this.from && ms <= this.end) return;
    this.following = false;
    this.end = Math.min(Date.now() + this.span * 0.02, ms + this.span / 2);
    this.fetch();
  }

  async fetch() {
    if (this.following) this.end = Date.now() + this.span * 0.02;
    const from = this.from;
    const to = this.end;
    this.fetching = true;
    this.fetchedAt = Date.now();
    this.updateBar();
    try {
      const tl = await api(`${roomPath(this.roomId)}/timeline?from=${enc(iso(from))}&to=${enc(iso(to))}`);
      if (this.destroyed || from !== this.from) return;
      this.tl = normalize(tl);
      addPending(this.tl, roomById(this.roomId), Date.now());
      this.tlFrom = from;
      this.error = null;
    } catch (e) {
      this.error = e.message;
    } finally {
      this.fetching = false;
    }
    this.renderList();
    this.updateBar();
    this.draw();
  }

  updateBar() {
    for (const b of this.zoomBtns) b.setAttribute('aria-pressed', String(b.dataset.zoom === this.zoom));
    const { from, end } = this;
    const fmt = this.zoom === 'day' ? hm : hms;
    setText(this.rangeEl, `${ymd(from)} ${fmt(from)} – ${ymd(end) === ymd(from) ? '' : `${ymd(end)} `}${fmt(end)}`);
    const to = Math.min(end, Date.now());
    this.download.href = `${roomPath(this.roomId)}/download?from=${enc(iso(from))}&to=${enc(iso(to))}`;
    setText(this.download, t('tl.download'));
    this.download.title = t('tl.download.hint', { from: dateTimeShort(from), to: dateTimeShort(to) });
    setText(this.status, this.error ? t('tl.error', { msg: this.error })
      : this.downloadError ? t('tl.download.failed', { msg: this.downloadError }) : this.tl ? '' : t('loading'));
    this.status.classList.toggle('err', !!(this.error || this.downloadError));
  }

  // startDownload fetches the range in a hidden frame of this page: a tar
  // (an attachment) is saved as the link would save it, and a refusal (the
  // hub's JSON, e.g. a 503 when the export cannot be put on the audit log)
  // stays in the frame, where the page can read it and say it in words.
  startDownload(ev) {
    ev.preventDefault();
    this.downloadError = '';
    this.updateBar();
    this.frame?.remove();
    const frame = h('iframe', { class: 'download-frame', hidden: true, title: '' });
    frame.addEventListener('load', () => {
      let text = '';
      try { text = frame.contentDocument?.body?.textContent || ''; } catch { /* not readable: a download */ }
      let msg = '';
      try { msg = String(JSON.parse(text).error || ''); } catch { /* not the hub's JSON */ }
      if (msg && !this.destroyed) {
        this.downloadError = refusalText(503, msg) || msg;
        this.updateBar();
      }
    });
    frame.src = this.download.href;
    document.body.append(frame);
    this.frame = frame;
  }

  setPlayhead(ms) {
    if (ms === this.playhead) return;
    this.playhead = ms;
    this.draw();
  }

  tick(now) {
    // The pending band grows with the clock between fetches.
    const pend = this.tl?.streams.flatMap((x) => x.bands.filter((b) => b.kind === 'pending')) || [];
    if (pend.length && now - (this.pendingDrawn || 0) >= 1000) {
      for (const b of pend) b.end = now;
      this.pendingDrawn = now;
      this.draw();
    }
    const every = this.following ? 3000 : 10000;
    if (!this.fetching && now - this.fetchedAt > every) this.fetch();
  }

  relang() { this.renderList(); this.updateBar(); this.draw(); if (this.hover) this.setHover(null); }

  // ---- geometry ----

  layout() {
    const w = this.wrap.clientWidth;
    const label = w < 700 ? 84 : 124;
    const n = this.tl?.streams.length || 0;
    const rows = AXIS_H + SES_H + AL_H;
    return { w, label, rows, h: rows + Math.max(1, n) * (ROW_H + ROW_GAP) + 4 };
  }

  x(ms, L) { return L.label + ((ms - this.from) / this.span) * (L.w - L.label); }
  timeAt(x, L) { return this.from + ((x - L.label) / (L.w - L.label)) * this.span; }

  // ---- drawing ----

  draw() {
    const L = this.layout();
    if (L.w <= 0) return;
    const dpr = window.devicePixelRatio || 1;
    const c = this.canvas;
    if (c.width !== Math.round(L.w * dpr) || c.height !== Math.round(L.h * dpr)) {
      c.width = Math.round(L.w * dpr);
      c.height = Math.round(L.h * dpr);
      c.style.height = `${L.h}px`;
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = COLORS.bg;
    g.fillRect(0, 0, L.w, L.h);
    g.font = '12px system-ui, sans-serif';
    g.textBaseline = 'middle';
    this.drawAxis(g, L);
    const tl = this.tl;
    if (tl) {
      this.drawSessions(g, L, tl);
      this.drawAlerts(g, L, tl);
      this.drawStreams(g, L, tl);
    }
    const now = Date.now();
    if (now >= this.from && now <= this.end) {
      g.strokeStyle = COLORS.now; g.setLineDash([4, 3]); g.lineWidth = 1.5;
      const x = this.x(now, L);
      g.beginPath(); g.moveTo(x, AXIS_H); g.lineTo(x, L.h); g.stroke(); g.setLineDash([]);
    }
    if (this.playhead !== null && this.playhead >= this.from && this.playhead <= this.end) {
      const x = this.x(this.playhead, L);
      g.strokeStyle = COLORS.playhead; g.fillStyle = COLORS.playhead; g.lineWidth = 2;
      g.beginPath(); g.moveTo(x, AXIS_H - 6); g.lineTo(x, L.h); g.stroke();
      g.beginPath(); g.moveTo(x - 6, AXIS_H - 10); g.lineTo(x + 6, AXIS_H - 10); g.lineTo(x, AXIS_H - 2); g.fill();
    }
    if (this.hover) {
      g.strokeStyle = 'rgba(255,255,255,.45)'; g.lineWidth = 1;
      g.beginPath(); g.moveTo(this.hover.x, AXIS_H); g.lineTo(this.hover.x, L.h); g.stroke();
    }
    c.setAttribute('aria-label', t('tl.aria', { from: dateTimeShort(this.from), to: dateTimeShort(this.end) }));
    // Where things are drawn, for tests and for anyone debugging the drawing.
    c.dataset.geom = JSON.stringify({ from: this.from, to: this.end, label: L.label, top: L.rows, rowH: ROW_H, rowGap: ROW_GAP,
      streams: (tl?.streams || []).map((s) => s.id) });
  }

  drawAxis(g, L) {
    const pxPer = (L.w - L.label) / this.span;
    const step = STEPS.find((s) => s * pxPer >= (s < 60e3 ? 80 : 56)) || STEPS[STEPS.length - 1];
    const mid = new Date(this.from);
    mid.setHours(0, 0, 0, 0);
    let tk = mid.getTime() + Math.ceil((this.from - mid.getTime()) / step) * step;
    g.fillStyle = COLORS.muted;
    g.textAlign = 'center';
    for (; tk <= this.end; tk += step) {
      const x = this.x(tk, L);
      g.fillStyle = COLORS.grid;
      g.fillRect(Math.round(x), AXIS_H - 4, 1, L.h - AXIS_H + 4);
      const d = new Date(tk);
      let label = step < 60e3 ? hms(tk) : hm(tk);
      if (d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0) label = ymd(tk).slice(5);
      g.fillStyle = COLORS.text;
      if (x > L.label + 16 && x < L.w - 16) g.fillText(label, x, AXIS_H / 2);
    }
    g.textAlign = 'left';
    g.fillStyle = COLORS.muted;
    g.fillText(t('tl.row.sessions'), 6, AXIS_H + SES_H / 2);
    g.fillText(t('tl.row.alerts'), 6, AXIS_H + SES_H + AL_H / 2);
  }

  clipX(ms, L) { return Math.max(L.label, Math.min(L.w, this.x(ms, L))); }

  drawSessions(g, L, tl) {
    for (const s of tl.sessions) {
      if (s.end < this.from || s.start > this.end) continue;
      const x0 = this.clipX(s.start, L);
      const x1 = Math.max(x0 + 2, this.clipX(s.end, L));
      g.fillStyle = COLORS.session;
      g.fillRect(x0, AXIS_H + 3, x1 - x0, SES_H - 6);
    }
  }

  drawAlerts(g, L, tl) {
    const y = AXIS_H + SES_H + AL_H / 2;
    const now = Date.now();
    for (const a of tl.alerts) {
      const end = a.resolved ?? now;
      if (end < this.from || a.opened > this.end) continue;
      const col = a.severity === 'critical' ? COLORS.critical : COLORS.warning;
      const x0 = this.clipX(a.opened, L);
      const x1 = Math.max(x0 + 1, this.clipX(end, L));
      g.fillStyle = col;
      g.globalAlpha = 0.45;
      g.fillRect(x0, y - 2, x1 - x0, 4);
      g.globalAlpha = 1;
      if (a.opened >= this.from) {
        g.beginPath(); g.moveTo(x0, y - 7); g.lineTo(x0 + 6, y + 6); g.lineTo(x0 - 6, y + 6); g.closePath(); g.fill();
      }
    }
  }

  drawStreams(g, L, tl) {
    tl.streams.forEach((s, i) => {
      const y = L.rows + i * (ROW_H + ROW_GAP) + ROW_GAP / 2;
      g.fillStyle = COLORS.row;
      g.fillRect(L.label, y, L.w - L.label, ROW_H);
      g.fillStyle = COLORS.text;
      g.textAlign = 'left';
      g.fillText(device(s.kind, s.id), 6, y + ROW_H / 2, L.label - 10);
      for (const b of s.bands) {
        if (b.end < this.from || b.start > this.end) continue;
        const x0 = this.clipX(b.start, L);
        const x1 = Math.max(x0 + 1, this.clipX(b.end, L));
        if (b.kind === 'recorded') g.fillStyle = b.verified ? COLORS.rec : this.pat.unv;
        else if (b.kind === 'gap') g.fillStyle = this.pat.gap;
        else if (b.kind === 'pending') g.fillStyle = this.pat.pending;
        else g.fillStyle = this.pat.missing;
        g.fillRect(x0, y, x1 - x0, ROW_H);
        // Signal flags: a strip each across the top of the band, edged so black shows too.
        b.flags.forEach((f, k) => {
          const fy = y + 2 + k * 9;
          g.fillStyle = '#e5e7eb';
          g.fillRect(x0, fy - 1, x1 - x0, 9);
          g.fillStyle = COLORS[f] || COLORS.warning;
          g.fillRect(x0, fy, x1 - x0, 7);
        });
      }
    });
  }

  // ---- pointing ----

  // itemAt says what is under (x, y): {time, row: 'stream'|'alert'|'session'|'axis', stream, band, alert, session}.
  itemAt(x, y) {
    const L = this.layout();
    const time = this.timeAt(x, L);
    const tol = (3 / Math.max(1, L.w - L.label)) * this.span;
    const out = { time, row: 'axis' };
    const tl = this.tl;
    if (!tl || x < L.label) return { ...out, time: null };
    if (y >= AXIS_H && y < AXIS_H + SES_H) {
      out.row = 'session';
      out.session = tl.sessions.find((s) => time >= s.start - tol && time <= s.end + tol);
    } else if (y >= AXIS_H + SES_H && y < L.rows) {
      out.row = 'alert';
      const now = Date.now();
      const near = tl.alerts.filter((a) => Math.abs(a.opened - time) <= tol * 3);
      out.alert = near[0] || tl.alerts.find((a) => time >= a.opened && time <= (a.resolved ?? now));
    } else if (y >= L.rows) {
      const i = Math.floor((y - L.rows) / (ROW_H + ROW_GAP));
      const s = tl.streams[i];
      if (s) {
        out.row = 'stream';
        out.stream = s;
        const here = s.bands.filter((b) => time >= b.start && time < b.end);
        out.band = here.find((b) => b.kind === 'recorded') || here[0]
          || s.bands.find((b) => time >= b.start - tol && time <= b.end + tol);
        // Gap records may overlap: name every reason.
        out.reasons = [...new Set((here.length ? here : [out.band]).filter((b) => b?.kind === 'gap').map((b) => gapReasonWord(b.reason)))];
      }
    }
    return out;
  }

  setHover(e) {
    if (e) {
      const r = this.canvas.getBoundingClientRect();
      this.hover = { x: e.clientX - r.left, y: e.clientY - r.top };
    }
    if (!this.hover) return;
    const it = this.itemAt(this.hover.x, this.hover.y);
    if (it.time === null) {
      this.tip.hidden = true;
    } else {
      this.tip.replaceChildren(...this.describe(it));
      this.tip.hidden = false;
      // Beside the pointer, never over the time it points at: right of it, or
      // left of it near the right edge; below it in the upper half, above in the lower.
      const w = this.wrap.clientWidth;
      const tw = this.tip.offsetWidth;
      const right = this.hover.x + 16 + tw <= w;
      const below = this.hover.y < this.canvas.clientHeight / 2;
      this.tip.style.left = `${right ? this.hover.x + 16 : Math.max(0, this.hover.x - 16 - tw)}px`;
      this.tip.style.top = `${below ? this.hover.y + 14 : Math.max(0, this.hover.y - this.tip.offsetHeight - 10)}px`;
    }
    this.draw();
  }

  describe(it) {
    const lines = [h('div', { class: 'tip-time' }, dateTimeShort(it.time))];
    const span = (a, b) => t('tl.span', { from: dateTimeShort(a), to: dateTimeShort(b), dur: duration((b - a) / 1000) });
    if (it.row === 'stream') {
      const s = it.stream;
      const b = it.band;
      lines.push(h('div', { class: 'tip-head' }, device(s.kind, s.id)));
      if (!b) {
        lines.push(h('div', null, t('tl.none')));
      } else if (b.kind === 'recorded') {
        lines.push(h('div', null, t('tl.recorded'), ' ', span(b.start, b.end)));
        lines.push(h('div', { class: b.verified ? 'ok' : 'warn' }, t(b.verified ? 'tl.verified' : 'tl.unverified')));
        if (b.flags.length) lines.push(h('div', { class: 'warn' }, t('tl.flags', { list: b.flags.map(signalWord).join(t('list.sep')) })));
      } else if (b.kind === 'gap') {
        lines.push(h('div', { class: 'bad', dataset: { reason: b.reason } }, t('tl.gap', { reason: it.reasons.join(t('list.sep')) })));
        lines.push(h('div', null, span(b.start, b.end)));
        lines.push(h('div', { class: 'muted' }, t('tl.gap.signed')));
      } else if (b.kind === 'pending') {
        lines.push(h('div', { class: 'warn' }, t(`tl.pending.${b.reason}`, { time: dateTimeShort(b.start) })));
      } else {
        lines.push(h('div', { class: 'bad' }, t('tl.missing')));
        lines.push(h('div', null, span(b.start, b.end)));
      }
    } else if (it.row === 'alert' && it.alert) {
      const a = it.alert;
      const what = a.stream ? `${a.stream} ${alertKindWord(a.kind)}` : alertKindWord(a.kind);
      lines.push(h('div', { class: 'tip-head' }, `${severityWord(a.severity)} · ${what}`));
      lines.push(h('div', null, a.resolved ? span(a.opened, a.resolved) : t('tl.alert.open', { time: dateTimeShort(a.opened) })));
    } else if (it.row === 'session' && it.session) {
      lines.push(h('div', { class: 'tip-head' }, t('tl.session', { id: it.session.id })));
      lines.push(h('div', null, span(it.session.start, it.session.end)));
    }
    lines.push(h('div', { class: 'tip-hint muted' }, t('tl.clickToPlay')));
    return lines;
  }

  click(e) {
    const r = this.canvas.getBoundingClientRect();
    this.hover = { x: e.clientX - r.left, y: e.clientY - r.top };
    this.pinned = true;
    this.setHover(null);
    const it = this.itemAt(this.hover.x, this.hover.y);
    if (it.time !== null) this.onPick(it.time, it);
    clearTimeout(this.unpin);
    this.unpin = setTimeout(() => { this.pinned = false; }, 1500);
  }

  key(e) {
    const L = this.layout();
    if (!this.hover) this.hover = { x: this.x(this.playhead ?? this.from + this.span / 2, L), y: L.rows + ROW_H / 2 };
    const dx = (L.w - L.label) / 100;
    if (e.key === 'ArrowLeft') this.hover.x = Math.max(L.label, this.hover.x - dx);
    else if (e.key === 'ArrowRight') this.hover.x = Math.min(L.w - 1, this.hover.x + dx);
    else if (e.key === 'ArrowDown') this.hover.y = Math.min(L.h - 2, this.hover.y + ROW_H + ROW_GAP);
    else if (e.key === 'ArrowUp') this.hover.y = Math.max(AXIS_H + 1, this.hover.y - (ROW_H + ROW_GAP));
    else if (e.key === 'Enter' || e.key === ' ') {
      const it = this.itemAt(this.hover.x, this.hover.y);
      if (it.time !== null) this.onPick(it.time, it);
    } else return;
    e.preventDefault();
    this.setHover(null);
  }

  // renderList writes the bands as text too, for screen readers (and tests).
  renderList() {
    const items = [];
    for (const s of this.tl?.streams || []) {
      for (const b of s.bands.slice(0, 300)) {
        let what = t('tl.recorded');
        if (b.kind === 'gap') what = t('tl.gap', { reason: gapReasonWord(b.reason) });
        else if (b.kind === 'missing') what = t('tl.missing');
        else if (b.kind === 'pending') what = t('lg.pending');
        else what += `, ${t(b.verified ? 'lg.verified' : 'lg.unverified')}`;
        if (b.flags.length) what += `, ${b.flags.map(signalWord).join(t('list.sep'))}`;
        items.push(h('li', { dataset: { stream: s.id, kind: b.kind, verified: String(b.verified), reason: b.reason, flags: b.flags.join(' '), start: String(b.start), end: String(b.end) } },
          `${device(s.kind, s.id)}: ${what} ${hms(b.start)}–${hms(b.end)}`));
      }
    }
    this.list.replaceChildren(...items);
    setAttr(this.el, 'data-bands', String(items.length));
  }

  destroy() {
    this.destroyed = true;
    this.frame?.remove();
    this.ro.disconnect();
    clearTimeout(this.unpin);
  }
}
