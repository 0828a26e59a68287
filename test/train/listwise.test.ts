import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureSpec } from '../../src/data/batch.js';
import { ConfigError } from '../../src/errors.js';
import { ndcgAtK } from '../../src/metrics/ndcg.js';
import { parseRunConfig } from '../../src/train/run-config.js';
import { ListBatcher } from '../../src/train/listwise.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { Random } from '../../src/util/random.js';
import { MemorySource } from '../support/memory-source.js';
import { range, trainConfig } from './fixtures.js';

test('ListBatcher: every row once per epoch, near-equal lists of at most listSize, padding copies a row of its list under mask 0', () => {
  const groups = [range(21), range(3, 21), range(1, 24), range(45, 25)];
  const batcher = new ListBatcher(groups, 20, 50);
  // The one-row group is dropped; 21 rows -> 2 lists, 3 -> 1, 45 -> 3.
  assert.equal(batcher.numLists, 6);
  assert.equal(batcher.listsPerBatch, 2);
  assert.equal(batcher.rowsPerBatch, 40);
  assert.equal(batcher.stepsPerEpoch, 3);
  const groupOf = new Map<number, number>();
  groups.forEach((g, k) => g.forEach((r) => groupOf.set(r, k)));
  const rng = new Random(5);
  const { order, mask } = batcher.epoch(rng);
  assert.equal(order.length, 6 * 20);
  const seen: number[] = [];
  const sizes: number[] = [];
  for (let l = 0; l < 6; l++) {
    const rows = order.subarray(l * 20, (l + 1) * 20);
    const m = mask.subarray(l * 20, (l + 1) * 20);
    const real = m.reduce((a, b) => a + b, 0);
    sizes.push(real);
    assert.deepEqual(Array.from(m), [...Array<number>(real).fill(1), ...Array<number>(20 - real).fill(0)]);
    const group = groupOf.get(rows[0]!);
    assert.ok(rows.every((r) => groupOf.get(r) === group), `list ${l} mixes groups`);
    assert.ok(rows.subarray(real).every((r) => rows.subarray(0, real).includes(r)), `list ${l} pads with a row from elsewhere`);
    seen.push(...rows.subarray(0, real));
  }
  assert.deepEqual(seen.sort((a, b) => a - b), [...range(21), ...range(3, 21), ...range(45, 25)].sort((a, b) => a - b));
  assert.deepEqual(sizes.sort((a, b) => a - b), [3, 10, 11, 15, 15, 15]);
  // Seeded: the same seed, the same epoch; the next epoch reshuffles.
  assert.deepEqual(new ListBatcher(groups, 20, 50).epoch(new Random(5)).order, order);
  assert.notDeepEqual(batcher.epoch(rng).order, order);
  assert.throws(() => new ListBatcher(groups, 20, 10), (e: unknown) => e instanceof ConfigError && /batchSize 10 is smaller than train.listwise.listSize 20/.test(e.message));
  assert.throws(() => new ListBatcher([range(1), range(1, 5)], 20, 50), /at least two training rows/);
});

/** Users rate items; relevance 0..3 is mostly the item's quality, which the model must learn from the item id. */
function ratings(users: number, perUser: number, seed: number) {
  const rng = new Random(seed);
  const quality = Int32Array.from({ length: 40 }, () => rng.int(4));
  const user: number[] = [];
  const item: number[] = [];
  const label: number[] = [];
  for (let u = 0; u < users; u++) {
    for (const i of rng.permutation(40).subarray(0, perUser)) {
      user.push(u);
      item.push(i);
      label.push(rng.next() < 0.8 ? quality[i]! : rng.int(4));
    }
  }
  return new MemorySource({ categorical: { user: Int32Array.from(user), item: Int32Array.from(item) }, dense: { names: [], values: new Float32Array(0) }, labels: { rating: Float32Array.from(label) } });
}

