/**
 * Isotonic regression: the non-decreasing step function f minimizing sum_i (f(p_i) - y_i)^2,
 * found by pool adjacent violators (PAV): sort by prediction, pool equal predictions, then merge
 * neighbouring blocks whose means decrease until every block's mean is at most the next one's.
 * Each block keeps its lowest and highest prediction; between blocks f is linear, inside a block
 * flat, and outside the fitted range it is clamped to the first/last block's value.
 *
 * Example: predictions [0.1, 0.2, 0.3, 0.4], labels [0, 1, 0, 1]: blocks {0.1}: 0,
 * {0.2, 0.3}: 0.5, {0.4}: 1, so f(0.25) = 0.5 and f(0.35) = 0.75.
 */
import { DataError } from '../errors.js';

export interface IsotonicJson {
  method: 'isotonic';
  /** Knots: ascending predictions and their non-decreasing calibrated values. */
  x: number[];
  y: number[];
}

export class IsotonicRegression {
  readonly method = 'isotonic';
  constructor(readonly x: readonly number[], readonly y: readonly number[]) {
    if (x.length === 0 || x.length !== y.length) throw new DataError(`isotonic regression needs matching, non-empty knots (got ${x.length} x, ${y.length} y)`);
  }

  static fit(predictions: ArrayLike<number>, labels: ArrayLike<number>): IsotonicRegression {
    const n = labels.length;
    if (n === 0) throw new DataError('isotonic regression needs at least one row', { field: 'labels' });
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => predictions[a]! - predictions[b]!);
    // Blocks as parallel stacks: weight, label sum, lowest and highest prediction.
    const weight: number[] = [];
    const sum: number[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    for (const i of order) {
      const p = predictions[i]!;
      const top = weight.length - 1;
      if (top >= 0 && hi[top] === p) {
        weight[top]! += 1;
        sum[top]! += labels[i]!;
      } else {
        weight.push(1);
        sum.push(labels[i]!);
        lo.push(p);
        hi.push(p);
      }
      // Merge while the last block's mean is below the one before it.
      while (weight.length > 1) {
        const last = weight.length - 1;
        if (sum[last - 1]! / weight[last - 1]! <= sum[last]! / weight[last]!) break;
        weight[last - 1]! += weight.pop()!;
        sum[last - 1]! += sum.pop()!;
        hi[last - 1] = hi.pop()!;
        lo.pop();
      }
    }
    const x: number[] = [];
    const y: number[] = [];
    for (let b = 0; b < weight.length; b++) {
      const value = sum[b]! / weight[b]!;
      x.push(lo[b]!);
      y.push(value);
      if (hi[b]! > lo[b]!) {
        x.push(hi[b]!);
        y.push(value);
      }
    }
    return new IsotonicRegression(x, y);
  }

  apply(p: number): number {
    const { x, y } = this;
    if (p <= x[0]!) return y[0]!;
    if (p >= x[x.length - 1]!) return y[y.length - 1]!;
    // The last knot at or below p.
    let left = 0;
    let right = x.length - 1;
    while (right - left > 1) {
      const mid = (left + right) >> 1;
      if (x[mid]! <= p) left = mid;
      else right = mid;
    }
    const t = (p - x[left]!) / (x[right]! - x[left]!);
    return y[left]! + t * (y[right]! - y[left]!);
  }

  toJSON(): IsotonicJson {
    return { method: this.method, x: [...this.x], y: [...this.y] };
  }
}
