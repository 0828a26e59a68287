import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededSplit } from '../../src/data/split.js';

function assertPartition(n: number, parts: Int32Array[]): void {
  const seen = new Uint8Array(n);
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      assert.ok(part[i]! >= 0 && part[i]! < n);
      assert.equal(seen[part[i]!], 0, `row ${part[i]} is in two parts`);
      seen[part[i]!] = 1;
      if (i > 0) assert.ok(part[i]! > part[i - 1]!, 'parts are sorted');
    }
  }
  assert.ok(seen.every((s) => s === 1), 'parts cover every row');
}

test('80/10/10 sizes are exact', () => {
  const split = seededSplit(1000, { validation: 0.1, test: 0.1, seed: 2026 });
  assert.deepEqual([split.train.length, split.validation.length, split.test.length], [800, 100, 100]);
  assertPartition(1000, [split.train, split.validation, split.test]);
  const frappe = seededSplit(57722, { validation: 0.1, test: 0.1, seed: 2026 });
  assert.deepEqual([frappe.train.length, frappe.validation.length, frappe.test.length], [46178, 5772, 5772]);
  assertPartition(57722, [frappe.train, frappe.validation, frappe.test]);
});

test('the same seed gives the same split, another seed another one', () => {
  const a = seededSplit(500, { validation: 0.2, test: 0.1, seed: 7 });
  const b = seededSplit(500, { validation: 0.2, test: 0.1, seed: 7 });
  const c = seededSplit(500, { validation: 0.2, test: 0.1, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
});

test('zero fractions and bad arguments', () => {
  const split = seededSplit(10, { validation: 0, test: 0.3, seed: 1 });
  assert.deepEqual([split.train.length, split.validation.length, split.test.length], [7, 0, 3]);
  assert.throws(() => seededSplit(10, { validation: 0.6, test: 0.4, seed: 1 }), /below 1/);
  assert.throws(() => seededSplit(10, { validation: -0.1, test: 0, seed: 1 }), /validation/);
});
