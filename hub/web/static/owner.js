// Who a room belongs to, in words: its jurisdiction (the finance department
// that regulates it) and its agency, as on the wall's cards and the room's
// page: "行政区划 柳州市柳江区 · 代理机构 柳州示范招标代理有限公司".

import { t } from './i18n.js';
import { h } from './util.js';

// ownerLine returns the elements; the codes show on hover.
function ownerLine(room) {
  const item = (key, o) => h('span', { class: `owner-item owner-${key}`, title: o ? t('owner.code', { code: o.code }) : null },
    h('span', { class: 'owner-k' }, t(`owner.${key}`)), ' ',
    h('span', { class: o ? 'owner-v' : 'owner-v none' }, o ? o.name : t('owner.none')));
  const line = [item('jurisdiction', room.jurisdiction), item('agency', room.agency)];
  const m = room.mark;
  if (m) {
    // The room's 可视化 mark (onboarding): passed, or published.
    line.push(' ', h('span', { class: `owner-mark mark-${m.state}`, title: t(`mark.${m.state}`, { date: m.publishBy }) }, m.label));
  }
  return line;
}

// OwnerView keeps a line of them up to date, rebuilding only on a change.
export class OwnerView {
  constructor() {
    this.el = h('p', { class: 'owner' });
    this.key = '';
  }

  update(room) {
    const key = room ? JSON.stringify([room.jurisdiction, room.agency, room.mark, t('owner.none')]) : '';
    if (key === this.key) return;
    this.key = key;
    this.el.replaceChildren(...(room ? ownerLine(room) : []));
  }
}
