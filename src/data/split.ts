/**
 * A seeded train/validation/test split of row indices: one permutation from the seed, the first
 * round(n * test) rows go to test, the next round(n * validation) to validation, the rest to
 * train. Each part is sorted (file order), the parts are disjoint and cover 0..n-1, and the same
 * (n, fractions, seed) always gives the same parts.
 *
 *   seededSplit(1000, { validation: 0.1, test: 0.1, seed: 2026 }) -> 800 / 100 / 100 rows
 */
import { Random } from '../util/random.js';

export interface SplitFractions {
  validation: number;
  test: number;
  seed: number;
}

export interface RowSplit {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

export function seededSplit(numRows: number, fractions: SplitFractions): RowSplit {
  const { validation, test, seed } = fractions;
  if (!Number.isInteger(numRows) || numRows < 0) throw new RangeError(`numRows: expected a non-negative integer, got ${numRows}`);
  for (const [name, value] of [['validation', validation], ['test', test]] as const) {
    if (!(value >= 0 && value < 1)) throw new RangeError(`${name}: expected a fraction in [0, 1), got ${value}`);
  }
  if (validation + test >= 1) throw new RangeError(`validation + test must be below 1, got ${validation + test}`);
  const numTest = Math.round(numRows * test);
  const numValidation = Math.round(numRows * validation);
  const permutation = new Random(seed).permutation(numRows);
  const part = (start: number, end: number) => permutation.slice(start, end).sort();
  return {
    test: part(0, numTest),
    validation: part(numTest, numTest + numValidation),
    train: part(numTest + numValidation, numRows),
  };
}
