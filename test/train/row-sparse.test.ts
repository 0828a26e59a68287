import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Batch, FeatureSpec } from '../../src/data/batch.js';
import { readTensorFile } from '../../src/engine/tensor-file.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { MemorySource } from '../support/memory-source.js';
import { assertClose, FixedBatches, makeBatch, range, sigmoid, trainConfig, withTempDir } from './fixtures.js';

/** Logistic regression over a (50 ids), b (5 ids) and x: z = A[a] + B[b] + w·x + bias. */
const lrSpec: FeatureSpec = {
  categorical: [
    { name: 'a', cardinality: 50 },
    { name: 'b', cardinality: 5 },
  ],
  multiValue: [],
  numeric: ['x'],
  tasks: [{ name: 'click', kind: 'binary' }],
};

// Row 3 of `a` is used by four samples, row 7 by two; rows 1 and 12 once. `b` never uses row 3.
const columns = {
  a: [3, 7, 3, 1, 3, 7, 12, 3],
  b: [0, 1, 2, 1, 4, 0, 2, 1],
  x: [0.5, -1, 2, 0.1, -0.3, 1.2, 0, -2],
  y: [1, 0, 1, 1, 0, 0, 1, 0],
};

function lrModel(spec: FeatureSpec = lrSpec, seed = 5): RankingModel {
  const model = new RankingModel(spec, RankingModel.parseModelSpec('lr', {}), { task: 'click', kind: 'binary', offset: 0 }, undefined, seed);
  model.build('eval'); // creates every tensor with its initial value
  return model;
}

function lrSource(): MemorySource {
  return new MemorySource({
    categorical: { a: Int32Array.from(columns.a), b: Int32Array.from(columns.b) },
    dense: { names: ['x'], values: Float32Array.from(columns.x) },
    labels: { click: Float32Array.from(columns.y) },
  });
}

/** d(mean sigmoid cross-entropy)/d(logit) per sample, in float64 from the initial weights. */
function logitGradients(before: ReadonlyMap<string, Float32Array>): number[] {
  const A = before.get('linear/a')!;
  const B = before.get('linear/b')!;
  const w = before.get('linear/numeric')![0]!;
  const bias = before.get('linear/bias')![0]!;
  const n = columns.y.length;
  return columns.y.map((y, i) => (sigmoid(A[columns.a[i]!]! + B[columns.b[i]!]! + w * columns.x[i]! + bias) - y) / n);
}

/** Summed gradient of every row of a table over the samples that use it. */
function rowGradients(ids: readonly number[], perSample: readonly number[]): Map<number, number> {
  const sums = new Map<number, number>();
  ids.forEach((id, i) => sums.set(id, (sums.get(id) ?? 0) + perSample[i]!));
  return sums;
}

function assertRowsUnchanged(table: string, after: Float32Array, before: Float32Array, used: ReadonlySet<number>): void {
  for (let r = 0; r < before.length; r++) {
    if (used.has(r)) assert.notEqual(after[r], before[r], `${table} row ${r} is in the batch but did not move`);
    else assert.equal(after[r], before[r], `${table} row ${r} is not in the batch but changed`);
  }
}

test('one SGD step: only the rows in the batch move, each by -lr · (sum of its samples\' gradients)', async () => {
  const model = lrModel();
  const before = model.params.snapshot();
  const lr = 0.5;
  await new Trainer(model, trainConfig({ epochs: 1, batchSize: 8, optimizer: { type: 'sgd', learningRate: lr } })).fit({ source: lrSource(), rows: range(8) });
  const after = model.params.snapshot();

  assertRowsUnchanged('linear/a', after.get('linear/a')!, before.get('linear/a')!, new Set(columns.a));
  assertRowsUnchanged('linear/b', after.get('linear/b')!, before.get('linear/b')!, new Set(columns.b));

  const e = logitGradients(before);
  for (const [table, ids] of [['linear/a', columns.a], ['linear/b', columns.b]] as const) {
    for (const [row, g] of rowGradients(ids, e)) assertClose(after.get(table)![row]!, before.get(table)![row]! - lr * g, 1e-6, `${table} row ${row}`);
  }
  // Row 3 of a: four samples; a "last sample wins" scatter would be off by far more than the tolerance.
  assert.ok(Math.abs(rowGradients(columns.a, e).get(3)! - e[7]!) > 1e-2);
  const sum = (f: (g: number, i: number) => number) => e.reduce((s, g, i) => s + f(g, i), 0);
  assertClose(after.get('linear/bias')![0]!, before.get('linear/bias')![0]! - lr * sum((g) => g), 1e-6, 'bias');
  assertClose(after.get('linear/numeric')![0]!, before.get('linear/numeric')![0]! - lr * sum((g, i) => g * columns.x[i]!), 1e-6, 'numeric weight');
});

