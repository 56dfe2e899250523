// Playback of a room's recordings from a chosen time: every camera drawn on
// a canvas at its frames' capture times, the microphones played through
// WebAudio at the matching times (one clock for both, so sound and picture
// stay in step), 1× to 8×, the integrity of what is shown, and gaps shown as
// "no recording: reason" before playback continues after them.

import { apply, t } from './i18n.js';
import { api, dateTime, enc, h, hmsTenth, iso, parseTime, roomPath, setData, setText, ymd } from './util.js';
import { audioContext, LevelMeter, level, RATE, toFloat } from './audio.js';
import { device, gapReasonWord, signalWord } from './words.js';

const SPEEDS = [1, 2, 4, 8];
const LIST_BEFORE = 10e3;     // segment list: from this much before the playhead
const LIST_AFTER = 120e3;     // … to this much after
const AHEAD_MS = 3000;        // media fetched ahead of the playhead (× speed)
const KEEP_MS = 5000;         // media kept behind it
const AUDIO_AHEAD = 0.8;      // seconds of sound scheduled ahead
const SKIP_AFTER_MS = 1500;   // a gap in every stream is shown this long, then skipped
const LIVE_MARGIN = 5000;     // recordings reach the hub a few seconds after capture
const MAX_INFLIGHT = 3;

class Track {
  constructor(room, s) {
    this.room = room;
    this.id = s.id;
    this.kind = s.kind;
    this.segs = [];          // segment rows, by start
    this.from = Infinity;    // listed range
    this.to = -Infinity;
    this.listedAt = 0;
    this.listing = false;
    this.media = new Map();  // seq → {state, detail, buf, frames, verified, err}
    this.error = null;
  }

  base() { return `${roomPath(this.room)}/streams/${enc(this.id)}/segments`; }

  async list(from, to) {
    this.listing = true;
    try {
      const rows = await api(`${this.base()}?from=${enc(iso(from))}&to=${enc(iso(to))}`);
      const bySeq = new Map(this.segs.map((s) => [s.seq, s]));
      for (const r of rows) {
        const s = { seq: r.seq, start: parseTime(r.start), end: parseTime(r.end), gap: r.gap === true, reason: r.gap_reason || '',
          verified: r.verified === true, flags: r.flags || [] };
        if (s.start !== null && s.end !== null) bySeq.set(s.seq, s);
      }
      this.segs = [...bySeq.values()].sort((a, b) => a.start - b.start);
      const contiguous = from <= this.to && to >= this.from;
      this.from = contiguous ? Math.min(this.from, from) : from;
      this.to = contiguous ? Math.max(this.to, to) : to;
      this.listedAt = Date.now();
      this.error = null;
    } catch (e) {
      this.error = e.message;
      this.listedAt = Date.now();
    } finally {
      this.listing = false;
    }
  }

  // ensureList keeps the list ahead of the playhead, and fresh near the present.
  ensureList(ms, ahead) {
    if (this.listing || Date.now() - this.listedAt < 1000) return;
    const covered = ms >= this.from && ms + ahead <= this.to - 10e3;
    const recent = this.to > this.listedAt - 60e3 && Date.now() - this.listedAt > 3000;
    if (!covered || recent) this.list(ms - LIST_BEFORE, ms + LIST_AFTER);
  }

