/**
 * Temperature scaling: one scalar T on the model's logit z = logit(p),
 *
 *   p' = sigmoid(z / T),
 *
 * with T minimizing the validation log loss (Guo et al., 2017). T > 1 softens an over-confident
 * model, T < 1 sharpens an under-confident one; p = 0.5 stays 0.5, so it cannot fix a shift.
 * Fitted on s = 1/T, where the loss is convex.
 */
import { DataError } from '../errors.js';
import { fitLogistic } from './logistic-fit.js';
import { logit, sigmoid } from './logit.js';

export interface TemperatureJson {
  method: 'temperature';
  temperature: number;
}

export class TemperatureScaling {
  readonly method = 'temperature';
  constructor(readonly temperature: number) {}

  static fit(predictions: ArrayLike<number>, labels: ArrayLike<number>): TemperatureScaling {
    const z = Float64Array.from(predictions as ArrayLike<number>, logit);
    const [inverse] = fitLogistic([z], labels, [1]);
    if (!(inverse! > 0)) {
      throw new DataError(`the predictions rank against the labels (best 1/T = ${inverse}); temperature scaling needs T > 0`, { field: 'labels' });
    }
    return new TemperatureScaling(1 / inverse!);
  }

  apply(p: number): number {
    return sigmoid(logit(p) / this.temperature);
  }

  toJSON(): TemperatureJson {
    return { method: this.method, temperature: this.temperature };
  }
}
