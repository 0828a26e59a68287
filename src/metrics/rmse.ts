/**
 * Root mean squared error: sqrt(mean((y - yhat)^2)).
 *
 * Example: labels [1, 2, 3], preds [2, 2, 5] gives sqrt((1 + 0 + 4) / 3) = 1.290994.
 */
import { checkLength, checkNotNaN } from './check-inputs.js';

/** RMSE of `preds` against `labels`. NaN for empty input. */
export function rmse(labels: ArrayLike<number>, preds: ArrayLike<number>): number {
  checkLength('rmse', 'preds', preds, labels.length);
  checkNotNaN('rmse', 'labels', labels);
  checkNotNaN('rmse', 'preds', preds);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const error = labels[i] - preds[i];
    sum += error * error;
  }
  return labels.length === 0 ? NaN : Math.sqrt(sum / labels.length);
}