  // segAt finds the record covering ms, a media record before a gap record
  // (gap records may overlap each other).
  segAt(ms) {
    let lo = 0;
    let hi = this.segs.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.segs[mid].start <= ms) { last = mid; lo = mid + 1; } else hi = mid - 1;
    }
    let found = null;
    for (let i = last; i >= 0 && i > last - 8; i--) {
      const s = this.segs[i];
      if (ms < s.end && (!found || (found.gap && !s.gap))) found = s;
    }
    return found;
  }

  gapReasons(ms) {
    return [...new Set(this.segs.filter((s) => s.gap && ms >= s.start && ms < s.end).map((s) => gapReasonWord(s.reason)))];
  }

  nextMedia(ms) { return this.segs.find((s) => !s.gap && s.start > ms) || null; }

  status(ms) {
    if (!(ms >= this.from && ms <= this.to)) return { kind: this.error ? 'error' : 'unknown', msg: this.error };
    const seg = this.segAt(ms);
    if (!seg) return { kind: 'missing' };
    if (seg.gap) return { kind: 'gap', reasons: this.gapReasons(ms), seg };
    const m = this.media.get(seg.seq);
    if (!m || m.state === 'loading') return { kind: 'loading', seg };
    if (m.state === 'error') return { kind: 'error', msg: m.err, seg };
    return { kind: 'ok', seg, m };
  }

  prefetch(ms, ahead) {
    let inflight = 0;
    for (const m of this.media.values()) if (m.state === 'loading') inflight++;
    for (const s of this.segs) {
      if (inflight >= MAX_INFLIGHT) break;
      if (s.gap || s.end < ms || s.start > ms + ahead || this.media.has(s.seq)) continue;
      inflight++;
      this.load(s);
    }
    for (const [seq, m] of this.media) if (m.end < ms - KEEP_MS || m.start > ms + ahead + 60e3) this.media.delete(seq);
  }

  async load(s) {
    const m = { state: 'loading', start: s.start, end: s.end };
    this.media.set(s.seq, m);
    try {
      const [detail, buf] = await Promise.all([api(`${this.base()}/${s.seq}`), api(`${this.base()}/${s.seq}/payload`, { as: 'buffer', timeout: 20000 })]);
      m.detail = detail;
      m.buf = buf;
      m.codec = detail.codec;
      m.verified = detail.verified === true;
      m.flags = detail.flags || [];
      m.frames = (detail.frames || []).map((f) => ({ o: f.o, n: f.n, t: f.t / 1e6 }))
        .filter((f) => f.o >= 0 && f.o + f.n <= buf.byteLength);
      m.state = 'ok';
    } catch (e) {
      m.state = 'error';
      m.err = e.message;
    }
  }
}

// frameAt finds the last frame captured at or before ms (or the first, if
// ms is just before it).
function frameAt(frames, ms) {
  let lo = 0;
  let hi = frames.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].t <= ms) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return best < 0 && frames.length ? 0 : best;
}

class VideoView {
  constructor(track) {
    this.track = track;
    this.canvas = h('canvas', { width: '640', height: '360' });
    this.over = h('div', { class: 'pb-over' });
    this.cap = h('span', { class: 'pb-cap' });
    this.badge = h('span', { class: 'pb-verified' });
    this.flags = h('span', { class: 'pb-flags' });
    this.el = h('figure', { class: 'pb-video', dataset: { stream: track.id, state: 'loading' } },
      h('div', { class: 'pb-pic' }, this.canvas, this.over), h('figcaption', null, this.cap, this.flags, this.badge));
    this.shown = null;
    this.decoding = false;
  }

  render(st, ms) {
    setData(this.el, 'state', st.kind);
    setText(this.cap, device('video', this.track.id));
    showStatus(this, st);
    if (st.kind !== 'ok') return;
    const i = frameAt(st.m.frames, ms);
    if (i < 0) return;
    const key = `${st.seg.seq}:${i}`;
    if (key === this.shown || this.decoding) return;
    const f = st.m.frames[i];
    this.decoding = true;
    createImageBitmap(new Blob([new Uint8Array(st.m.buf, f.o, f.n)], { type: 'image/jpeg' }))
      .then((bmp) => {
        if (this.canvas.width !== bmp.width || this.canvas.height !== bmp.height) {
          this.canvas.width = bmp.width;
          this.canvas.height = bmp.height;
        }
        this.canvas.getContext('2d').drawImage(bmp, 0, 0);
        bmp.close();
        this.shown = key;
        this.canvas.dataset.frameT = String(Math.round(f.t));
        this.canvas.dataset.frames = String(Number(this.canvas.dataset.frames || 0) + 1);
      })
      .catch(() => { this.shown = key; })
      .finally(() => { this.decoding = false; });
  }
}

class AudioView {
  constructor(track) {
    this.track = track;
    this.meter = new LevelMeter(device('audio', track.id));
    this.over = h('span', { class: 'pb-over-inline' });
    this.badge = h('span', { class: 'pb-verified' });
    this.flags = h('span', { class: 'pb-flags' });
    this.el = h('div', { class: 'pb-audio', dataset: { stream: track.id, state: 'loading' } }, this.meter.el, this.over, this.flags, this.badge);
    this.lastKey = null;
  }

