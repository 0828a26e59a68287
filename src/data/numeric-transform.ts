/**
 * A numeric feature's transform: fill missing values, then the configured steps in order.
 * Statistics (fill = training mean, standardize's mean/std, quantile boundaries) are fitted on
 * training rows only, each step on the output of the previous one, and saved; applying a fitted
 * transform is a pure function of the raw value. No NaN ever escapes: a missing value becomes
 * `fill`, and a value that turns non-finite (log1p of -2, an infinite input) is a DataError.
 *
 *   clip [lo, hi]:  x -> min(max(x, lo), hi)
 *   log1p:          x -> ln(1 + x)
 *   standardize:    x -> (x - mean) / std   (population std over training rows; std 0 -> 1)
 *   bucketize b:    x -> #{ i : b_i <= x }  in 0..k for k boundaries (k + 1 buckets)
 *   quantiles n:    b_i = quantile(i / n) of training values, i = 1..n-1 (linear interpolation,
 *                   repeated boundaries dropped)
 *
 * Worked example: train [1, 2, 3, 4] with [standardize]: fill 2.5, mean 2.5,
 * std sqrt(1.25) = 1.1180; 4 -> 1.3416, missing -> 0.
 */
import { ArtifactError, DataError, type ErrorLocation } from '../errors.js';
import type { NumericStep } from './data-config.js';

export type FittedStep =
  | { kind: 'clip'; lo: number; hi: number }
  | { kind: 'log1p' }
  | { kind: 'standardize'; mean: number; std: number }
  | { kind: 'bucketize'; boundaries: number[] };

export interface NumericTransformJson {
  fill: number;
  steps: FittedStep[];
}

export interface NumericFitOptions {
  /** Missing-value replacement; default: the mean of the non-missing training values. */
  fill?: number | undefined;
  /** Where the i-th value came from (file, row, column), for DataErrors. */
  locate: (index: number) => ErrorLocation;
}

function applyStep(step: FittedStep, x: number): number {
  switch (step.kind) {
    case 'clip':
      return x < step.lo ? step.lo : x > step.hi ? step.hi : x;
    case 'log1p':
      return Math.log1p(x);
    case 'standardize':
      return (x - step.mean) / step.std;
    case 'bucketize':
      return bucketOf(step.boundaries, x);
  }
}

