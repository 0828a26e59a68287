/**
 * A labelled matrix as a heatmap, as a self-contained SVG string: one cell per (row, column)
 * shaded from white (the smallest value) to dark blue (the largest), its value written in it, and
 * a stepped colour legend. Stepped swatches rather than a gradient: a gradient needs an element
 * id, and several charts inlined in one page must not share ids.
 */
import { escapeSvg, svgDocument } from './svg.js';

export interface HeatmapOptions {
  title: string;
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  /** What the values are, under the legend, e.g. 'block Frobenius norm'. */
  legend: string;
  digits?: number;
}

const LEGEND_STEPS = 8;

/** White -> #08306b (dark blue) at `t` in [0, 1]. */
function shade(t: number): string {
  const mix = (from: number, to: number) => Math.round(from + (to - from) * Math.min(Math.max(t, 0), 1));
  return `rgb(${mix(255, 8)},${mix(255, 48)},${mix(255, 107)})`;
}

export function heatmapSvg(matrix: readonly (readonly number[])[], { title, rowLabels, columnLabels, legend, digits = 3 }: HeatmapOptions): string {
  if (matrix.length !== rowLabels.length || matrix.some((row) => row.length !== columnLabels.length)) {
    throw new RangeError(`heatmap '${title}': a ${rowLabels.length} x ${columnLabels.length} matrix expected`);
  }
  const values = matrix.flat();
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const t = (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  const cell = Math.max(40, 7 * digits + 24);
  const labelWidth = 7 * Math.max(...rowLabels.map((l) => l.length)) + 16;
  // Column labels are written at 45 degrees above the matrix.
  const head = 36 + 5 * Math.max(...columnLabels.map((l) => l.length));
  const [left, matrixWidth, matrixHeight] = [labelWidth, cell * columnLabels.length, cell * rowLabels.length];
  const legendTop = head + matrixHeight + 20;
  const width = Math.max(left + matrixWidth, left + LEGEND_STEPS * 30, left + 7 * legend.length) + 20;
  const height = legendTop + 60;
  const cells = matrix.flatMap((row, i) =>
    row.map((v, j) => {
      const [cx, cy] = [left + j * cell, head + i * cell];
      const ink = t(v) > 0.55 ? 'white' : 'black';
      return `<rect x="${cx}" y="${cy}" width="${cell}" height="${cell}" fill="${shade(t(v))}" stroke="white"/><text x="${cx + cell / 2}" y="${cy + cell / 2 + 4}" text-anchor="middle" fill="${ink}" font-size="10">${v.toFixed(digits)}</text>`;
    }),
  );
  const swatches = Array.from({ length: LEGEND_STEPS }, (_, k) => {
    const value = lo + ((hi - lo) * k) / (LEGEND_STEPS - 1);
    return `<rect x="${left + k * 30}" y="${legendTop}" width="30" height="12" fill="${shade(t(value))}" stroke="#ccc"/>`;
  });
  return svgDocument(width, height, title, [
    ...rowLabels.map((label, i) => `<text x="${left - 6}" y="${head + i * cell + cell / 2 + 4}" text-anchor="end">${escapeSvg(label)}</text>`),
    ...columnLabels.map((label, j) => {
      const [lx, ly] = [left + j * cell + cell / 2, head - 6];
      return `<text x="${lx}" y="${ly}" transform="rotate(-45 ${lx} ${ly})">${escapeSvg(label)}</text>`;
    }),
    ...cells,
    ...swatches,
    `<text x="${left}" y="${legendTop + 26}" fill="#555">${lo.toFixed(digits)}</text>`,
    `<text x="${left + LEGEND_STEPS * 30}" y="${legendTop + 26}" text-anchor="end" fill="#555">${hi.toFixed(digits)}</text>`,
    `<text x="${left}" y="${legendTop + 44}" fill="#333">${escapeSvg(legend)}</text>`,
  ]);
}