test('one Adagrad step: a row used by several samples gets one update with their summed gradient', async () => {
  const model = lrModel();
  const before = model.params.snapshot();
  const lr = 0.2;
  await new Trainer(model, trainConfig({ epochs: 1, batchSize: 8, optimizer: { type: 'adagrad', learningRate: lr } })).fit({ source: lrSource(), rows: range(8) });
  const after = model.params.snapshot();
  const e = logitGradients(before);
  // acc = 0.1 + G², p -= lr·G/(√acc + ε): one update per row. Four per-sample updates of row 3
  // (or one per lookup occurrence) would give a different value.
  for (const [table, ids] of [['linear/a', columns.a], ['linear/b', columns.b]] as const) {
    for (const [row, g] of rowGradients(ids, e)) {
      assertClose(after.get(table)![row]!, before.get(table)![row]! - (lr * g) / (Math.sqrt(0.1 + g * g) + 1e-7), 1e-6, `${table} row ${row}`);
    }
  }
  assertRowsUnchanged('linear/a', after.get('linear/a')!, before.get('linear/a')!, new Set(columns.a));
});

test('lazy Adam: untouched rows stay bit-identical with zero slots; rows absent from a step are not moved by their momentum or weight decay', async () => {
  const step1 = makeBatch({ categorical: { a: [1, 2, 1], b: [0, 0, 1] }, dense: [[0.3], [-1], [2]], labels: { click: [1, 0, 0] } });
  const step2 = makeBatch({ categorical: { a: [5, 5, 6], b: [1, 2, 2] }, dense: [[1], [0.5], [-0.7]], labels: { click: [0, 1, 1] } });
  const config = trainConfig({ epochs: 1, batchSize: 3, optimizer: { type: 'adam', learningRate: 0.1, weightDecay: 0.1 }, embeddingL2: 0.01 });
  const train = async (batches: Batch[], checkpointDir?: string) => {
    const model = lrModel();
    const before = model.params.snapshot();
    await new Trainer(model, config).fit({ source: new FixedBatches(batches), rows: range(batches.length) }, undefined, checkpointDir ? { checkpointDir } : {});
    return { before, after: model.params.snapshot() };
  };

  await withTempDir(async (dir) => {
    const one = await train([step1]);
    const two = await train([step1, step2], dir);
    assert.deepEqual(two.before, one.before);

    assertRowsUnchanged('linear/a', one.after.get('linear/a')!, one.before.get('linear/a')!, new Set([1, 2]));
    assertRowsUnchanged('linear/a', two.after.get('linear/a')!, two.before.get('linear/a')!, new Set([1, 2, 5, 6]));
    assertRowsUnchanged('linear/b', two.after.get('linear/b')!, two.before.get('linear/b')!, new Set([0, 1, 2]));
    // Rows 1, 2 of a and row 0 of b were only in step 1: step 2 leaves them exactly as step 1 did.
    for (const r of [1, 2]) assert.equal(two.after.get('linear/a')![r], one.after.get('linear/a')![r], `linear/a row ${r}`);
    assert.equal(two.after.get('linear/b')![0], one.after.get('linear/b')![0]);
    // Row 1 of b was in both steps: it moved again.
    assert.notEqual(two.after.get('linear/b')![1], one.after.get('linear/b')![1]);

    const { tensors } = await readTensorFile(join(dir, 'checkpoint.bin'));
    for (const [table, used] of [['linear/a', new Set([1, 2, 5, 6])], ['linear/b', new Set([0, 1, 2])]] as const) {
      for (const k of [0, 1]) {
        const slot = tensors.get(`slot/${k}/${table}`)!.data;
        for (let r = 0; r < slot.length; r++) {
          if (used.has(r)) assert.notEqual(slot[r], 0, `slot ${k} of ${table} row ${r} was never written`);
          else assert.equal(slot[r], 0, `slot ${k} of ${table} row ${r} is not zero`);
        }
      }
    }
  });
});

