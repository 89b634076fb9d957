// chart.js - uPlot time-series charts (line, stacked area, stacked bars) with
// an HTML legend that shows hover values with units; a click on a series (in
// the legend or in the plot) calls onSeriesClick, a drag calls onZoom.
/* global uPlot */
import { h, replace } from './dom.js';
import { fmt, fmtAxisTicks } from './format.js';
import { fmtDateTime } from './time.js';

const PALETTE = ['#3b6fd8', '#e0782f', '#2f9e6e', '#c9413f', '#8357c7', '#16a0b5', '#b58a12', '#d1569f', '#5f7384', '#7aa532', '#4a47a3', '#a0522d'];
const FIXED = { p50: '#3b6fd8', p90: '#e0a32f', p95: '#e0782f', p99: '#c9413f', cloud: '#3b6fd8', local: '#2f9e6e', error: '#c9413f', ok: '#2f9e6e' };

/** A stable colour for a series label (a model keeps its colour on every
 * chart), moved to the next free palette colour when taken in this chart. */
export function colorFor(label, i, used = new Set()) {
  let c = FIXED[label];
  if (!c) {
    let x = 0;
    for (let k = 0; k < label.length; k++) x = (x * 31 + label.charCodeAt(k)) >>> 0;
    let j = (label ? x : i) % PALETTE.length;
    for (let n = 0; n < PALETTE.length && used.has(PALETTE[j]); n++) j = (j + 1) % PALETTE.length;
    c = PALETTE[j];
  }
  used.add(c);
  return c;
}

