// Live pictures for the whole page over ONE WebSocket (a browser allows only
// six HTTP connections per host, so one MJPEG connection per tile would not do).
//
// Client → hub: text {"watch":["room-1/cam1", "room-2/cam1/sub", ...]}, the
// full set each time it changes and again after every reconnect; a key
// ending in "/sub" asks for the camera's sub-stream (320 wide at most, 5
// frames a second: what a thumbnail needs), the others for its main stream.
// Hub → client: binary live frames: "ERLF", uint16 BE header length N, N bytes
// of JSON header {"v":1,"room":…,"stream":…,"rendition":"sub" (sub-stream
// only),"seq":…,"t":<Unix ns>,"codec":"mjpeg"}, then the JPEG; and a text notice {"stream":"room-1/cam1","ended":"session"|
// "not_recorded","error":"…"} when the hub ends or refuses a stream: a
// procurement session started and the role may not watch during one, or
// the hub cannot write the view to its audit log.
//
// A refused stream is remembered (refusalOf) until a frame of it comes
// again, so its tile says why instead of showing its last picture. The hub
// is not asked again in a loop: a view refused for the audit log is asked
// for again once every 30 s; one ended by a session when the room list
// says the session is over (retry).

const MAGIC = [0x45, 0x52, 0x4c, 0x46]; // "ERLF"
const decoder = new TextDecoder();

// A stream refused for the audit log is asked for again this often.
export const NOT_RECORDED_RETRY_MS = 30000;

// refusals: "room/stream" → {ended, error, at (ms), retryAt (ms, or 0)}.
const refusals = new Map();

// refusalOf says why the hub ended or refused a stream ({ended, error, at}),
// or null while it is not known to be refused.
export function refusalOf(key) { return refusals.get(key) || null; }

// refusedKeys lists the streams the hub has ended or refused.
export function refusedKeys() { return [...refusals.keys()]; }

// SUB is the rendition a thumbnail asks for.
export const SUB = 'sub';

// liveKey names what a view asks the hub for: "room/stream", or
// "room/stream/sub" for the sub-stream.
export function liveKey(room, stream, rendition = '') {
  return rendition ? `${room}/${stream}/${rendition}` : `${room}/${stream}`;
}

// frameKey is the liveKey a frame answers.
export function frameKey(f) { return liveKey(f.room, f.stream, f.rendition); }

// parseNotice decodes a text message of the hub, or null.
export function parseNotice(text) {
  let n;
  try { n = JSON.parse(text); } catch { return null; }
  if (!n || typeof n.stream !== 'string' || !n.stream.includes('/') || typeof n.ended !== 'string' || !n.ended) return null;
  return { stream: n.stream, ended: n.ended, error: typeof n.error === 'string' ? n.error : '' };
}

// nsToMs turns the capture time's decimal digits (Unix nanoseconds, more than
// 2^53) into milliseconds without losing precision: the digits are split, not
// parsed as one float.
export function nsToMs(digits) {
  const neg = digits.startsWith('-');
  if (neg) digits = digits.slice(1);
  const ms = digits.length > 6
    ? Number(digits.slice(0, -6)) + Number(digits.slice(-6)) / 1e6
    : Number(digits) / 1e6;
  return neg ? -ms : ms;
}

// parseFrame decodes one binary message; it returns null for anything that is
// not a well-formed live frame.
export function parseFrame(buf) {
  if (!(buf instanceof ArrayBuffer) || buf.byteLength < 6) return null;
  const b = new Uint8Array(buf);
  for (let i = 0; i < 4; i++) if (b[i] !== MAGIC[i]) return null;
  const n = (b[4] << 8) | b[5];
  if (6 + n > b.length) return null;
  const text = decoder.decode(b.subarray(6, 6 + n));
  let h;
  try { h = JSON.parse(text); } catch { return null; }
  if (!h || typeof h.room !== 'string' || typeof h.stream !== 'string') return null;
  // JSON.parse rounds "t" to a double; take it from the text instead.
  const m = /"t"\s*:\s*(-?\d+)/.exec(text);
  return {
    room: h.room,
    stream: h.stream,
    rendition: typeof h.rendition === 'string' ? h.rendition : '',
    seq: h.seq,
    codec: h.codec,
    captureMs: m ? nsToMs(m[1]) : null,
    data: buf.slice(6 + n),
  };
}