  render(st, ms) {
    setData(this.el, 'state', st.kind);
    setText(this.meter.labelEl, device('audio', this.track.id));
    showStatus(this, st);
    if (st.kind !== 'ok') { this.meter.draw(); return; }
    const i = frameAt(st.m.frames, ms);
    const key = `${st.seg.seq}:${i}`;
    if (i >= 0 && key !== this.lastKey) {
      const f = st.m.frames[i];
      this.meter.push(level(toFloat(st.m.buf, f.o, f.n)));
      this.lastKey = key;
    } else {
      this.meter.draw();
    }
  }
}

// showStatus writes a stream's overlay (no recording, loading) and its
// verified badge and flags.
function showStatus(v, st) {
  let over = '';
  if (st.kind === 'gap') over = t('pb.gap', { reason: st.reasons.join(t('list.sep')) });
  else if (st.kind === 'missing') over = t('pb.missing');
  else if (st.kind === 'loading' || st.kind === 'unknown') over = t('pb.loading');
  else if (st.kind === 'error') over = t('pb.error', { msg: st.msg || '' });
  setText(v.over, over);
  v.over.hidden = !over;
  const ok = st.kind === 'ok';
  setText(v.badge, ok ? t(st.m.verified ? 'pb.verified' : 'pb.unverified') : '');
  setData(v.el, 'verified', ok ? String(st.m.verified) : '');
  const flags = ok ? st.m.flags : [];
  setText(v.flags, flags.length ? flags.map(signalWord).join(t('list.sep')) : '');
}

export class Player {
  constructor(roomId, { onTime }) {
    this.roomId = roomId;
    this.onTime = onTime;
    this.tracks = [];
    this.views = [];
    this.speed = 1;
    this.playing = false;
    this.stalled = false;
    this.mediaBase = 0;
    this.wallBase = 0;
    this.audioClock = false;
    this.sources = [];
    this.audioUntil = new Map(); // track id → capture time of the last chunk scheduled
    this.gapSince = null;
    this.note = '';

    this.timeEl = h('span', { class: 'pb-time nums' });
    this.dateEl = h('span', { class: 'pb-date muted' });
    this.playBtn = h('button', { type: 'button', class: 'btn primary pb-play', onclick: () => this.toggle() });
    this.speedBtns = SPEEDS.map((s) => h('button', { type: 'button', dataset: { speed: String(s) }, onclick: () => this.setSpeed(s) }, `${s}×`));
    this.muteNote = h('span', { class: 'muted small' });
    this.statusEl = h('div', { class: 'pb-status', role: 'status' });
    this.integrity = h('span', { class: 'pb-integrity' });
    this.vidBox = h('div', { class: 'pb-videos' });
    this.audBox = h('div', { class: 'pb-audios' });
    this.el = h('section', { class: 'player', hidden: true, dataset: { state: 'idle' } },
      h('div', { class: 'pb-bar' },
        h('h3', { 'data-i18n': 'pb.title' }),
        h('div', { class: 'pb-clock' }, this.timeEl, this.dateEl),
        this.playBtn,
        h('div', { class: 'seg', role: 'group', 'data-i18n-aria': 'pb.speed' }, this.speedBtns),
        this.muteNote, this.integrity,
        h('button', { type: 'button', class: 'btn ghost', 'data-i18n': 'pb.close', onclick: () => this.close() })),
      this.statusEl, this.vidBox, this.audBox);
    apply(this.el);
    this.loop = () => {
      if (this.destroyed) return;
      this.frame();
      this.raf = requestAnimationFrame(this.loop);
    };
  }

  setStreams(streams) {
    const key = streams.map((s) => `${s.id}:${s.kind}`).join(',');
    if (key === this.streamKey) return;
    this.streamKey = key;
    this.tracks = streams.map((s) => new Track(this.roomId, s));
    this.views = this.tracks.map((tr) => (tr.kind === 'audio' ? new AudioView(tr) : new VideoView(tr)));
    this.vidBox.replaceChildren(...this.views.filter((v) => v instanceof VideoView).map((v) => v.el));
    this.audBox.replaceChildren(...this.views.filter((v) => v instanceof AudioView).map((v) => v.el));
    this.vidBox.dataset.n = String(Math.min(4, this.vidBox.children.length));
  }

  // ---- clock ----

  clock() { return this.audioClock ? this.ctx.currentTime * 1000 : performance.now(); }

  now() {
    if (!this.playing || this.stalled) return this.mediaBase;
    return this.mediaBase + (this.clock() - this.wallBase) * this.speed;
  }

