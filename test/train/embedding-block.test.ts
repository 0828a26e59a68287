/**
 * A DNN-style input (FeatureInputs.flat) takes its single-id fields as one block in training: one
 * [batch, Σ dim] input that the feeder fills a lookup's columns at a time, and a gradient output
 * per lookup cut from the block's. Checked against the tables and against finite differences of
 * the loss through the ONNX Runtime training graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Batch, FeatureSpec } from '../../src/data/batch.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { gradientOf } from '../../src/layers/build-context.js';
import { BatchFeeder } from '../../src/train/batch-feeder.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Random } from '../../src/util/random.js';

const DIM = 4;
const spec: FeatureSpec = {
  categorical: [
    { name: 'a', cardinality: 20 },
    { name: 'b', cardinality: 7 },
    { name: 'c', cardinality: 11 },
  ],
  multiValue: [{ name: 'tags', cardinality: 9, maxLength: 3, pooling: 'mean' }],
  numeric: ['x'],
  tasks: [{ name: 'click', kind: 'binary' }],
};

function batchOf(n: number, rng: Random): Batch {
  const categorical = new Map(spec.categorical.map((f) => [f.name, Int32Array.from({ length: n }, () => rng.int(f.cardinality))]));
  const tags = { ids: Int32Array.from({ length: n * 3 }, () => rng.int(9)), mask: Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? 0 : 1)), maxLength: 3 };
  return {
    size: n,
    categorical,
    multiValue: new Map([['tags', tags]]),
    dense: Float32Array.from({ length: n }, () => rng.normal()),
    labels: new Map([['click', Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0))]]),
  };
}

test('single-id fields: one block input fed from the tables, and per-lookup gradients that match finite differences of the loss', async () => {
  const model = new RankingModel(spec, RankingModel.parseModelSpec('dnn', { embeddingDim: DIM, hiddenUnits: [8] }), { task: 'click', kind: 'binary', offset: 0 }, undefined, 4);
  const { bytes, built } = model.trainingGraph();
  const singles = built.ctx.lookups.filter((l) => l.block);
  assert.deepEqual(
    singles.map((l) => [l.feature, l.block!.offset, l.block!.width]),
    [
      ['a', 0, 12],
      ['b', 4, 12],
      ['c', 8, 12],
    ],
  );
  const block = singles[0]!.input;
  assert.ok(singles.every((l) => l.input === block), 'the three share one input');
  assert.deepEqual(built.graph.findInput(block)!.sym.shape, ['batch', 12]);
  assert.equal(built.ctx.lookups.find((l) => l.feature === 'tags')?.block, undefined, 'a multi-value field keeps its own input');

  const session = await OnnxSession.create(bytes, { threads: 1 });
  const rng = new Random(8);
  const batch = batchOf(12, rng);
  const feeder = new BatchFeeder(built.ctx, model.params, 1, 'click');
  const feeds = feeder.feeds(batch);
  const fed = feeds[block]!.data as Float32Array;
  for (const lookup of singles) {
    const table = model.params.tables.get(lookup.table)!.data;
    const ids = batch.categorical.get(lookup.feature)!;
    for (let i = 0; i < batch.size; i++) {
      assert.deepEqual([...fed.subarray(i * 12 + lookup.block!.offset, i * 12 + lookup.block!.offset + DIM)], [...table.subarray(ids[i]! * DIM, (ids[i]! + 1) * DIM)], `${lookup.feature} row ${i}`);
    }
  }

  const fetches = ['loss', ...singles.map(gradientOf)];
  const out = await session.run(feeds, fetches);
  const loss = async () => ((await session.run(feeder.feeds(batch), ['loss'])).loss as Float32Array)[0]!;
  const eps = 2e-3;
  let checked = 0;
  for (const lookup of singles) {
    const table = model.params.tables.get(lookup.table)!.data;
    const ids = batch.categorical.get(lookup.feature)!;
    const grad = out[gradientOf(lookup)] as Float32Array;
    assert.equal(grad.length, batch.size * DIM);
    const row = ids[0]!;
    for (const k of [0, DIM - 1]) {
      let analytic = 0;
      for (let i = 0; i < batch.size; i++) if (ids[i] === row) analytic += grad[i * DIM + k]!;
      const w = table[row * DIM + k]!;
      table[row * DIM + k] = w + eps;
      const up = await loss();
      table[row * DIM + k] = w - eps;
      const down = await loss();
      table[row * DIM + k] = w;
      const numeric = (up - down) / (2 * eps);
      assert.ok(Math.abs(numeric - analytic) <= 2e-4 + 0.02 * Math.abs(analytic), `${lookup.feature} row ${row} column ${k}: finite differences ${numeric}, gradient ${analytic}`);
      assert.ok(Math.abs(analytic) > 1e-5, `${lookup.feature}: a gradient that can tell a wrong column`);
      checked++;
    }
  }
  assert.equal(checked, 6);
  await session.release();
});
