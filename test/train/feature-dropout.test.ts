import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Batch, FeatureSpec } from '../../src/data/batch.js';
import { ConfigError } from '../../src/errors.js';
import { auc } from '../../src/metrics/index.js';
import { FeatureDropout } from '../../src/train/feature-dropout.js';
import { Predictor } from '../../src/train/predict.js';
import { RankingModel } from '../../src/train/ranking-model.js';
import { parseRunConfig } from '../../src/train/run-config.js';
import { Trainer } from '../../src/train/trainer.js';
import { Random } from '../../src/util/random.js';
import { exampleConfig } from '../support/real-data.js';
import { assertClose, assertSameTensors, FixedBatches, makeBatch, range, sigmoid, trainConfig, withTempDir, xorSource, xorSpec } from './fixtures.js';

function bigBatch(n: number): Batch {
  const rng = new Random(3);
  const user = Int32Array.from({ length: n }, () => 1 + rng.int(1000));
  const item = Int32Array.from({ length: n }, () => 1 + rng.int(50));
  return { size: n, categorical: new Map([['user', user], ['item', item]]), multiValue: new Map(), dense: new Float32Array(0), labels: new Map([['click', new Float32Array(n)]]) };
}
const bigSpec = { categorical: [{ name: 'user', cardinality: 1001 }, { name: 'item', cardinality: 51 }] };

test('replaces each id by the OOV id 0 with probability p; other ids, other features and the input batch are untouched', () => {
  const n = 100_000;
  const batch = bigBatch(n);
  const original = batch.categorical.get('user')!.slice();
  for (const p of [0.1, 0.3, 0.7]) {
    const out = new FeatureDropout({ user: p }, bigSpec, 2026).apply(batch, 1);
    const ids = out.categorical.get('user')!;
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (ids[i] === 0) dropped++;
      else assert.equal(ids[i], original[i], `row ${i}: a kept id changed`);
    }
    console.log(`feature dropout p = ${p}: dropped fraction ${(dropped / n).toFixed(4)} of ${n} rows`);
    // 5 standard deviations of a binomial fraction at n = 100k are below 0.0075.
    assert.ok(Math.abs(dropped / n - p) < 0.0075, `dropped fraction ${dropped / n} for p = ${p}`);
    assert.equal(out.categorical.get('item'), batch.categorical.get('item'));
    assert.equal(out.labels, batch.labels);
  }
  assert.deepEqual(batch.categorical.get('user'), original);
});

test('the same seed and step give the same mask; another step or seed another one; p = 0 is a no-op', () => {
  const batch = bigBatch(1000);
  const mask = (seed: number, step: number) => new FeatureDropout({ user: 0.5 }, bigSpec, seed).apply(batch, step).categorical.get('user')!.slice();
  assert.deepEqual(mask(7, 3), mask(7, 3));
  assert.notDeepEqual(mask(7, 3), mask(7, 4));
  assert.notDeepEqual(mask(7, 3), mask(8, 3));
  assert.equal(new FeatureDropout({ user: 0 }, bigSpec, 7).apply(batch, 1), batch);
  assert.equal(new FeatureDropout({}, bigSpec, 7).apply(batch, 1), batch);
});

test('a rate outside [0, 1) or a feature the model does not have is a ConfigError naming the field', () => {
  for (const [rates, field, message] of [
    [{ user: 1 }, 'train.featureDropout.user', /\[0, 1\)/],
    [{ user: -0.1 }, 'train.featureDropout.user', /\[0, 1\)/],
    [{ genre: 0.2 }, 'train.featureDropout.genre', /not a single-valued categorical feature.*user, item/],
  ] as const) {
    assert.throws(() => new FeatureDropout(rates, bigSpec, 1), (error: unknown) => error instanceof ConfigError && error.location.field === field && message.test(error.message));
  }
});

