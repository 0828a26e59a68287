/**
 * Binary cross-entropy (log loss), the mean over rows of
 *
 *   -(y log p + (1 - y) log(1 - p)),   p clipped to [eps, 1 - eps]
 *
 * Clipping keeps a confident wrong prediction (p = 0 for y = 1) finite: it costs -log(eps).
 *
 * Example: labels [1, 0], probs [0.8, 0.4] gives -(log 0.8 + log 0.6) / 2 = 0.366985.
 */
import { checkLength, checkUnitIntervalLabels } from './check-inputs.js';
import { ConfigError, DataError } from '../errors.js';

/**
 * Mean log loss of probabilities `probs` (in [0, 1], not logits) against labels in [0, 1]
 * (soft targets allowed). NaN for empty input.
 */
export function logloss(labels: ArrayLike<number>, probs: ArrayLike<number>, eps = 1e-7): number {
  if (!(eps > 0 && eps < 0.5)) {
    throw new ConfigError(`logloss: eps = ${eps}; expected a value in (0, 0.5)`, { field: 'eps' });
  }
  checkLength('logloss', 'probs', probs, labels.length);
  checkUnitIntervalLabels('logloss', labels);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const raw = probs[i];
    if (!(raw >= 0 && raw <= 1)) {
      throw new DataError(`logloss: probs[${i}] = ${raw}; expected a probability in [0, 1], not a logit`, {
        field: 'probs',
      });
    }
    const p = Math.min(Math.max(raw, eps), 1 - eps);
    const y = labels[i];
    sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return labels.length === 0 ? NaN : sum / labels.length;
}
