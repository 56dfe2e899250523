// The system's codes (alert kinds, gap reasons, signal flags, device states)
// turned into words a regulator reads, in the page's language.

import { t } from './i18n.js';

export const ALERT_KINDS = ['room_offline', 'device_absent', 'device_failed', 'camera_black', 'camera_frozen',
  'mic_silent', 'mic_clipping', 'spool_backlog', 'disk_low', 'clock_offset', 'chain_break', 'upload_refused',
  'box_impersonation', 'box_limits', 'hub_storage_low', 'hub_storage_failing',
  'onboarding_assign_overdue', 'onboarding_publish_overdue'];

// Alert kinds of the hub itself (room ""): about its own disk, not a room's.
export const HUB_ALERT_KINDS = ['hub_storage_low', 'hub_storage_failing'];
export const GAP_REASONS = ['device_lost', 'spool_eviction', 'clock_jump', 'restart', 'box_replaced', 'overrun'];
export const SIGNALS = ['black', 'frozen', 'silent', 'clipping'];

// kindWord: "摄像头" / "camera" for a stream kind.
export function kindWord(kind) {
  return t(kind === 'video' || kind === 'audio' ? `kind.${kind}` : 'kind.other');
}

// guessKind names a stream's kind when the room list does not: from the
// alert kind, or from the usual stream names (cam1, mic1).
export function guessKind(stream, alertKind = '') {
  if (alertKind.startsWith('camera_') || /^cam/i.test(stream)) return 'video';
  if (alertKind.startsWith('mic_') || /^mic/i.test(stream)) return 'audio';
  return '';
}

// device: "摄像头 cam1".
export function device(kind, id) { return t('dev', { kind: kindWord(kind), id }); }

// signalWord: what a quality signal means ("画面全黑").
export function signalWord(s) { return SIGNALS.includes(s) ? t(`sig.${s}`) : s; }

// deviceProblem: "摄像头 cam1 画面全黑" / "camera cam1: picture black".
export function deviceProblem(kind, id, what) { return t('prob.device', { dev: device(kind, id), what }); }

// alertKindWord names an alert kind on its own ("画面全黑").
export function alertKindWord(kind) { return ALERT_KINDS.includes(kind) ? t(`ak.${kind}`) : kind; }

// alertText says what an alert is about in one line, naming the device.
export function alertText(a, streamKind) {
  if (!a.stream) return alertKindWord(a.kind);
  const kind = streamKind || guessKind(a.stream, a.kind);
  return deviceProblem(kind, a.stream, alertKindWord(a.kind));
}

export function gapReasonWord(r) {
  if (!r) return t('gap.unknown');
  return GAP_REASONS.includes(r) ? t(`gap.${r}`) : r;
}

export function severityWord(s) { return t(s === 'critical' ? 'sev.critical' : 'sev.warning'); }

export function alertStateWord(s) { return ['open', 'acked', 'resolved'].includes(s) ? t(`ast.${s}`) : s; }

// liveEndedWord says why the hub ended or refused a live stream (live.js):
// a procurement session started and the role may not watch during one, or
// the view could not be written to the audit log.
export function liveEndedWord(ended) {
  return t(ended === 'session' || ended === 'not_recorded' ? `tile.ended.${ended}` : 'tile.ended.other');
}