export class LiveSocket {
  // onFrame(frame) gets every well-formed frame; onState({up, retryAt})
  // is told when the connection goes up or down; onNotice({stream, ended,
  // error}) when the hub ends or refuses a stream.
  constructor({ path = '/api/v1/live/ws', onFrame, onState, onNotice }) {
    this.url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
    this.onFrame = onFrame;
    this.onState = onState;
    this.onNotice = onNotice;
    this.watch = [];
    this.sentKey = null;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.up = false;
    this.enabled = false;
  }

  // enable connects (and keeps reconnecting) while on; off closes the
  // socket: nobody signed in, or a role without live pictures.
  enable(on) {
    if (on === this.enabled) return;
    this.enabled = on;
    if (on) {
      this.attempt = 0;
      this.connect();
      return;
    }
    clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    this.up = false;
    ws?.close();
    refusals.clear(); // signed out: the next person starts afresh
    this.onState?.({ up: null });
  }

  // setWatch sends the full set of wanted "room/stream" keys when it changed.
  // A stream refused for the audit log is asked for again when it is due.
  setWatch(keys, now = Date.now()) {
    this.watch = [...new Set(keys)].sort();
    for (const [k, r] of refusals) {
      if (!this.watch.includes(k)) refusals.delete(k); // not watched any more: forget it
      else if (r.retryAt && now >= r.retryAt) {
        r.retryAt = now + NOT_RECORDED_RETRY_MS;
        this.sentKey = null; // the same list again: the hub tries each stream it does not send yet
      }
    }
    this.send();
  }

  // retry asks the hub for a stream it ended again (a session is over):
  // the refusal is forgotten and the watch list sent again.
  retry(key) {
    if (!refusals.delete(key)) return;
    this.sentKey = null;
    this.send();
  }

  send() {
    const key = JSON.stringify(this.watch);
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || key === this.sentKey) return;
    this.ws.send(JSON.stringify({ watch: this.watch }));
    this.sentKey = key;
  }

  connect() {
    this.timer = null;
    if (!this.enabled) return;
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.reconnectLater();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.sentKey = null;
    ws.onopen = () => {
      this.up = true;
      this.openedAt = Date.now();
      this.onState?.({ up: true });
      this.send();
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') {
        const n = parseNotice(ev.data);
        if (!n) return;
        const now = Date.now();
        refusals.set(n.stream, {
          ended: n.ended, error: n.error, at: now,
          retryAt: n.ended === 'not_recorded' ? now + NOT_RECORDED_RETRY_MS : 0,
        });
        this.onNotice?.(n);
        return;
      }
      const f = parseFrame(ev.data);
      if (!f) return;
      refusals.delete(frameKey(f)); // the hub sends it again
      this.onFrame?.(f);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      // A connection that lived a while resets the backoff.
      if (this.up && Date.now() - this.openedAt > 10000) this.attempt = 0;
      this.up = false;
      this.reconnectLater();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  // reconnectLater connects again after a backoff. (It was a second
  // retry(), which took the place of retry(key) above.)
  reconnectLater() {
    if (!this.enabled) return;
    // 0.5 s, 1 s, 2 s, 4 s, 8 s, then every 10 s, with a little jitter.
    const base = Math.min(10000, 500 * 2 ** this.attempt);
    this.attempt++;
    const delay = base * (0.8 + Math.random() * 0.4);
    this.onState?.({ up: false, retryAt: Date.now() + delay });
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
