// Sound: the level of 16-bit PCM chunks, a level meter, and a listener that
// plays live chunks back to back through WebAudio with little latency.

import { t } from './i18n.js';
import { h, setData, setText } from './util.js';

export const RATE = 16000; // the boxes' PCM: s16le, mono, 16 kHz
const FLOOR_DB = -60;      // the meter's left end

let ctx = null;

// audioContext returns the page's one AudioContext, made on first use (call
// it from a click, so the browser lets it play).
export function audioContext() {
  if (!ctx) ctx = new AudioContext({ latencyHint: 'interactive' });
  if (ctx.state === 'suspended') ctx.resume().catch(() => {});
  return ctx;
}

// toFloat turns s16le bytes into samples in [-1, 1).
export function toFloat(buf, offset = 0, size = buf.byteLength - offset) {
  const n = Math.floor(size / 2);
  const dv = new DataView(buf, offset, n * 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true) / 32768;
  return out;
}

// level gives RMS and peak in dBFS (-120 for digital silence).
export function level(samples) {
  let sum = 0;
  let peak = 0;
  for (const v of samples) {
    sum += v * v;
    const a = Math.abs(v);
    if (a > peak) peak = a;
  }
  const db = (x) => (x > 0 ? Math.max(-120, 20 * Math.log10(x)) : -120);
  return { rms: db(Math.sqrt(sum / Math.max(1, samples.length))), peak: db(peak) };
}

// LevelMeter shows RMS as a bar and the peak as a line, with numbers; it
// says "no sound data" when nothing came for a second.
const WAIT_MS = 4000;

export class LevelMeter {
  constructor(label) {
    this.bar = h('div', { class: 'meter-bar' });
    this.peakEl = h('div', { class: 'meter-peak' });
    this.text = h('span', { class: 'meter-text' });
    this.labelEl = h('span', { class: 'meter-label' }, label);
    this.el = h('div', { class: 'meter', role: 'meter', 'aria-valuemin': String(FLOOR_DB), 'aria-valuemax': '0', dataset: { level: '' } },
      this.labelEl, h('div', { class: 'meter-track' }, this.bar, this.peakEl), this.text);
    this.last = 0;
    this.created = Date.now();
    this.rms = -120;
    this.peak = -120;
    this.chunks = 0;
  }

  push(lv, now = Date.now()) {
    this.rms = lv.rms;
    this.peak = lv.peak;
    this.last = now;
    this.chunks++;
    this.el.dataset.chunks = String(this.chunks);
    this.draw(now);
  }

  // draw shows the level; without sound for a second it says why (why: the
  // device's state in words, if it is not well), and right after the meter
  // starts it waits rather than calls it missing: none could have come yet.
  draw(now = Date.now(), why = '') {
    const fresh = now - this.last < 1000;
    const waiting = !fresh && !why && this.last === 0 && now - this.created < WAIT_MS;
    setData(this.el, 'state', fresh ? 'sound' : waiting ? 'waiting' : 'nodata');
    const pct = (db) => `${Math.max(0, Math.min(100, ((db - FLOOR_DB) / -FLOOR_DB) * 100)).toFixed(1)}%`;
    this.bar.style.width = fresh ? pct(this.rms) : '0%';
    this.peakEl.style.left = fresh ? pct(this.peak) : '0%';
    this.el.classList.toggle('clip', fresh && this.peak > -1);
    this.el.classList.toggle('quiet', fresh && this.rms <= -55);
    this.el.classList.toggle('nodata', !fresh && !waiting);
    setData(this.el, 'level', fresh ? Math.round(this.rms) : '');
    this.el.setAttribute('aria-valuenow', String(fresh ? Math.round(this.rms) : FLOOR_DB));
    setText(this.text, fresh
      ? t('meter.db', { rms: Math.round(this.rms), peak: Math.round(this.peak) })
      : waiting ? t('meter.waiting') : why ? t('meter.nodata.why', { why }) : t('meter.nodata'));
  }
}

// LiveListener plays live PCM chunks as they come. A chunk is scheduled right
// after the previous one; after a stall it starts again a little ahead of
// now; a chunk that would play more than MAX_AHEAD late is dropped, so the
// delay never grows.
const START_AHEAD = 0.08;
const MAX_AHEAD = 0.4;

export class LiveListener {
  constructor() {
    this.on = false;
    this.next = 0;
    this.dropped = 0;
    this.played = 0;
    this.gain = null;
  }

  start() {
    const ac = audioContext();
    this.gain = ac.createGain();
    this.gain.connect(ac.destination);
    this.on = true;
    this.next = 0;
  }

  stop() {
    this.on = false;
    if (this.gain) this.gain.disconnect();
    this.gain = null;
  }

  push(samples) {
    if (!this.on || samples.length === 0) return;
    const ac = audioContext();
    const now = ac.currentTime;
    if (this.next < now + 0.01) this.next = now + START_AHEAD;
    if (this.next - now > MAX_AHEAD) { this.dropped++; return; }
    const buf = ac.createBuffer(1, samples.length, RATE);
    buf.copyToChannel(samples, 0);
    const src = ac.createBufferSource();
    src.buffer = buf;
    src.connect(this.gain);
    src.start(this.next);
    this.next += buf.duration;
    this.played++;
  }
}