test('config: train.featureDropout takes vocabulary features only, with p in [0, 1)', () => {
  const base = exampleConfig('movielens-100k.yaml');
  const withDropout = (featureDropout: unknown, features = base.features) => parseRunConfig({ ...base, features, train: { ...(base.train as object), featureDropout } });
  assert.deepEqual(withDropout({ user: 0.3, item: 0 }).train.featureDropout, { user: 0.3, item: 0 });
  assert.equal(parseRunConfig(base).train.featureDropout, undefined);
  const fails = (featureDropout: unknown, expected: RegExp, features = base.features) =>
    assert.throws(() => withDropout(featureDropout, features), (error: unknown) => error instanceof ConfigError && expected.test(error.message), `${JSON.stringify(featureDropout)}`);
  fails({ user: 1 }, /^train\.featureDropout\.user: expected a fraction in \[0, 1\)/);
  fails({ user: -0.5 }, /^train\.featureDropout\.user: expected a fraction in \[0, 1\)/);
  fails({ user: 'high' }, /^train\.featureDropout\.user: expected a fraction in \[0, 1\)/);
  fails([0.3], /^train\.featureDropout: /);
  fails({ users: 0.3 }, /^train\.featureDropout\.users: 'users' is not a categorical feature with a vocabulary.*one of: user, item, gender, occupation, zip_prefix$/);
  fails({ age_bucket: 0.3 }, /^train\.featureDropout\.age_bucket: 'age_bucket' is not a categorical feature with a vocabulary/);
  fails({ genres: 0.3 }, /^train\.featureDropout\.genres: 'genres' is not a categorical feature with a vocabulary/);
  const hashed = (base.features as { name: string }[]).map((f) => (f.name === 'user' ? { ...f, hashBuckets: 1000 } : f));
  fails({ user: 0.3 }, /^train\.featureDropout\.user: 'user' is not a categorical feature with a vocabulary \(hashed/, hashed);
});

test('one SGD step with dropout: the OOV row moves by -lr · (sum of the dropped rows\' gradients), kept rows by their own', async () => {
  // Logistic regression z = A[a] + B[b] + w·x + bias: a table row's gradient is the sum of its samples' dL/dz.
  const spec: FeatureSpec = { categorical: [{ name: 'a', cardinality: 20 }, { name: 'b', cardinality: 5 }], multiValue: [], numeric: ['x'], tasks: [{ name: 'click', kind: 'binary' }] };
  const a = [3, 7, 3, 1, 3, 7, 12, 3, 5, 9, 11, 3];
  const b = [0, 1, 2, 1, 4, 0, 2, 1, 3, 3, 2, 0];
  const x = [0.5, -1, 2, 0.1, -0.3, 1.2, 0, -2, 0.7, -0.4, 1, 0.2];
  const y = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1];
  const batch = makeBatch({ categorical: { a, b }, dense: x.map((v) => [v]), labels: { click: y } });
  const seed = 5;
  const lr = 0.5;
  const model = new RankingModel(spec, RankingModel.parseModelSpec('lr', {}), { task: 'click', kind: 'binary', offset: 0 }, undefined, seed);
  model.build('eval');
  const before = model.params.snapshot();
  await new Trainer(model, trainConfig({ epochs: 1, batchSize: a.length, seed, optimizer: { type: 'sgd', learningRate: lr }, featureDropout: { a: 0.4 } })).fit({ source: new FixedBatches([batch]), rows: range(a.length) });
  const after = model.params.snapshot();

  const dropped = Array.from(new FeatureDropout({ a: 0.4 }, spec, seed).apply(batch, 1).categorical.get('a')!);
  const droppedRows = dropped.filter((id, i) => id === 0 && a[i] !== 0).length;
  assert.ok(droppedRows >= 2 && droppedRows <= a.length - 2, `the mask drops ${droppedRows} of ${a.length} rows: the check would be vacuous`);
  const [A, B] = [before.get('linear/a')!, before.get('linear/b')!];
  const [w, bias] = [before.get('linear/numeric')![0]!, before.get('linear/bias')![0]!];
  const e = y.map((label, i) => (sigmoid(A[dropped[i]!]! + B[b[i]!]! + w * x[i]! + bias) - label) / y.length);
  const expected = A.slice();
  dropped.forEach((id, i) => (expected[id] = expected[id]! - lr * e[i]!));
  for (let r = 0; r < A.length; r++) assertClose(after.get('linear/a')![r]!, expected[r]!, 1e-6, `linear/a row ${r}`);
  assert.notEqual(after.get('linear/a')![0], A[0], 'the OOV row did not move');
  // A row all of whose samples were dropped is not touched at all.
  for (const id of new Set(a)) if (!dropped.includes(id)) assert.equal(after.get('linear/a')![id], A[id], `row ${id}: only dropped samples, yet it moved`);
});

