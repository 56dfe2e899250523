// What every view shares: the room list and the unresolved alerts, polled
// every 2 s. Views subscribe and are told after each poll.

import { api, parseTime } from './util.js';
import { alertCounts, computeStates, roomHealth } from './devstate.js';

const POLL_MS = 2000;
const STATES = ['ok', 'absent', 'failed'];

export const data = {
  rooms: null,       // normalized rooms, sorted; null before the first answer
  lastOK: 0,         // when the last good room list came (ms)
  roomsAskedAt: 0,   // when the hub was asked for that list (ms)
  apiError: null,    // null, or {status, message} (0 = no answer)
  alerts: null,      // open and acked alerts; null before the first answer
  alertsError: null, // message of the last failed alert poll
  states: new Map(), // room id -> Map stream id -> device state (devstate.js)
};

const subs = new Set();
export function subscribe(fn) { subs.add(fn); return () => subs.delete(fn); }
function notify() { for (const fn of subs) fn(); }

function num(v) { return typeof v === 'number' && Number.isFinite(v) ? v : null; }

// owner normalizes a room's jurisdiction ({code, name}) or agency ({id,
// name}) to {code, name}, or null when none is set.
function owner(o, key) {
  if (!o || typeof o !== 'object' || !o[key]) return null;
  const code = String(o[key]);
  return { code, name: o.name ? String(o.name) : code };
}

function normalizeQuality(q) {
  if (!q || typeof q !== 'object') return null;
  return {
    fps: num(q.fps), width: num(q.width), height: num(q.height), luma: num(q.luma),
    rms: num(q.rms_dbfs), peak: num(q.peak_dbfs), errors: num(q.errors),
    signals: Array.isArray(q.signals) ? q.signals.map(String) : [],
  };
}

export function normalizeRoom(r) {
  const id = String(r.id ?? '');
  return {
    id,
    name: r.name ? String(r.name) : id,
    jurisdiction: owner(r.jurisdiction, 'code'),
    agency: owner(r.agency, 'id'),
    mark: r.mark && typeof r.mark === 'object' ? { label: String(r.mark.label ?? ''), state: String(r.mark.state ?? ''), publishBy: r.mark.publish_by ? String(r.mark.publish_by) : '' } : null,
    online: r.online === true,
    lastSeen: parseTime(r.last_seen),
    lastSeenRaw: r.last_seen ? String(r.last_seen) : '',
    spool: Number(r.spool_bytes) || 0,
    oldest: Number(r.oldest_unsent_seconds) || 0,
    diskFree: num(r.disk_free_bytes),
    uploadRate: num(r.upload_bytes_per_sec),
    clockOffset: num(r.clock_offset_seconds),
    session: r.session ? String(r.session) : '',
    // What the box's build offers ("live.sub"); none from an older box.
    features: Array.isArray(r.features) ? r.features.map(String) : [],
    streams: (Array.isArray(r.streams) ? r.streams : []).map((s) => ({
      id: String(s.id ?? ''),
      kind: String(s.kind ?? ''),
      state: STATES.includes(s.state) ? s.state : 'unknown',
      reason: s.reason ? String(s.reason) : '',
      quality: normalizeQuality(s.quality),
    })),
  };
}

export function normalizeAlert(a) {
  return {
    id: Number(a.id),
    room: String(a.room ?? ''),
    stream: a.stream ? String(a.stream) : '',
    kind: String(a.kind ?? ''),
    severity: a.severity === 'critical' ? 'critical' : 'warning',
    state: String(a.state ?? ''),
    detail: a.detail ? String(a.detail) : '',
    openedAt: parseTime(a.opened_at),
    ackedAt: parseTime(a.acked_at),
    ackedBy: a.acked_by ? String(a.acked_by) : '',
    // The person by name (the login name where the hub knows no name).
    ackedByName: a.acked_by_name ? String(a.acked_by_name) : a.acked_by ? String(a.acked_by) : '',
    detailCode: a.detail_code ? String(a.detail_code) : '',
    detailTime: parseTime(a.detail_time),
    detailArgs: a.detail_args && typeof a.detail_args === 'object' ? a.detail_args : {},
    comment: a.comment ? String(a.comment) : '',
    resolvedAt: parseTime(a.resolved_at),
  };
}

export function roomById(id) { return data.rooms?.find((r) => r.id === id) || null; }

// streamKind looks a stream's kind up in the room list.
export function streamKind(room, stream) {
  return roomById(room)?.streams.find((s) => s.id === stream)?.kind || '';
}

// devState: the one state of a device every view shows (devstate.js).
export function devState(room, stream) { return data.states.get(room)?.get(stream) || null; }

// healthOf: a room's level and problems, from its device states and alerts.
export function healthOf(room, now = Date.now()) {
  return roomHealth(room, data.states.get(room.id), alertsOf(room.id), now);
}

// openCounts: unhandled alerts and the rooms with one (the badge and the
// wall's "有告警" count the same thing), optionally within some rooms.
export function openCounts(roomIds = null) { return alertCounts(data.alerts, roomIds); }

export function alertsOf(room) { return (data.alerts || []).filter((a) => a.room === room); }

export const openAlerts = () => (data.alerts || []).filter((a) => a.state === 'open');

let generation = 0; // bumped by stopPolling: answers of an older loop are dropped

async function pollRooms(gen) {
  const asked = Date.now();
  try {
    const list = await api('/api/v1/rooms');
    if (!Array.isArray(list)) throw new Error('rooms: not an array');
    if (gen !== generation) return;
    data.rooms = list.map(normalizeRoom).filter((r) => r.id)
      .sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    data.lastOK = Date.now();
    data.roomsAskedAt = asked;
    data.apiError = null;
  } catch (err) {
    if (gen === generation) data.apiError = { status: err.status || 0, message: err.message };
  }
}

export async function pollAlerts(gen = generation) {
  try {
    const [open, acked] = await Promise.all([api('/api/v1/alerts?state=open'), api('/api/v1/alerts?state=acked')]);
    if (gen !== generation) return;
    data.alerts = [...open, ...acked].map(normalizeAlert).sort((a, b) => b.id - a.id);
    data.alertsError = null;
  } catch (err) {
    if (gen === generation) data.alertsError = err.message;
  }
}

// startPolling polls until stopPolling (signed out); a new start supersedes
// a loop still waiting.
export function startPolling() {
  const gen = ++generation;
  const loop = async () => {
    await Promise.all([pollRooms(gen), pollAlerts(gen)]);
    if (gen !== generation) return;
    data.states = computeStates(data.rooms, Date.now());
    notify();
    setTimeout(() => { if (gen === generation) loop(); }, POLL_MS);
  };
  loop();
}

// stopPolling stops and forgets everything polled: the next person to sign
// in sees only what the hub gives them.
export function stopPolling() {
  generation++;
  Object.assign(data, { states: new Map(), rooms: null, lastOK: 0, roomsAskedAt: 0, apiError: null, alerts: null, alertsError: null });
}

// refresh polls the alerts at once (after an acknowledgement) and tells the views.
export async function refresh() {
  await pollAlerts();
  notify();
}
