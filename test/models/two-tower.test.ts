import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureSpec } from '../../src/data/batch.js';
import { ConfigError } from '../../src/errors.js';
import { OnnxSession } from '../../src/engine/runtime.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { Trainer } from '../../src/train/trainer.js';
import { Predictor } from '../../src/train/predict.js';
import { evaluateRetrieval } from '../../src/train/retrieval.js';
import { Random } from '../../src/util/random.js';
import { MemorySource } from '../support/memory-source.js';
import { trainConfig, withTempDir } from '../train/fixtures.js';
import { saveModel, loadModel } from '../../src/train/model-artifact.js';
import { join } from 'node:path';

const spec: FeatureSpec = {
  categorical: [
    { name: 'user', cardinality: 200 },
    { name: 'item', cardinality: 91 },
  ],
  multiValue: [],
  numeric: ['age', 'price'],
  tasks: [{ name: 'click', kind: 'binary' }],
};
const head = { task: 'click', kind: 'binary' as const, offset: 0 };
const towers = { userFeatures: ['user', 'age'], itemFeatures: ['item', 'price'], embeddingDim: 8, hiddenUnits: [16], outputDim: 8 };

/**
 * 200 users, each of taste g = user % 3, with 8 distinct items of group g (items ≡ g + 1 mod 3,
 * popular ones, low ids, more often): the first 6 of each user train, the last 2 test.
 */
function interactions(seed: number): { source: MemorySource; train: Int32Array; test: Int32Array } {
  const rng = new Random(seed);
  const user: number[] = [];
  const item: number[] = [];
  const dense: number[] = [];
  const train: number[] = [];
  const test: number[] = [];
  for (let u = 1; u < 200; u++) {
    const seen = new Set<number>();
    while (seen.size < 8) seen.add(1 + (u % 3) + 3 * Math.floor(rng.next() ** 2 * 30));
    [...seen].forEach((i, k) => {
      (k < 6 ? train : test).push(user.length);
      user.push(u);
      item.push(i);
      dense.push((u % 7) / 7, (i % 5) / 5);
    });
  }
  const source = new MemorySource({ categorical: { user: Int32Array.from(user), item: Int32Array.from(item) }, dense: { names: ['age', 'price'], values: Float32Array.from(dense) }, labels: { click: new Float32Array(user.length).fill(1) } });
  return { source, train: Int32Array.from(train), test: Int32Array.from(test) };
}

const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

function model(config: Record<string, unknown> = {}, seed = 5): RankingModel {
  return new RankingModel(spec, RankingModel.parseModelSpec('two-tower', { ...towers, ...config }), head, undefined, seed);
}

test('two-tower: tower features are checked against the feature spec with errors naming the field', () => {
  const fails = (config: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => model(config).build('eval'), (e: unknown) => e instanceof ConfigError && pattern.test(e.message), JSON.stringify(config));
  fails({ userFeatures: ['user', 'city'] }, /^model\.userFeatures\[1\]: 'city' is not a feature of the data; one of: user, item, age, price$/);
  fails({ itemFeatures: ['item', 'age'] }, /'age' also in userFeatures; each feature feeds one tower/);
  fails({ itemFeatures: ['price'] }, /needs a categorical item id feature among itemFeatures \(none\)/);
  fails({ itemIdFeature: 'user' }, /^model\.itemIdFeature:/);
  assert.throws(() => RankingModel.parseModelSpec('two-tower', { itemFeatures: ['item'] }), /userFeatures/);
  // The log-q state must be fitted from training rows before a training graph is built.
  assert.throws(() => model().trainingGraph(), /item frequencies are not fitted; call model\.fitState\(train\)/);
});

test('two-tower: fitState sets log q_j = log(count_j / rows) of the item ids', () => {
  const m = model();
  const source = new MemorySource({ categorical: { user: Int32Array.of(1, 2, 3, 4), item: Int32Array.of(5, 5, 5, 7) }, dense: { names: ['age', 'price'], values: new Float32Array(8) }, labels: { click: new Float32Array(4) } });
  m.fitState({ source, rows: all(4) });
  const logQ = m.params.state.get('two_tower/item_log_q')!.data;
  assert.ok(Math.abs(logQ[5]! - Math.log(0.75)) < 1e-6 && Math.abs(logQ[7]! - Math.log(0.25)) < 1e-6, `${logQ[5]} ${logQ[7]}`);
  assert.ok(Math.abs(logQ[6]! - Math.log(0.25)) < 1e-6, 'an unseen item is counted once');
});

test('two-tower trains by in-batch softmax, deterministically, retrieves better than chance, predicts cosines', async () => {
  const data = interactions(1);
  const source = data.source;
  const train = { source, rows: data.train };
  const test = { source, rows: data.test };
  const fit = async () => {
    const m = model();
    m.fitState(train);
    const result = await new Trainer(m, trainConfig({ epochs: 8, batchSize: 64, optimizer: { learningRate: 0.01 }, seed: 3 })).fit(train);
    return { m, losses: result.history.map((h) => h.trainLoss) };
  };
  const [a, b] = [await fit(), await fit()];
  console.log('two-tower synthetic train loss', a.losses.map((l) => l.toFixed(4)).join(' '));
  assert.deepEqual(a.losses, b.losses, 'same seed, same losses');
  assert.ok(a.losses.at(-1)! < a.losses[0]! - 0.1, `loss did not fall: ${a.losses}`);

  // A user's 2 test items are among the ~84 items they did not train on, 24 of them of their group:
  // Recall@10 by chance is about 0.12, knowing the group alone about 0.4 (popularity within it aside).
  const { recall } = await evaluateRetrieval(a.m, { train, test, userFeature: 'user', itemFeature: 'item', ks: [10] });
  console.log('two-tower synthetic recall@10', recall[10]!.toFixed(4));
  assert.ok(recall[10]! > 0.4, `recall@10 ${recall[10]}`);

  // The prediction is the cosine of the towers, the same from the exported model fed raw ids.
  const predictor = await Predictor.create(a.m, 1);
  const rows = all(5);
  const { predictions } = await predictor.predict(source, rows);
  await predictor.release();
  assert.ok(predictions.every((p) => p >= -1 && p <= 1));
  const exported = await OnnxSession.create(a.m.exportOnnx(), { threads: 1 });
  const [batch] = source.batches(rows, 5);
  const served = (await exported.run({
    user: { data: BigInt64Array.from(batch!.categorical.get('user')!, BigInt), shape: [5] },
    item: { data: BigInt64Array.from(batch!.categorical.get('item')!, BigInt), shape: [5] },
    dense: { data: batch!.dense, shape: [5, 2] },
  })).prediction as Float32Array;
  served.forEach((p, i) => assert.ok(Math.abs(p - predictions[i]!) < 1e-5, `row ${i}: ${p} vs ${predictions[i]}`));
  await exported.release();

  // A saved and reloaded model retrieves the same.
  await withTempDir(async (dir) => {
    await saveModel(join(dir, 'two-tower'), a.m);
    const { model: loaded } = await loadModel(join(dir, 'two-tower'));
    const again = await evaluateRetrieval(loaded, { train, test, userFeature: 'user', itemFeature: 'item', ks: [10] });
    assert.equal(again.recall[10], recall[10]);
  });
});
