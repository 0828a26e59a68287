/**
 * Platt scaling: a logistic regression on the model's logit z = logit(p),
 *
 *   p' = sigmoid(a z + b),
 *
 * fitted by maximum likelihood on a validation split. It corrects a shifted (b) or over/under
 * confident (a) model and keeps the ranking (a > 0).
 */
import { fitLogistic } from './logistic-fit.js';
import { logit, sigmoid } from './logit.js';

export interface PlattJson {
  method: 'platt';
  scale: number;
  shift: number;
}

export class PlattScaling {
  readonly method = 'platt';
  constructor(readonly scale: number, readonly shift: number) {}

  static fit(predictions: ArrayLike<number>, labels: ArrayLike<number>): PlattScaling {
    const z = Float64Array.from(predictions as ArrayLike<number>, logit);
    const [scale, shift] = fitLogistic([z, new Float64Array(z.length).fill(1)], labels, [1, 0]);
    return new PlattScaling(scale!, shift!);
  }

  apply(p: number): number {
    return sigmoid(this.scale * logit(p) + this.shift);
  }

  toJSON(): PlattJson {
    return { method: this.method, scale: this.scale, shift: this.shift };
  }
}
