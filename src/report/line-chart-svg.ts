/**
 * A line/scatter chart on a square [0, 1] x [0, 1] plot as a self-contained SVG string, e.g. a
 * reliability diagram (mean prediction vs observed rate per bin, with the diagonal). Each series
 * is drawn as markers, joined by a line unless `markersOnly`; `dashed` series (a reference line)
 * get no markers.
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
}

export function lineChartSvg(series: readonly Series[], { title, xAxis, yAxis }: LineChartOptions): string {
  const [left, top, size] = [60, 40, 400];
  const legendWidth = 8 * Math.max(...series.map((s) => s.label.length)) + 40;
  const width = left + size + 20 + legendWidth;
  const height = top + size + 50;
  const x = (v: number) => (left + Math.min(Math.max(v, 0), 1) * size).toFixed(1);
  const y = (v: number) => (top + (1 - Math.min(Math.max(v, 0), 1)) * size).toFixed(1);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  return svgDocument(width, height, title, [
    ...ticks.map(
      (t) =>
        `<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(1)}" stroke="#eee"/><line x1="${x(0)}" y1="${y(t)}" x2="${x(1)}" y2="${y(t)}" stroke="#eee"/>` +
        `<text x="${x(t)}" y="${top + size + 16}" text-anchor="middle" fill="#555">${t.toFixed(1)}</text><text x="${left - 6}" y="${(Number(y(t)) + 4).toFixed(1)}" text-anchor="end" fill="#555">${t.toFixed(1)}</text>`,
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
