/**
 * Argument checks shared by the metrics. A metric fed a wrong-length array, a NaN score or a
 * label outside its domain throws a DataError that names the metric, the argument, the row and
 * the bad value, instead of returning a plausible-looking number. Every check is one O(n) pass.
 */
import { ConfigError, DataError } from '../errors.js';

/** `array` must have exactly `length` entries (the length of `labels`). */
export function checkLength(metric: string, field: string, array: ArrayLike<number>, length: number): void {
  if (array.length !== length) {
    throw new DataError(`${metric}: ${field} has ${array.length} entries but labels has ${length}`, { field });
  }
}

/** Paired samples (row i of `b` scores the same row as row i of `a`) must have equal lengths. */
export function checkPaired(metric: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new DataError(`${metric}: b has ${b.length} entries but a has ${a.length}; the two must score the same rows`, { field: 'b' });
  }
}

/** No entry may be NaN (a NaN score has no place in an ordering). Infinities are allowed. */
export function checkNotNaN(metric: string, field: string, array: ArrayLike<number>): void {
  for (let i = 0; i < array.length; i++) {
    if (Number.isNaN(array[i])) throw new DataError(`${metric}: ${field}[${i}] is NaN`, { field });
  }
}

/** Every entry must be exactly 0 or 1. */
export function checkBinaryLabels(metric: string, labels: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) {
      throw new DataError(`${metric}: labels[${i}] = ${y}; expected 0 or 1`, { field: 'labels' });
    }
  }
}

/** Every entry must lie in [0, 1] (hard or soft binary targets). */
export function checkUnitIntervalLabels(metric: string, labels: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= 0 && y <= 1)) {
      throw new DataError(`${metric}: labels[${i}] = ${y}; expected a value in [0, 1]`, { field: 'labels' });
    }
  }
}

/** Graded relevance: every entry finite and >= 0. */
export function checkGradedLabels(metric: string, labels: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < Infinity)) {
      throw new DataError(`${metric}: labels[${i}] = ${y}; expected a finite relevance >= 0`, { field: 'labels' });
    }
  }
}

/** Group (query/user) ids: integers, in any order, not necessarily contiguous. */
export function checkGroups(metric: string, groups: ArrayLike<number>, length: number): void {
  checkLength(metric, 'groups', groups, length);
  for (let i = 0; i < groups.length; i++) {
    if (!Number.isInteger(groups[i])) {
      throw new DataError(`${metric}: groups[${i}] = ${groups[i]}; expected an integer id`, { field: 'groups' });
    }
  }
}

/** A ranking cutoff: a positive integer. */
export function checkCutoff(metric: string, k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new ConfigError(`${metric}: k = ${k}; expected a positive integer cutoff`, { field: 'k' });
  }
}