  rebase(ms = this.now()) {
    this.stopAudio();
    this.mediaBase = ms;
    this.audioClock = !!this.ctx && this.ctx.state === 'running';
    this.wallBase = this.clock();
  }

  // ---- controls ----

  playFrom(ms) {
    try { this.ctx = audioContext(); } catch { this.ctx = null; } // from a click: the browser lets it play
    this.el.hidden = false;
    this.playing = true;
    this.ended = false;
    this.stalled = false;
    this.gapSince = null;
    this.note = '';
    for (const v of this.views) { v.shown = null; v.lastKey = null; }
    this.rebase(ms);
    if (!this.raf) this.raf = requestAnimationFrame(this.loop);
  }

  toggle() {
    if (this.playing) { this.mediaBase = this.now(); this.playing = false; this.stopAudio(); } else this.playFrom(this.mediaBase);
  }

  setSpeed(s) {
    const ms = this.now();
    this.speed = s;
    this.rebase(ms);
  }

  close() {
    this.playing = false;
    this.stopAudio();
    this.el.hidden = true;
    cancelAnimationFrame(this.raf);
    this.raf = null;
    this.onTime(null);
  }

  // ---- sound ----

  stopAudio() {
    for (const s of this.sources) { try { s.stop(); } catch { /* not started */ } }
    this.sources = [];
    this.audioUntil.clear();
  }

  scheduleAudio(ms, tr, st) {
    const ac = this.ctx;
    if (!ac || !this.audioClock || this.speed !== 1 || st.kind !== 'ok') return;
    const lat = (ac.outputLatency || ac.baseLatency || 0) * 1000;
    const horizon = ms + AUDIO_AHEAD * 1000;
    let until = this.audioUntil.get(tr.id) ?? -Infinity;
    const segs = [...tr.media.values()].filter((m) => m.state === 'ok' && m.codec === 'pcm_s16le' && m.end >= ms && m.start <= horizon)
      .sort((a, b) => a.start - b.start);
    for (const m of segs) {
      for (const f of m.frames) {
        const dur = f.n / 2 / RATE * 1000;
        if (f.t <= until || f.t + dur < ms) continue;
        if (f.t > horizon) break;
        until = f.t;
        // The media time f.t on the audio clock, early by the output latency.
        const when = (this.wallBase + (f.t - this.mediaBase) / this.speed - lat) / 1000;
        const offset = Math.max(0, ac.currentTime - when);
        if (offset * 1000 >= dur) continue;
        const buf = ac.createBuffer(1, Math.floor(f.n / 2), RATE);
        buf.copyToChannel(toFloat(m.buf, f.o, f.n), 0);
        const src = ac.createBufferSource();
        src.buffer = buf;
        src.connect(ac.destination);
        src.start(Math.max(when, ac.currentTime), offset);
        src.onended = () => { const k = this.sources.indexOf(src); if (k >= 0) this.sources.splice(k, 1); };
        this.sources.push(src);
        this.audioChunks = (this.audioChunks || 0) + 1;
      }
    }
    this.audioUntil.set(tr.id, until);
  }

  // findNext asks the timeline where the next recording after ms starts
  // (up to 6 hours on, not past now); this.lookup.at is null if none.
  async findNext(ms) {
    const lookup = { done: false, at: null };
    this.lookup = lookup;
    const to = Math.min(ms + 6 * 3600e3, Date.now());
    try {
      if (to > ms + 1000) {
        const tl = await api(`${roomPath(this.roomId)}/timeline?from=${enc(iso(ms))}&to=${enc(iso(to))}`);
        for (const s of tl.streams || []) {
          for (const b of s.bands || []) {
            const start = parseTime(b.start);
            const end = parseTime(b.end);
            if (b.kind !== 'recorded' || start === null || end === null || end <= ms + 1) continue;
            const at = Math.max(start, ms + 1);
            if (lookup.at === null || at < lookup.at) lookup.at = at;
          }
        }
      }
    } catch { /* treated as nothing further */ }
    lookup.done = true;
  }

  // ---- one animation frame ----

