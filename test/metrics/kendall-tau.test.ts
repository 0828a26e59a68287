import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kendallTauB } from '../../src/metrics/kendall-tau.js';
import { DataError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import { assertClose, isError } from './assertions.js';

/** tau-b by counting every pair: the definition, O(n²). */
function bruteForceTauB(a: number[], b: number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiedA = 0;
  let tiedB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const s = Math.sign(a[i]! - a[j]!) * Math.sign(b[i]! - b[j]!);
      if (a[i] === a[j]) tiedA++;
      if (b[i] === b[j]) tiedB++;
      if (s > 0) concordant++;
      if (s < 0) discordant++;
    }
  }
  const pairs = (a.length * (a.length - 1)) / 2;
  return (concordant - discordant) / Math.sqrt((pairs - tiedA) * (pairs - tiedB));
}

test('kendall tau-b: worked example with ties from the docstring', () => {
  assertClose(kendallTauB([1, 1, 2, 3], [2, 1, 1, 3]), 0.4);
});

test('kendall tau-b: hand-computed cases', () => {
  // One discordant pair of 6: (5 - 1) / 6.
  assertClose(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4]), 2 / 3);
  // One tie in each, 4 concordant: 4 / sqrt(5 * 5).
  assertClose(kendallTauB([1, 2, 2, 3], [1, 2, 3, 3]), 0.8);
});

test('kendall tau-b: identical order 1, reversed -1, scale does not matter', () => {
  assert.equal(kendallTauB([0.1, 0.5, 0.3, 0.9], [1, 5, 3, 9]), 1);
  assert.equal(kendallTauB([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]), -1);
});

test('kendall tau-b: NaN for one item or a scoring that ties everything', () => {
  assert.ok(Number.isNaN(kendallTauB([1], [1])));
  assert.ok(Number.isNaN(kendallTauB([1, 2, 3], [7, 7, 7])));
});

test('kendall tau-b: the O(n log n) count equals counting every pair (600 items, many ties)', () => {
  const rng = new Random(5);
  const a = Array.from({ length: 600 }, () => rng.int(20));
  const b = a.map((x) => (rng.next() < 0.7 ? x + rng.int(5) : rng.int(25)));
  const started = performance.now();
  const fast = kendallTauB(a, b);
  console.log(`kendall tau-b of 600 items: ${fast.toFixed(6)} in ${(performance.now() - started).toFixed(2)} ms`);
  assertClose(fast, bruteForceTauB(a, b), 1e-12);
});

test('kendall tau-b: rejects unpaired lengths and NaN, naming the argument', () => {
  assert.throws(() => kendallTauB([1, 2], [1]), isError(DataError, /kendall tau: b has 1 entries but a has 2/));
  assert.throws(() => kendallTauB([1, 2], [1, NaN]), isError(DataError, /kendall tau: b\[1\] is NaN/));
});
