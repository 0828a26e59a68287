/**
 * Mean absolute error: mean(|y - yhat|).
 *
 * Example: labels [1, 2, 3], preds [2, 2, 5] gives (1 + 0 + 2) / 3 = 1.
 */
import { checkLength, checkNotNaN } from './check-inputs.js';

/** MAE of `preds` against `labels`. NaN for empty input. */
export function mae(labels: ArrayLike<number>, preds: ArrayLike<number>): number {
  checkLength('mae', 'preds', preds, labels.length);
  checkNotNaN('mae', 'labels', labels);
  checkNotNaN('mae', 'preds', preds);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += Math.abs(labels[i] - preds[i]);
  return labels.length === 0 ? NaN : sum / labels.length;
}
