/**
 * Calibration ratio: sum of predictions / sum of labels. 1 for a model whose predictions add up
 * to the observed count; above 1 it over-predicts. Infinity when there is no positive label.
 *
 * Example: probs [0.2, 0.4, 0.6], labels [0, 1, 0] gives 1.2 / 1 = 1.2.
 */
import { checkLength, checkUnitIntervalLabels } from './check-inputs.js';

export function calibrationRatio(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  checkLength('calibration ratio', 'probs', probs, labels.length);
  checkUnitIntervalLabels('calibration ratio', labels);
  let predicted = 0;
  let observed = 0;
  for (let i = 0; i < labels.length; i++) {
    predicted += probs[i]!;
    observed += labels[i]!;
  }
  return predicted / observed;
}
