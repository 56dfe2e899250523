// A project's statutory deadlines drawn as one dated line with today
// marked: each deadline a dot coloured by its status (ok, approaching,
// overdue; passed and "not before" grey), its legal basis on hover (an SVG
// <title>), its words under the line, staggered so that near dates do not
// overlap.

import { t } from './i18n.js';
import { addDays, daysBetween, today as chinaToday } from './workflow-api.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 1000;
const X0 = 40;
const X1 = W - 40;
const LINE_Y = 46;
const ROW = 20;

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

// drawTimeline returns an <svg> of marks [{date, label, hint, status, step, kind}]
// around today ('YYYY-MM-DD' in China).
export function drawTimeline(marks, now = chinaToday()) {
  const dates = marks.map((m) => m.date).concat(now).sort();
  let first = addDays(dates[0], -2);
  let last = addDays(dates[dates.length - 1], 2);
  if (daysBetween(first, last) < 14) last = addDays(first, 14);
  const span = daysBetween(first, last);
  const x = (d) => X0 + ((X1 - X0) * daysBetween(first, d)) / span;
  const sorted = [...marks].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  // Rows for the words: a mark goes to the first row whose last words end
  // left of its x.
  const ends = [];
  const placed = sorted.map((m) => {
    const mx = x(m.date);
    const width = 14 + 13 * [...m.label].length * (/[\u4e00-\u9fff]/.test(m.label) ? 1 : 0.55);
    let row = ends.findIndex((e) => e < mx - 4);
    if (row < 0) { row = ends.length; ends.push(0); }
    ends[row] = mx + width;
    return { ...m, mx, row };
  });
  const height = LINE_Y + 30 + ends.length * ROW + 10;
  const svg = s('svg', { class: 'wf-timeline', viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': t('wf.timeline') });
  svg.dataset.marks = String(marks.length);
  svg.dataset.first = first;
  svg.dataset.last = last;
  svg.append(s('line', { class: 'wf-axis', x1: X0, x2: X1, y1: LINE_Y, y2: LINE_Y }));
  // Month starts, and every day as a small tick when the line is short.
  for (let d = first; d <= last; d = addDays(d, 1)) {
    const isMonth = d.endsWith('-01') || d === first;
    if (!isMonth && span > 62) continue;
    svg.append(s('line', { class: isMonth ? 'wf-tick wf-month' : 'wf-tick', x1: x(d), x2: x(d), y1: LINE_Y - (isMonth ? 8 : 3), y2: LINE_Y + (isMonth ? 8 : 3) }));
    if (isMonth) svg.append(s('text', { class: 'wf-month-label', x: x(d) + 3, y: LINE_Y - 12 }, d.slice(0, 7)));
  }
  const tx = x(now);
  svg.append(s('g', { class: 'wf-today', 'data-date': now },
    s('title', null, `${t('wf.step.today')} ${now}`),
    s('line', { x1: tx, x2: tx, y1: 8, y2: height - 4 }),
    s('text', { x: tx + 4, y: 18 }, `${t('wf.step.today')} ${now.slice(5)}`)));
  for (const m of placed) {
    const y = LINE_Y + 30 + m.row * ROW;
    svg.append(s('g', { class: 'wf-mark', 'data-step': m.step, 'data-kind': m.kind, 'data-status': m.status, 'data-date': m.date, tabindex: '0' },
      s('title', null, m.hint),
      s('line', { class: 'wf-stem', x1: m.mx, x2: m.mx, y1: LINE_Y, y2: y - 12 }),
      s('circle', { cx: m.mx, cy: LINE_Y, r: 7 }),
      s('text', { x: m.mx - 4, y }, `${m.date.slice(5)} ${m.label}`)));
  }
  return svg;
}