  frame() {
    let ms = this.now();
    const ahead = Math.max(AHEAD_MS, AHEAD_MS * this.speed);
    for (const tr of this.tracks) { tr.ensureList(ms, ahead); tr.prefetch(ms, ahead); }
    let sts = this.tracks.map((tr) => tr.status(ms));
    const waiting = sts.some((s) => s.kind === 'loading' || s.kind === 'unknown');
    const live = ms > Date.now() - LIVE_MARGIN;
    if (this.playing) {
      if ((waiting || live) && !this.stalled) { this.stalled = true; this.mediaBase = ms; this.stopAudio(); }
      else if (!waiting && !live && this.stalled) { this.stalled = false; this.rebase(this.mediaBase); }
      // The sound card's clock became available (the context was still starting): follow it.
      else if (!this.stalled && !this.audioClock && this.ctx?.state === 'running') this.rebase(ms);
    }
    this.note = '';
    const none = sts.length > 0 && sts.every((s) => ['gap', 'missing', 'error'].includes(s.kind));
    if (this.playing && !this.stalled && none) {
      if (this.gapSince === null) { this.gapSince = performance.now(); this.lookup = null; }
      let next = this.tracks.map((tr) => tr.nextMedia(ms)?.start).filter((x) => x !== undefined).sort((a, b) => a - b)[0];
      const listed = this.tracks.every((tr) => tr.to >= ms + ahead && !tr.listing);
      // Nothing more in the lists (a long gap or nothing recorded): ask the timeline for the next recording.
      if (next === undefined && listed && !this.lookup) this.findNext(ms);
      if (next === undefined && this.lookup?.done) next = this.lookup.at ?? undefined;
      const reasons = [...new Set(sts.flatMap((s) => (s.kind === 'gap' ? s.reasons : s.kind === 'missing' ? [t('pb.missing.short')] : [s.msg])))];
      if (next !== undefined && next - ms > 3000 * this.speed) {
        this.note = t('pb.skip', { reason: reasons.join(t('list.sep')), time: hmsTenth(next) });
        if (performance.now() - this.gapSince > SKIP_AFTER_MS) {
          this.gapSince = null;
          this.rebase(next);
          ms = next;
          sts = this.tracks.map((tr) => tr.status(ms));
        }
      } else if (next === undefined && this.lookup?.done) {
        this.mediaBase = ms;
        this.playing = false;
        this.ended = true;
      } else if (next === undefined) {
        this.note = t('pb.searching', { reason: reasons.join(t('list.sep')) });
      }
    } else {
      this.gapSince = null;
    }
    if (this.ended && !this.playing) this.note = t('pb.end');
    this.views.forEach((v, i) => {
      v.render(sts[i], ms);
      if (v instanceof AudioView && this.playing && !this.stalled) this.scheduleAudio(ms, this.tracks[i], sts[i]);
    });
    this.renderBar(ms, sts, waiting, live);
    this.onTime(ms);
  }

  renderBar(ms, sts, waiting, live) {
    setText(this.timeEl, hmsTenth(ms));
    setText(this.dateEl, ymd(ms));
    this.timeEl.title = dateTime(ms);
    setData(this.el, 'state', !this.playing ? 'paused' : this.stalled ? 'waiting' : 'playing');
    setData(this.el, 'time', String(Math.round(ms)));
    setData(this.el, 'clock', this.audioClock ? 'audio' : 'system');
    setData(this.el, 'audioChunks', this.audioChunks || 0);
    setText(this.playBtn, t(this.playing ? 'pb.pause' : 'pb.play'));
    for (const b of this.speedBtns) b.setAttribute('aria-pressed', String(Number(b.dataset.speed) === this.speed));
    setText(this.muteNote, this.speed > 1 && this.tracks.some((tr) => tr.kind === 'audio') ? t('pb.muted') : '');
    const shown = sts.filter((s) => s.kind === 'ok');
    const unv = shown.filter((s) => !s.m.verified).length;
    setText(this.integrity, shown.length ? t(unv ? 'pb.integrity.bad' : 'pb.integrity.ok', { n: unv }) : '');
    this.integrity.className = `pb-integrity ${shown.length ? (unv ? 'warn' : 'ok') : ''}`;
    let status = this.note;
    if (!status && this.playing && live) status = t('pb.live');
    else if (!status && this.playing && waiting) status = t('pb.buffering');
    setText(this.statusEl, status);
    this.statusEl.hidden = !status;
  }

  relang() { apply(this.el); }

  destroy() {
    this.destroyed = true;
    this.stopAudio();
    cancelAnimationFrame(this.raf);
  }
}