/** Multi-value tags (8 ids, up to 3 per row) and nothing else: z = pool(T[tags]) + bias. */
function tagSpec(pooling: 'mean' | 'sum'): FeatureSpec {
  return { categorical: [], multiValue: [{ name: 'tags', cardinality: 8, maxLength: 3, pooling }], numeric: [], tasks: [{ name: 'click', kind: 'binary' }] };
}

const tagLists = [[2, 5], [5], [3, 5, 2], [6]];
const tagLabels = [1, 0, 0, 1];
const tagBatch = (lists: number[][] = tagLists) => makeBatch({ multiValue: { tags: { maxLength: 3, lists } }, labels: { click: tagLabels } });

for (const pooling of ['mean', 'sum'] as const) {
  test(`multi-value (${pooling} pooling): padded positions never touch row 0; used rows move by -lr · (summed gradient + l2·row)`, async () => {
    const model = lrModel(tagSpec(pooling));
    const before = model.params.snapshot();
    const T = before.get('linear/tags')!;
    const bias = before.get('linear/bias')![0]!;
    const lr = 0.5;
    const l2 = 0.1;
    // With embeddingL2 any row the trainer touches moves even with a zero gradient, so a padded
    // position reaching row 0 would show.
    await new Trainer(model, trainConfig({ epochs: 1, batchSize: 4, optimizer: { type: 'sgd', learningRate: lr }, embeddingL2: l2 })).fit({ source: new FixedBatches([tagBatch()]), rows: range(1) });
    const after = model.params.snapshot().get('linear/tags')!;
    assertRowsUnchanged('linear/tags', after, T, new Set(tagLists.flat()));

    const grads = new Map<number, number>();
    tagLists.forEach((list, i) => {
      const weight = pooling === 'mean' ? 1 / list.length : 1;
      const z = list.reduce((s, id) => s + T[id]!, 0) * weight + bias;
      const e = (sigmoid(z) - tagLabels[i]!) / tagLists.length;
      for (const id of list) grads.set(id, (grads.get(id) ?? 0) + e * weight);
    });
    for (const [row, g] of grads) assertClose(after[row]!, T[row]! - lr * (g + l2 * T[row]!), 1e-6, `tags row ${row}`);
  });
}

test('multi-value: id 0 used as a real value (mask 1) does update row 0, so the padding check can fail', async () => {
  const model = lrModel(tagSpec('mean'));
  const before = model.params.snapshot().get('linear/tags')!;
  await new Trainer(model, trainConfig({ epochs: 1, batchSize: 4, optimizer: { type: 'sgd', learningRate: 0.5 }, embeddingL2: 0.1 })).fit({ source: new FixedBatches([tagBatch([[2, 0], [5], [3, 5, 2], [6]])]), rows: range(1) });
  assert.notEqual(model.params.snapshot().get('linear/tags')![0], before[0]);
});

test('multi-value with Adam and weight decay: padding leaves row 0 and its slots untouched', async () => {
  await withTempDir(async (dir) => {
    const model = lrModel(tagSpec('mean'));
    const before = model.params.snapshot().get('linear/tags')!;
    const batches = [tagBatch(), tagBatch([[7], [], [1, 4], [2, 2]])];
    await new Trainer(model, trainConfig({ epochs: 1, batchSize: 4, optimizer: { type: 'adam', learningRate: 0.1, weightDecay: 0.5 } })).fit({ source: new FixedBatches(batches), rows: range(2) }, undefined, { checkpointDir: dir });
    const after = model.params.snapshot().get('linear/tags')!;
    assertRowsUnchanged('linear/tags', after, before, new Set([1, 2, 3, 4, 5, 6, 7]));
    const { tensors } = await readTensorFile(join(dir, 'checkpoint.bin'));
    for (const k of [0, 1]) assert.equal(tensors.get(`slot/${k}/linear/tags`)!.data[0], 0, `slot ${k} of row 0`);
  });
});