function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${a})`;
}

function tint(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c) => Math.round(c * a + 255 * (1 - a));
  return `rgb(${mix(n >> 16)},${mix((n >> 8) & 255)},${mix(n & 255)})`;
}

/**
 * el: container; o: {type: 'line'|'area'|'bars', unit, xs (unix s),
 * series: [{label, metric, values}], height, onSeriesClick(series),
 * onZoom(fromMs, toMs), shift (s added to xs for display)}.
 * Returns {destroy}.
 */
export function drawChart(el, o) {
  if (typeof uPlot !== 'function') throw new Error('uPlot did not load');
  const stacked = o.type === 'area' || o.type === 'bars';
  const used = new Set();
  const ser = o.series.map((s, i) => ({ ...s, color: colorFor(s.label, i, used), hidden: false }));
  const xs = o.xs.map((x) => x + (o.shift || 0));
  const height = o.height || 190;

  const plotEl = h('div', { class: 'plot' });
  const legendTime = h('span', { class: 'legend-time' });
  const legendRows = h('div', { class: 'legend-rows' });
  replace(el, plotEl, h('div', { class: 'legend' }, legendTime, legendRows));

  // in stacked charts uPlot draws series top-down (cumulative values, opaque
  // fills), so the lower ones paint over the upper ones' lower part
  let order = []; // uPlot series index - 1 -> ser index
  let cum = [];
  function build() {
    const vis = ser.map((s, i) => i).filter((i) => !ser[i].hidden);
    if (stacked) {
      const acc = new Array(xs.length).fill(0);
      const c = [];
      for (const i of vis) {
        c[i] = ser[i].values.map((v, k) => (v == null ? (acc[k] === 0 ? null : acc[k]) : (acc[k] += v)));
      }
      cum = c;
      order = vis.slice().reverse();
    } else {
      order = vis;
    }
    const data = [xs, ...order.map((i) => (stacked ? cum[i] : ser[i].values))];
    const series = [{}, ...order.map((i) => {
      const s = ser[i];
      const base = { label: s.label, stroke: s.color, width: 1.5, spanGaps: false };
      if (o.type === 'bars') return { ...base, width: 0, fill: tint(s.color, 0.85), paths: uPlot.paths.bars({ size: [0.7, 48], align: 0 }), points: { show: false } };
      if (o.type === 'area') return { ...base, fill: tint(s.color, 0.35), points: { show: false } };
      return { ...base, fill: s.fill ? alpha(s.color, 0.12) : undefined };
    })];
    return { data, series };
  }

  let focused = -1; // ser index under the pointer
  let u;
  const rows = ser.map((s, i) => {
    const val = h('span', { class: 'lv' });
    const sw = h('span', { class: 'sw' });
    sw.style.background = s.color;
    const clickable = !!(o.onSeriesClick && o.filterable && o.filterable(s));
    const row = h('button', { type: 'button', class: 'li' + (clickable ? ' filterable' : ''), title: clickable ? `filter by ${s.label} (alt-click: hide/show)` : 'hide/show (click)' },
      sw, h('span', { class: 'll' }, s.label), val);
    row.addEventListener('click', (ev) => {
      if (clickable && !ev.altKey) o.onSeriesClick(s);
      else toggle(i);
    });
    row.addEventListener('mouseenter', () => setFocus(i));
    row.addEventListener('mouseleave', () => setFocus(-1));
    legendRows.appendChild(row);
    return { row, val };
  });

  function lastIdx(vals) {
    for (let k = vals.length - 1; k >= 0; k--) if (vals[k] != null) return k;
    return -1;
  }
  function showValues(idx) {
    ser.forEach((s, i) => {
      let v;
      if (idx == null) { const k = lastIdx(s.values); v = k >= 0 ? s.values[k] : null; }
      else v = s.values[idx];
      rows[i].val.textContent = fmt(v, o.unit);
      rows[i].row.classList.toggle('off', s.hidden);
    });
    legendTime.textContent = idx == null ? (o.shift ? '' : 'last value') : fmtDateTime(xs[idx] * 1000);
  }
  function setFocus(i) {
    focused = i;
    rows.forEach((r, k) => r.row.classList.toggle('focus', k === i));
  }
  function toggle(i) {
    ser[i].hidden = !ser[i].hidden;
    if (ser.every((s) => s.hidden)) ser[i].hidden = false;
    const w = u.width;
    u.destroy();
    make(w);
  }

  function nearest(uu) {
    const idx = uu.cursor.idx;
    if (idx == null || uu.cursor.top == null || uu.cursor.top < 0) return -1;
    const y = uu.posToVal(uu.cursor.top, 'y');
    let best = -1, bestD = Infinity;
    if (stacked) {
      // the band containing y: the lowest cumulative value >= y
      for (const i of order.slice().reverse()) {
        const c = cum[i][idx];
        if (c != null && c >= y && ser[i].values[idx] != null) return i;
      }
      return -1;
    }
    for (const i of order) {
      const v = ser[i].values[idx];
      if (v == null) continue;
      const d = Math.abs(uu.valToPos(v, 'y') - uu.cursor.top);
      if (d < bestD) { bestD = d; best = i; }
    }
    return bestD <= 24 ? best : -1;
  }

  function make(width) {
    const { data, series } = build();
    const opts = {
      width: Math.max(200, width), height,
      series,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: !stacked } },
      scales: { x: { time: true, range: o.type === 'bars' && xs.length > 1 ? (uu, min, max) => [min - (xs[1] - xs[0]) / 2, max + (xs[1] - xs[0]) / 2] : undefined }, y: { range: (uu, min, max) => [Math.min(0, min ?? 0), max > 0 ? max * 1.08 : 1] } },
      axes: [
        { stroke: '#666', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' } },
        { stroke: '#666', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' }, size: 62, values: (uu, vals) => fmtAxisTicks(vals, o.unit) },
      ],
      hooks: {
        setCursor: [(uu) => {
          showValues(uu.cursor.idx);
          setFocus(nearest(uu));
        }],
        setSelect: [(uu) => {
          const s = uu.select;
          if (s.width > 4 && o.onZoom) {
            const a = uu.posToVal(s.left, 'x') - (o.shift || 0), b = uu.posToVal(s.left + s.width, 'x') - (o.shift || 0);
            uu.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
            o.onZoom(Math.round(a * 1000), Math.round(b * 1000));
          }
        }],
      },
    };
    u = new uPlot(opts, data, plotEl);
    let downX = null;
    u.over.addEventListener('mousedown', (ev) => { downX = ev.clientX; });
    u.over.addEventListener('click', (ev) => {
      if (downX != null && Math.abs(ev.clientX - downX) > 3) return;
      if (focused >= 0 && o.onSeriesClick && o.filterable && o.filterable(ser[focused])) o.onSeriesClick(ser[focused]);
    });
    u.over.addEventListener('mouseleave', () => { showValues(null); setFocus(-1); });
    showValues(null);
  }

  make(el.clientWidth || 400);
  let raf = 0, lastW = el.clientWidth;
  const ro = new ResizeObserver(() => {
    cancelAnimationFrame(raf);
    raf = requestAnimationFrame(() => {
      const w = el.clientWidth;
      if (w && w !== lastW) { lastW = w; u.setSize({ width: Math.max(200, w), height }); }
    });
  });
  ro.observe(el);
  return { destroy() { ro.disconnect(); cancelAnimationFrame(raf); u.destroy(); } };
}
