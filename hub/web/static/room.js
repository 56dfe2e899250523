// One room's page (#/room/{id}): its health in words, the live view, and
// below it the recording timeline with the player. #/room/{id}?t=RFC3339
// starts playback at that time.

import { apply, t } from './i18n.js';
import { ago, bytes, dateTime, duration, h, hms, parseTime, setData, setText } from './util.js';
import { data, healthOf, roomById } from './data.js';
import { RoomLive } from './roomlive.js';
import { OwnerView } from './owner.js';
import { Timeline } from './timeline.js';
import { Player } from './player.js';
import { can } from './auth.js';
import { auditHref } from './audit.js';

// RoomHead shows a room's name, connection and what is wrong; shared with patrol.
export class RoomHead {
  constructor(roomId) {
    this.roomId = roomId;
    this.name = h('h2');
    this.idEl = h('code', { class: 'room-id' });
    this.badge = h('span', { class: 'badge' });
    this.owner = new OwnerView();
    this.problems = h('ul', { class: 'problems' });
    this.facts = h('dl', { class: 'facts' });
    this.el = h('header', { class: 'room-head', dataset: { room: roomId, health: 'ok' } },
      h('div', { class: 'room-title' }, this.name, this.idEl, this.badge), this.owner.el, this.problems, this.facts);
  }

  update(room, now) {
    setText(this.idEl, this.roomId);
    this.owner.update(room);
    if (!room) {
      setText(this.name, data.rooms === null ? t('loading') : t('room.unknown'));
      setText(this.badge, '');
      this.problems.replaceChildren();
      return;
    }
    const health = healthOf(room, now);
    setData(this.el, 'health', health.level);
    setData(this.el, 'online', room.online);
    setText(this.name, room.name);
    setText(this.badge, t(room.online ? 'room.online' : 'room.offline'));
    this.problems.replaceChildren(...(health.problems.length
      ? health.problems.map((p) => h('li', { class: `prob prob-${p.level}${p.key.endsWith('|recovered') ? ' prob-rec' : ''}`, dataset: { key: p.key } }, p.text,
        p.acked ? h('span', { class: 'acked' }, t('prob.acked', { by: p.alert.ackedByName })) : null))
      : [h('li', { class: 'prob prob-ok' }, t('health.ok'))]));
    const fact = (k, v, title) => h('div', null, h('dt', null, t(k)), h('dd', title ? { title } : null, v));
    const f = [fact('room.lastSeen', room.lastSeen ? ago(room.lastSeen, now) : t('never'), room.lastSeen ? dateTime(room.lastSeen) : null)];
    if (room.session) f.push(fact('room.sessionK', room.session));
    // An offline room's figures are what it said last, and say when; a rate
    // is not shown at all (nothing moves while it is offline).
    const asOf = (v) => (room.online || room.lastSeen === null ? v : t('asOf', { v, time: hms(room.lastSeen) }));
    f.push(fact('room.spool', asOf(room.spool > 0 ? bytes(room.spool) : t('none'))));
    f.push(fact('room.oldest', asOf(room.oldest > 0 ? duration(room.oldest) : t('none'))));
    if (room.diskFree !== null) f.push(fact('room.disk', asOf(bytes(room.diskFree))));
    if (room.uploadRate !== null) f.push(fact('room.upload', room.online ? `${bytes(Math.round(room.uploadRate))}/s` : t('room.upload.offline')));
    if (room.clockOffset !== null) f.push(fact('room.clock', asOf(t('room.clock.v', { s: room.clockOffset.toFixed(3) }))));
    this.facts.replaceChildren(...f);
  }
}

export class RoomView {
  constructor(roomId, params) {
    this.roomId = roomId;
    this.head = new RoomHead(roomId);
    this.live = new RoomLive(roomId);
    // Recordings only for the roles that may play them back (the hub refuses the rest).
    this.recordings = can('recordings');
    this.player = this.recordings ? new Player(roomId, { onTime: (ms) => this.onTime(ms) }) : null;
    this.timeline = this.recordings ? new Timeline(roomId, { onPick: (ms) => this.play(ms) }) : null;
    this.el = h('div', { class: 'view view-room' },
      h('nav', { class: 'crumbs' }, h('a', { href: '#/', 'data-i18n': 'room.back' }),
        can('audit') ? h('a', { class: 'audit-link', href: auditHref({ target: roomId }), 'data-i18n': 'room.audit' }) : null),
      this.head.el, this.live.el,
      this.recordings ? [h('h3', { class: 'section-title', 'data-i18n': 'room.recordings' }), this.timeline.el, this.player.el] : null);
    apply(this.el);
    this.params(params);
  }

  params(params) {
    const start = parseTime(params.get('t'));
    if (start !== null) this.pendingStart = start;
    this.update();
  }

  streams() {
    const tl = this.timeline?.tl?.streams;
    if (tl?.length) return tl.map((s) => ({ id: s.id, kind: s.kind }));
    return (roomById(this.roomId)?.streams || []).map((s) => ({ id: s.id, kind: s.kind }));
  }

  play(ms) {
    if (!this.player) return;
    this.player.setStreams(this.streams());
    this.player.playFrom(ms);
  }

  onTime(ms) {
    this.timeline.setPlayhead(ms);
    if (ms !== null && this.player.playing) this.timeline.show(ms);
  }

  watch() { return this.live.watch(); }

  frame(f, now) { this.live.frame(f, now); }

  update() {
    const now = Date.now();
    const room = roomById(this.roomId);
    this.head.update(room, now);
    this.live.update(room, now);
    if (this.pendingStart !== undefined && this.timeline && (room || this.timeline.tl)) {
      const ms = this.pendingStart;
      this.pendingStart = undefined;
      this.timeline.show(ms);
      this.play(ms);
    }
  }

  tick(now) {
    this.live.tick(now);
    this.timeline?.tick(now);
  }

  relang() { this.update(); this.timeline?.relang(); this.player?.relang(); }

  destroy() {
    this.live.destroy();
    this.timeline?.destroy();
    this.player?.destroy();
  }
}
