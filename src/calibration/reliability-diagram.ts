/**
 * The reliability diagram: per equal-width bin of predicted probability, the mean prediction
 * (x) against the observed positive rate (y); a calibrated model lies on the diagonal. Empty
 * bins are left out. Several prediction sets (before/after calibration) share one chart.
 */
import { calibrationBins } from '../metrics/calibration-bins.js';
import { expectedCalibrationError } from '../metrics/expected-calibration-error.js';
import { lineChartSvg, type Series } from '../report/line-chart-svg.js';

const COLORS = ['#d9822b', '#3a6ea5', '#4d9221', '#8e44ad'];

export function reliabilityDiagramSvg(labels: ArrayLike<number>, predictions: readonly { label: string; probs: ArrayLike<number> }[], { title, bins }: { title: string; bins: number }): string {
  const series: Series[] = [{ label: 'perfectly calibrated', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }], color: '#999', dashed: true }];
  predictions.forEach(({ label, probs }, i) => {
    const points = calibrationBins(labels, probs, bins)
      .filter((b) => b.count > 0)
      .map((b) => ({ x: b.meanPrediction, y: b.meanLabel }));
    const ece = expectedCalibrationError(labels, probs, bins);
    series.push({ label: `${label} (ECE ${ece.toFixed(4)})`, points, color: COLORS[i % COLORS.length]! });
  });
  return lineChartSvg(series, { title, xAxis: `mean predicted probability (${bins} bins)`, yAxis: 'observed positive rate' });
}