/** Number of boundaries <= x (binary search). */
export function bucketOf(boundaries: readonly number[], x: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (boundaries[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function stepName(step: FittedStep): string {
  return step.kind === 'clip' ? `clip [${step.lo}, ${step.hi}]` : step.kind;
}

/** The p-quantile (0 <= p <= 1) of ascending `sorted`, interpolating linearly between neighbours. */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const position = p * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/** Boundaries at quantiles 1/n .. (n-1)/n of `values` (linear interpolation), deduplicated. */
export function quantileBoundaries(values: ArrayLike<number>, n: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const boundaries: number[] = [];
  for (let i = 1; i < n; i++) {
    const value = quantileOfSorted(sorted, i / n);
    if (boundaries.length === 0 || value > boundaries[boundaries.length - 1]!) boundaries.push(value);
  }
  return boundaries;
}

export class NumericTransform {
  constructor(
    readonly fill: number,
    readonly steps: readonly FittedStep[],
  ) {}

  /** True when the last step is bucketize: the output is a bucket id, not a dense value. */
  get bucketized(): boolean {
    return this.steps.at(-1)?.kind === 'bucketize';
  }

  /** Number of buckets of a bucketized transform (boundaries + 1); 0 otherwise. */
  get cardinality(): number {
    const last = this.steps.at(-1);
    return last?.kind === 'bucketize' ? last.boundaries.length + 1 : 0;
  }

  /** Fit on the raw training values of one column (NaN = missing). */
  static fit(steps: readonly NumericStep[], values: Float64Array, options: NumericFitOptions): NumericTransform {
    let fill = options.fill;
    if (fill === undefined) {
      let sum = 0;
      let count = 0;
      for (const v of values) {
        if (!Number.isNaN(v)) {
          sum += v;
          count += 1;
        }
      }
      if (count === 0) {
        const { file, field } = options.locate(0);
        throw new DataError('no non-missing value in the training rows to compute the fill value from; set fill', {
          ...(file !== undefined ? { file } : {}),
          ...(field !== undefined ? { field } : {}),
        });
      }
      fill = sum / count;
    }
    const current = values.map((v) => (Number.isNaN(v) ? fill : v));
    checkFinite(current, values, '', options.locate);

    const fitted: FittedStep[] = [];
    for (const step of steps) {
      let next: FittedStep;
      if (step === 'log1p') next = { kind: 'log1p' };
      else if (step === 'standardize') next = standardizeStats(current);
      else if ('clip' in step) next = { kind: 'clip', lo: step.clip[0], hi: step.clip[1] };
      else if (Array.isArray(step.bucketize)) next = { kind: 'bucketize', boundaries: [...step.bucketize] };
      else next = { kind: 'bucketize', boundaries: quantileBoundaries(current, step.bucketize.quantiles) };
      for (let i = 0; i < current.length; i++) current[i] = applyStep(next, current[i]!);
      checkFinite(current, values, `after ${stepName(next)}`, options.locate);
      fitted.push(next);
    }
    return new NumericTransform(fill, fitted);
  }

  /** The transformed value (NaN = missing -> fill first); may be non-finite, see `column`. */
  apply(raw: number): number {
    let x = Number.isNaN(raw) ? this.fill : raw;
    for (const step of this.steps) x = applyStep(step, x);
    return x;
  }

  /** Transform a column; a non-finite result is a DataError at `locate(i)`. */
  column(values: Float64Array, locate: (index: number) => ErrorLocation): Float64Array {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const x = this.apply(values[i]!);
      if (!Number.isFinite(x)) {
        throw new DataError(`value ${values[i]} is not finite after the transform (got ${x})`, locate(i));
      }
      out[i] = x;
    }
    return out;
  }

  toJSON(): NumericTransformJson {
    return { fill: this.fill, steps: this.steps.map((s) => (s.kind === 'bucketize' ? { ...s, boundaries: [...s.boundaries] } : { ...s })) };
  }

  static fromJSON(json: unknown): NumericTransform {
    const t = json as Partial<NumericTransformJson> | null;
    if (!t || typeof t.fill !== 'number' || !Array.isArray(t.steps) || !t.steps.every(isFittedStep)) {
      throw new ArtifactError('not a numeric transform (expected fill and fitted steps)');
    }
    return new NumericTransform(t.fill, t.steps);
  }
}

function isFittedStep(step: unknown): step is FittedStep {
  const s = step as Record<string, unknown> | null;
  if (!s || typeof s !== 'object') return false;
  switch (s.kind) {
    case 'clip':
      return typeof s.lo === 'number' && typeof s.hi === 'number';
    case 'log1p':
      return true;
    case 'standardize':
      return typeof s.mean === 'number' && typeof s.std === 'number' && s.std > 0;
    case 'bucketize':
      return Array.isArray(s.boundaries) && s.boundaries.every((b) => typeof b === 'number');
    default:
      return false;
  }
}

function standardizeStats(values: Float64Array): FittedStep {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length || 1;
  let variance = 0;
  for (const v of values) variance += (v - mean) * (v - mean);
  variance /= values.length || 1;
  const std = Math.sqrt(variance);
  return { kind: 'standardize', mean, std: std > 0 && Number.isFinite(std) ? std : 1 };
}

function checkFinite(current: Float64Array, raw: Float64Array, when: string, locate: (index: number) => ErrorLocation): void {
  for (let i = 0; i < current.length; i++) {
    if (!Number.isFinite(current[i]!)) {
      const after = when ? ` ${when}` : '';
      throw new DataError(`value ${raw[i]} is not finite${after} (got ${current[i]})`, locate(i));
    }
  }
}
