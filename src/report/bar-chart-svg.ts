/**
 * A horizontal bar chart as a self-contained SVG string (no fonts or scripts to load), for reports
 * and READMEs. Bars start at `from` rather than 0 so that close scores (AUCs 0.93-0.97) stay
 * distinguishable; the axis says where it starts.
 */
import { escapeSvg, svgDocument } from './svg.js';

export interface Bar {
  label: string;
  value: number;
  /** Drawn in the accent colour (e.g. the baseline every other bar is compared with). */
  highlight?: boolean;
}

export interface BarChartOptions {
  title: string;
  /** Axis caption, e.g. 'test AUC'. */
  axis: string;
  /** Where the bars start; default: a rounded step below the smallest value. */
  from?: number;
  digits?: number;
}

export function barChartSvg(bars: readonly Bar[], { title, axis, from, digits = 4 }: BarChartOptions): string {
  const values = bars.map((b) => b.value);
  const top = Math.max(...values);
  const spread = top - Math.min(...values) || Math.abs(top) || 1;
  const step = 10 ** Math.floor(Math.log10(spread));
  const lo = from ?? Math.floor((Math.min(...values) - spread * 0.1) / step) * step;
  const hi = Math.ceil(top / step) * step + (top % step === 0 ? step : 0);
  const labelWidth = 8 * Math.max(...bars.map((b) => b.label.length)) + 16;
  const [plotWidth, row, head] = [480, 22, 40];
  const width = labelWidth + plotWidth + 70;
  const height = head + bars.length * row + 40;
  const x = (v: number) => labelWidth + ((v - lo) / (hi - lo)) * plotWidth;
  const ticks = Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  return svgDocument(width, height, title, [
    ...ticks.map((t) => {
      const tx = x(t).toFixed(1);
      return `<line x1="${tx}" y1="${head - 6}" x2="${tx}" y2="${head + bars.length * row}" stroke="#ddd"/><text x="${tx}" y="${head + bars.length * row + 14}" text-anchor="middle" fill="#555">${t.toFixed(digits)}</text>`;
    }),
    ...bars.map((b, i) => {
      const y = head + i * row;
      const w = Math.max(1, x(b.value) - labelWidth).toFixed(1);
      return [
        `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeSvg(b.label)}</text>`,
        `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 6}" fill="${b.highlight ? '#d9822b' : '#3a6ea5'}"/>`,
        `<text x="${(x(b.value) + 4).toFixed(1)}" y="${y + 15}">${b.value.toFixed(digits)}</text>`,
      ].join('');
    }),
    `<text x="${labelWidth + plotWidth / 2}" y="${height - 8}" text-anchor="middle" fill="#333">${escapeSvg(axis)} (axis starts at ${lo.toFixed(digits)})</text>`,
  ]);
}
