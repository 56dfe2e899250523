// One live camera picture: the newest frame from the WebSocket, a LIVE mark
// that turns into "stale since HH:MM:SS" after 3 s without a frame (a frozen
// picture is never passed off as live), and the measured delay from capture
// to screen. A stream the hub ended or refused (a procurement session, the
// audit log) shows no picture and says why. A tile on the wall asks for the
// camera's sub-stream (small, 5 frames a second); the room page's big
// view asks for the main stream.

import { t } from './i18n.js';
import { h, hms, setData, setText } from './util.js';
import { kindWord, liveEndedWord, signalWord } from './words.js';
import { SUB, frameKey, liveKey, refusalOf } from './live.js';
import { devState } from './data.js';

export const STALE_MS = 3000;

export class Tile {
  // href: where a click on the picture goes; big: the room view's size,
  // which takes the main stream (a small tile takes the sub-stream);
  // sub: false for a box that offers no sub-stream (an older build).
  constructor(room, stream, { href, big = false, sub = true } = {}) {
    this.room = room;
    this.stream = stream;
    this.rendition = big || !sub ? '' : SUB;
    this.key = liveKey(room, stream.id, this.rendition);
    this.created = Date.now();
    this.lastFrameAt = 0;
    this.seq = null;
    this.delay = null;
    this.url = null;
    this.img = h('img', { alt: '', decoding: 'async' });
    this.mark = h('span', { class: 'mark' });
    this.sig = h('span', { class: 'tile-sig', hidden: true });
    this.label = h('span', { class: 'tile-name' });
    this.delayEl = h('span', { class: 'delay' });
    this.frameEl = h('span', { class: 'frame' });
    const pic = href
      ? h('a', { class: 'tile-pic', href }, this.img, this.mark, this.sig)
      : h('div', { class: 'tile-pic' }, this.img, this.mark, this.sig);
    this.link = pic;
    this.el = h('figure', { class: big ? 'tile big' : 'tile', dataset: { stream: stream.id, live: 'waiting', rendition: this.rendition || 'main' } },
      pic, h('figcaption', null, this.label, h('span', { class: 'nums' }, this.delayEl, this.frameEl)));
  }

  frame(f, now) {
    if (f.codec !== 'mjpeg' || f.data.byteLength === 0 || frameKey(f) !== this.key) return;
    const url = URL.createObjectURL(new Blob([f.data], { type: 'image/jpeg' }));
    const old = this.url;
    this.url = url;
    this.img.src = url;
    if (old) URL.revokeObjectURL(old);
    this.lastFrameAt = now;
    this.seq = f.seq;
    this.delay = f.captureMs === null ? null : Math.round(now - f.captureMs);
    this.update(now);
  }

  // dropPicture forgets the last picture: it is not to be shown as the room now.
  dropPicture(now) {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.img.removeAttribute('src');
    this.lastFrameAt = 0;
    this.delay = null;
    this.created = now; // if the hub sends it again, "waiting" first
  }

  update(now) {
    const refused = refusalOf(this.key);
    if (refused && this.url) this.dropPicture(now);
    const fresh = this.lastFrameAt > 0 && now - this.lastFrameAt < STALE_MS;
    const st = this.stream.state;
    const ds = devState(this.room, this.stream.id);
    const frozen = ds?.state === 'signal' && ds.sig.includes('frozen');
    let mode;
    let mark;
    if (refused) {
      mode = 'ended';
      mark = liveEndedWord(refused.ended);
    } else if (fresh && frozen) {
      // Frames still come, but the box says the picture does not change:
      // not a live view of the room, however small the delay.
      mode = 'frozen';
      mark = t('tile.frozen', { time: hms(ds.since || now) });
    } else if (fresh) {
      mode = 'live';
      mark = t('tile.live');
    } else if (this.lastFrameAt > 0) {
      mode = 'stale';
      mark = t('tile.stale', { time: hms(this.lastFrameAt) });
    } else if (st === 'absent' || st === 'failed') {
      mode = 'nopic';
      mark = `${t('tile.nopic')} · ${t(`state.${st}`)}`;
    } else {
      mode = now - this.created < STALE_MS ? 'waiting' : 'nopic';
      mark = t(mode === 'waiting' ? 'tile.waiting' : 'tile.nopic');
    }
    setData(this.el, 'live', mode);
    setData(this.el, 'ended', refused ? refused.ended : '');
    // What the box measures in the picture (black, frozen) is said on it too:
    // a frozen picture arriving on time is still not a live view of the room.
    const sigs = ds?.state === 'signal' ? ds.sig.filter((x) => x === 'black' || (x === 'frozen' && mode !== 'frozen')) : [];
    setText(this.sig, sigs.map(signalWord).join(' · '));
    this.sig.hidden = sigs.length === 0;
    setText(this.mark, mark);
    setText(this.label, `${kindWord('video')} ${this.stream.id}`);
    setText(this.delayEl, this.delay === null || mode !== 'live' ? '' : t('tile.delay', { ms: this.delay }));
    setText(this.frameEl, this.seq === null ? '' : t('tile.frame', { n: this.seq }));
    if (this.link.tagName === 'A') {
      const title = t('tile.open', { room: this.room, stream: this.stream.id });
      if (this.link.title !== title) this.link.title = title;
    }
  }

  destroy() {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.el.remove();
  }
}
