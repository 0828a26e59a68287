/**
 * Mini-batch aware L2 (DIN): id frequencies counted over the training rows (padding excluded,
 * every lookup of a table counted), and a step that moves each touched row by its own
 * l2 / frequency while untouched rows stay put.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Batch } from '../../src/data/batch.js';
import type { EmbeddingLookup } from '../../src/layers/build-context.js';
import { frequencyScaledL2, idFrequencies } from '../../src/train/id-frequency.js';
import { OptimizerConfigSchema } from '../../src/train/optimizers.js';
import { StepGradients, StepUpdater } from '../../src/train/step-updater.js';
import type { BatchSource } from '../../src/train/predict.js';

// Rows: candidate item and a 2-long history over the same table of 5 items.
const ITEMS = Int32Array.of(1, 2, 1, 3);
const HISTORY = Int32Array.of(2, 0, 1, 2, 4, 4, 0, 0);
const HISTORY_MASK = Float32Array.of(1, 0, 1, 1, 1, 1, 0, 0);

const source: BatchSource = {
  numRows: 4,
  *batches(rows) {
    const pick = <T extends Int32Array | Float32Array>(a: T, width: number) => {
      const out = new (a.constructor as new (n: number) => T)(rows.length * width);
      rows.forEach((r, i) => out.set(a.subarray(r * width, (r + 1) * width), i * width));
      return out;
    };
    const batch: Batch = {
      size: rows.length,
      categorical: new Map([['item', pick(ITEMS, 1)]]),
      multiValue: new Map([['history', { ids: pick(HISTORY, 2), mask: pick(HISTORY_MASK, 2), maxLength: 2 }]]),
      dense: new Float32Array(0),
      labels: new Map(),
    };
    yield batch;
  },
};

const LOOKUPS: EmbeddingLookup[] = [
  { input: 'rows/emb/item/item', table: 'emb/item', feature: 'item' },
  { input: 'rows/emb/item/history', table: 'emb/item', feature: 'history', maxLength: 2 },
];

test('id frequencies count every unpadded id of every lookup of a table, over the given rows only', () => {
  const all = idFrequencies(source, Int32Array.of(0, 1, 2, 3), LOOKUPS, () => 5).get('emb/item')!;
  // item 1: candidate twice + history once; item 2: candidate once + history twice; 4: history twice.
  assert.deepEqual(Array.from(all), [0, 3, 3, 1, 2]);
  const firstTwo = idFrequencies(source, Int32Array.of(0, 1), LOOKUPS, () => 5).get('emb/item')!;
  assert.deepEqual(Array.from(firstTwo), [0, 2, 3, 0, 0]);
  assert.deepEqual(Array.from(frequencyScaledL2(all, 0.6)), [0, 0.2, 0.2, 0.6, 0.3].map((v) => Math.fround(v)));
});

test('a step with mini-batch aware L2 shrinks each touched row by its own l2 / frequency, and only touched rows', () => {
  const dim = 2;
  const data = Float32Array.from({ length: 5 * dim }, (_, i) => 1 + i);
  const rowL2 = Float32Array.of(0, 0.5, 0.25, 1, 0.125);
  const layout = {
    optimizer: OptimizerConfigSchema.parse({ type: 'sgd', learningRate: 0.1 }),
    embeddingL2: 100, // replaced by rowL2 for this table: a large value would show at once
    tables: [{ rows: 5, dim, data, slots: [], rowL2 }],
    dense: [],
  };
  const before = data.slice();
  const gradients = new StepGradients(layout, [{ table: 0, capacity: 3 }]);
  // One lookup touching rows 1 and 4 (row 3 is masked out) with zero loss gradient.
  gradients.accumulate([{ table: 0, ids: Int32Array.of(1, 3, 4), mask: Float32Array.of(1, 0, 1), grad: new Float32Array(3 * dim) }], [3], [], false);
  new StepUpdater(layout, gradients.touched).apply(1, 1, []);
  for (let row = 0; row < 5; row++) {
    const c = row === 1 || row === 4 ? rowL2[row]! : 0;
    for (let k = 0; k < dim; k++) {
      const w = before[row * dim + k]!;
      assert.equal(data[row * dim + k], Math.fround(w - 0.1 * Math.fround(c * w)), `row ${row}`);
    }
  }
});