const spec: FeatureSpec = { categorical: [{ name: 'user', cardinality: 80 }, { name: 'item', cardinality: 40 }], multiValue: [], numeric: [], tasks: [{ name: 'rating', kind: 'regression' }] };

for (const loss of ['listmle', 'pairwise-hinge', 'pairwise-logistic', 'pairwise-soft-zero-one'] as const) {
  test(`listwise ${loss} training learns to rank held-out users' items, deterministically`, async () => {
    const source = ratings(80, 12, 3);
    const train = { source, rows: range(60 * 12) };
    const test = { source, rows: range(20 * 12, 60 * 12) };
    const run = async () => {
      const model = new RankingModel(spec, RankingModel.parseModelSpec('dnn', { embeddingDim: 8, hiddenUnits: [16] }), { task: 'rating', kind: 'regression', offset: 0 }, undefined, 4);
      const config = trainConfig({ epochs: 4, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.01 }, metrics: ['ndcg@5'], groupBy: 'user', listwise: { groupBy: 'user', listSize: 8, loss } });
      const result = await new Trainer(model, config).fit(train, test);
      return result.history.map((h) => h.validation['ndcg@5']!);
    };
    const history = await run();
    const scored = await source.batches(test.rows, test.rows.length)[Symbol.iterator]().next().value!;
    const rng = new Random(9);
    const random = ndcgAtK(scored.labels.get('rating')!, Float32Array.from({ length: test.rows.length }, () => rng.next()), scored.categorical.get('user')!, 5);
    console.log(`listwise ${loss}: ndcg@5 by epoch ${history.map((v) => v.toFixed(4)).join(' ')} (random scores ${random.toFixed(4)})`);
    assert.ok(history.at(-1)! > random + 0.15, `ndcg@5 ${history.at(-1)} vs random ${random}`);
    assert.ok(history.at(-1)! > history[0]! - 0.01, `ndcg@5 fell from ${history[0]} to ${history.at(-1)}`);
    assert.deepEqual(await run(), history);
  });
}

test('listwise config: clear errors for a non-categorical groupBy, a list longer than the batch, an unknown loss, batch norm', async () => {
  const base = {
    data: { train: 'x.csv', format: 'csv' },
    label: { column: 'y', task: 'y', kind: 'regression' },
    features: [{ name: 'user', type: 'categorical' }, { name: 'x', type: 'numeric' }],
    model: { type: 'dnn' },
  };
  const config = (listwise: object, train: object = {}) => parseRunConfig({ ...base, train: { ...train, listwise } }, 'run.yaml');
  assert.equal(config({ groupBy: 'user' }).train.listwise!.loss, 'listmle');
  assert.throws(() => config({ groupBy: 'x' }), (e: unknown) => e instanceof ConfigError && /train\.listwise\.groupBy.*'x' is not a categorical feature; one of: user/.test(e.message));
  assert.throws(() => config({ groupBy: 'user', listSize: 64 }, { batchSize: 32 }), (e: unknown) => e instanceof ConfigError && /listwise\.listSize.*at most train\.batchSize/.test(e.message));
  assert.throws(() => config({ groupBy: 'user', loss: 'lambda' }), (e: unknown) => e instanceof ConfigError && /listwise\.loss/.test(e.message));
  assert.throws(() => config({ groupBy: 'user', listSize: 1 }), (e: unknown) => e instanceof ConfigError && /listwise\.listSize/.test(e.message));

  const source = ratings(4, 5, 1);
  const model = new RankingModel(spec, RankingModel.parseModelSpec('dnn', { embeddingDim: 4, hiddenUnits: [4], batchNorm: true }), { task: 'rating', kind: 'regression', offset: 0 });
  const trainer = new Trainer(model, trainConfig({ epochs: 1, batchSize: 16, listwise: { groupBy: 'user', listSize: 4 } }));
  await assert.rejects(trainer.fit({ source, rows: range(20) }), (e: unknown) => e instanceof ConfigError && /batch normalization/.test(e.message));
});
