// Every string the page shows, in both languages. Chinese is the default.
// Placeholders look like {name} and are filled by t(key, {name: value}).

const STRINGS = {
  'zh-CN': {
    'title': '评标室监控 · evalroom',
    'app.name': '评标室监控',
    'app.sub': '开标评标全程录音录像 · 中心',
    'lang.label': '语言',
    'clock.label': '本机时间',
    'updated': '更新于 {time}',
    'updated.never': '尚未取得数据',

    'sum.online': '在线',
    'sum.offline': '离线',
    'sum.devices': '设备异常',
    'sum.backlog': '上传积压',
    'sum.total': '共 {n} 间评标室',
    'sum.hint.online': '与中心保持连接的评标室',
    'sum.hint.offline': '失去连接的评标室',
    'sum.hint.devices': '有摄像头或麦克风缺失、故障的评标室',
    'sum.hint.backlog': '最早一段未上传录像已超过 60 秒的评标室',

    'banner.api': '无法连接中心服务：请确认 evalroom-hub 正在运行，页面会自动重试。',
    'banner.api.status': '中心服务返回错误（HTTP {status}）：请查看 evalroom-hub 的日志，页面会自动重试。',
    'banner.api.stale': '下方为 {time} 的数据，可能已过时。',
    'banner.live': '实时画面连接已断开，正在重连（{s} 秒后重试）…',
    'banner.live.now': '实时画面连接已断开，正在重连…',

    'loading': '正在加载评标室列表…',
    'empty.title': '尚无评标室接入',
    'empty.body': '评标室端启动并连上中心后，会自动出现在这里。',

    'room.online': '在线',
    'room.offline': '离线',
    'room.lastSeen': '最后上报',
    'room.spool': '待上传',
    'room.oldest': '最早未上传',
    'room.oldest.hint': '超过 60 秒显示为黄色：上传落后，请检查评标室网络',
    'room.streams': '设备',
    'room.noStreams': '未报告任何设备',
    'room.offline.title': '离线',
    'room.offline.body': '评标室与中心失去连接，无实时画面。录像保存在评标室本地，恢复连接后自动补传。',
    'room.noVideo': '此评标室没有摄像头',

    'never': '从未',
    'none': '无',
    'ago.now': '刚刚',
    'ago.s': '{n} 秒前',
    'ago.m': '{n} 分钟前',
    'ago.h': '{n} 小时前',
    'ago.d': '{n} 天前',
    'dur.s': '{n} 秒',
    'dur.ms': '{m} 分 {s} 秒',
    'dur.hm': '{h} 小时 {m} 分',

    'kind.video': '摄像头',
    'kind.audio': '麦克风',
    'kind.other': '设备',
    'state.ok': '正常',
    'state.absent': '已拔出',
    'state.failed': '故障',
    'state.unknown': '状态未知',
    'stream.chip': '{kind} {id}：{state}',
    'stream.reason': '（{reason}）',

    'tile.live': '直播',
    'tile.stale': '画面中断 {time} 起',
    'tile.waiting': '等待画面…',
    'tile.nopic': '暂无画面',
    'tile.delay': '延迟 {ms} ms',
    'tile.frame': '第 {n} 帧',
    'tile.open': '在新标签页中单独打开 {room} / {stream} 的实时画面',
  },

  'en': {
    'title': 'Evaluation rooms · evalroom',
    'app.name': 'Evaluation rooms',
    'app.sub': 'Bid opening & evaluation recording · hub',
    'lang.label': 'Language',
    'clock.label': 'Local time',
    'updated': 'updated {time}',
    'updated.never': 'no data yet',

    'sum.online': 'online',
    'sum.offline': 'offline',
    'sum.devices': 'device problems',
    'sum.backlog': 'upload backlog',
    'sum.total': '{n} rooms in all',
    'sum.hint.online': 'Rooms connected to the hub',
    'sum.hint.offline': 'Rooms that lost their connection',
    'sum.hint.devices': 'Rooms with a camera or microphone missing or failed',
    'sum.hint.backlog': 'Rooms whose oldest unsent segment is older than 60 s',

    'banner.api': 'Cannot reach the hub: check that evalroom-hub is running; this page retries by itself.',
    'banner.api.status': 'The hub answered with an error (HTTP {status}): check the evalroom-hub log; this page retries by itself.',
    'banner.api.stale': 'The data below is from {time} and may be out of date.',
    'banner.live': 'Live pictures disconnected; reconnecting (next try in {s} s)…',
    'banner.live.now': 'Live pictures disconnected; reconnecting…',

    'loading': 'Loading rooms…',
    'empty.title': 'No rooms yet',
    'empty.body': 'A room appears here as soon as its recorder connects to the hub.',

    'room.online': 'ONLINE',
    'room.offline': 'OFFLINE',
    'room.lastSeen': 'last seen',
    'room.spool': 'unsent',
    'room.oldest': 'oldest unsent',
    'room.oldest.hint': 'Amber above 60 s: uploads are behind, check the room\'s network',
    'room.streams': 'devices',
    'room.noStreams': 'no devices reported',
    'room.offline.title': 'Offline',
    'room.offline.body': 'The room lost its connection to the hub; no live pictures. Recording continues locally and is uploaded when the connection returns.',
    'room.noVideo': 'This room has no camera',

    'never': 'never',
    'none': 'none',
    'ago.now': 'just now',
    'ago.s': '{n} s ago',
    'ago.m': '{n} min ago',
    'ago.h': '{n} h ago',
    'ago.d': '{n} d ago',
    'dur.s': '{n} s',
    'dur.ms': '{m} min {s} s',
    'dur.hm': '{h} h {m} min',

    'kind.video': 'camera',
    'kind.audio': 'microphone',
    'kind.other': 'device',
    'state.ok': 'ok',
    'state.absent': 'unplugged',
    'state.failed': 'failed',
    'state.unknown': 'state unknown',
    'stream.chip': '{kind} {id}: {state}',
    'stream.reason': ' ({reason})',

    'tile.live': 'LIVE',
    'tile.stale': 'stale since {time}',
    'tile.waiting': 'waiting for picture…',
    'tile.nopic': 'no picture',
    'tile.delay': 'delay {ms} ms',
    'tile.frame': 'frame {n}',
    'tile.open': 'Open the live picture of {room} / {stream} alone in a new tab',
  },
};

