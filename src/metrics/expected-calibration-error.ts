/**
 * Expected calibration error over B equal-width bins of predicted probability:
 *
 *   ECE = sum_b (n_b / n) |mean(p in b) - mean(y in b)|
 *
 * Example (10 bins): probs [0.15, 0.15, 0.85, 0.85], labels [0, 1, 1, 1] gives bins 1 and 8,
 * |0.15 - 0.5| / 2 + |0.85 - 1| / 2 = 0.175 + 0.075 = 0.25.
 */
import { calibrationBins } from './calibration-bins.js';

/** NaN for empty input. */
export function expectedCalibrationError(labels: ArrayLike<number>, probs: ArrayLike<number>, bins = 15): number {
  const n = labels.length;
  let ece = 0;
  for (const bin of calibrationBins(labels, probs, bins)) {
    if (bin.count > 0) ece += (bin.count / n) * Math.abs(bin.meanPrediction - bin.meanLabel);
  }
  return n === 0 ? NaN : ece;
}
