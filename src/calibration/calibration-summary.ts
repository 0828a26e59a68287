/** How calibrated predictions are: ECE over equal-width bins, calibration ratio and log loss. */
import { calibrationRatio } from '../metrics/calibration-ratio.js';
import { expectedCalibrationError } from '../metrics/expected-calibration-error.js';
import { logloss } from '../metrics/logloss.js';

export interface CalibrationSummary {
  ece: number;
  ratio: number;
  logloss: number;
}

export function calibrationSummary(labels: ArrayLike<number>, probs: ArrayLike<number>, bins: number): CalibrationSummary {
  return { ece: expectedCalibrationError(labels, probs, bins), ratio: calibrationRatio(labels, probs), logloss: logloss(labels, probs) };
}

export function formatCalibrationSummary({ ece, ratio, logloss }: CalibrationSummary): string {
  return `ECE ${ece.toFixed(4)}  ratio ${ratio.toFixed(4)}  logloss ${logloss.toFixed(4)}`;
}