async function trainXor(featureDropout?: Record<string, number>, { epochs = 2, checkpointDir, resume = false }: { epochs?: number; checkpointDir?: string; resume?: boolean } = {}) {
  const model = new RankingModel(xorSpec, RankingModel.parseModelSpec('dnn', { embeddingDim: 8 }), { task: 'click', kind: 'binary', offset: 0 }, undefined, 11);
  const trainer = new Trainer(model, trainConfig({ epochs, batchSize: 128, seed: 11, optimizer: { learningRate: 0.01 }, ...(featureDropout ? { featureDropout } : {}) }));
  const source = xorSource(2000, 4);
  const result = await trainer.fit({ source, rows: range(1500) }, { source, rows: range(500, 1500) }, { ...(checkpointDir ? { checkpointDir } : {}), resume });
  return { model, result, source };
}

test('same seed -> same training with feature dropout; dropout changes the training', async () => {
  const [one, two, none] = [await trainXor({ a: 0.3, b: 0.3 }), await trainXor({ a: 0.3, b: 0.3 }), await trainXor()];
  assertSameTensors(one.model.params.snapshot(), two.model.params.snapshot());
  assert.deepEqual(one.result.history.map((h) => h.validation), two.result.history.map((h) => h.validation));
  assert.notDeepEqual(one.model.params.snapshot().get('emb/a'), none.model.params.snapshot().get('emb/a'));
});

test('a resumed run draws the same dropout masks as an uninterrupted one', async () => {
  await withTempDir(async (dir) => {
    await trainXor({ a: 0.3 }, { epochs: 1, checkpointDir: dir });
    const resumed = await trainXor({ a: 0.3 }, { epochs: 3, checkpointDir: dir, resume: true });
    const straight = await trainXor({ a: 0.3 }, { epochs: 3 });
    assertSameTensors(resumed.model.params.snapshot(), straight.model.params.snapshot());
  });
});

test('evaluation and prediction read the real ids: no dropout outside training', async () => {
  const { model, result, source } = await trainXor({ a: 0.5, b: 0.5 });
  const rows = range(500, 1500);
  const predictor = await Predictor.create(model, 1);
  const first = await predictor.predict(source, rows, { task: 'click' });
  const second = await predictor.predict(source, rows, { task: 'click' });
  assert.deepEqual(first.predictions, second.predictions, 'predictions vary from call to call');
  // fit's validation metric is the predictor's, on ids as they are.
  assertClose(result.history.at(-1)!.validation.auc!, auc(first.labels!, first.predictions), 1e-9, 'validation auc');
  // With p = 0.5 a dropping predictor would score about half the rows as OOV: the scores of the
  // real ids must differ from the all-OOV ones on nearly every row.
  const [batch] = [...source.batches(rows, rows.length)];
  const zeros = new Map([...batch!.categorical.keys()].map((name): [string, Int32Array] => [name, new Int32Array(batch!.size)]));
  const oov = await predictor.predict(new FixedBatches([{ ...batch!, categorical: zeros }]), rows);
  const same = first.predictions.filter((p, i) => Math.abs(p - oov.predictions[i]!) < 1e-6).length;
  assert.ok(same < rows.length * 0.05, `${same} of ${rows.length} rows score as if their ids were OOV`);
  await predictor.release();
});
