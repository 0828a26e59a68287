/**
 * A line/scatter chart on a square plot as a self-contained SVG string, by default [0, 1] x
 * [0, 1], e.g. a reliability diagram (mean prediction vs observed rate per bin, with the
 * diagonal); other ranges (training curves: epoch vs loss) are given as `xRange`/`yRange`. Each
 * series is drawn as markers, joined by a line unless `markersOnly`; `dashed` series (a reference
 * line) get no markers.
 */
import { escapeSvg, svgDocument } from './svg.js';

export interface Series {
  label: string;
  points: readonly { x: number; y: number }[];
  color: string;
  dashed?: boolean;
  markersOnly?: boolean;
}

export interface LineChartOptions {
  title: string;
  xAxis: string;
  yAxis: string;
  /** [low, high] of the axis; default [0, 1]. Points outside are drawn on the border. */
  xRange?: readonly [number, number];
  yRange?: readonly [number, number];
}

const TICK_STEPS = 5;

/** Six evenly spaced ticks over `range`, with as many decimals as the step needs (at most 4). */
function axisTicks([lo, hi]: readonly [number, number]): { value: number; label: string }[] {
  const step = (hi - lo) / TICK_STEPS;
  const digits = [0, 1, 2, 3].find((d) => Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6 * 10 ** d) ?? 4;
  return Array.from({ length: TICK_STEPS + 1 }, (_, i) => lo + step * i).map((value) => ({ value, label: value.toFixed(digits) }));
}

/**
 * An axis range around `values` whose five ticks are round numbers (steps of 1, 2, 2.5 or 5 times
 * a power of ten), e.g. losses 0.52..0.61 -> [0.52, 0.62] in steps of 0.02; a single value
 * gets room on both sides.
 */
export function niceRange(values: readonly number[]): [number, number] {
  const spread = Math.max(...values) - Math.min(...values) || Math.abs(values[0]!) || 1;
  const single = Math.max(...values) === Math.min(...values);
  const lo = Math.min(...values) - (single ? spread / 2 : 0);
  const hi = Math.max(...values) + (single ? spread / 2 : 0);
  for (let power = Math.floor(Math.log10(spread / TICK_STEPS)) - 1; ; power++) {
    for (const mantissa of [1, 2, 2.5, 5]) {
      const step = mantissa * 10 ** power;
      const from = Math.floor(lo / step) * step;
      if (from + TICK_STEPS * step >= hi) return [from, from + TICK_STEPS * step];
    }
  }
}

export function lineChartSvg(series: readonly Series[], { title, xAxis, yAxis, xRange = [0, 1], yRange = [0, 1] }: LineChartOptions): string {
  const [left, top, size] = [60, 40, 400];
  const legendWidth = 8 * Math.max(...series.map((s) => s.label.length)) + 40;
  const width = left + size + 20 + legendWidth;
  const height = top + size + 50;
  const unit = (v: number, [lo, hi]: readonly [number, number]) => Math.min(Math.max((v - lo) / (hi - lo), 0), 1);
  const x = (v: number) => (left + unit(v, xRange) * size).toFixed(1);
  const y = (v: number) => (top + (1 - unit(v, yRange)) * size).toFixed(1);
  const [xTicks, yTicks] = [axisTicks(xRange), axisTicks(yRange)];
  return svgDocument(width, height, title, [
    ...xTicks.map(
      (t, i) =>
        `<line x1="${x(t.value)}" y1="${y(yRange[0])}" x2="${x(t.value)}" y2="${y(yRange[1])}" stroke="#eee"/><line x1="${x(xRange[0])}" y1="${y(yTicks[i]!.value)}" x2="${x(xRange[1])}" y2="${y(yTicks[i]!.value)}" stroke="#eee"/>` +
        `<text x="${x(t.value)}" y="${top + size + 16}" text-anchor="middle" fill="#555">${t.label}</text><text x="${left - 6}" y="${(Number(y(yTicks[i]!.value)) + 4).toFixed(1)}" text-anchor="end" fill="#555">${yTicks[i]!.label}</text>`,
    ),
    `<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#999"/>`,
    ...series.map((s) => {
      const path = s.points.map((p) => `${x(p.x)},${y(p.y)}`).join(' ');
      const line = s.markersOnly ? '' : `<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`;
      const markers = s.dashed ? [] : s.points.map((p) => `<circle cx="${x(p.x)}" cy="${y(p.y)}" r="3.5" fill="${s.color}"/>`);
      return [line, ...markers].join('');
    }),
    ...series.map((s, i) => {
      const ly = top + 10 + i * 20;
      return `<line x1="${left + size + 20}" y1="${ly}" x2="${left + size + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${left + size + 46}" y="${ly + 4}">${escapeSvg(s.label)}</text>`;
    }),
    `<text x="${left + size / 2}" y="${height - 10}" text-anchor="middle" fill="#333">${escapeSvg(xAxis)}</text>`,
    `<text x="16" y="${top + size / 2}" text-anchor="middle" fill="#333" transform="rotate(-90 16 ${top + size / 2})">${escapeSvg(yAxis)}</text>`,
  ]);
}