export const LANGS = Object.keys(STRINGS);
const DEFAULT = 'zh-CN';
const STORE_KEY = 'evalroom.lang';

let current = DEFAULT;

function normalize(v) {
  if (!v) return null;
  v = String(v).toLowerCase();
  if (v.startsWith('zh')) return 'zh-CN';
  if (v.startsWith('en')) return 'en';
  return null;
}

// initLang picks ?lang=… first, then the saved choice, then Chinese.
export function initLang() {
  const fromURL = normalize(new URLSearchParams(location.search).get('lang'));
  let saved = null;
  try { saved = normalize(localStorage.getItem(STORE_KEY)); } catch { /* storage off */ }
  current = fromURL || saved || DEFAULT;
  if (fromURL) save(current);
  apply();
  return current;
}

function save(lang) {
  try { localStorage.setItem(STORE_KEY, lang); } catch { /* storage off */ }
}

export function lang() { return current; }

export function setLang(v) {
  const l = normalize(v) || DEFAULT;
  current = l;
  save(l);
  // Keep the address bar in step, so a reload or a shared link shows the same language.
  const u = new URL(location.href);
  if (l === DEFAULT) u.searchParams.delete('lang'); else u.searchParams.set('lang', l);
  history.replaceState(null, '', u);
  apply();
}

export function t(key, params) {
  let s = STRINGS[current][key];
  if (s === undefined) s = STRINGS[DEFAULT][key];
  if (s === undefined) return key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
  return s;
}

// apply translates the static parts of the page: elements with data-i18n
// (text) and data-i18n-title (tooltip), the <html lang> and the title.
export function apply(root = document) {
  document.documentElement.lang = current;
  document.title = t('title');
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}
