/**
 * Equal-width bins of predicted probability: bin b holds the predictions in [b/B, (b+1)/B)
 * (the last bin includes 1). Per bin: the row count, the mean prediction and the mean label —
 * the points of a reliability diagram and the terms of the expected calibration error.
 */
import { checkLength, checkUnitIntervalLabels } from './check-inputs.js';
import { ConfigError, DataError } from '../errors.js';

export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  /** NaN for an empty bin. */
  meanPrediction: number;
  meanLabel: number;
}

/** ECE and the reliability diagram need enough bins to see miscalibration inside [0, 1]. */
export const MIN_CALIBRATION_BINS = 10;

export function calibrationBins(labels: ArrayLike<number>, probs: ArrayLike<number>, bins: number): CalibrationBin[] {
  if (!Number.isInteger(bins) || bins < MIN_CALIBRATION_BINS) {
    throw new ConfigError(`bins = ${bins}; expected an integer >= ${MIN_CALIBRATION_BINS}`, { field: 'bins' });
  }
  checkLength('calibration bins', 'probs', probs, labels.length);
  checkUnitIntervalLabels('calibration bins', labels);
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const p = probs[i]!;
    if (!(p >= 0 && p <= 1)) throw new DataError(`probs[${i}] = ${p}; expected a probability in [0, 1]`, { field: 'probs' });
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]! += 1;
    sumP[b]! += p;
    sumY[b]! += labels[i]!;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    count: count[b]!,
    meanPrediction: count[b]! > 0 ? sumP[b]! / count[b]! : NaN,
    meanLabel: count[b]! > 0 ? sumY[b]! / count[b]! : NaN,
  }));
}
