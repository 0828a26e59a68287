/**
 * Maximum-likelihood fit of q_i = sigmoid(sum_k theta_k x_ik) to binary labels by Newton's
 * method, shared by Platt scaling (x = [logit, 1]) and temperature scaling (x = [logit]).
 * The mean log loss is convex in theta, so Newton converges; each step is halved until the loss
 * does not increase (guarding the first steps from far away). Convergence rule: stop when the
 * largest |step| component is below `tolerance`; after `maxIterations` without it, the labels are
 * (nearly) separable by the predictions and the fit is reported as failed rather than returned.
 */
import { DataError } from '../errors.js';
import { sigmoid } from './logit.js';

export interface LogisticFitOptions {
  tolerance?: number;
  maxIterations?: number;
}

/** `features[k][i]`: feature k of row i. Returns theta, starting from `start`. */
export function fitLogistic(features: readonly Float64Array[], labels: ArrayLike<number>, start: readonly number[], { tolerance = 1e-10, maxIterations = 100 }: LogisticFitOptions = {}): number[] {
  const n = labels.length;
  const dims = features.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i]!;
  if (n === 0 || positives === 0 || positives === n) {
    throw new DataError(`calibration needs both positive and negative labels; got ${positives} positive of ${n} rows`, { field: 'labels' });
  }
  const margin = (theta: readonly number[], i: number) => {
    let z = 0;
    for (let k = 0; k < dims; k++) z += theta[k]! * features[k]![i]!;
    return z;
  };
  const loss = (theta: readonly number[]) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const z = margin(theta, i);
      // log(1 + e^z) - y z, computed without overflow.
      sum += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - labels[i]! * z;
    }
    return sum / n;
  };

  let theta = [...start];
  let current = loss(theta);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const gradient = new Array<number>(dims).fill(0);
    const hessian = Array.from({ length: dims }, () => new Array<number>(dims).fill(0));
    for (let i = 0; i < n; i++) {
      const q = sigmoid(margin(theta, i));
      const w = q * (1 - q);
      for (let k = 0; k < dims; k++) {
        const xk = features[k]![i]!;
        gradient[k]! += ((q - labels[i]!) * xk) / n;
        for (let l = 0; l < dims; l++) hessian[k]![l]! += (w * xk * features[l]![i]!) / n;
      }
    }
    let step = solve(hessian, gradient).map((g) => -g);
    let next = theta.map((t, k) => t + step[k]!);
    let nextLoss = loss(next);
    for (let halvings = 0; nextLoss > current && halvings < 30; halvings++) {
      step = step.map((s) => s / 2);
      next = theta.map((t, k) => t + step[k]!);
      nextLoss = loss(next);
    }
    theta = next;
    current = nextLoss;
    if (Math.max(...step.map(Math.abs)) < tolerance) return theta;
  }
  throw new DataError(`calibration fit did not converge in ${maxIterations} Newton steps (labels separable by the predictions?)`, { field: 'labels' });
}

/** Solve H x = g for a small symmetric positive (semi)definite H, by Gaussian elimination with a tiny ridge. */
function solve(hessian: number[][], gradient: number[]): number[] {
  const dims = gradient.length;
  const a = hessian.map((row, k) => [...row.map((v, l) => v + (k === l ? 1e-12 : 0)), gradient[k]!]);
  for (let col = 0; col < dims; col++) {
    let pivot = col;
    for (let r = col + 1; r < dims; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = col + 1; r < dims; r++) {
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= dims; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  const x = new Array<number>(dims).fill(0);
  for (let r = dims - 1; r >= 0; r--) {
    let s = a[r]![dims]!;
    for (let c = r + 1; c < dims; c++) s -= a[r]![c]! * x[c]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}
